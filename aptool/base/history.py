"""Which commits hold which blob at a path, as ranges of the index's commit numbering.

The index (``index``) numbers the first-parent forest in pre-order and keeps
each path's change points.  A change point covers its subtree, except where
a later change point below it takes over; sweeping a path's change points in
order turns them into disjoint ranges, each holding one blob.  "Commits
holding every pre-image" is then an intersection of a few range lists, with
no per-commit work at all.
"""

from __future__ import annotations

from pathlib import Path

from aptool.base.index import BlobIndex, Progress
from aptool.git.repo import NOTES_REF
from aptool.git.run import git

NO_BLOB = ""  # the path does not exist at that commit
Range = tuple[int, int]  # first and last commit number, inclusive


def searchable_tips(repo: Path) -> list[str]:
    """Every ref's commit, except notes and the branches aptool itself built.

    A tag of a blob or tree may be among them; the index leaves it out.

    A branch made by ``aptool apply-series`` holds the prerequisites it
    applied; searching it would "find" them in the repository.
    """
    built = set()
    for line in git(repo, "notes", f"--ref={NOTES_REF}", "list", check=False).splitlines():
        parts = line.split()
        if len(parts) == 2:
            built.add(parts[1])
    targets: dict[str, str] = {}  # ref -> the object it names, tags peeled (from packed-refs when packed)
    for line in git(repo, "show-ref", "--head", "--dereference", check=False).splitlines():
        oid, _, ref = line.partition(" ")
        targets[ref.removesuffix("^{}")] = oid
    return sorted(
        {
            oid
            for ref, oid in targets.items()
            if not ref.startswith("refs/notes/") and ref != "refs/stash" and oid not in built
        }
    )


class BlobHistory:
    """The blob each path holds at every commit reachable from any searched ref."""

    def __init__(self, repo: Path, progress: Progress | None = None) -> None:
        self.repo = repo
        self.tips = searchable_tips(repo)
        self.index = BlobIndex(repo, self.tips, progress)
        self.size = self.index.size()
        self._segments: dict[str, list[tuple[int, int, str]]] = {}

    def everything(self) -> list[Range]:
        return [(0, self.size - 1)] if self.size else []

    def contains(self, oid: str) -> bool:
        return self.index.position(oid) is not None

    def segments(self, path: str) -> list[tuple[int, int, str]]:
        """Disjoint (first, last, blob) ranges covering every commit; blob "" where the path is absent."""
        if path not in self._segments:
            self._segments[path] = _sweep(self.index.change_points(path), self.size)
        return self._segments[path]

    def ranges(self, path: str, blob: str | None) -> list[Range]:
        """The commits holding ``blob`` (abbreviated) at ``path``; None: the path is absent; "": any blob."""
        return [(first, last) for first, last, held in self.segments(path) if _matches(held, blob)]

    def holds(self, oid: str, path: str, blob: str | None) -> bool:
        position = self.index.position(oid)
        if position is None:
            return False
        return any(first <= position <= last for first, last in self.ranges(path, blob))

    def has_holder(self, path: str, blob: str | None) -> bool:
        return bool(self.ranges(path, blob))

    def holding_all(self, pairs: list[tuple[str, str | None]]) -> list[Range]:
        """The commits holding every (path, blob) of ``pairs``."""
        result = self.everything()
        for path, blob in pairs:
            result = intersect(result, self.ranges(path, blob))
            if not result:
                break
        return result


def count(ranges: list[Range]) -> int:
    return sum(last - first + 1 for first, last in ranges)


def intersect(one: list[Range], two: list[Range]) -> list[Range]:
    """The common part of two sorted lists of disjoint ranges."""
    result: list[Range] = []
    i = j = 0
    while i < len(one) and j < len(two):
        first = max(one[i][0], two[j][0])
        last = min(one[i][1], two[j][1])
        if first <= last:
            result.append((first, last))
        if one[i][1] < two[j][1]:
            i += 1
        else:
            j += 1
    return result


def _matches(held: str, blob: str | None) -> bool:
    if blob is None:
        return held == NO_BLOB
    return held != NO_BLOB and held.startswith(blob)


def _sweep(points: list[tuple[int, int, str]], size: int) -> list[tuple[int, int, str]]:
    """Nested (first, last, blob) change points, sorted by first, as disjoint segments over [0, size)."""
    segments: list[tuple[int, int, str]] = []
    open_: list[tuple[int, str]] = [(size - 1, NO_BLOB)]  # (last, blob) of the enclosing change points
    cursor = 0

    def emit_until(end: int) -> None:
        nonlocal cursor
        if cursor <= end:
            segments.append((cursor, end, open_[-1][1]))
            cursor = end + 1

    for first, last, blob in points:
        while open_[-1][0] < first:
            emit_until(open_[-1][0])
            open_.pop()
        emit_until(first - 1)
        open_.append((last, blob))
    while open_:
        emit_until(open_[-1][0])
        open_.pop()
    return segments
