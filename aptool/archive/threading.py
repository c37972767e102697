"""Assemble one thread out of a heap of messages, by References and In-Reply-To."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser

from liblore.utils import get_strict_thread

from aptool.archive.msgid import message_id
from aptool.archive.policy import POLICY
from aptool.errors import ArchiveError


def thread_of(messages: list[bytes], msgid: str, location: str) -> list[bytes]:
    """The messages of the thread that holds ``msgid``, in the order given.

    Uses the same reference walk as b4 so both tools agree on what a thread is.
    Only the header blocks are parsed: a message whose body the MIME parser
    cannot read (more than 64 nested multiparts) still belongs to its thread,
    where the series stage names it and leaves it out, instead of the whole
    thread failing.  A message without a readable Message-ID cannot be placed
    in any thread and is not returned.
    """
    placed: list[tuple[str, EmailMessage, bytes]] = []
    for raw in messages:
        head = _header_block(raw)
        own = message_id(raw)
        if head is not None and own:
            placed.append((own, head, raw))
    if msgid not in {own for own, _, _ in placed}:
        raise ArchiveError(f"no message <{msgid}> in {location}")
    strict = get_strict_thread([head for _, head, _ in placed], msgid) or []
    wanted = {id(head) for head in strict}
    return [raw for _, head, raw in placed if id(head) in wanted]


def _header_block(raw: bytes) -> EmailMessage | None:
    """The mail's headers, its body left unparsed; None when even they cannot be read."""
    try:
        head = BytesParser(policy=POLICY).parsebytes(raw, headersonly=True)
    except (ValueError, TypeError, LookupError, RecursionError):
        return None
    return head if isinstance(head, EmailMessage) else None
