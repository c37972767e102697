"""One decoded text per patch: every transport gives the series parser, the local searches and git am the same patch.

Each test sends the same ``git format-patch`` mail through one transport
(base64, quoted-printable in Latin-1, format=flowed with delsp, CRLF in the
body or in the whole mbox, an attachment) and checks three readers against
each other: the files and blobs the series parser sees, what the local
archive's ``dfpost:``/``dfpre:``/``patchid:`` searches find, and the branch
``git am`` builds (its post-image check).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.archive.local import LocalArchive
from aptool.archive.mailtext import decode_mail, decoded_mail, split_at_patch_break
from aptool.cli import app
from aptool.series import parse_thread, require_version
from aptool.series.diff import diff_text, file_changes
from tests.mailmaker import (
    as_attachment,
    as_flowed,
    commit_files,
    format_series,
    make_repo,
    reencode,
    run_git,
    with_crlf_body,
    write_mbox,
)

runner = CliRunner()
UTIL = "".join(f"int util_{n}(int x) {{ return x + {n}; }}\n" for n in range(1, 21))
NAMES = "/* Maintainers: Ana, Bo */\n" + "".join(f'const char *name_{n} = "n{n}";\n' for n in range(10))


class World:
    """An author's repository with a prerequisite and a series on top, and a maintainer's clone of the base."""

    def __init__(self, tmp: Path) -> None:
        self.author = make_repo(tmp / "author", {"lib/util.c": UTIL, "lib/names.c": NAMES})
        self.user = tmp / "user"
        run_git(tmp, "clone", "-q", str(self.author), str(self.user))
        commit_files(self.author, {"lib/util.c": UTIL + "int util_21(int x) { return x + 21; }\n"}, "util: add util_21")
        self.prereq = format_series(self.author, 1, msgid_prefix="pre")[0]
        text = (UTIL + "int util_21(int x) { return x + 21; }\n").replace("return x + 5;", "return util_21(x);")
        names = NAMES.replace("Ana, Bo", "Ana, Bo, Zoë Müller")
        commit_files(
            self.author,
            {"lib/util.c": text, "lib/names.c": names},
            "util: use util_21 in util_5; names: credit Zoë\n\nA commit message with a verylongwordthatwraps in it.",
        )
        self.series = format_series(self.author, 1, msgid_prefix="ser")[0]
        self.post = run_git(self.author, "rev-parse", "HEAD:lib/util.c").strip()
        self.mid = run_git(self.author, "rev-parse", "HEAD~1:lib/util.c").strip()

    def files(self, mail: bytes) -> dict[str, tuple[str | None, str | None]]:
        patch = require_version(parse_thread([mail], "ser-1@example.org"), None).patches[0]
        return {f.path: (f.preimage, f.postimage) for f in patch.files}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("transport"))


TRANSPORTS = {
    "8bit": lambda m: m,
    "base64": lambda m: reencode(m, "base64"),
    "quoted-printable": lambda m: reencode(m, "quoted-printable"),
    "base64 with CRLF inside": lambda m: reencode(m, "base64", crlf=True),
    "CRLF body": with_crlf_body,
    "format=flowed delsp": lambda m: as_flowed(m, delsp=True, break_word="verylongwordthatwraps"),
    "attachment": as_attachment,
    "base64 attachment": lambda m: as_attachment(m, "base64"),
}


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
def test_parser_search_and_git_am_agree(world: World, transport: str, tmp_path: Path) -> None:
    send = TRANSPORTS[transport]
    prereq, series = send(world.prereq), send(world.series)
    # The parser: the same files and blobs as the 8bit mail, no CR anywhere.
    assert world.files(series) == world.files(world.series)
    assert all("\r" not in path for path in world.files(series))
    # The local archive's searches find the prerequisite by its post-image, as public-inbox does.
    mbox = write_mbox(tmp_path / "list.mbox", [prereq, series])
    archive = LocalArchive(mbox)
    found = archive.search(f"dfpost:{world.mid[:7]}")
    assert [b"<pre-1@example.org>" in raw for raw in found] == [True]
    assert len(archive.search(f"dfpre:{world.mid[:7]}")) == 1
    patch_id = require_version(parse_thread([series], "ser-1@example.org"), None).patches[0].patch_id
    assert patch_id and len(archive.search(f"patchid:{patch_id}")) == 1
    # git am builds prerequisite + series, and the post-image check passes.
    branch = f"t-{transport.replace(' ', '-').replace('=', '-')}"
    result = runner.invoke(
        app,
        ["apply-series", "ser-1@example.org", "--repo", str(world.user), "--archive", str(mbox), "--branch", branch],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("post-image ok") == 2
    assert run_git(world.user, "rev-parse", f"{branch}:lib/util.c").strip() == world.post
    assert "Zoë Müller" in run_git(world.user, "show", f"{branch}:lib/names.c")
    message = run_git(world.user, "log", "-1", "--format=%B", branch)
    assert "verylongwordthatwraps" in message and "\r" not in message


def test_another_charset_is_read_as_git_reads_it(world: World, tmp_path: Path) -> None:
    """A Latin-1 mail: the message is recoded to UTF-8 (git mailinfo -u); the patch keeps its bytes, as in git am."""
    mail = reencode(world.series, "quoted-printable", "iso-8859-1")
    text = decode_mail(mail)
    assert "credit Zoë" in parse_thread([mail], "ser-1@example.org").messages[0].subject
    assert text == _git_mailinfo(mail)
    assert "Zo\udceb M\udcfcller" in text.patch  # the Latin-1 bytes, unchanged
    # The applied file is then not the UTF-8 post-image the index line names: said, not hidden.
    mbox = write_mbox(tmp_path / "latin1.mbox", [world.prereq, mail])
    result = runner.invoke(
        app, ["apply-series", "ser-1@example.org", "--repo", str(world.user), "--archive", str(mbox), "--branch", "l1"]
    )
    assert result.exit_code == 1
    assert "lib/names.c: the mail's post-image is" in result.output


def test_a_charset_git_cannot_convert_keeps_its_patch(world: World) -> None:
    """``charset=yes``: git mailinfo -u gives up; the mail is read unconverted rather than losing its patch."""
    mail = reencode(world.series, "quoted-printable").replace(b'charset="utf-8"', b"charset=yes")
    assert world.files(mail) == world.files(world.series)
    assert "Zoë Müller" in decode_mail(mail).patch


def test_whole_mbox_with_crlf_line_ends(world: World, tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "crlf.mbox", [world.prereq, world.series])
    mbox.write_bytes(mbox.read_bytes().replace(b"\n", b"\r\n"))
    archive = LocalArchive(mbox)
    assert len(archive.messages) == 2
    assert world.files(archive.thread("ser-1@example.org")[0]) == world.files(world.series)
    assert len(archive.search(f"dfpost:{world.mid[:7]}")) == 1


def test_flowed_text_is_what_git_mailinfo_makes(world: World) -> None:
    for delsp in (True, False):
        mail = as_flowed(world.series, delsp=delsp, break_word="verylongwordthatwraps")
        text = decode_mail(mail)
        joined = "verylongwordthatwraps" if delsp else "verylongwo rdthatwraps"
        assert joined in text.message
        assert text == _git_mailinfo(mail)


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
def test_decoded_mail_reads_back_the_same(world: World, transport: str) -> None:
    """The rewritten mail aptool hands to b4 and git am decodes to the very same text."""
    mail = TRANSPORTS[transport](world.series)
    text = decode_mail(mail)
    assert decode_mail(decoded_mail(mail, text)) == text
    assert _git_mailinfo(decoded_mail(mail, text)) == text


def test_plain_mails_split_as_git_mailinfo_splits(world: World) -> None:
    """Plain 8bit mails are split without a process; the split is git mailinfo's."""
    bodies = [
        world.series,
        world.prereq,
        b"From: A <a@example.org>\nSubject: x\n\n\n\nJust text\n---\nnot a diff\n",
        b"From: A <a@example.org>\nSubject: x\n\nText\n---   \nIndex: foo\n",
        b"From: A <a@example.org>\nSubject: x\n\nText\n--- a/x\n+++ b/x\n",
        b"From: A <a@example.org>\nSubject: x\n\nText ---\n----\n-- \nsig\n",
    ]
    for mail in bodies:
        assert decode_mail(mail) == _git_mailinfo(mail), mail


