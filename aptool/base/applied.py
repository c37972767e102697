"""A series already in the repository: the tree its first patch was applied to.

A series is often looked at after it went in somewhere -- merged into the
main line, picked up by a maintainer or a stable tree that a remote fetches.
Its first patch is then a commit: one that turns a file from the patch's
pre-image blob into its post-image blob.  That commit's parent, when it
holds every pre-image of the series, is the tree the series was applied to:
for a topic branch, the commit it was forked from; for a patch applied
straight to a line, the line's commit before it.  Neither the newest
commit on a line nor a tag says that.

Only commits reachable from the searched refs count (``tips``: not the
branches ``aptool apply-series`` built), committed no earlier than a day
before the series' earliest mail: a patch is applied after it is sent.
The walk is git's path-limited one with its default history
simplification, a few times cheaper than ``--full-history``; of a patch
applied twice (to a maintenance branch and to the main line) it may see
only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aptool.base.lines import Pair, holding, raw_records
from aptool.git.run import DEVNULL, popen
from aptool.series import Patch

SLACK = 86400  # clocks and time zones: an application may carry a date a day before the mail's


@dataclass(frozen=True)
class Applied:
    """The first patch's commit, and its parent (the base it was applied to)."""

    commit: str
    parent: str
    time: int  # the commit's committer time


def first_change(patch: Patch) -> tuple[str, str | None, str] | None:
    """(path, pre-image or None for a new file, post-image) of the first file the patch changes in
    place; None when it only deletes, renames or carries no blob ids."""
    for change in patch.files:
        if change.has_index and change.postimage and not change.is_rename and (change.preimage or change.is_new):
            return change.path, change.preimage, change.postimage
    return None


def applied_bases(repo: Path, tips: list[str], patch: Patch, pairs: list[Pair], cutoff: float) -> list[Applied]:
    """The commits that are ``patch`` applied (its first in-place change, pre- to post-image) and whose
    parent holds every pre-image in ``pairs``; oldest first (the first application comes first)."""
    change = first_change(patch)
    if change is None or not tips:
        return []
    path, pre, post = change
    args = ["log", "--stdin", "--raw", "-z", "--no-abbrev", "--no-renames", "--format=%x01%H %ct %P"]
    if cutoff != float("inf"):
        args.append(f"--since={max(int(cutoff) - SLACK, 1)}")
    proc = popen(repo, *args, "--", path, env={"GIT_LITERAL_PATHSPECS": "1"}, stderr=DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(("\n".join(tips) + "\n").encode())
    proc.stdin.close()
    found: dict[str, Applied] = {}
    for commit, time, parent, old, new in raw_records(proc.stdout):
        before, after = old.get(path), new.get(path)
        if parent is None or after is None or not after.startswith(post):
            continue
        was = before or ""
        if (was == "") if pre is None else was.startswith(pre):
            found.setdefault(commit, Applied(commit, parent, time))
    proc.wait()
    applied = sorted(found.values(), key=lambda a: (a.time, a.commit))
    holds = holding(repo, [a.parent for a in applied], pairs)
    return [a for a, ok in zip(applied, holds, strict=True) if ok]
