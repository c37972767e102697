"""Choosing one base among the commits that hold every pre-image: the rule, tier by tier.

The cut-off is the earliest date of the series' mails: a patch is written
on a tree that existed before it was sent, so the earliest Date bounds the
base best (later patches of a series are often dated seconds or days later).

1. **maintainer tree**: the trees MAINTAINERS names for the touched files
   (``T:`` lines, when a remote fetches them); on each, the commit the line
   was at at the cut-off, or the first commit below it on its first-parent
   line that holds every pre-image; the newest of these;
2. **release line**: the same on long-lived branches (``aptool.baseBranch``,
   by default master, main, maint, next, stable, ``*.x``, ``*.y``...), and
   the newest tag committed no later than the cut-off that holds every
   pre-image; the newest of these.  Topics fork from a merge or a commit
   on the main line, or from a tag, not from another topic's commits;
3. **any commit**: the newest candidate committed no later than the cut-off;
4. **oldest**: when every candidate is newer than the cut-off, the oldest.

"Newest" compares committer times; ties go to the first-parent child, then
to the larger commit id, so the same inputs always give the same answer.
Each tier is computed the same way with or without the full index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aptool.base.history import BlobHistory, Range
from aptool.base.lines import FirstParents, Line, Pair, first_holder_walk, holding, lines_at
from aptool.base.refs import Tag


@dataclass(frozen=True)
class Choice:
    """A candidate base, the tier that found it, and a sentence saying why."""

    commit: str
    signal: str  # "maintainer tree", "release line", "tag", "any commit", "oldest"
    rule: str
    time: int
    ref: str = ""
    start: str = ""  # the line's commit at the cut-off, for a line's answer

    def to_dict(self) -> dict[str, object]:
        return {"commit": self.commit, "signal": self.signal, "ref": self.ref, "committed": self.time}


def cutoff_of(dates: list[str]) -> tuple[float, str]:
    """The earliest of the series' mail dates as a timestamp (inf when none parses) and as written."""
    parsed = [(t, d) for d in dates if (t := _timestamp(d)) != float("inf")]
    if not parsed:
        return float("inf"), dates[0] if dates else ""
    return min(parsed)


def on_lines(
    repo: Path,
    lines: list[Line],
    pairs: list[Pair],
    cutoff: float,
    history: BlobHistory | None,
    times: dict[str, int],
    floor: int = 0,
    bloom: bool = False,
    known: FirstParents | None = None,
) -> list[Choice]:
    """Per line, the first commit at or below the line's commit at the cut-off holding every pre-image.

    With ``history`` (the full index) the answer comes from the index;
    without, from a path-limited first-parent walk; both give the same
    commit.  Lines whose answer is older than ``floor`` (or than an
    answer already found) cannot be chosen: their walk stops there, and
    they are left out.  Lines at the same commit are asked once.
    """
    limit = int(min(cutoff, 2**62))
    starts: dict[str, Line] = {}
    at: dict[str, str | None] = {}  # lines often share a tip (a branch and its remote-tracking ref)
    tips = sorted({line.tip for line in lines} - times.keys())
    times.update(history.times(tips) if history is not None else _times(repo, tips))
    for line in lines:  # a tip committed before the cut-off is the line's commit then: no walk
        if times.get(line.tip, limit + 1) <= limit:
            at[line.tip] = line.tip
    known = known if known is not None else FirstParents()
    at.update(lines_at(repo, sorted({line.tip for line in lines} - at.keys()), limit, known))
    for line in lines:
        start = at[line.tip]
        if start is not None and start not in starts:
            starts[start] = line
    times.update((s, known.known[s][0]) for s in starts if s not in times and s in known.known)  # read by the walk
    missing = [s for s in starts if s not in times]
    times.update(history.times(missing) if history is not None else _times(repo, missing))
    found: list[Choice] = []
    for start, line in sorted(starts.items(), key=lambda item: (-times[item[0]], item[1].ref)):
        if times[start] < floor:
            continue
        if history is not None:
            holder = history.first_holder_below(start, pairs)
        else:
            holder = first_holder_walk(repo, start, pairs, floor, bloom)
        if holder is None:
            continue
        if holder not in times:
            times.update(history.times([holder]) if history is not None else _times(repo, [holder]))
        if times[holder] < floor:
            continue
        floor = times[holder]
        signal = "maintainer tree" if line.source == "maintainer tree" else "release line"
        where = _short(line.ref)
        rule = f"{where} at the series' date, or below it on its line"
        found.append(Choice(holder, signal, rule, times[holder], line.ref, start))
    return found


