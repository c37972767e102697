"""Settings from ``git config`` (``aptool.*``), the way b4 reads ``b4.*``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from aptool.git.run import git_env

DEFAULT_ARCHIVE = "https://lore.kernel.org/all"


def git_config(key: str, repo: Path | None = None) -> str | None:
    """The value of ``key`` as git sees it from ``repo`` (or anywhere), or None."""
    cmd = ["git"]
    if repo is not None:
        cmd += ["-C", str(repo)]
    cmd += ["config", "--get", key]
    try:
        proc = subprocess.run(cmd, capture_output=True, env=git_env(), timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip() or None


def archive_location(explicit: str | None, repo: Path | None = None) -> str:
    """Which archive to ask: ``--archive``, ``aptool.archive``, b4's midmask, lore."""
    if explicit:
        return explicit
    configured = git_config("aptool.archive", repo)
    if configured:
        return configured
    midmask = git_config("b4.midmask", repo)
    if midmask and "%s" in midmask:
        return midmask.split("%s", 1)[0].rstrip("/")
    return DEFAULT_ARCHIVE
