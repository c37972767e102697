"""Subject prefixes normalised before b4 reads them.

b4 reads ``[PATCH v6 2/3]``; people and tools also write ``[PATCH v6,2/3]``,
``[PATCH1/3]``, ``[PATCH -v2 1/3]``, ``[PATCH v2 1 / 3]`` or ``[PATCH v2-1/3]``, and some send a versioned cover letter
(``[PATCH v2 0/3]``) with unversioned patches under it.  Left as they are, b4
files such mails as separate one-patch series of version 1, and aptool would
answer about a different patch than the one asked for.
"""

from __future__ import annotations

import re

_LEADING = re.compile(r"^(\s*(?:(?:re|aw|fwd?)\s*:\s*)*)((?:\[[^\]]*\]\s*)+)(.*)$", re.IGNORECASE | re.DOTALL)
_GROUP = re.compile(r"\[([^\]]*)\]")
_GLUED_COUNTER = re.compile(r"(?i)\b(PATCH|RFC)(\d+/\d+)\b")
_DASH_VERSION = re.compile(r"(?i)(?<![\w-])-v(\d+)\b")
_COMMA = re.compile(r"\s*,\s*")
_SPACED_COUNTER = re.compile(r"\b(\d+)\s+/\s*(\d+)\b|\b(\d+)\s*/\s+(\d+)\b")
_DASHED_COUNTER = re.compile(r"(?i)(?<![\w-])(v\d+)-(\d+/\d+)\b")
_VERSION = re.compile(r"(?i)(?<![\w-])v(\d+)\b")
_COUNTER = re.compile(r"\b(\d+)/(\d+)\b")


def normalize_subject(subject: str) -> str:
    """``[PATCH v6,2/3] x`` -> ``[PATCH v6 2/3] x``; other subjects unchanged."""
    match = _LEADING.match(subject)
    if match is None:
        return subject
    reply, groups, rest = match.groups()
    fixed = _GROUP.sub(lambda g: "[" + _fix_group(g.group(1)) + "]", groups)
    return reply + fixed + rest


def _fix_group(text: str) -> str:
    text = _COMMA.sub(" ", text.strip())
    text = _SPACED_COUNTER.sub(lambda m: "/".join(g for g in m.groups() if g is not None), text)
    text = _DASHED_COUNTER.sub(r"\1 \2", text)
    text = _GLUED_COUNTER.sub(r"\1 \2", text)
    text = _DASH_VERSION.sub(r"v\1", text)
    return re.sub(r"\s+", " ", text)


def prefix_version(subject: str) -> int | None:
    """The version a subject's prefix states (``v2``), or None when it states none."""
    match = _LEADING.match(subject)
    if match is None:
        return None
    found = _VERSION.search(match.group(2))
    return int(found.group(1)) if found else None


def prefix_counter(subject: str) -> tuple[int, int] | None:
    """``(counter, total)`` from ``M/N`` in the prefix, or None."""
    match = _LEADING.match(subject)
    if match is None:
        return None
    found = _COUNTER.search(match.group(2))
    return (int(found.group(1)), int(found.group(2))) if found else None


def with_version(subject: str, version: int) -> str:
    """The subject with ``vN`` put before the counter of its last prefix group."""
    match = _LEADING.match(subject)
    if match is None or version <= 1:
        return subject
    reply, groups, rest = match.groups()
    counter = _COUNTER.search(groups)
    if counter is None:
        return subject
    groups = groups[: counter.start()] + f"v{version} " + groups[counter.start() :]
    return reply + groups + rest
