"""public-inbox's search prefixes over messages held in memory.

A local archive answers ``dfpre:``, ``dfpost:``, ``patchid:`` and ``m:`` the
way public-inbox-httpd does, so the base stage cannot tell them apart:
a blob term matches any mail whose abbreviated id starts with it (seven hex
digits at least), and ``patchid:`` is ``git patch-id --stable`` of the mail's
text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aptool.archive.mail import blob_pairs, parse_mail
from aptool.archive.msgid import message_id
from aptool.errors import ArchiveError
from aptool.git.run import run

_TERM = re.compile(r"^(dfpre|dfpost|patchid|m):(\S+)$")


@dataclass
class IndexedMail:
    raw: bytes
    msgid: str
    pre: set[str] = field(default_factory=set)
    post: set[str] = field(default_factory=set)
    patch_id: str | None = None


class MailIndex:
    """An index of mails by Message-ID, blob ids and patch-id."""

    def __init__(self, messages: list[bytes]) -> None:
        self.mails: list[IndexedMail] = []
        for raw in messages:
            msgid = message_id(raw)
            if msgid is None:
                continue
            mail = IndexedMail(raw, msgid)
            for pre, post in blob_pairs(raw):
                mail.pre.add(pre)
                mail.post.add(post)
            self.mails.append(mail)
        self._patch_ids_done = False

    def search(self, query: str) -> list[bytes]:
        terms = query.split()
        if not terms:
            raise ArchiveError("empty search query")
        parsed = []
        for term in terms:
            match = _TERM.match(term)
            if not match:
                raise ArchiveError(f"search term not understood by a local archive: {term!r}")
            parsed.append((match.group(1), match.group(2).strip("<>").lower()))
        if any(prefix == "patchid" for prefix, _ in parsed):
            self._compute_patch_ids()
        return [m.raw for m in self.mails if all(_matches(m, p, v) for p, v in parsed)]

    def _compute_patch_ids(self) -> None:
        """All patch-ids in one ``git patch-id`` run, not a process per mail."""
        if self._patch_ids_done:
            return
        self._patch_ids_done = True
        chunks = []
        for number, mail in enumerate(self.mails):
            if not mail.post:
                continue
            chunks.append(f"From {number:040x} Mon Sep 17 00:00:00 2001\n".encode())
            chunks.append(_text_of(mail.raw).encode("utf-8", "replace") + b"\n")
        if not chunks:
            return
        proc = run(None, "patch-id", "--stable", input=b"".join(chunks))
        for line in proc.stdout.decode().splitlines():
            patch_id, hex_number = line.split()
            self.mails[int(hex_number, 16)].patch_id = patch_id


def _matches(mail: IndexedMail, prefix: str, value: str) -> bool:
    if prefix == "m":
        return mail.msgid.lower() == value
    if prefix == "patchid":
        return mail.patch_id == value
    if len(value) < 7:
        return False
    ids = mail.pre if prefix == "dfpre" else mail.post
    return any(blob.startswith(value) for blob in ids)


def _text_of(raw: bytes) -> str:
    """The mail's text parts, joined: what public-inbox feeds to patch-id."""
    msg = parse_mail(raw)
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            try:
                texts.append(part.get_content())
            except (LookupError, UnicodeError):
                payload = part.get_payload(decode=True)
                texts.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else "")
    return "\n".join(texts)
