"""The git hook: run the lock checks while ``git am`` applies mail, at commit time and before a push.

``install`` / ``uninstall`` / ``status`` manage the hook scripts (``install``);
``run_hook`` is what the installed script calls (``run``): it runs a hook that
was there before, works out what changed (``targets``), checks it through
the pipeline (``checking``) and decides, from ``aptool.hook.failOn``
(``settings``), whether git may go on.
"""

from __future__ import annotations

from aptool.hook.install import HOOK_TYPES, HookState, install, status, uninstall

__all__ = ["HOOK_TYPES", "HookState", "install", "status", "uninstall"]
