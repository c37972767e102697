"""An on-disk cache of archive answers, so a second run needs no network.

Entries live under ``$XDG_CACHE_HOME/aptool`` (``~/.cache/aptool``) and are
kept for ``aptool.cacheTTL`` seconds (default one day); ``--no-cache`` skips
the cache both ways.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

DEFAULT_TTL = 24 * 3600


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aptool"


class AnswerCache:
    """Bytes stored by (archive, kind, key); stale entries are ignored."""

    def __init__(self, root: Path | None = None, ttl: int = DEFAULT_TTL) -> None:
        self.root = root or cache_dir()
        self.ttl = ttl

    def _path(self, archive: str, kind: str, key: str) -> Path:
        digest = hashlib.sha256(f"{archive}\0{kind}\0{key}".encode()).hexdigest()
        return self.root / kind / f"{digest}.mbox"

    def get(self, archive: str, kind: str, key: str) -> bytes | None:
        path = self._path(archive, kind, key)
        try:
            if time.time() - path.stat().st_mtime > self.ttl:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, archive: str, kind: str, key: str, data: bytes) -> None:
        """Store atomically; a cache that cannot be written is not an error."""
        path = self._path(archive, kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except OSError:
            pass
