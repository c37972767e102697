"""An archive on disk: an mbox file, a maildir, or a directory of mbox files."""

from __future__ import annotations

import mailbox
from pathlib import Path

from liblore.utils import split_and_dedupe_as_bytes

from aptool.archive.mailtext import normalize_line_ends
from aptool.archive.search import MailIndex
from aptool.archive.threading import thread_of
from aptool.errors import ArchiveError

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def read_messages(path: Path) -> list[bytes]:
    """Every message under ``path``, raw, duplicates by Message-ID dropped."""
    if not path.exists():
        raise ArchiveError(f"archive path does not exist: {path}")
    if path.is_dir() and (path / "cur").is_dir():
        box = mailbox.Maildir(str(path), create=False)
        return split_and_dedupe_as_bytes(
            b"".join(FROM_LINE + normalize_line_ends(box.get_bytes(k)) + b"\n" for k in box.keys()),
            [],
        )
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    data = b""
    for file in files:
        try:
            chunk = file.read_bytes()
        except OSError as err:
            raise ArchiveError(f"cannot read {file}: {err.strerror}") from None
        chunk = normalize_line_ends(chunk)  # an mbox saved with CRLF line ends, as git mailsplit reads it
        if chunk.startswith(b"From "):
            data += chunk if chunk.endswith(b"\n") else chunk + b"\n"
        elif _is_single_mail(chunk):
            data += FROM_LINE + chunk + b"\n"
    messages = split_and_dedupe_as_bytes(data, [])
    if not messages:
        raise ArchiveError(f"no mail found in {path}")
    return messages


class LocalArchive:
    """Answers threads and searches from files, with public-inbox's semantics."""

    def __init__(self, path: Path | str) -> None:
        self.location = str(path)
        self.messages = read_messages(Path(path))
        self._index: MailIndex | None = None

    def thread(self, msgid: str) -> list[bytes]:
        return thread_of(self.messages, msgid, self.location)

    def search(self, query: str) -> list[bytes]:
        if self._index is None:
            self._index = MailIndex(self.messages)
        return self._index.search(query)


def _is_single_mail(data: bytes) -> bool:
    """A lone message (a .eml or .patch file): a header block naming a Message-ID."""
    headers = data.split(b"\n\n", 1)[0].lower()
    return headers.startswith(b"message-id:") or b"\nmessage-id:" in headers
