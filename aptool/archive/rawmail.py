"""Message-IDs and references read from raw mail bytes, without the email package.

The local archive index reads every message of a large archive; the
header parser of the standard library is slow there and raises on values
it cannot hold (``Message-ID: <@>``).  These helpers read only the header
block, unfold it, and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MSGID = re.compile(rb"<([^<>\s]+)>")
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:(.*)$")


def header_fields(raw: bytes, names: frozenset[bytes]) -> dict[bytes, list[bytes]]:
    """The values of the header fields in ``names`` (lower case), unfolded, in order."""
    end = raw.find(b"\n\n")
    block = raw[: end if end >= 0 else len(raw)]
    found: dict[bytes, list[bytes]] = {}
    current: list[bytes] | None = None
    for line in block.split(b"\n"):
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                current[-1] += b" " + line.strip()
            continue
        current = None
        match = _FIELD.match(line)
        if match is not None:
            name = match.group(1).lower()
            if name in names:
                current = found.setdefault(name, [])
                current.append(match.group(2).strip())
    return found


def header_lines_without(head: bytes, drop: Callable[[str], bool]) -> list[bytes]:
    """The lines of the header block ``head``, less every field (with its continuation lines) whose
    name, lower case, ``drop`` accepts."""
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = drop(line.split(b":", 1)[0].strip().lower().decode("ascii", "replace"))
        if not skipping:
            kept.append(line)
    return kept


def raw_message_id(raw: bytes) -> str | None:
    """The first ``<...>`` of the Message-ID header, without brackets; None when there is none."""
    values = header_fields(raw, frozenset({b"message-id"})).get(b"message-id", [])
    for value in values[:1]:
        match = _MSGID.search(value)
        if match:
            return match.group(1).decode("utf-8", "replace")
    return None


def raw_references(raw: bytes, fields: dict[bytes, list[bytes]] | None = None) -> list[str]:
    """The Message-IDs in In-Reply-To and References, each once, in order (References as
    :func:`bound_references` keeps them)."""
    if fields is None:
        fields = header_fields(raw, frozenset({b"in-reply-to", b"references"}))
    found: dict[str, None] = {}
    for name in (b"in-reply-to", b"references"):
        refs = [ref for value in fields.get(name, []) for ref in _MSGID.findall(value)]
        for ref in _kept(refs) if name == b"references" else refs:
            found.setdefault(ref.decode("utf-8", "replace"))
    return list(found)


# A References header names the thread's root and the replies above the message; real ones
# hold tens of ids, and the header parsers of the standard library and b4 take time
# quadratic in its length (50,000 ids: a minute).  RFC 5322 lets a writer trim the middle.
MAX_REFERENCES = 64
# Longer header values than this (unfolded) in the fields b4 reads are not real mail:
# the standard library parses them in quadratic time (a 1 MB Subject: half a minute).
MAX_HEADER_VALUE = 16_384
# (Not To and Cc: a treewide patch Cc's hundreds of people, and nothing here parses those.)
_PARSED_FIELDS = frozenset({b"subject", b"from", b"date", b"message-id", b"in-reply-to", b"content-type", b"sender"})


def _kept(refs: list[bytes]) -> list[bytes]:
    """The root and the last ``MAX_REFERENCES - 1`` ids of a References list."""
    return refs if len(refs) <= MAX_REFERENCES else refs[:1] + refs[-(MAX_REFERENCES - 1) :]


def bound_references(raw: bytes) -> bytes:
    """The mail with a References header of more than ``MAX_REFERENCES`` ids trimmed in the
    middle (the root and the nearest ancestors kept, as RFC 5322 allows); else unchanged."""
    end = raw.find(b"\n\n")
    head = raw[: end if end >= 0 else len(raw)]
    if head.count(b"<") <= MAX_REFERENCES:
        return raw
    refs = [r for v in header_fields(raw, frozenset({b"references"})).get(b"references", []) for r in _MSGID.findall(v)]
    if len(refs) <= MAX_REFERENCES:
        return raw
    kept = header_lines_without(head, lambda name: name == "references")
    kept.append(b"References: " + b" ".join(b"<" + r + b">" for r in _kept(refs)))
    return b"\n".join(kept) + raw[len(head) :]


def oversized_header(raw: bytes) -> str | None:
    """``a Subject header of N characters`` for a header value past ``MAX_HEADER_VALUE`` that
    the mail parser would read; None when there is none."""
    end = raw.find(b"\n\n")
    if (end if end >= 0 else len(raw)) <= MAX_HEADER_VALUE:
        return None
    for name, values in header_fields(raw, _PARSED_FIELDS).items():
        for value in values:
            if len(value) > MAX_HEADER_VALUE:
                return f"a {name.decode().title()} header of {len(value)} characters"
    return None
