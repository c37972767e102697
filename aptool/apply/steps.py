"""Named points in an apply run, and a test hook that kills the process at one of them.

``APTOOL_TEST_KILL_AT=<step>`` makes the process send itself SIGKILL when it
reaches ``<step>``: the kill tests use it to prove that a run dying anywhere
leaves the user's checkout alone and the next run cleans up.  Steps:
``worktree`` (scratch worktree made), ``am-running:<k>`` (``git am`` of patch k
started, still running), ``am-stopped`` (``git am`` stopped on a conflict, its
state on disk), ``am:<k>`` (k patches applied), ``applied`` (all applied and
verified, refs untouched), ``ref-updated`` (branch and note written, scratch
worktree not yet removed).
"""

from __future__ import annotations

import os
import signal

KILL_ENV = "APTOOL_TEST_KILL_AT"


def checkpoint(step: str) -> None:
    if os.environ.get(KILL_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
