"""The commit graph of a repository, kept under ``.git/aptool/`` between runs.

Listing every commit of a large repository in topological order costs about
a second; its answer changes only when a ref moves.  The cache is keyed by
the set of ref tips searched, so any ref update makes a fresh listing.  A
cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path

from aptool.git.run import git

Row = tuple[str, tuple[str, ...], int]
_FORMAT = 1


def _cache_file(repo: Path) -> Path | None:
    common = git(repo, "rev-parse", "--git-common-dir", check=False).strip()
    if not common:
        return None
    return (Path(repo) / common).resolve() / "aptool" / "commit-graph.marshal"


def _key(tips: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(tips)).encode()).hexdigest()


def load(repo: Path, tips: list[str]) -> list[Row] | None:
    path = _cache_file(repo)
    try:
        if path is None:
            return None
        with open(path, "rb") as handle:
            data = marshal.load(handle)
        if data.get("format") != _FORMAT or data.get("key") != _key(tips):
            return None
        return [(oid, tuple(parents), time) for oid, parents, time in data["rows"]]
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None


def store(repo: Path, tips: list[str], rows: list[Row]) -> None:
    path = _cache_file(repo)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".graph-")
        with os.fdopen(fd, "wb") as handle:
            marshal.dump({"format": _FORMAT, "key": _key(tips), "rows": rows}, handle)
        os.replace(tmp, path)
    except OSError:
        pass
