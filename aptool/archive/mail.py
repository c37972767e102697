"""Small facts about raw mail bytes that several stages need, without full parsing."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

_INDEX_LINE = re.compile(rb"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})", re.MULTILINE)


def parse_mail(raw: bytes) -> EmailMessage:
    """Parse one mail the way the rest of aptool (and b4) expects it."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def blob_pairs(raw: bytes) -> list[tuple[str, str]]:
    """Every ``index PRE..POST`` pair in the mail, as written (abbreviated)."""
    return [(a.decode(), b.decode()) for a, b in _INDEX_LINE.findall(raw)]
