"""Stage 1 of the data flow: mail from a public-inbox archive, remote or local.

``open_archive`` picks the archive the way the user configured it and returns
an object with ``thread(msgid)`` and ``search(query)``, both in raw mail bytes.
"""

from __future__ import annotations

from pathlib import Path

from aptool.archive.base import Archive
from aptool.archive.cache import DEFAULT_TTL, AnswerCache
from aptool.archive.local import LocalArchive
from aptool.archive.msgid import normalize_msgid
from aptool.archive.remote import RemoteArchive
from aptool.config import archive_location
from aptool.git.repo import read_config

__all__ = ["Archive", "LocalArchive", "RemoteArchive", "normalize_msgid", "open_archive"]


def open_archive(
    spec: str | None = None,
    *,
    repo: Path | None = None,
    timeout: float = 30.0,
    use_cache: bool = True,
) -> Archive:
    """The archive named by ``spec`` (URL or path), else the configured one."""
    settings = read_config(repo)  # once for the archive, b4's midmask and the cache's TTL
    location = archive_location(spec, repo, settings)
    if "://" not in location:
        return LocalArchive(Path(location).expanduser())
    cache = None
    if use_cache:
        ttl_text = settings.get("aptool.cachettl")
        ttl = int(ttl_text) if ttl_text and ttl_text.isdigit() else DEFAULT_TTL
        cache = AnswerCache(ttl=ttl)
    return RemoteArchive(location, timeout=timeout, cache=cache)
