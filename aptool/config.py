"""Settings from ``git config`` (``aptool.*``), the way b4 reads ``b4.*``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aptool.git.repo import read_config

DEFAULT_ARCHIVE = "https://lore.kernel.org/all"


def archive_location(explicit: str | None, repo: Path | None = None, settings: Mapping[str, str] | None = None) -> str:
    """Which archive to ask: ``--archive``, ``aptool.archive``, b4's midmask, lore.

    ``settings`` is the configuration already read (:func:`aptool.git.read_config`), else it is read here.
    """
    if explicit:
        return explicit
    if settings is None:
        settings = read_config(repo)
    configured = settings.get("aptool.archive")
    if configured:
        return configured
    midmask = settings.get("b4.midmask")
    if midmask and "%s" in midmask:
        return midmask.split("%s", 1)[0].rstrip("/")
    return DEFAULT_ARCHIVE
