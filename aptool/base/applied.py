"""A series already in the repository: the tree its first patch was applied to.

A series is often looked at after it went in somewhere -- merged into the
main line, picked up by a maintainer or a stable tree that a remote fetches.
Its first patch is then a commit: one that turns a file from the patch's
pre-image blob into its post-image blob.  That commit's parent, when it
holds every pre-image of the series, is the tree the series was applied to:
for a topic branch, the commit it was forked from; for a patch applied
straight to a line, the line's commit before it.  Neither the newest
commit on a line nor a tag says that.

Only commits near the lines count: a commit on a long-lived line or a
maintainer tree committed from a day before the series' earliest mail
(clocks and time zones) to half a year after it, and the commits that a
merge in that window brought in (a merged topic).  The lines' walk down
to the cut-off is the one the lines' tiers read anyway, so this costs one
``rev-list`` of the merged topics and one ``cat-file`` of two blobs per
commit, not a walk of every ref's history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from aptool.base.lines import FirstParents, Pair, blobs_at, holding, matches
from aptool.git.run import git
from aptool.series import Patch

SLACK = 86400  # an application may carry a date a day before the mail's
WINDOW = 183 * 86400  # how long after the mail an application is looked for
STAGES = (2 * 86400, 30 * 86400, WINDOW)  # looked at in these steps from the mail on
MAX_MERGED = 20000  # commits merged in the window that are looked at


@dataclass(frozen=True)
class Applied:
    """The first patch's commit, and its parent (the base it was applied to)."""

    commit: str
    parent: str
    time: int  # the commit's committer time
    parent_time: int | None = None  # the parent's, when the walk read it


def first_change(patch: Patch) -> tuple[str, str | None, str] | None:
    """(path, pre-image or None for a new file, post-image) of the first file the patch changes in
    place; None when it only deletes, renames or carries no blob ids."""
    for change in patch.files:
        if change.has_index and change.postimage and not change.is_rename and (change.preimage or change.is_new):
            return change.path, change.preimage, change.postimage
    return None


def applied_bases(
    repo: Path, walk: FirstParents, tips: list[str], patch: Patch, pairs: list[Pair], cutoff: float
) -> list[Applied]:
    """The commits near the lines of ``tips`` that are ``patch`` applied (its first in-place change,
    pre- to post-image) and whose parent holds every pre-image in ``pairs``; oldest first (the
    first application).  ``walk`` is the lines' first-parent walk, read further here as needed."""
    change = first_change(patch)
    if change is None or not tips or cutoff == float("inf"):
        return []
    path, pre, post = change
    low = int(cutoff) - SLACK
    walk.read(repo, tips, low)
    near = sorted(walk.between(tips, low, int(cutoff) + WINDOW), key=lambda found: found[1])
    floors: list[str] | None = None
    seen: set[str] = set()
    times: dict[str, int] = {}  # committer times the merged topics' rev-list gave
    for reach in STAGES:  # nearest the mail first: most series are found in the first days
        stage = [found for found in near if found[0] not in seen and found[1] <= int(cutoff) + reach]
        seen.update(oid for oid, _, _ in stage)
        merged = walk.merged(repo, [oid for oid, _, _ in stage])
        candidates: dict[str, tuple[int, str | None]] = {
            oid: (time, parent) for oid, time, parent in stage if oid not in merged and parent
        }
        sides = [other for oid, _, _ in stage for other in merged.get(oid, [])]
        if sides:
            if floors is None:
                floors = sorted({c for c in walk.at(tips, low).values() if c is not None})
            spec = "\n".join(sides + [f"^{c}" for c in floors]) + "\n"
            args = ["rev-list", "--no-merges", "--parents", "--timestamp", f"--max-count={MAX_MERGED}", "--stdin"]
            for row in git(repo, *args, input=spec.encode(), check=False).splitlines():
                words = row.split()
                if len(words) >= 3 and int(words[0]) >= low and words[1] not in seen:
                    candidates.setdefault(words[1], (int(words[0]), words[2]))
                if len(words) >= 2:
                    times[words[1]] = int(words[0])
        seen.update(candidates)
        found = _applications(repo, candidates, path, pre, post, pairs)
        if found:
            return [replace(a, parent_time=walk.known.get(a.parent, (times.get(a.parent),))[0]) for a in found]
    return []


def _applications(
    repo: Path, candidates: dict[str, tuple[int, str | None]], path: str, pre: str | None, post: str, pairs: list[Pair]
) -> list[Applied]:
    """Of ``candidates`` (commit -> time, parent), those turning ``path`` from ``pre`` into ``post``
    whose parent holds every pre-image, oldest first."""
    order = sorted(c for c, (_, parent) in candidates.items() if parent)
    if not order:
        return []
    held = blobs_at(repo, [(c, path) for c in order] + [(candidates[c][1] or "", path) for c in order])
    applied = [
        Applied(commit, parent, time)
        for commit, after, before in zip(order, held[: len(order)], held[len(order) :], strict=True)
        for time, parent in [candidates[commit]]
        if parent and after.startswith(post) and matches(before, pre)
    ]
    applied.sort(key=lambda a: (a.time, a.commit))
    holds = holding(repo, [a.parent for a in applied], pairs)
    return [a for a, ok in zip(applied, holds, strict=True) if ok]
