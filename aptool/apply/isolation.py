"""Run git in aptool's scratch worktree so that nothing of the user's can leak in or out.

A linked worktree has its own HEAD, index and ``git am`` state, but it shares
the configuration, hooks and object store with the user's checkout.  Every
command we run there pins the settings that would otherwise let the user's
configuration act on our worktree (hooks, rerere, auto-gc, whitespace fixes,
sparse-checkout, fsmonitor, signing) or let git's environment variables point
our commands at the user's index.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from aptool.errors import RepositoryError
from aptool.git import run as runner

SCRATCH_CONFIG: tuple[str, ...] = (
    "core.hooksPath=/dev/null",  # no post-checkout, applypatch-msg, pre-applypatch, ...
    "core.sparseCheckout=true",  # with our own pattern file, whatever the user's checkout uses
    "core.sparseCheckoutCone=false",
    "index.sparse=false",
    "core.fsmonitor=false",
    "core.autocrlf=false",
    "core.splitIndex=false",
    "commit.gpgSign=false",
    "rerere.enabled=false",  # neither reuse nor record the user's conflict resolutions
    "rerere.autoUpdate=false",
    "gc.auto=0",  # git am ends with "gc --auto": it would pack the user's refs
    "maintenance.auto=false",
    "apply.whitespace=nowarn",  # "fix" would change the blobs we verify
    "am.keepcr=false",
    "am.messageid=false",
    "am.threeWay=false",
    "mailinfo.scissors=false",
    "submodule.recurse=false",
    "advice.detachedHead=false",
)

FALLBACK_IDENTITY = {"GIT_COMMITTER_NAME": "aptool", "GIT_COMMITTER_EMAIL": "aptool@localhost.invalid"}


def run(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    scratch: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run git in ``cwd``; the result whatever the exit code."""
    return runner.run(cwd, *args, input=input, env=env, config=SCRATCH_CONFIG if scratch else ())


def check(
    cwd: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    scratch: bool = True,
) -> str:
    """Run git in ``cwd`` and return stdout; a failure is a one-line RepositoryError."""
    proc = run(cwd, *args, input=input, env=env, scratch=scratch)
    if proc.returncode != 0:
        raise RepositoryError(f"git {args[0]} failed: {last_line(proc)}")
    return proc.stdout.decode("utf-8", "replace")


def last_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    return runner.last_line(proc)


def committer_env(repo: Path) -> dict[str, str]:
    """A committer identity for the commits we make: the user's, or a stand-in when git has none."""
    proc = run(repo, "var", "GIT_COMMITTER_IDENT", scratch=False)
    return {} if proc.returncode == 0 else dict(FALLBACK_IDENTITY)
