"""Settings from ``git config`` (``aptool.*``), the way b4 reads ``b4.*``."""

from __future__ import annotations

from pathlib import Path

from aptool.git.repo import config_key, read_config

DEFAULT_ARCHIVE = "https://lore.kernel.org/all"


def git_config(key: str, repo: Path | None = None) -> str | None:
    """The value of ``key`` as git sees it from ``repo`` (or anywhere), or None."""
    return read_config(repo).get(config_key(key)) or None


def archive_location(explicit: str | None, repo: Path | None = None) -> str:
    """Which archive to ask: ``--archive``, ``aptool.archive``, b4's midmask, lore."""
    if explicit:
        return explicit
    settings = read_config(repo)  # read once for both keys
    configured = settings.get("aptool.archive")
    if configured:
        return configured
    midmask = settings.get("b4.midmask")
    if midmask and "%s" in midmask:
        return midmask.split("%s", 1)[0].rstrip("/")
    return DEFAULT_ARCHIVE