def newest_tag(repo: Path, tags: list[Tag], pairs: list[Pair], cutoff: float) -> Choice | None:
    """The newest tag committed no later than the cut-off that holds every pre-image.

    Tags are asked newest first, a few at a time, every pre-image at once:
    the answer is usually among the first few, so most tags are never read.
    """
    eligible = [t for t in tags if t.time <= cutoff]
    size = 4
    while eligible:
        chunk, eligible = eligible[:size], eligible[size:]
        holds = holding(repo, [t.commit for t in chunk], pairs)
        tag = next((t for t, ok in zip(chunk, holds, strict=True) if ok), None)
        if tag is not None:
            return Choice(tag.commit, "tag", f"tag {tag.name}", tag.time, f"refs/tags/{tag.name}")
        size = min(size * 4, 1024)
    return None


def best(choices: list[Choice]) -> Choice | None:
    """The newest choice; ties to the larger commit id (a line's deeper commit was already preferred)."""
    return max(choices, key=lambda c: (c.time, c.commit)) if choices else None


def any_commit(history: BlobHistory, candidates: list[Range], cutoff: float, sent: str) -> Choice:
    """Tiers 3 and 4 over every candidate: the newest committed no later than the cut-off, else the oldest."""
    total = sum(last - first + 1 for first, last in candidates)
    plural = "s" * (total != 1)
    earlier = [found for first, last in candidates if (found := history.index.extreme_in(first, last, cutoff))]
    if earlier:
        time, pre = max(earlier)
        rule = f"newest of {total} candidate{plural} committed before the series' date ({sent})"
        return Choice(history.index.oid_at(pre), "any commit", rule, time)
    oldest = [found for first, last in candidates if (found := history.index.extreme_in(first, last, None))]
    time, pre = min(oldest, key=lambda found: (found[0], -found[1]))
    rule = f"oldest of {total} candidate{plural}; all are newer than the series' date ({sent})"
    return Choice(history.index.oid_at(pre), "oldest", rule, time)


def closest(pairs: list[Pair], history: BlobHistory, cutoff: float, sent: str) -> tuple[str, int]:
    """The commit holding the most pre-images (the date rule breaks ties), and how many it holds."""
    if not history.size:
        return "", 0
    events: dict[int, int] = {0: 0}
    for path, blob in pairs:
        for first, last in history.ranges(path, blob):
            events[first] = events.get(first, 0) + 1
            events[last + 1] = events.get(last + 1, 0) - 1
    best_score, held = -1, 0
    best_ranges: list[Range] = []
    points = sorted(events)
    for at, end in zip(points, points[1:] + [history.size], strict=True):
        held += events[at]
        if at >= history.size or end <= at:
            continue
        if held > best_score:
            best_score, best_ranges = held, []
        if held == best_score:
            best_ranges.append((at, end - 1))
    return any_commit(history, best_ranges, cutoff, sent).commit, best_score


def _short(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/remotes/", "refs/tags/", "refs/"):
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref


def _times(repo: Path, commits: list[str]) -> dict[str, int]:
    from aptool.base.lines import commit_times

    return commit_times(repo, commits)


def _timestamp(text: str) -> float:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return float("inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
