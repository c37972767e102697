"""Message-IDs that people write in the text of a thread ("Message ID: <...>").

Authors name their prerequisites this way instead of with trailers, so the
base stage needs every such mention with the lines around it.
"""

from __future__ import annotations

import re

from aptool.archive.msgid import mentioned_in
from aptool.series.data import Mention

_QUOTED = re.compile(r"^\s*>")
_CONTEXT_BEFORE = 2
_CONTEXT_AFTER = 1


def find_mentions(body: str, in_message: str) -> list[Mention]:
    """Every Message-ID in ``body`` (bracketed or in an archive URL), once per message."""
    lines = body.splitlines()
    seen: set[str] = set()
    found: list[Mention] = []
    for number, line in enumerate(lines):
        for msgid in mentioned_in(line):
            if msgid == in_message or msgid in seen or _looks_like_address(line, msgid):
                continue
            seen.add(msgid)
            low = max(0, number - _CONTEXT_BEFORE)
            context = "\n".join(lines[low : number + _CONTEXT_AFTER + 1])
            found.append(Mention(msgid, in_message, context, bool(_QUOTED.match(line))))
    return found


def _looks_like_address(line: str, msgid: str) -> bool:
    """``Name <user@host>`` in a trailer or an attribution line is an address, not a Message-ID."""
    before = line.split(f"<{msgid}>", 1)[0].lstrip("> \t")
    if _ADDRESS_TRAILER.match(before):
        return True
    return bool(_ATTRIBUTION.search(line))


_ADDRESS_TRAILER = re.compile(r"^([\w-]+-by|Cc|To|From|Reported-and-tested-by|Co-developed-by)\s*:", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"\b(wrote|writes)\s*:\s*$")
