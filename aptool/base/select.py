"""Choosing one base among the commits that hold every pre-image.

The rule: the newest candidate committed no later than the mail was sent,
because that is the tree the author most likely had; when every candidate
is newer than the mail (dates lie), the oldest candidate.  Ties go to the
commit numbered later (a first-parent child after its parent).  The same
inputs always give the same answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aptool.base.history import BlobHistory, Range, count


def choose(history: BlobHistory, candidates: list[Range], sent: str) -> tuple[str, str]:
    """The chosen commit among ``candidates`` (ranges of commit numbers) and a sentence saying why."""
    total = count(candidates)
    plural = "s" * (total != 1)
    mail_time = _timestamp(sent)
    earlier = [found for first, last in candidates if (found := history.index.extreme_in(first, last, mail_time))]
    if earlier:
        _, best = max(earlier)
        return history.index.oid_at(best), f"newest of {total} candidate{plural} committed before the mail ({sent})"
    oldest = [found for first, last in candidates if (found := history.index.extreme_in(first, last, None))]
    _, best = min(oldest, key=lambda found: (found[0], -found[1]))
    return history.index.oid_at(best), f"oldest of {total} candidate{plural}; all are newer than the mail ({sent})"


def closest(pairs: list[tuple[str, str | None]], history: BlobHistory, sent: str) -> tuple[str, int]:
    """The commit holding the most pre-images (the date rule breaks ties), and how many it holds."""
    if not history.size:
        return "", 0
    events: dict[int, int] = {0: 0}
    for path, blob in pairs:
        for first, last in history.ranges(path, blob):
            events[first] = events.get(first, 0) + 1
            events[last + 1] = events.get(last + 1, 0) - 1
    best_ranges: list[Range] = []
    best_score, held = -1, 0
    points = sorted(events)
    for at, end in zip(points, points[1:] + [history.size], strict=True):
        held += events[at]
        if at >= history.size or end <= at:
            continue
        if held > best_score:
            best_score, best_ranges = held, []
        if held == best_score:
            best_ranges.append((at, end - 1))
    best, _ = choose(history, best_ranges, sent)
    return best, best_score


def _timestamp(text: str) -> float:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return float("inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
