"""Small facts about raw mail bytes that several stages need, without full parsing."""

from __future__ import annotations

import re
from email.message import EmailMessage

from liblore.utils import parse_message

_INDEX_LINE = re.compile(rb"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})", re.MULTILINE)


def parse_mail(raw: bytes) -> EmailMessage:
    """Parse one mail with liblore's policy, the one b4 parses with (UTF-8 headers, no line folding)."""
    return parse_message(raw)


def blob_pairs(raw: bytes) -> list[tuple[str, str]]:
    """Every ``index PRE..POST`` pair in the mail, as written (abbreviated)."""
    return [(a.decode(), b.decode()) for a, b in _INDEX_LINE.findall(raw)]
