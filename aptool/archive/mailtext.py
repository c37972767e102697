"""One decoded text per mail: what ``git am`` will read, for every stage that reads a patch.

``git am`` splits an mbox with ``git mailsplit`` (which drops the CR of CRLF
line ends) and hands each mail to ``git mailinfo``, which undoes base64 and
quoted-printable, recodes the charset to UTF-8, joins ``format=flowed`` lines
(honouring ``delsp``), reads text attachments, and splits the body at the
patch break (``---``, ``diff -``, ``Index:``).  The series parser, the local
archive's ``dfpre:``/``dfpost:``/``patchid:`` searches and ``git am`` must agree
on that text, so it is made here once, by ``git mailinfo`` itself.  CRs left
after decoding are transport damage, as b4 and ``git am --quoted-cr=strip`` treat
them, except where they are a file's own line ends (:func:`content_crs`): those
are kept, and ``git am --keep-cr`` applies them.

A mail whose transport is already plain (one ``text/plain`` part, 7bit or 8bit,
UTF-8 or ASCII, not flowed, no CR) decodes to itself; it is split at the same
patch break without starting a process.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aptool.archive.rawmail import header_lines_without
from aptool.git.run import run

_PLAIN_CHARSETS = {None, "utf-8", "us-ascii", "utf8", "ascii"}
_PLAIN_CTE = {None, "7bit", "8bit"}
# Headers that describe the original transport; a decoded mail drops them.
_TRANSPORT_HEADERS = ("content-type", "content-transfer-encoding", "mime-version", "content-disposition")


@dataclass(frozen=True)
class MailText:
    """A mail's body as ``git mailinfo`` leaves it.

    ``message`` is the text before the patch break (in-body ``From:`` and
    ``Subject:`` lines kept, as b4 reads them); ``patch`` starts at the break
    and runs to the end: it is what ``git apply`` reads.
    """

    message: str
    patch: str
    #: The mail's transport was already plain: the mail as sent is what git am reads.
    plain: bool = field(default=False, compare=False)

    @property
    def body(self) -> str:
        return self.message + self.patch


# The lines of a diff that git writes itself: never part of a file's content.
_DIFF_HEADER = re.compile(rb"^(?:diff --git |@@ -)[^\n]*\n", re.MULTILINE)


def normalize_line_ends(data: bytes) -> bytes:
    """CRLF to LF, as ``git mailsplit`` does for every line of an mbox file (without ``--keep-cr``).

    Unless the CRs are a file's content (see :func:`content_crs`): then the data is returned as it is.
    """
    if b"\r\n" not in data or content_crs(data):
        return data
    return data.replace(b"\r\n", b"\n")


def content_crs(data: bytes) -> bool:
    """Whether the CRs in ``data`` belong to a file the patch changes (a ``.bat`` script, a DOS text).

    A relay that adds CRs adds them to every line; ``git format-patch`` of a file with CRLF line
    ends writes CRs only on that file's lines, never on the ``diff --git`` and ``@@`` lines it
    makes itself.  So: some line ends in CRLF, and no such header line does.
    """
    if b"\r\n" not in data:
        return False
    headers = _DIFF_HEADER.findall(data)
    return bool(headers) and not any(line.endswith(b"\r\n") for line in headers)


def decode_mail(raw: bytes) -> MailText:
    """The mail's body as ``git am`` sees it (see the module docstring)."""
    raw = normalize_line_ends(raw)
    body = _plain_body(raw)
    if body is not None:
        text = split_at_patch_break(body)
        return MailText(text.message, text.patch, plain=True)
    return _mailinfo(raw)


def decode_many(raws: list[bytes]) -> list[MailText]:
    """:func:`decode_mail` for many mails; the ``git mailinfo`` runs go two at a time."""
    if len(raws) < 4:
        return [decode_mail(raw) for raw in raws]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(decode_mail, raws))


