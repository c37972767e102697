"""Run git with a fixed, quiet environment and turn its failures into one-line errors."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from aptool.errors import RepositoryError


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment git runs in: no pager, no prompts, C locale messages."""
    env = dict(os.environ)
    env.update({"GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANG": "C"})
    if extra:
        env.update(extra)
    return env


def git(
    repo: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> str:
    """Run ``git -C repo args`` and return stdout as text.

    A failure raises :class:`RepositoryError` carrying git's own last line,
    the way git reports it.
    """
    proc = git_bytes(repo, *args, input=input, env=env, check=check)
    return proc.decode("utf-8", "replace")


def git_bytes(
    repo: Path | str,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> bytes:
    """Run ``git -C repo args`` and return stdout as bytes."""
    cmd = ["git", "-C", str(repo), *args]
    proc = subprocess.run(cmd, input=input, capture_output=True, env=git_env(env))
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit {proc.returncode}"
        raise RepositoryError(f"git {args[0]} failed: {detail}")
    return proc.stdout


def git_ok(repo: Path | str, *args: Sequence[str] | str) -> bool:
    """True when ``git -C repo args`` exits 0 (for questions, not actions)."""
    cmd = ["git", "-C", str(repo), *[str(a) for a in args]]
    return subprocess.run(cmd, capture_output=True, env=git_env()).returncode == 0
