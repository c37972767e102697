"""The local archive's Message-ID index: same threads as liblore's walk, kept current, never in the way."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from liblore.utils import get_strict_thread, split_and_dedupe_as_bytes

from aptool.archive.local import LocalArchive
from aptool.archive.mail import parse_mail
from aptool.archive.msgid import message_id


def mail(msgid: str, parent: str | None = None, body: str = "hi", refs: str | None = None) -> str:
    links = f"In-Reply-To: <{parent}>\nReferences: {refs or f'<{parent}>'}\n" if parent else ""
    return (
        f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@example.org>\nSubject: s {msgid}\n"
        f"Message-ID: <{msgid}>\n{links}\n{body}\n"
    )


def ids(messages: list[bytes]) -> list[str | None]:
    return [message_id(raw) for raw in messages]


def test_every_story_thread_as_liblore_walks_it(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = LocalArchive(story.archive, index_root=tmp_path)
    everything = b"".join(p.read_bytes() for p in sorted(Path(story.archive).glob("*.mbox")))
    parsed = [parse_mail(raw) for raw in split_and_dedupe_as_bytes(everything, [])]
    assert sorted(filter(None, ids(archive.messages))) == sorted(filter(None, (message_id(m) for m in parsed)))
    for name, thread in story.threads.items():
        for msgid in thread:
            expected = {message_id(m) for m in get_strict_thread(parsed, msgid) or []}
            assert set(ids(archive.thread(msgid))) == expected, (name, msgid)


def test_the_index_follows_the_files(tmp_path: Path) -> None:
    box = tmp_path / "archive"
    box.mkdir()
    (box / "a.mbox").write_text(mail("root@x") + mail("r1@x", "root@x"))
    cache = tmp_path / "cache"
    assert ids(LocalArchive(box, index_root=cache).thread("root@x")) == ["root@x", "r1@x"]
    (box / "b.mbox").write_text(mail("r2@x", "r1@x", refs="<root@x> <r1@x>"))  # a new file
    assert ids(LocalArchive(box, index_root=cache).thread("r1@x")) == ["root@x", "r1@x", "r2@x"]
    (box / "a.mbox").write_text(mail("root@x"))  # a changed file: r1 is gone, r2 still names root
    stat = (box / "a.mbox").stat()
    os.utime(box / "a.mbox", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert ids(LocalArchive(box, index_root=cache).thread("root@x")) == ["root@x", "r2@x"]
    (box / "b.mbox").unlink()  # a removed file
    assert ids(LocalArchive(box, index_root=cache).thread("root@x")) == ["root@x"]
    (index,) = (cache / "local-index").glob("*.sqlite3")
    assert sqlite3.connect(index).execute("SELECT COUNT(*) FROM files").fetchone() == (1,)


def test_siblings_of_a_missing_parent_are_one_thread_and_the_first_copy_wins(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_text(
        mail("a@x", "gone@x", body="first") + mail("b@x", "gone@x") + mail("a@x", body="second") + mail("c@x")
    )
    archive = LocalArchive(box, index_root=tmp_path / "cache")
    found = archive.thread("b@x")
    assert ids(found) == ["a@x", "b@x"] and b"first" in found[0]


def test_an_unwritable_or_damaged_index_is_rebuilt_in_memory(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_text(mail("root@x") + mail("r1@x", "root@x"))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should be")
    assert ids(LocalArchive(box, index_root=blocked).thread("r1@x")) == ["root@x", "r1@x"]
    cache = tmp_path / "cache"
    LocalArchive(box, index_root=cache)
    for index in (cache / "local-index").glob("*"):
        index.write_bytes(b"not a database" * 100)
    assert ids(LocalArchive(box, index_root=cache).thread("r1@x")) == ["root@x", "r1@x"]


def test_a_maildir_and_lone_mail_files(tmp_path: Path) -> None:
    maildir = tmp_path / "md"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1:2,S").write_text(mail("root@x").split("\n", 1)[1])
    (maildir / "new" / "2").write_text(mail("r1@x", "root@x").split("\n", 1)[1])
    (maildir / "tmp" / "3").write_text(mail("half@x", "root@x").split("\n", 1)[1])  # being delivered
    assert ids(LocalArchive(maildir, index_root=tmp_path / "cache").thread("root@x")) == ["root@x", "r1@x"]


def test_mbox_escapes_and_a_hostile_from_line(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    hostile = b"From x " + b"11:11:11 " * 100_000 + b"\n"  # liblore's separator pattern backtracks here
    box.write_bytes(mail("a@x").encode() + b">From me\n>>From you\n" + hostile + mail("b@x", "a@x").encode())
    found = LocalArchive(box, index_root=tmp_path / "cache").thread("a@x")
    assert ids(found) == ["a@x", "b@x"]
    assert b"\nFrom me\n>From you\n" in found[0] and found[0].endswith(b"\n")
