"""Small facts about raw mail bytes that several stages need, without full parsing."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.parser import BytesParser

from aptool.archive.policy import POLICY
from aptool.errors import MailError

_INDEX_LINE = re.compile(rb"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})", re.MULTILINE)


# The standard library's MIME parser recurses once per nested container -- a multipart, or a
# message/rfc822 (a forwarded mail) -- and thousands of them exhaust Python's stack.  Real mail
# nests two or three.
MAX_MULTIPARTS = 64
_CONTAINER = re.compile(rb"^content-type:[ \t\r\n]*(?:multipart|message)/", re.IGNORECASE | re.MULTILINE)


def parse_mail(raw: bytes) -> EmailMessage:
    """Parse one mail with liblore's policy, the one b4 parses with (UTF-8 headers, no line folding),
    each distinct header parsed once (see ``aptool.archive.policy``).

    Raises :class:`MailError` for a mail with more than ``MAX_MULTIPARTS`` multipart or
    message/rfc822 parts.
    """
    if raw.count(b"/") > MAX_MULTIPARTS and sum(1 for _ in _CONTAINER.finditer(raw)) > MAX_MULTIPARTS:
        raise MailError(f"more than {MAX_MULTIPARTS} nested MIME multiparts or attached messages")
    msg = BytesParser(policy=POLICY).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    return msg


def blob_pairs(raw: bytes) -> list[tuple[str, str]]:
    """Every ``index PRE..POST`` pair in the mail, as written (abbreviated)."""
    return [(a.decode(), b.decode()) for a, b in _INDEX_LINE.findall(raw)]