def decoded_mail(raw: bytes, text: MailText | None = None, subject: str | None = None) -> bytes:
    """The mail rewritten as one plain UTF-8 text part holding its decoded body.

    Headers other than the transport ones are kept as sent; ``subject``
    replaces the Subject (a normalised prefix).  ``git mailinfo`` reads this
    mail back to the same text, so it is what ``git am`` and b4 are given.
    """
    raw = normalize_line_ends(raw)
    text = text or decode_mail(raw)
    head, _, _ = raw.partition(b"\n\n")
    kept = header_lines_without(
        head, lambda name: name in _TRANSPORT_HEADERS or (subject is not None and name == "subject")
    )
    if subject is not None:
        kept.append(b"Subject: " + _header_text(subject))
    kept += [
        b"MIME-Version: 1.0",
        b'Content-Type: text/plain; charset="utf-8"',
        b"Content-Transfer-Encoding: 8bit",
    ]
    body = text.body.encode("utf-8", "surrogateescape")
    return b"\n".join(kept) + b"\n\n" + body


def _header_text(value: str) -> bytes:
    from email.header import Header

    if value.isascii():
        return value.encode()
    return Header(value, "utf-8").encode().encode()


# git mailinfo's patchbreak(): "diff -", "Index: ", "--- <name>" or "---" with only blanks after.
_PATCH_BREAK = re.compile(r"^(?:diff -|Index: |--- \S|---[ \t\f\v]*$)", re.MULTILINE)


def split_at_patch_break(text: str) -> MailText:
    """Split a decoded body where ``git mailinfo`` does; leading blank lines are not part of the message."""
    body = text.lstrip("\n")
    match = _PATCH_BREAK.search(body)
    if match is None:
        return MailText(body, "")
    return MailText(body[: match.start()], body[match.start() :])


def _plain_body(raw: bytes) -> str | None:
    """The body as text when the transport is plain (see the module docstring), else None.

    Only the header block is parsed (compat32, no header objects): this runs
    for every mail of a local archive.
    """
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    if head.is_multipart() or head.get_content_type() != "text/plain":
        return None
    transfer = str(head.get("content-transfer-encoding") or "")  # a Header object when it holds 8-bit bytes
    if (transfer.strip().lower() or None) not in _PLAIN_CTE:
        return None
    if str(head.get_param("format", "") or "").lower() == "flowed":
        return None
    if head.get_content_charset() not in _PLAIN_CHARSETS:
        return None
    _, separator, payload = raw.partition(b"\n\n")
    if not separator or b"\r" in payload or not _is_utf8(payload):
        return None
    return payload.decode("utf-8")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mailinfo(raw: bytes) -> MailText:
    """Run ``git mailinfo`` on one mail: in-body headers kept in the message, CRs stripped.

    A charset git cannot convert (``charset=yes`` turns up on the lists)
    makes ``git mailinfo -u`` fail; the mail is then read without recoding
    (``-n``), as b4 falls back to UTF-8, instead of losing its patch.
    """
    with tempfile.TemporaryDirectory(prefix="aptool-mailinfo-") as tmp:
        msg_file, patch_file = Path(tmp, "msg"), Path(tmp, "patch")
        for recode in ("-u", "-n"):
            proc = run(
                None,
                "mailinfo",
                recode,
                "--no-inbody-headers",
                "--quoted-cr=nowarn",
                str(msg_file),
                str(patch_file),
                input=raw,
            )
            if proc.returncode == 0:
                break
        message = _read(msg_file)
        patch = _read(patch_file)
    if "\r\n" in message + patch and not content_crs((message + patch).encode("utf-8", "surrogateescape")):
        message, patch = message.replace("\r\n", "\n"), patch.replace("\r\n", "\n")  # --quoted-cr=strip
    return MailText(message, patch)


def _read(path: Path) -> str:
    try:
        # Bytes git leaves unconverted (a patch in another charset) pass through unchanged.
        return path.read_bytes().decode("utf-8", "surrogateescape")
    except OSError:
        return ""


__all__ = [
    "MailText",
    "content_crs",
    "decode_mail",
    "decode_many",
    "decoded_mail",
    "normalize_line_ends",
    "split_at_patch_break",
]
