"""Message-IDs, in one place: what a user types, what a mail's header holds, what people write in text.

A Message-ID is kept bare (no angle brackets) everywhere in aptool.
"""

from __future__ import annotations

import re
import urllib.parse
from email.message import EmailMessage

from liblore.utils import get_clean_msgid

from aptool.errors import AptoolError, ArchiveError

# What public-inbox appends after the Message-ID in its URLs.
_URL_TAILS = {"", "T", "t", "raw", "t.mbox.gz", "t.atom", "#R"}
_FORBIDDEN = re.compile(r"[\s<>\x00-\x1f\x7f]")
# In free text: ``<id@host>``, or an archive URL whose path names one (``%40`` for ``@`` too).
_BRACKETED = re.compile(r"<([^<>\s@]+@[^<>\s@]+)>")
_ARCHIVE_URL = re.compile(r"https?://[^\s/]+/(?:[^\s/]+/)?([^\s/]+(?:@|%40)[^\s/]+?)(?:/[^\s]*)?(?=\s|$|[>)\]])")
# In a trailer's value (``Depends-on: <id>``, ``prerequisite-message-id: id``): bracketed or bare.
_IN_VALUE = re.compile(r"<([^<>\s]+@[^<>\s]+)>|(\S+@\S+)")


def message_id(mail: bytes | EmailMessage) -> str | None:
    """The mail's own Message-ID, bare, or None (liblore's reading of the raw header)."""
    if isinstance(mail, bytes):
        from aptool.archive.rawmail import raw_message_id

        return raw_message_id(mail)  # the raw header, without parsing the whole mail
    try:
        return get_clean_msgid(mail)
    except (LookupError, ValueError, TypeError, AttributeError):  # the header parser on ``Message-ID: <@>``
        return None


def mentioned_in(line: str) -> list[str]:
    """The Message-IDs a line of text names: bracketed, then inside archive URLs."""
    return _BRACKETED.findall(line) + [urllib.parse.unquote(u) for u in _ARCHIVE_URL.findall(line)]


def named_in_value(value: str) -> list[str]:
    """The Message-IDs a trailer's value names, bare; what cannot be a Message-ID is left out."""
    found = []
    named = [m.group(1) or m.group(2) for m in _IN_VALUE.finditer(value)] + _ENCODED_URL.findall(value)
    for text in named:
        try:
            found.append(normalize_msgid(text))
        except AptoolError:
            continue
    return found


# An archive URL with the Message-ID's ``@`` written ``%40``, as browsers copy it.
_ENCODED_URL = re.compile(r"https?://[^\s@<>]+%40[^\s@<>]+")


def normalize_msgid(text: str) -> str:
    """The bare Message-ID (no angle brackets) named by ``text``.

    Accepts ``<id>``, ``id``, ``id:id`` (notmuch style) and public-inbox
    URLs such as ``https://lore.kernel.org/LIST/ID/``, ``.../ID/T/`` or
    ``.../ID/raw``.  Refuses text that cannot be a Message-ID instead of
    sending it to a server.
    """
    value = text.strip()
    if "://" in value:
        value = _msgid_from_url(value)
    elif value.startswith("id:"):
        value = value[3:]
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if not value:
        raise ArchiveError(f"not a Message-ID: {text!r}")
    if _FORBIDDEN.search(value):
        raise ArchiveError(f"not a Message-ID (spaces, control characters or <> inside): {text!r}")
    if "@" not in value:
        raise ArchiveError(f"not a Message-ID (no '@'): {text!r}")
    return value


def _msgid_from_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/")]
    while segments and segments[-1] in _URL_TAILS:
        segments.pop()
    for segment in reversed(segments):
        if "@" in segment:
            return segment
    raise ArchiveError(f"no Message-ID in URL: {url}")


def archive_from_url(text: str) -> str | None:
    """The archive a message URL points into: ``https://host/LIST/ID/T/`` -> ``https://host/LIST``."""
    value = text.strip()
    if "://" not in value:
        return None
    parts = urllib.parse.urlsplit(value)
    segments = parts.path.split("/")
    for index in range(len(segments) - 1, -1, -1):
        if "@" in urllib.parse.unquote(segments[index]):
            prefix = "/".join(segments[:index]).rstrip("/")
            if prefix.endswith("/r") or prefix == "/r":  # lore's /r/ redirector
                prefix = prefix[: -len("/r")] + "/all"
            return f"{parts.scheme}://{parts.netloc}{prefix}"
    return None


def references(msg: EmailMessage) -> list[str]:
    """Message-IDs a mail replies to, bare: References first, then In-Reply-To."""
    found: list[str] = []
    for header in ("References", "In-Reply-To"):
        for value in msg.get_all(header, []) or []:
            for ref in re.findall(r"<([^<>\s]+)>", str(value)):
                if ref not in found:
                    found.append(ref)
    return found
