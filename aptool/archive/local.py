"""An archive on disk: an mbox file, a maildir, or a directory of mbox files.

A large archive (20,000 messages in 9,000 files) is not read whole for a
thread.  An index of every message's Message-ID and references, by file
and byte range, is kept under the cache directory
(``$XDG_CACHE_HOME/aptool/local-index/``) and refreshed file by file when a
file's size or modification time changes; a thread is then a walk of the
index and a read of its own messages only.  Each file is read once, so
time grows linearly with the archive.  When the cache cannot be written
the index is built in memory for the one run.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from aptool.archive.cache import cache_dir
from aptool.archive.mailtext import normalize_line_ends
from aptool.archive.rawmail import header_fields, raw_references
from aptool.archive.search import MailIndex
from aptool.errors import ArchiveError

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
INDEX_VERSION = 2
# The mbox separator as liblore (and public-inbox) recognise it, on lines of at most 1,000 bytes
# (the pattern backtracks over the line: a megabyte-long "From " line would take minutes).
_FROM_SEPARATOR = re.compile(rb"^From (?=[^\n]{15,1000}$)\S+[^\n]*\d\d:\d\d:\d\d[^\n]*\d{4}[^\n]*$", re.MULTILINE)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_WANTED = frozenset({b"message-id", b"in-reply-to", b"references"})
_MSGID = re.compile(rb"<([^<>\s]+)>")


@dataclass(frozen=True)
class Entry:
    """One message of the archive: where it is and how it links to others."""

    path: str
    offset: int
    length: int
    msgid: str
    refs: tuple[str, ...]
    single: bool  # a lone mail file (no mbox ``From`` line)


def archive_files(path: Path) -> dict[str, tuple[int, int]]:
    """The files of the archive with their size and modification time, one ``stat`` each."""
    if not path.is_dir():
        stat = path.stat()
        return {str(path): (stat.st_size, stat.st_mtime_ns)}
    tops = [path / sub for sub in ("cur", "new") if (path / sub).is_dir()] if (path / "cur").is_dir() else [path]
    found: dict[str, tuple[int, int]] = {}
    stack = [str(top) for top in tops]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file():
                        stat = entry.stat()
                        found[entry.path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            continue
    return found


def scan(data: bytes, path: str) -> list[Entry]:
    """Every message in one file's bytes (line ends already normalised), in file order."""
    if data.startswith(b"From "):
        starts = [m.start() for m in _FROM_SEPARATOR.finditer(data)]
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        bounds = list(zip(starts, starts[1:] + [len(data)], strict=True))
        single = False
    elif _is_single_mail(data):
        bounds, single = [(0, len(data))], True
    else:
        return []
    entries = []
    for start, end in bounds:
        body_start = start if single else max(data.find(b"\n", start, end) + 1, start)
        end_of_headers = data.find(b"\n\n", body_start, end)
        head = data[body_start : end if end_of_headers < 0 else end_of_headers]
        fields = header_fields(head, _WANTED)
        match = next((_MSGID.search(v) for v in fields.get(b"message-id", [])[:1]), None)
        if match is None:
            continue  # as liblore does: a message without a Message-ID is not part of any thread
        msgid = match.group(1).decode("utf-8", "replace")
        refs = tuple(r for r in raw_references(head, fields) if r != msgid)
        entries.append(Entry(path, start, end - start, msgid, refs, single))
    return entries


def read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return normalize_line_ends(handle.read())
    except OSError as err:
        raise ArchiveError(f"cannot read {path}: {err.strerror}") from None


def message_bytes(entry: Entry, data: bytes) -> bytes:
    """The raw message ``entry`` names, from its file's bytes, as liblore's mbox split gives it:
    without the ``From`` line, one ``>`` taken from body lines that start ``>From ``.

    liblore's own split tries its separator pattern on every line, which backtracks for
    minutes over a long hostile line; this is linear.
    """
    chunk = data[entry.offset : entry.offset + entry.length]
    if not entry.single:
        newline = chunk.find(b"\n")
        chunk = chunk[newline + 1 :] if newline >= 0 else b""
    if not chunk.endswith(b"\n"):
        chunk += b"\n"
    elif entry.single or entry.offset + entry.length >= len(data):
        chunk += b"\n"  # liblore's split ends the file's last message with an empty line
    body = 0 if chunk.startswith(b"\n") else chunk.find(b"\n\n") + 1
    if body > 0 or chunk.startswith(b"\n"):
        chunk = chunk[:body] + _ESCAPED_FROM.sub(rb"\1", chunk[body:])
    return chunk


