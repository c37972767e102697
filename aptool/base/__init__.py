"""Stage 3 of the data flow: the exact commit a series applies to, and its prerequisites.

``find_base`` verifies a ``base-commit:`` trailer, matches every pre-image
blob against the history reachable from any ref, and when no commit holds
them all, finds the list patches that produce the missing blobs.  Among
several candidates the rule in ``select`` chooses.  ``BaseFinder`` keeps a
repository open for many series; ``find_base`` keeps one finder per
repository for the life of the process, so a batch pays start-up once.
"""

from __future__ import annotations

from pathlib import Path

from aptool.archive.base import Archive
from aptool.base.data import BaseResult, FileEvidence, Prerequisite
from aptool.base.finder import BaseFinder
from aptool.base.index import Progress
from aptool.series import Thread

__all__ = ["BaseFinder", "BaseResult", "FileEvidence", "Prerequisite", "close_finders", "find_base"]

_FINDERS: dict[Path, BaseFinder] = {}


def find_base(
    repo: Path | str,
    thread: Thread,
    *,
    version: int | None = None,
    archive: Archive | None = None,
    progress: Progress | None = None,
) -> BaseResult:
    """The base of the thread's series (the newest version unless ``version`` is given).

    The repository stays open in this process for the next call (its refs
    are read again each time).  ``progress`` hears how far updating the
    persistent index has got, when ``aptool index`` has built one.
    Raises ``RepositoryError`` for a missing or empty repository and
    ``MailError`` for a series without usable diffs.
    """
    key = Path(repo).resolve()
    finder = _FINDERS.get(key)
    if finder is None:
        finder = _FINDERS[key] = BaseFinder(key, progress)
    finder.progress = progress
    return finder.find(thread, version=version, archive=archive)


def close_finders() -> None:
    """Close every repository ``find_base`` keeps open."""
    for finder in _FINDERS.values():
        finder.close()
    _FINDERS.clear()
