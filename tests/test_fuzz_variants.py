"""Other inputs of the fuzzed kinds (``tests/data/fuzz/``), made here: control bytes, absurd dates,
deep nesting, bytes that are not UTF-8 and huge headers, in every place of a patch mail.

Each input is a two-patch series with one thing made hostile, run through ``python -m aptool``:
the answer or one ``aptool: ...`` line, no traceback, no raw control character, within the bound
the fuzzing run counts as a hang.  Where the hostile thing is in a message other than the one
asked for, the answer is the series all the same and the message is named as left out.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.inbox_server import public_inbox_available, start_inbox
from tests.mailmaker import commit_files, format_series, make_repo, reply, run_git, set_header, split_mail, write_mbox
from tests.test_mail_variants import aptool as run_as_user
from tests.test_mail_variants import text

ROOT = Path(__file__).resolve().parents[1]
BOUND = 60.0


class Series:
    """A two-patch series with a cover (``fz-0`` .. ``fz-2``) and a maintainer's clone of its base."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        author = make_repo(tmp / "author", {"lib/a.c": text("a"), "lib/b.c": text("b")})
        run_git(author, "tag", "base")
        commit_files(author, {"lib/a.c": text("a").replace("x + 5;", "x + 50;")}, "lib: a: bump a_5")
        commit_files(author, {"lib/b.c": text("b").replace("x + 5;", "x + 50;")}, "lib: b: bump b_5")
        self.mails = format_series(author, 2, cover=True, msgid_prefix="fz")
        self.user = tmp / "user"
        run_git(tmp, "clone", "-q", str(author), str(self.user))
        run_git(self.user, "reset", "-q", "--hard", "base")
        run_git(self.user, "remote", "remove", "origin")


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Series:
    return Series(tmp_path_factory.mktemp("fuzz-variants"))


