"""Choosing one base among the commits that hold every pre-image.

The rule: the newest candidate committed no later than the mail was sent,
because that is the tree the author most likely had; when every candidate
is newer than the mail (dates lie), the oldest candidate.  Ties go to the
commit later in topological order.  The same inputs always give the same
answer.
"""

from __future__ import annotations

from datetime import datetime, timezone

from aptool.base.history import BlobHistory


def choose(candidates: set[str], history: BlobHistory, sent: str) -> tuple[str, str]:
    """The chosen commit and a sentence saying why."""
    position = {oid: index for index, oid in enumerate(history.order)}
    mail_time = _timestamp(sent)
    earlier = [c for c in candidates if history.commits[c].time <= mail_time]
    count = len(candidates)
    if earlier:
        best = max(earlier, key=lambda c: (history.commits[c].time, position[c]))
        return best, f"newest of {count} candidate{'s' * (count != 1)} committed before the mail ({sent})"
    best = min(candidates, key=lambda c: (history.commits[c].time, -position[c]))
    return best, f"oldest of {count} candidate{'s' * (count != 1)}; all are newer than the mail ({sent})"


def closest(requirements: list[tuple[str, str | None]], history: BlobHistory, sent: str) -> tuple[str, int]:
    """The commit holding the most pre-images (the date rule breaks ties), and how many it holds."""
    scores: dict[str, int] = {}
    for oid in history.order:
        scores[oid] = sum(history.holds(oid, path, blob) for path, blob in requirements)
    if not scores:
        return "", 0
    top = max(scores.values())
    best, _ = choose({oid for oid, score in scores.items() if score == top}, history, sent)
    return best, top


def _timestamp(text: str) -> float:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return float("inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()
