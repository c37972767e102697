"""Small facts about raw mail bytes that several stages need, without full parsing."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage

from liblore.utils import get_clean_msgid

from aptool.archive.policy import POLICY
from aptool.archive.rawmail import raw_message_id
from aptool.errors import MailError

_INDEX_LINE = re.compile(rb"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})", re.MULTILINE)


# The standard library's MIME parser recurses once per nested multipart: thousands of them
# exhaust Python's stack.  Real mail nests two or three.
MAX_MULTIPARTS = 64
_MULTIPART = re.compile(rb"^content-type:[ \t\r\n]*multipart/", re.IGNORECASE | re.MULTILINE)


def parse_mail(raw: bytes) -> EmailMessage:
    """Parse one mail the way the rest of aptool (and b4) expects it.

    Raises :class:`MailError` for a mail with more than ``MAX_MULTIPARTS`` multipart parts.
    """
    if raw.count(b"multipart/") > MAX_MULTIPARTS and sum(1 for _ in _MULTIPART.finditer(raw)) > MAX_MULTIPARTS:
        raise MailError(f"more than {MAX_MULTIPARTS} nested MIME multiparts")
    msg = email.message_from_bytes(raw, policy=POLICY)  # email.policy.default, headers parsed once
    assert isinstance(msg, EmailMessage)
    return msg


def message_id(raw: bytes | EmailMessage) -> str | None:
    """The mail's Message-ID without angle brackets, or None (also for one the header parser rejects)."""
    if isinstance(raw, bytes):
        return raw_message_id(raw)
    try:
        return get_clean_msgid(raw)
    except (LookupError, ValueError, TypeError, AttributeError):  # ``Message-ID: <@>``
        return None


def blob_pairs(raw: bytes) -> list[tuple[str, str]]:
    """Every ``index PRE..POST`` pair in the mail, as written (abbreviated)."""
    return [(a.decode(), b.decode()) for a, b in _INDEX_LINE.findall(raw)]


def references(msg: EmailMessage) -> list[str]:
    """Message-IDs this mail replies to: References first, then In-Reply-To."""
    found: list[str] = []
    for header in ("References", "In-Reply-To"):
        for value in msg.get_all(header, []) or []:
            for ref in re.findall(r"<([^<>\s]+)>", str(value)):
                if ref not in found:
                    found.append(ref)
    return found
