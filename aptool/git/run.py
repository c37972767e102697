"""The one runner for the git commands GitPython has no API for.

Every git process aptool starts goes through here, so that every one gets
the same environment: no pager, no prompts, C-locale messages, and none of
the variables a git hook sets (``GIT_DIR``, ``GIT_INDEX_FILE``,
``GIT_WORK_TREE``, ...).  Inherited, those would point our commands at the
hook's repository and index instead of the one we name with ``-C``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from aptool.errors import RepositoryError

DEVNULL = subprocess.DEVNULL

# Variables that redirect git to another repository, index or work tree.  git
# sets them for its hooks (``git am`` runs pre-applypatch with GIT_DIR and
# GIT_INDEX_FILE); a command we run must find its repository from ``-C``.
REDIRECTING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)


def git_env(extra: Mapping[str, str] | None = None, *, inherit: bool = True) -> dict[str, str]:
    """The environment git runs in: quiet, C locale, not redirected (unless ``extra`` redirects it).

    ``inherit`` False starts from nothing but ``extra`` instead of aptool's own environment.
    """
    base = os.environ if inherit else {}
    env = {name: value for name, value in base.items() if name not in REDIRECTING}
    env.update({"GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANG": "C"})
    if extra:
        env.update(extra)
    return env


def command(repo: Path | str | None, args: Sequence[str], config: Sequence[str] = ()) -> list[str]:
    """``git [-C repo] [-c item]... args``."""
    cmd = ["git"]
    if repo is not None:
        cmd += ["-C", str(repo)]
    for item in config:
        cmd += ["-c", item]
    return cmd + [str(a) for a in args]


def run(
    repo: Path | str | None,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    config: Sequence[str] = (),
    inherit: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo args`` (no ``-C`` when ``repo`` is None); the result whatever the exit code.

    ``config`` items go in as ``-c`` options; ``env`` adds to the quiet environment
    (to nothing else when ``inherit`` is False).
    """
    return subprocess.run(
        command(repo, args, config),
        input=input,
        capture_output=True,
        env=git_env(env, inherit=inherit),
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def popen(
    repo: Path | str | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    config: Sequence[str] = (),
    stderr: int = subprocess.PIPE,
) -> subprocess.Popen[bytes]:
    """Start ``git -C repo args`` with pipes on stdin and stdout, for output read as a stream."""
    return subprocess.Popen(
        command(repo, args, config),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=git_env(env),
    )


def last_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    """git's own last message line (hints left out), the way git reports a failure."""
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("hint:")]
    return lines[-1].strip() if lines else f"exit {proc.returncode}"


def git_bytes(
    repo: Path | str | None,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    config: Sequence[str] = (),
) -> bytes:
    """Run ``git -C repo args`` and return stdout as bytes.

    With ``check``, a failure raises :class:`RepositoryError`: ``git <cmd> failed: <git's last line>``.
    """
    proc = run(repo, *args, input=input, env=env, config=config)
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = stderr[-1] if stderr else f"exit {proc.returncode}"
        raise RepositoryError(f"git {args[0]} failed: {detail}")
    return proc.stdout


def git(
    repo: Path | str | None,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    config: Sequence[str] = (),
) -> str:
    """Run ``git -C repo args`` and return stdout as text (see :func:`git_bytes`)."""
    return git_bytes(repo, *args, input=input, env=env, check=check, config=config).decode("utf-8", "replace")


def git_ok(repo: Path | str | None, *args: str) -> bool:
    """True when ``git -C repo args`` exits 0 (for questions, not actions)."""
    return run(repo, *args).returncode == 0


def commit_id(repo: Path | str | None, rev: str) -> str | None:
    """The full id of the commit ``rev`` names (a tag is peeled), or None when it names no commit."""
    return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).strip() or None
