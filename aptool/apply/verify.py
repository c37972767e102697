"""After each patch: does every touched file hold the blob the mail's ``index`` line names?

Mails abbreviate blob ids (``index 1a2b3c4..5d6e7f8``); a blob matches when its
full id starts with the abbreviation.  Blobs are read through the shared
``git cat-file --batch`` reader, one process for the whole run.
"""

from __future__ import annotations

from aptool.apply.plan import FileCheck
from aptool.git.objects import ObjectReader
from aptool.series.data import Patch


def check_postimages(reader: ObjectReader, commit: str, parent: str, patch: Patch) -> list[FileCheck]:
    """One :class:`FileCheck` per file the patch touches (and per path a rename vacates).

    A pure rename or copy has no ``index`` line: its post-image is the blob the old
    path held in ``parent``; a copy leaves the old path as it was.
    """
    checks: list[FileCheck] = []
    last = {change.path: index for index, change in enumerate(patch.files)}
    for index, change in enumerate(patch.files):
        if last[change.path] != index:
            continue  # a path the same mail touches again later: only its last post-image is in the tree
        if not change.has_index:
            actual = _blob(reader, commit, change.path)
            if change.is_rename or change.is_copy:
                moved = _blob(reader, parent, change.old_path)
                ok = moved is not None and actual == moved
                checks.append(FileCheck(change.path, moved, actual, "match" if ok else "differs"))
                if change.is_rename:
                    _vacated(reader, commit, patch, change.old_path, change.path, checks)
            else:
                checks.append(FileCheck(change.path, None, actual, "unchecked"))
            continue
        if change.is_deleted:
            actual = _blob(reader, commit, change.old_path)
            checks.append(FileCheck(change.old_path, None, actual, "match" if actual is None else "differs"))
            continue
        actual = _blob(reader, commit, change.path)
        expected = change.postimage
        ok = actual is not None and expected is not None and actual.startswith(expected.lower())
        checks.append(FileCheck(change.path, expected, actual, "match" if ok else "differs"))
        if change.is_rename:
            _vacated(reader, commit, patch, change.old_path, change.path, checks)
    return checks


def _vacated(reader: ObjectReader, commit: str, patch: Patch, old: str, new: str, checks: list[FileCheck]) -> None:
    """A renamed file's old path must be gone, unless the patch puts something else there."""
    if old == new or any(c.path == old and not c.is_deleted for c in patch.files):
        return
    gone = _blob(reader, commit, old)
    checks.append(FileCheck(old, None, gone, "match" if gone is None else "differs"))


def summary(checks: list[FileCheck]) -> str:
    """``differs`` if any file differs, ``match`` if all checked files match, else ``unchecked``."""
    if any(c.status == "differs" for c in checks):
        return "differs"
    if any(c.status == "match" for c in checks):
        return "match"
    return "unchecked"


def _blob(reader: ObjectReader, commit: str, path: str) -> str | None:
    info = reader.info(f"{commit}:{path}")
    if info is None or info[1] != "blob":
        return None
    return info[0]
