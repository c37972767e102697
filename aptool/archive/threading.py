"""Assemble one thread out of a heap of messages, by References and In-Reply-To."""

from __future__ import annotations

from liblore.utils import get_strict_thread

from aptool.archive.mail import parse_mail
from aptool.archive.msgid import message_id
from aptool.errors import ArchiveError


def thread_of(messages: list[bytes], msgid: str, location: str) -> list[bytes]:
    """The messages of the thread that holds ``msgid``, in the order given.

    Uses the same reference walk as b4 so both tools agree on what a thread is.
    """
    parsed = [parse_mail(raw) for raw in messages]
    by_id = {message_id(m): raw for m, raw in zip(parsed, messages, strict=True)}
    if msgid not in by_id:
        raise ArchiveError(f"no message <{msgid}> in {location}")
    strict = get_strict_thread(parsed, msgid) or []
    wanted = {message_id(m) for m in strict}
    return [raw for m, raw in zip(parsed, messages, strict=True) if message_id(m) in wanted]
