"""Assemble one thread out of a heap of messages, by References and In-Reply-To."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser

from liblore.utils import get_strict_thread

from aptool.archive.policy import POLICY
from aptool.archive.rawmail import raw_message_id, raw_references
from aptool.errors import ArchiveError


def thread_of(messages: list[bytes], msgid: str, location: str) -> list[bytes]:
    """The messages of the thread that holds ``msgid``, in the order given.

    Uses the same reference walk as b4 so both tools agree on what a thread is.
    Only the Message-ID, In-Reply-To and References headers are read, from the
    raw bytes: a message whose body or other headers the mail parser cannot
    read (more than 64 nested multiparts, a Subject of a megabyte) still
    belongs to its thread, where the series stage names it and leaves it out,
    instead of the whole thread failing.  A message without a Message-ID
    cannot be placed in any thread and is not returned.
    """
    placed: list[tuple[EmailMessage, bytes]] = []
    for raw in messages:
        own = raw_message_id(raw)
        if own:
            placed.append((_links(own, raw_references(raw)), raw))
    if not any(raw_message_id(raw) == msgid for _, raw in placed):
        raise ArchiveError(f"no message <{msgid}> in {location}")
    strict = get_strict_thread([head for head, _ in placed], msgid) or []
    wanted = {id(head) for head in strict}
    return [raw for head, raw in placed if id(head) in wanted]


def _links(msgid: str, refs: list[str]) -> EmailMessage:
    """A header block holding only what the thread walk reads."""
    text = f"Message-ID: <{msgid}>\n" + (f"References: {' '.join(f'<{r}>' for r in refs)}\n" if refs else "") + "\n"
    head = BytesParser(policy=POLICY).parsebytes(text.encode("utf-8", "surrogateescape"), headersonly=True)
    assert isinstance(head, EmailMessage)
    return head
