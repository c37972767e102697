"""public-inbox's search prefixes over messages held in memory.

A local archive answers ``dfpre:``, ``dfpost:``, ``patchid:``, ``m:`` and a
quoted phrase (``"change-id: ..."``, optionally after ``nq:``/``b:``) the way
public-inbox-httpd does, so the base stage cannot tell them apart: a blob term
matches any mail whose abbreviated id starts with it (seven hex digits at
least), and ``patchid:`` is ``git patch-id --stable`` of the mail's patch.
Like public-inbox, it indexes the decoded text (base64, quoted-printable,
charsets, CRLF), the text ``git am`` applies (:mod:`aptool.archive.mailtext`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aptool.archive.mail import blob_pairs
from aptool.archive.mailtext import decode_mail, decode_many
from aptool.archive.msgid import message_id
from aptool.errors import ArchiveError
from aptool.git.run import run

_TERM = re.compile(r"^(dfpre|dfpost|patchid|m):(\S+)$")
_PHRASE = re.compile(r'(?:(?:nq|b):)?"([^"]+)"')
_INDEX_LINE = re.compile(r"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})", re.MULTILINE)
# A mail whose index lines a plain byte scan could miss or misread.
_ENCODED = re.compile(
    rb"^content-transfer-encoding:\s*(base64|quoted-printable)|^content-type:\s*multipart/|format=flowed|\r\n",
    re.I | re.M,
)


@dataclass
class IndexedMail:
    raw: bytes
    msgid: str
    pre: set[str] = field(default_factory=set)
    post: set[str] = field(default_factory=set)
    patch_id: str | None = None
    patch: str = ""  # the decoded patch text; empty when the mail has none
    body: str | None = None  # the whole decoded body, made on the first phrase search


class MailIndex:
    """An index of mails by Message-ID, blob ids and patch-id, over their decoded text."""

    def __init__(self, messages: list[bytes]) -> None:
        self.mails: list[IndexedMail] = []
        candidates: list[IndexedMail] = []
        for raw in messages:
            msgid = message_id(raw)
            if msgid is None:
                continue
            mail = IndexedMail(raw, msgid)
            self.mails.append(mail)
            if blob_pairs(raw) or _ENCODED.search(raw):
                candidates.append(mail)
        for mail, text in zip(candidates, decode_many([m.raw for m in candidates]), strict=True):
            mail.patch = text.patch
            for pre, post in _INDEX_LINE.findall(text.patch):
                mail.pre.add(pre)
                mail.post.add(post)
        self._patch_ids_done = False

    def search(self, query: str) -> list[bytes]:
        phrases = [p.lower() for p in _PHRASE.findall(query)]
        terms = _PHRASE.sub(" ", query).split()
        if not terms and not phrases:
            raise ArchiveError("empty search query")
        parsed = []
        for term in terms:
            match = _TERM.match(term)
            if not match:
                raise ArchiveError(f"search term not understood by a local archive: {term!r}")
            parsed.append((match.group(1), match.group(2).strip("<>").lower()))
        if any(prefix == "patchid" for prefix, _ in parsed):
            self._compute_patch_ids()
        found = [m for m in self.mails if all(_matches(m, p, v) for p, v in parsed)]
        if phrases:
            # Words in sequence, whatever punctuation or spaces lie between, as public-inbox's phrases match.
            patterns = [re.compile(r"\W+".join(re.escape(w) for w in re.findall(r"\w+", p))) for p in phrases]
            found = [m for m in found if all(pattern.search(_body_text(m)) for pattern in patterns)]
        return [m.raw for m in found]

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
            chunks.append(mail.patch.encode("utf-8", "replace") + b"\n")
        if not chunks:
            return
        proc = run(None, "patch-id", "--stable", input=b"".join(chunks))
        for line in proc.stdout.decode().splitlines():
            patch_id, serial = line.split()
            self.mails[int(serial, 16)].patch_id = patch_id


def _matches(mail: IndexedMail, prefix: str, value: str) -> bool:
    if prefix == "m":
        return mail.msgid.lower() == value
    if prefix == "patchid":
        return mail.patch_id == value
    if len(value) < 7:
        return False
    ids = mail.pre if prefix == "dfpre" else mail.post
    return any(blob.startswith(value) for blob in ids)


def _body_text(mail: IndexedMail) -> str:
    """The whole decoded body in lower case, for phrase searches (made once per mail)."""
    if mail.body is None:
        mail.body = decode_mail(mail.raw).body.lower()
    return mail.body