class MessageIndex:
    """Message-ID, references and byte range of every message of a local archive, kept on disk."""

    def __init__(self, path: Path, root: Path | None = None) -> None:
        self.path = path
        self.db = _connect(path, root)
        try:
            self._refresh()
        except sqlite3.Error:  # a damaged or locked index file: this run indexes in memory
            self.db = _connect(path, None, memory=True)
            self._refresh()

    def _refresh(self) -> None:
        listed = archive_files(self.path)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            known = dict((row[0], (row[1], row[2])) for row in self.db.execute("SELECT path, size, mtime FROM files"))
            for gone in known.keys() - listed.keys():
                self._forget(gone)
            for name in sorted(listed):
                size, mtime = listed[name]
                if known.get(name) == (size, mtime):
                    continue
                entries = scan(read_file(name), name)
                self._forget(name)
                self.db.executemany(
                    "INSERT INTO messages (path, offset, length, msgid, single) VALUES (?, ?, ?, ?, ?)",
                    [(e.path, e.offset, e.length, e.msgid, int(e.single)) for e in entries],
                )
                self.db.executemany(
                    "INSERT INTO refs (path, msgid, ref) VALUES (?, ?, ?)",
                    [(e.path, e.msgid, ref) for e in entries for ref in e.refs],
                )
                self.db.execute("INSERT INTO files (path, size, mtime) VALUES (?, ?, ?)", (name, size, mtime))

    def _forget(self, name: str) -> None:
        for table in ("files", "messages", "refs"):
            self.db.execute(f"DELETE FROM {table} WHERE path = ?", (name,))

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(DISTINCT msgid) FROM messages").fetchone()[0])

    def first_copy(self, msgid: str) -> Entry | None:
        """Where the message is (its first copy in archive order), or None."""
        row = self.db.execute(
            "SELECT path, offset, length, msgid, single FROM messages WHERE msgid = ? ORDER BY path, offset LIMIT 1",
            (msgid,),
        ).fetchone()
        if row is None:
            return None
        refs = tuple(r for (r,) in self.db.execute("SELECT ref FROM refs WHERE msgid = ?", (msgid,)))
        return Entry(row[0], row[1], row[2], row[3], tuple(dict.fromkeys(refs)), bool(row[4]))

    def everything(self) -> list[Entry]:
        """The first copy of every Message-ID, in archive order."""
        rows = self.db.execute("SELECT path, offset, length, msgid, single FROM messages ORDER BY path, offset")
        entries: dict[str, Entry] = {}
        for path, offset, length, msgid, single in rows:
            if msgid not in entries:
                entries[msgid] = Entry(path, offset, length, msgid, (), bool(single))
        return list(entries.values())

    def thread(self, msgid: str) -> list[Entry]:
        """The messages linked to ``msgid`` through In-Reply-To and References, in archive order.

        The same messages liblore's strict thread walk finds (messages that
        share a missing parent are one thread), by indexed lookups: time
        grows with the thread, not with the archive.
        """
        if self.first_copy(msgid) is None:
            return []
        seen = {msgid}
        queue = deque([msgid])
        while queue:
            current = queue.popleft()
            linked = self.db.execute(
                "SELECT ref FROM refs WHERE msgid = ?1 UNION SELECT msgid FROM refs WHERE ref = ?1", (current,)
            )
            for (other,) in linked:
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        found = [entry for entry in map(self.first_copy, seen) if entry is not None]
        return sorted(found, key=lambda e: (e.path, e.offset))


def _connect(path: Path, root: Path | None, *, memory: bool = False) -> sqlite3.Connection:
    """The index database for ``path`` under the cache directory; in memory when that cannot be written."""
    if memory:
        db = sqlite3.connect(":memory:", isolation_level=None)
        _schema(db)
        return db
    key = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:32]
    directory = (root or cache_dir()) / "local-index"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(directory / f"{key}-v{INDEX_VERSION}.sqlite3", timeout=60, isolation_level=None)
        _schema(db)
        return db
    except (OSError, sqlite3.Error):
        return _connect(path, root, memory=True)


def _schema(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER);
        CREATE TABLE IF NOT EXISTS messages (path TEXT, offset INTEGER, length INTEGER, msgid TEXT, single INTEGER);
        CREATE TABLE IF NOT EXISTS refs (path TEXT, msgid TEXT, ref TEXT);
        CREATE INDEX IF NOT EXISTS messages_path ON messages (path);
        CREATE INDEX IF NOT EXISTS messages_msgid ON messages (msgid);
        CREATE INDEX IF NOT EXISTS refs_path ON refs (path);
        CREATE INDEX IF NOT EXISTS refs_msgid ON refs (msgid);
        CREATE INDEX IF NOT EXISTS refs_ref ON refs (ref);
        """
    )


class LocalArchive:
    """Answers threads and searches from files, with public-inbox's semantics."""

    def __init__(self, path: Path | str, *, index_root: Path | None = None) -> None:
        self.location = str(path)
        self.path = Path(path)
        if not self.path.exists():
            raise ArchiveError(f"archive path does not exist: {path}")
        self.index = MessageIndex(self.path, index_root)
        if not len(self.index):
            raise ArchiveError(f"no mail found in {path}")
        self._messages: list[bytes] | None = None
        self._search: MailIndex | None = None

    @property
    def messages(self) -> list[bytes]:
        """Every message, raw, the first copy of each Message-ID, in archive order (read on first use)."""
        if self._messages is None:
            self._messages = self._read(self.index.everything())
        return self._messages

    def thread(self, msgid: str) -> list[bytes]:
        found = self.index.thread(msgid)
        if not found:
            raise ArchiveError(f"no message <{msgid}> in {self.location}")
        return self._read(found)

    def search(self, query: str) -> list[bytes]:
        if self._search is None:
            self._search = MailIndex(self.messages)
        return self._search.search(query)

    @staticmethod
    def _read(entries: list[Entry]) -> list[bytes]:
        """The messages ``entries`` name, each file read once."""
        out: list[bytes] = []
        data, current = b"", None
        for entry in entries:
            if entry.path != current:
                data, current = read_file(entry.path), entry.path
            out.append(message_bytes(entry, data))
        return out


def read_messages(path: Path) -> list[bytes]:
    """Every message under ``path``, raw, duplicates by Message-ID dropped."""
    return LocalArchive(path).messages


def _is_single_mail(data: bytes) -> bool:
    """A lone message (a .eml or .patch file): a header block naming a Message-ID."""
    headers = data.split(b"\n\n", 1)[0].lower()
    return headers.startswith(b"message-id:") or b"\nmessage-id:" in headers
