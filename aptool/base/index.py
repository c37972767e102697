"""A persistent index of which blob every path holds at every commit, under ``.git/aptool/``.

Walking history per query is what makes base-finding slow on a large
repository.  This index records, once, every commit's change against its
first parent (``git log --raw --diff-merges=first-parent``): a commit holds
at a path what its first parent holds unless it changes the path.  The
first-parent relation makes the commits a forest, numbered in pre-order, so
"the commits holding blob B at path P" is a handful of ranges of that
numbering, computed from P's change points alone (see ``history``).

The index is updated incrementally: new ref tips bring their new commits,
commits no longer reachable from any searched tip are dropped.  It lives in
one SQLite file, which is never changed in place: each update is made in a
copy beside it that then replaces it (``os.replace``), so a run reading the
index while ``aptool index`` or another run updates it reads a whole index.
When nothing can be written there, the index is built in memory for the run.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from aptool.errors import RepositoryError
from aptool.git.run import DEVNULL, git, git_bytes, popen

_FORMAT = "2"
Progress = Callable[[int, int], None]  # (commits indexed so far, commits to index)


class IndexUnusable(Exception):
    """The index file is there but cannot be used (unreadable, or written by another version)."""


def indexing_note(total: int) -> str:
    """What a run says when it starts indexing, in every front end."""
    return f"indexing the history of {total} commits (once; kept in .git/aptool/)"


class BlobIndex:
    """The SQLite file and the queries the history needs from it."""

    def __init__(
        self,
        repo: Path,
        tips: list[str],
        progress: Progress | None = None,
        *,
        paths: list[str] | None = None,
        common_dir: Path | None = None,
    ) -> None:
        """The persistent index of every path, kept current with ``tips``; with ``paths``, an in-memory
        index of those paths only (more can be added), which writes nothing.  ``common_dir``: the
        repository's git directory, when the caller knows it."""
        self.repo = repo
        self.progress = progress
        self.covered: set[str] | None = None  # None: every path
        if paths is None:
            self._persistent(sorted(set(tips)), index_file(repo, common_dir))
        else:
            self.db = _open(None)
            self.covered = set()
            self._tips = _commits_only(repo, sorted(set(tips)))
            with self.db:
                self._add_forest(self._tips)
                self._number()
            self.add_paths(paths)

    @classmethod
    def existing(
        cls, repo: Path, tips: list[str], progress: Progress | None = None, *, common_dir: Path | None = None
    ) -> BlobIndex | None:
        """The persistent index when ``aptool index`` has built it (brought current), else None.

        Raises :class:`IndexUnusable` when the file is there but cannot be read, or another
        version of aptool wrote it: the caller goes on without it (``aptool index`` rebuilds it).
        """
        path = index_file(repo, common_dir)
        if path is None or not path.exists():
            return None
        try:
            db = _open_existing(path)
            written = _meta_of(db, "format")
            db.close()
        except sqlite3.Error as err:
            raise IndexUnusable(f"the history index {path} cannot be read ({err})") from None
        if written != _FORMAT:
            raise IndexUnusable(f"the history index {path} was written by another version of aptool")
        try:
            return cls(repo, tips, progress, common_dir=common_dir)
        except (sqlite3.Error, KeyError, ValueError) as err:
            raise IndexUnusable(f"the history index {path} cannot be brought up to date ({err})") from None

    def _persistent(self, tips: list[str], place: Path | None) -> None:
        """Open the index at ``place``, brought current with ``tips``.

        An index that must change is changed in a copy beside it, which then
        replaces it in one rename: a run that reads the index meanwhile sees
        the old index or the new one, never one half written.  An index that
        cannot be read is built afresh; where nothing can be written, the
        index lives in memory for the run.
        """
        source: sqlite3.Connection | None = None
        if place is not None and place.exists():
            try:
                source = _open_existing(place)
                if _meta_of(source, "format") == _FORMAT and _meta_of(source, "tips").split() == tips:
                    self.db = source
                    return
            except sqlite3.Error:  # not an index (or not one this version reads): built afresh below
                if source is not None:
                    source.close()
                source = None
        work = _scratch_file(place)
        self.db = sqlite3.connect(work if work is not None else ":memory:", isolation_level=None)
        try:
            if source is not None:
                source.backup(self.db)
                source.close()
            self.db.executescript(_SCHEMA)
            self._update(tips)
            if work is not None and place is not None:
                self.db.close()
                os.replace(work, place)
                work = None
                self.db = _open_existing(place)
        finally:
            if work is not None:
                work.unlink(missing_ok=True)

    def add_paths(self, paths: list[str]) -> None:
        """Index the history of ``paths`` too (path-limited mode only)."""
        if self.covered is None:
            return
        wanted = sorted(set(paths) - self.covered)
        if not wanted or not self._tips:
            self.covered.update(wanted)
            return
        ids = {bytes(oid): cid for cid, oid in self.db.execute("SELECT id, oid FROM commits")}
        path_ids = {path: pid for pid, path in self.db.execute("SELECT id, path FROM paths")}
        changes: list[tuple[int, int, bytes | None]] = []
        spec = ("\n".join(self._tips) + "\n").encode()
        with self.db:
            for oid, _time, _parent, changed in _log(self.repo, spec, wanted):
                for path, blob in changed:
                    pid = path_ids.get(path)
                    if pid is None:
                        pid = int(self.db.execute("INSERT INTO paths (path) VALUES (?)", (path,)).lastrowid or 0)
                        path_ids[path] = pid
                    changes.append((pid, ids[oid], blob))
            self.db.executemany("INSERT INTO changes (path_id, commit_id, blob) VALUES (?, ?, ?)", changes)
        self.covered.update(wanted)

    def _add_forest(self, tips: list[str]) -> None:
        """Every commit ``tips`` reach, with its first parent and committer time, from one ``rev-list``."""
        out = git_bytes(
            self.repo, "rev-list", "--stdin", "--parents", "--timestamp", input=("\n".join(tips) + "\n").encode()
        )
        rows: list[tuple[bytes, int]] = []
        parents: list[tuple[bytes, bytes]] = []
        for line in out.splitlines():
            fields = line.split()
            oid = bytes.fromhex(fields[1].decode())
            rows.append((oid, int(fields[0])))
            if len(fields) > 2:
                parents.append((oid, bytes.fromhex(fields[2].decode())))
        self.db.executemany("INSERT INTO commits (oid, time) VALUES (?, ?)", rows)
        ids = {bytes(oid): cid for cid, oid in self.db.execute("SELECT id, oid FROM commits")}
        self.db.executemany(
            "UPDATE commits SET parent = ? WHERE id = ?", [(ids[p], ids[c]) for c, p in parents if p in ids]
        )

    # -- queries -----------------------------------------------------------------

    def size(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM commits").fetchone()[0])

    def path_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM paths").fetchone()[0])

    def position(self, oid: str) -> int | None:
        """The pre-order number of a commit, or None when no searched ref reaches it."""
        row = self.db.execute("SELECT pre FROM commits WHERE oid = ?", (bytes.fromhex(oid),)).fetchone()
        return None if row is None else int(row[0])

    def time_of(self, oid: str) -> int | None:
        row = self.db.execute("SELECT time FROM commits WHERE oid = ?", (bytes.fromhex(oid),)).fetchone()
        return None if row is None else int(row[0])

    def deepest_ancestor(self, first: int, last: int, position: int) -> int | None:
        """The largest number in [first, last] whose subtree holds ``position`` (its first-parent ancestor)."""
        row = self.db.execute(
            "SELECT pre FROM commits WHERE pre BETWEEN ? AND ? AND post >= ? ORDER BY pre DESC LIMIT 1",
            (first, last, position),
        ).fetchone()
        return None if row is None else int(row[0])

    def first_parent_lines(self, tips: list[str], since: int) -> list[tuple[str, int, str | None]]:
        """(commit, committer time, first parent) of the commits on the first-parent lines of ``tips``
        committed after ``since``; each line ends at its first commit no newer than ``since``."""
        known = [bytes.fromhex(t) for t in tips]
        if not known:
            return []
        marks = ", ".join("?" * len(known))
        rows = self.db.execute(
            f"""WITH RECURSIVE line(id) AS (
                SELECT id FROM commits WHERE oid IN ({marks}) AND time > ?
                UNION
                SELECT c.parent FROM line JOIN commits c ON c.id = line.id JOIN commits p ON p.id = c.parent
                WHERE p.time > ?
            )
            SELECT c.oid, c.time, p.oid FROM line JOIN commits c ON c.id = line.id
            LEFT JOIN commits p ON p.id = c.parent""",
            (*known, since, since),
        ).fetchall()
        return [(bytes(oid).hex(), int(time), bytes(parent).hex() if parent else None) for oid, time, parent in rows]

    def oid_at(self, pre: int) -> str:
        return bytes(self.db.execute("SELECT oid FROM commits WHERE pre = ?", (pre,)).fetchone()[0]).hex()

    def change_points(self, path: str) -> list[tuple[int, int, str]]:
        """(first, last, blob) for every commit that changes ``path``: the commit's subtree range and the
        blob it leaves there ("" when it removes the path)."""
        rows = self.db.execute(
            "SELECT c.pre, c.post, ch.blob FROM changes ch JOIN commits c ON c.id = ch.commit_id"
            " WHERE ch.path_id = (SELECT id FROM paths WHERE path = ?) ORDER BY c.pre",
            (_as_stored(path),),
        ).fetchall()
        return [(pre, post, bytes(blob).hex() if blob else "") for pre, post, blob in rows]

    def extreme_in(self, first: int, last: int, newest_before: float | None) -> tuple[int, int] | None:
        """(time, pre) of the newest commit in [first, last] committed no later than ``newest_before``,
        or with None, of the oldest; ties go to the later number."""
        if newest_before is None:
            sql = "SELECT time, pre FROM commits WHERE pre BETWEEN ? AND ? ORDER BY time ASC, pre DESC LIMIT 1"
            row = self.db.execute(sql, (first, last)).fetchone()
        else:
            sql = (
                "SELECT time, pre FROM commits WHERE pre BETWEEN ? AND ? AND time <= ?"
                " ORDER BY time DESC, pre DESC LIMIT 1"
            )
            row = self.db.execute(sql, (first, last, int(newest_before))).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    # -- keeping it current --------------------------------------------------------

    def _update(self, tips: list[str]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")  # one writer at a time; readers wait for its answer
            if self._meta("format") == _FORMAT and self._meta("tips").split() == tips:
                return
            key = tips
            tips = _commits_only(self.repo, tips)
            indexed = self._meta("commits").split()
            if self._meta("format") != _FORMAT or _commits_only(self.repo, indexed) != indexed:
                # a gc may have pruned a deleted branch's commits: nothing to subtract from, so start over
                self._clear()
                indexed = []
            removed = [t for t in indexed if t not in tips]
            added = [t for t in tips if t not in indexed]
            if removed:
                self._drop_unreachable(removed, tips)
            if added:
                self._add_commits(added, indexed)  # every commit an old tip reaches is indexed or dropped
            self._number()
            self._set_meta("tips", " ".join(key))
            self._set_meta("commits", " ".join(tips))
            self._set_meta("format", _FORMAT)

    def _clear(self) -> None:
        for table in ("changes", "paths", "commits", "meta"):
            self.db.execute(f"DELETE FROM {table}")

    def _drop_unreachable(self, removed: list[str], kept: list[str]) -> None:
        lines = "\n".join(removed + [f"^{t}" for t in kept]) + "\n"
        gone = git(self.repo, "rev-list", "--stdin", input=lines.encode()).split()
        for oid in gone:
            row = self.db.execute("SELECT id FROM commits WHERE oid = ?", (bytes.fromhex(oid),)).fetchone()
            if row is not None:
                self.db.execute("DELETE FROM changes WHERE commit_id = ?", row)
                self.db.execute("DELETE FROM commits WHERE id = ?", row)

    def _add_commits(self, added: list[str], known: list[str]) -> None:
        spec = ("\n".join(added + [f"^{t}" for t in known]) + "\n").encode()
        total = int(git(self.repo, "rev-list", "--stdin", "--count", input=spec).strip() or 0)
        ids = {bytes(oid): cid for cid, oid in self.db.execute("SELECT id, oid FROM commits")}
        path_ids = {path: pid for pid, path in self.db.execute("SELECT id, path FROM paths")}
        pending_parents: list[tuple[int, bytes]] = []
        changes: list[tuple[int, int, bytes | None]] = []
        done = 0
        for oid, time, parent, changed in _log(self.repo, spec):
            cursor = self.db.execute("INSERT INTO commits (oid, time) VALUES (?, ?)", (oid, time))
            cid = int(cursor.lastrowid or 0)
            ids[oid] = cid
            if parent is not None:
                pending_parents.append((cid, parent))
            for path, blob in changed:
                pid = path_ids.get(path)
                if pid is None:
                    pid = int(self.db.execute("INSERT INTO paths (path) VALUES (?)", (path,)).lastrowid or 0)
                    path_ids[path] = pid
                changes.append((pid, cid, blob))
            if len(changes) > 50_000:
                self.db.executemany("INSERT INTO changes (path_id, commit_id, blob) VALUES (?, ?, ?)", changes)
                changes.clear()
            done += 1
            if self.progress is not None and (done % 1000 == 0 or done == total):
                self.progress(done, total)
        self.db.executemany("INSERT INTO changes (path_id, commit_id, blob) VALUES (?, ?, ?)", changes)
        self.db.executemany(
            "UPDATE commits SET parent = ? WHERE id = ?",
            [(ids[parent], cid) for cid, parent in pending_parents if parent in ids],
        )

    def _number(self) -> None:
        """Number the first-parent forest in pre-order; a subtree is the range [pre, post].

        Children and roots go in (time, oid) order, so the numbering depends
        on the graph alone, not on the order in which it was indexed.
        """
        rows = self.db.execute("SELECT id, parent, time, oid FROM commits").fetchall()
        children: dict[int, list[tuple[int, bytes, int]]] = {}
        roots: list[tuple[int, bytes, int]] = []
        for cid, parent, time, oid in rows:
            (roots if parent is None else children.setdefault(parent, [])).append((time, bytes(oid), cid))
        numbers: list[tuple[int, int, int]] = []
        counter = 0
        for root in sorted(roots):
            stack: list[tuple[int, bool]] = [(root[2], False)]
            first: dict[int, int] = {}
            while stack:
                cid, leaving = stack.pop()
                if leaving:
                    numbers.append((first.pop(cid), counter - 1, cid))
                    continue
                first[cid] = counter
                counter += 1
                stack.append((cid, True))
                kids = children.get(cid)
                if kids:
                    stack.extend((kid, False) for _, _, kid in sorted(kids, reverse=True))
        self.db.execute("DROP INDEX IF EXISTS commits_pre")
        self.db.executemany("UPDATE commits SET pre = ?, post = ? WHERE id = ?", numbers)
        self.db.execute("CREATE INDEX commits_pre ON commits (pre, time)")

    def _meta(self, key: str) -> str:
        return _meta_of(self.db, key)

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS commits (
    id INTEGER PRIMARY KEY, oid BLOB UNIQUE, parent INTEGER, time INTEGER, pre INTEGER, post INTEGER);
CREATE TABLE IF NOT EXISTS paths (id INTEGER PRIMARY KEY, path TEXT UNIQUE);
CREATE TABLE IF NOT EXISTS changes (path_id INTEGER, commit_id INTEGER, blob BLOB);
CREATE INDEX IF NOT EXISTS changes_path ON changes (path_id);
CREATE INDEX IF NOT EXISTS changes_commit ON changes (commit_id);
"""


def index_file(repo: Path, common_dir: Path | None = None) -> Path | None:
    """Where the persistent index of ``repo`` lives (``common_dir``: its git directory, when known)."""
    if common_dir is not None:
        return common_dir.resolve() / "aptool" / "blob-index.sqlite3"
    common = git(repo, "rev-parse", "--git-common-dir", check=False).strip()
    return (Path(repo) / common).resolve() / "aptool" / "blob-index.sqlite3" if common else None


def _open(repo: Path | None) -> sqlite3.Connection:
    """A fresh in-memory index (the touched paths' history, or where nothing can be written)."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(_SCHEMA)
    return db


def _open_existing(path: Path) -> sqlite3.Connection:
    """The index file, read only (it is only ever replaced whole, never changed in place)."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=120, isolation_level=None)


def _meta_of(db: sqlite3.Connection, key: str) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return "" if row is None else str(row[0])


def _scratch_file(place: Path | None) -> Path | None:
    """A new empty file beside ``place`` to build the next index in; None where none can be made."""
    if place is None:
        return None
    try:
        place.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"{place.name}.", suffix=".new", dir=place.parent)
    except OSError:
        return None
    os.close(handle)
    return Path(name)


def _commits_only(repo: Path, oids: list[str]) -> list[str]:
    """The commits among ``oids`` (a tag may name a blob or a tree, which holds no history)."""
    if not oids:
        return []
    out = git(repo, "cat-file", "--batch-check=%(objecttype)", input=("\n".join(oids) + "\n").encode())
    return [oid for oid, kind in zip(oids, out.splitlines(), strict=True) if kind == "commit"]


def _log(
    repo: Path, spec: bytes, paths: list[str] | None = None
) -> Iterator[tuple[bytes, int, bytes | None, list[tuple[str, bytes | None]]]]:
    """(oid, committer time, first parent, [(path, blob or None)]) for every commit ``spec`` selects.

    One ``git log`` with NUL-separated raw output, read as a stream: the
    output for a large repository is far bigger than the index.  With
    ``paths``, only commits that change one of them against their first
    parent (``--full-history``: side branches are not simplified away).
    """
    proc = popen(
        repo,
        "log",
        "--stdin",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--diff-merges=first-parent",
        "--root",
        "--format=%x01%H %ct %P",
        *(["--full-history", "--", *paths] if paths is not None else []),
        env={"GIT_LITERAL_PATHSPECS": "1"},
        stderr=DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(spec)
    proc.stdin.close()
    rest = b""
    while True:
        chunk = proc.stdout.read(1 << 20)
        if not chunk:
            break
        records = (rest + chunk).split(b"\x01")
        rest = records.pop()
        for record in records:
            if record:
                yield _record(record)
    if rest:
        yield _record(rest)
    if proc.wait() != 0:
        raise RepositoryError("git log failed while indexing history")


def _record(record: bytes) -> tuple[bytes, int, bytes | None, list[tuple[str, bytes | None]]]:
    fields = record.split(b"\0")
    head = fields[0].split()
    oid, time = bytes.fromhex(head[0].decode()), int(head[1])
    parent = bytes.fromhex(head[2].decode()) if len(head) > 2 else None
    changed: list[tuple[str, bytes | None]] = []
    items = fields[1:]
    for meta, path in zip(items[0::2], items[1::2], strict=False):
        meta = meta.lstrip(b"\n")
        if not meta.startswith(b":"):
            continue
        new = meta.split()[3]
        changed.append(
            (path.decode("utf-8", "replace"), None if new.strip(b"0") == b"" else bytes.fromhex(new.decode()))
        )
    return oid, time, parent, changed


def _as_stored(path: str) -> str:
    """``path`` as the index stores git's bytes (UTF-8, undecodable bytes replaced): a path read
    from a mail may carry undecodable bytes as surrogates, which sqlite cannot take."""
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return path.encode("utf-8", "replace").decode("utf-8")