def test_a_diff_ends_where_git_apply_ends_it() -> None:
    body = (
        "---\n diff stat\n\n"
        "diff --git a/a.c b/a.c\nindex 1111111..2222222 100644\n--- a/a.c\n+++ b/a.c\n"
        "@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
        "Some prose in between, that is no part of a diff.\n"
        "-- \n"
        "diff --git a/b.c b/b.c\nindex 3333333..4444444 100644\n--- a/b.c\n+++ b/b.c\n"
        "@@ -1 +1 @@\n-x\n+y\n"
        "base-commit: 0123456789abcdef0123456789abcdef01234567\n"
        "-- \n2.43.0\n"
    )
    diff = diff_text(split_at_patch_break(body).patch)
    assert diff is not None and "prose" not in diff and "base-commit" not in diff and "2.43.0" not in diff
    files = file_changes(diff, "x@example.org")
    assert [(f.path, f.preimage, f.postimage, f.added, f.removed) for f in files] == [
        ("a.c", "1111111", "2222222", 1, 1),
        ("b.c", "3333333", "4444444", 1, 1),
    ]


def test_several_diffs_in_one_mail_are_one_patch(world: World, tmp_path: Path) -> None:
    """Two format-patch diffs pasted into one mail: one patch of two files, applied as git am applies it."""
    first = world.prereq.decode()
    second = world.series.decode()
    diff_one = first[first.index("diff --git") :].split("\n-- \n")[0]
    diff_two = second[second.index("diff --git") :].split("\n-- \n")[0]
    mail = first[: first.index("---\n")] + "---\n" + diff_one + "\nAnd on top of it:\n\n" + diff_two + "\n"
    patch = require_version(parse_thread([mail.encode()], "pre-1@example.org"), None).patches[0]
    assert [(f.path, f.postimage) for f in patch.files][0] == ("lib/util.c", world.mid[:7])
    assert {f.path for f in patch.files} == {"lib/util.c", "lib/names.c"}
    mbox = write_mbox(tmp_path / "two.mbox", [mail.encode()])
    result = runner.invoke(
        app, ["apply-series", "pre-1@example.org", "--repo", str(world.user), "--archive", str(mbox), "--branch", "two"]
    )
    assert result.exit_code == 0, result.output
    assert run_git(world.user, "rev-parse", "two:lib/util.c").strip() == world.post


def _git_mailinfo(mail: bytes):  # type: ignore[no-untyped-def]
    """git mailinfo run by hand, as git am runs it: the oracle for the decoding."""
    from aptool.archive.mailtext import MailText, normalize_line_ends

    with __import__("tempfile").TemporaryDirectory() as tmp:
        subprocess.run(
            ["git", "mailinfo", "-u", "--no-inbody-headers", "--quoted-cr=strip", f"{tmp}/m", f"{tmp}/p"],
            input=normalize_line_ends(mail),
            capture_output=True,
            check=True,
        )
        read = lambda name: Path(tmp, name).read_bytes().decode("utf-8", "surrogateescape")  # noqa: E731
        return MailText(read("m"), read("p"))
