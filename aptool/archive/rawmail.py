"""Message-IDs and references read from raw mail bytes, without the email package.

The local archive index reads every message of a large archive; the
header parser of the standard library is slow there and raises on values
it cannot hold (``Message-ID: <@>``).  These helpers read only the header
block, unfold it, and never raise.
"""

from __future__ import annotations

import re

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


def raw_message_id(raw: bytes) -> str | None:
    """The first ``<...>`` of the Message-ID header, without brackets; None when there is none."""
    values = header_fields(raw, frozenset({b"message-id"})).get(b"message-id", [])
    for value in values[:1]:
        match = _MSGID.search(value)
        if match:
            return match.group(1).decode("utf-8", "replace")
    return None


def raw_references(raw: bytes, fields: dict[bytes, list[bytes]] | None = None) -> list[str]:
    """The Message-IDs in In-Reply-To and References, each once, in order."""
    if fields is None:
        fields = header_fields(raw, frozenset({b"in-reply-to", b"references"}))
    found: list[str] = []
    for name in (b"in-reply-to", b"references"):
        for value in fields.get(name, []):
            for ref in _MSGID.findall(value):
                text = ref.decode("utf-8", "replace")
                if text not in found:
                    found.append(text)
    return found