def aptool(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_as_user(*args, cwd=cwd, bound=BOUND)


def raw_header(mail: bytes, name: str, value: bytes) -> bytes:
    """Replace a header with raw bytes (``set_header`` takes text)."""
    head, body = split_mail(mail)
    kept = [line for line in head.split(b"\n") if not line.lower().startswith(name.lower().encode() + b":")]
    return b"\n".join(kept) + b"\n" + name.encode() + b": " + value + b"\n\n" + body


def in_body(mail: bytes, text: bytes) -> bytes:
    return mail.replace(b"\n---\n", b"\n" + text + b"\n---\n", 1)


Make = Callable[[list[bytes]], list[bytes]]


def _dated(date: str) -> Make:
    return lambda mails: [set_header(m, "Date", date) for m in mails]


NESTED_FORWARDS = (
    "From: a <a@example.org>\nSubject: fwd\nMessage-ID: <nest@example.org>\nIn-Reply-To: <fz-1@example.org>\n"
    "MIME-Version: 1.0\n" + "Content-Type: message/rfc822\n\nSubject: x\nMIME-Version: 1.0\n" * 1000 + "\nhi\n"
).encode()
HOSTILE: dict[str, Make] = {
    # control bytes
    "ESC and BEL in From": lambda s: [s[0], raw_header(s[1], "From", b"\x1b[2J\x1b]0;t\x07Eve <e@example.org>"), s[2]],
    "ESC, C1 and NUL in Subject": lambda s: [
        s[0],
        raw_header(s[1], "Subject", b"[PATCH 1/2] \x1b[31mx\x9b2J\x00"),
        s[2],
    ],
    "ESC in Message-ID": lambda s: [s[0], raw_header(s[1], "Message-ID", b"<fz-\x1b[31m1@example.org>"), s[2]],
    "NUL and BEL in the message": lambda s: [s[0], in_body(s[1], b"nul \x00 bel \x07"), s[2]],
    "ESC in a file name": lambda s: [s[0], s[1].replace(b"lib/a.c", b"lib/\x1b[2Ja.c"), s[2]],
    "bidi override in a trailer": lambda s: [s[0], in_body(s[1], "Acked-by: \u202eX <x@example.org>".encode()), s[2]],
    "ESC in Depends-on": lambda s: [s[0], in_body(s[1], b"Depends-on: <\x1b[2Jgone@example.org>"), s[2]],
    "bare CR in Subject": lambda s: [s[0], raw_header(s[1], "Subject", b"[PATCH 1/2] a\rb\r"), s[2]],
    # absurd dates
    **{
        f"Date {date}": _dated(date)
        for date in (
            "Mon, 01 Jan 0001 00:00:00 +0000",
            "Fri, 31 Dec 9999 23:59:59 -2359",
            "Tue, 01 Jun 2021 12:00:00 +9999",
            "Tue, 01 Jun 99999999999 12:00:00 +0000",
            "Sat, 29 Feb 2021 12:00:00 +0000",
            "-1",
        )
    },
    # deep nesting
    "50,000 References": lambda s: [
        s[0],
        set_header(s[1], "References", " ".join(f"<r{n}@example.org>" for n in range(50_000)) + " <fz-0@example.org>"),
        s[2],
    ],
    "comments nested 1,000 deep in From": lambda s: [
        s[0],
        raw_header(s[1], "From", b"Eve <e@example.org>" + b"(\x9a\x0b" * 1000),
        s[2],
    ],
    "a reply loop": lambda s: [
        set_header(set_header(s[0], "In-Reply-To", "<fz-2@example.org>"), "References", "<fz-2@example.org>"),
        s[1],
        s[2],
    ],
    "1,000 nested forwarded messages": lambda s: [*s, NESTED_FORWARDS],
    "quoting 10,000 deep": lambda s: [
        *s,
        reply("fz-1@example.org", "q@example.org", ">" * 10_000 + " Acked-by: Q <q@example.org>\n"),
    ],
    # not UTF-8
    "Latin-1 Subject and From": lambda s: [
        s[0],
        raw_header(raw_header(s[1], "Subject", b"[PATCH 1/2] J\xf6rg"), "From", b"J\xf6rg <j@example.org>"),
        s[2],
    ],
    "Latin-1 Message-ID": lambda s: [s[0], raw_header(s[1], "Message-ID", b"<fz-\xf61@example.org>"), s[2]],
    "invalid UTF-8 in a UTF-8 body": lambda s: [s[0], in_body(s[1], b"bad \xff\xfe bytes"), s[2]],
    "Latin-1 file name": lambda s: [s[0], s[1].replace(b"lib/a.c", b"lib/\xe4.c"), s[2]],
    "charset utf-16 on UTF-8 text": lambda s: [
        s[0],
        set_header(s[1], "Content-Type", 'text/plain; charset="utf-16"'),
        s[2],
    ],
    "encoded words that decode to nothing": lambda s: [
        s[0],
        raw_header(s[1], "Subject", b"=?utf-8?B?!!!?= =?x-no?Q?=FF?= [PATCH 1/2] x"),
        s[2],
    ],
    # huge headers
    "a 1 MB Subject": lambda s: [s[0], set_header(s[1], "Subject", "[PATCH 1/2] " + "word " * 200_000), s[2]],
    "100,000 header fields": lambda s: [
        s[0],
        raw_header(s[1], "X-Filler", b"\nX-Filler: ".join(b"x%d" % n for n in range(100_000))),
        s[2],
    ],
    "one field folded 200,000 times": lambda s: [
        s[0],
        raw_header(s[1], "X-Folded", b"\n ".join(b"f" for _ in range(200_000))),
        s[2],
    ],
    "50,000 addresses in Cc": lambda s: [
        s[0],
        set_header(s[1], "Cc", ", ".join(f"P{n} <p{n}@example.org>" for n in range(50_000))),
        s[2],
    ],
    "a 10 MB header line": lambda s: [s[0], raw_header(s[1], "X-Long", b"y" * 10_000_000), s[2]],
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_mail_gives_an_answer_or_one_line(series: Series, tmp_path: Path, kind: str) -> None:
    box = write_mbox(tmp_path / "box.mbox", HOSTILE[kind](list(series.mails)))
    aptool("thread", "fz-1@example.org", "--archive", box, cwd=tmp_path)
    aptool("base", "fz-2@example.org", "--repo", series.user, "--archive", box, cwd=tmp_path)


@pytest.mark.parametrize(
    ("kind", "asked", "said"),
    [
        ("50,000 References", "fz-1@example.org", "3/3"),
        ("1,000 nested forwarded messages", "fz-0@example.org", "nested MIME multiparts or attached messages"),
        ("a 1 MB Subject", "fz-0@example.org", "a Subject header of 1000011 characters"),
        ("50,000 addresses in Cc", "fz-1@example.org", "2/2 patches, complete"),
    ],
)
def test_the_kinds_that_failed(series: Series, tmp_path: Path, kind: str, asked: str, said: str) -> None:
    """Before: 60 s (References), a RecursionError (forwards), 25 s to 68 s (Subject); now an answer."""
    box = write_mbox(tmp_path / "box.mbox", HOSTILE[kind](list(series.mails)))
    out = aptool("thread", asked, "--archive", box, cwd=tmp_path)
    if said == "3/3":
        assert out.returncode == 0 and "2/2 patches, complete" in out.stdout
    else:
        assert said in out.stdout + out.stderr, out.stdout + out.stderr
    built = aptool(
        "apply-series",
        "fz-0@example.org",
        "--repo",
        series.user,
        "--archive",
        box,
        "--branch",
        kind.split()[1],
        cwd=tmp_path,
    )
    if kind == "a 1 MB Subject":  # patch 1/2 is left out: the series has a gap
        assert built.returncode == 1 and "the series is incomplete (patch 1/2 missing)" in built.stderr
    else:
        assert built.returncode == 0, built.stdout + built.stderr


def test_patch_id_search_skips_a_message_past_64_nested_multiparts(tmp_path: Path) -> None:
    """On a public-inbox archive, a message nested too deep in the prerequisite's thread is left out with
    a note; the declared prerequisite-patch-id is still found (before: the whole thread failed)."""
    if not public_inbox_available():
        pytest.fail("public-inbox is not installed: run the test command from README.md, which installs it")
    author = make_repo(tmp_path / "author", {"lib/a.c": text("a"), "lib/b.c": text("b")})
    run_git(author, "tag", "base")
    commit_files(author, {"lib/a.c": text("a").replace("x + 5;", "x + 50;")}, "lib: a: bump a_5")
    prereq = format_series(author, 1, msgid_prefix="pre")[0]
    patch_id = subprocess.run(["git", "patch-id", "--stable"], input=prereq, capture_output=True, check=True)
    commit_files(author, {"lib/b.c": text("b").replace("x + 5;", "x + 50;")}, "lib: b: bump b_5")
    declared = format_series(author, 1, msgid_prefix="ser")[0].replace(
        b"\n---\n", b"\n---\nprerequisite-patch-id: " + patch_id.stdout.split()[0] + b"\n", 1
    )
    depth = 100
    parts = "".join(f'--b{n - 1}\nContent-Type: multipart/mixed; boundary="b{n}"\n\n' for n in range(1, depth))
    _, body = split_mail(prereq)
    deep = (
        (
            "From: M <m@example.org>\nSubject: Re: [PATCH] lib: a: bump a_5\nMessage-ID: <deep@example.org>\n"
            "In-Reply-To: <pre-1@example.org>\nReferences: <pre-1@example.org>\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="b0"\n\n{parts}--b{depth - 1}\nContent-Type: text/plain\n\n'
        ).encode()
        + body
        + "".join(f"--b{n}--\n" for n in reversed(range(depth))).encode()
    )
    box = write_mbox(tmp_path / "archive.mbox", [prereq, deep, declared])
    user = tmp_path / "user"
    run_git(tmp_path, "clone", "-q", str(author), str(user))
    run_git(user, "reset", "-q", "--hard", "base")
    run_git(user, "remote", "remove", "origin")
    server = start_inbox(tmp_path / "inbox", [box])
    try:
        base = aptool("base", "ser-1@example.org", "--repo", user, "--archive", server.url, "--no-cache", cwd=tmp_path)
        thread = aptool("thread", "pre-1@example.org", "--archive", server.url, "--no-cache", cwd=tmp_path)
    finally:
        server.stop()
    assert base.returncode == 0 and "found by: declared: prerequisite-patch-id" in base.stdout, base.stdout
    assert "left out: message <deep@example.org> cannot be read: more than 64 nested MIME" in base.stdout
    assert thread.returncode == 0 and "1/1 patches, complete" in thread.stdout
    assert "message <deep@example.org> cannot be read" in thread.stdout
