"""Other inputs of the kinds in ``tests/data/mail/``, made here, run through the real command line.

Each kind of mail that once gave a wrong answer (a version prefix b4 does not read, a numbering
gap, a partial re-roll, a trailer with a comment, mails out of order, a transfer encoding, CR
line ends, a declared dependency, a rename, a base not fetched) is tried again with other
spellings of it.  One author's repository gives every mail: a prerequisite P touching
``lib/a.c`` and a three-patch series S (1/3 and 3/3 touch ``lib/b.c``, 2/3 ``lib/c.c``), so P is
linked to S only by what S declares.  Every command runs as ``python -m aptool`` in a fresh
process, in a fresh clone of the base.
"""

from __future__ import annotations

import base64
import json
import quopri
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.mailmaker import (
    as_attachment,
    commit_files,
    format_series,
    make_repo,
    reply,
    run_git,
    set_header,
    split_mail,
    write_mbox,
)

ROOT = Path(__file__).resolve().parents[1]
LINES = "".join(f"int {{name}}_{n}(int x) {{{{ return x + {n}; }}}}\n" for n in range(1, 31))
CONTROLS = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]] + ["\u202e"]
SUBJECTS = ["lib: b: bump b_5", "lib: c: bump c_7", "lib: b: bump b_9"]


def text(name: str) -> str:
    return LINES.format(name=name)


class World:
    """The author's repository and the mails it sends; ``clone()`` gives a maintainer's copy of the base."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.author = make_repo(tmp / "author", {f"lib/{n}.c": text(n) for n in "abc"} | {"Kconfig": "config A\n"})
        run_git(self.author, "tag", "base")
        commit_files(self.author, {"lib/a.c": text("a") + "int a_helper(void);\n"}, "lib: a: add a_helper")
        self.prereq = format_series(self.author, 1, msgid_prefix="pre")[0]
        proc = subprocess.run(["git", "patch-id", "--stable"], input=self.prereq, capture_output=True, check=True)
        self.prereq_patch_id = proc.stdout.decode().split()[0]
        b = text("b").replace("x + 5;", "x + 50;")
        commit_files(self.author, {"lib/b.c": b}, SUBJECTS[0])
        commit_files(self.author, {"lib/c.c": text("c").replace("x + 7;", "x + 70;")}, SUBJECTS[1])
        commit_files(self.author, {"lib/b.c": b.replace("x + 9;", "x + 90;")}, SUBJECTS[2])
        self.series = format_series(self.author, 3, cover=True, msgid_prefix="ser")
        self.count = 0

    def clone(self) -> Path:
        self.count += 1
        user = self.tmp / f"user{self.count}"
        run_git(self.tmp, "clone", "-q", str(self.author), str(user))
        run_git(user, "reset", "-q", "--hard", "base")
        run_git(user, "remote", "remove", "origin")
        return user

    def mbox(self, mails: list[bytes], name: str = "archive.mbox") -> Path:
        self.count += 1
        return write_mbox(self.tmp / f"{self.count}-{name}", mails)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("variants"))


def aptool(*args: str | Path, code: int | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m aptool ARGS`` as a user runs it: no traceback, no raw control character, one error line."""
    proc = subprocess.run(
        [sys.executable, "-m", "aptool", *map(str, args)],
        capture_output=True,
        text=True,
        errors="surrogateescape",
        cwd=cwd,
        timeout=120,
    )
    shown = " ".join(map(str, args))[:200]
    assert "Traceback" not in proc.stderr, f"aptool {shown}\n{proc.stderr[-3000:]}"
    raw = sorted({repr(c) for c in proc.stdout + proc.stderr if c in CONTROLS and c != "\n"} - {"'\\t'"})
    assert not raw, f"aptool {shown}: raw control characters {raw}"
    if proc.returncode == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("aptool: "), proc.stderr
    if code is not None:
        assert proc.returncode == code, f"aptool {shown}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
    return proc


def subjects(repo: Path, branch: str) -> list[str]:
    return run_git(repo, "log", "--reverse", "--format=%s", f"base..{branch}").splitlines()


def retitle(mail: bytes, subject: str) -> bytes:
    return set_header(mail, "Subject", subject)


def dated(mail: bytes, when: datetime) -> bytes:
    return set_header(mail, "Date", format_datetime(when))


def build(world: World, mails: list[bytes], msgid: str, *extra: str, code: int = 0) -> tuple[Path, str]:
    """``apply-series`` into a fresh clone; the clone and the command's output."""
    user = world.clone()
    box = world.mbox(mails)
    proc = aptool("apply-series", msgid, "--repo", user, "--archive", box, "--branch", "try", *extra, code=code)
    return user, proc.stdout + proc.stderr


# -- version prefixes: one series version, whatever the spelling ------------------------------------

PREFIXES = {
    "[PATCH v2,{n}/3]": 2,
    "[RFC PATCH net-next v3 {n}/3]": 3,
    "[PATCH {n}/3 v2]": 2,
    "[PATCH V2 {n}/3]": 2,
    "[PATCHv2 {n}/3]": 2,
    "[PATCH v2 0{n}/03]": 2,
    "[PATCH RESEND v2 {n}/3]": 2,
    "[PATCH for-6.2 v2 {n}/3]": 2,
    "[PATCH {n}/3] [v2]": 2,
    "[PATCH,v2,{n}/3]": 2,
    "[PATCH v2 {n} / 3]": 2,
    "[PATCH V2-{n}/3]": 2,
    "[RFC v4 {n}/3]": 4,
    "[PATCH 6.1 v2 {n}/3]": 2,
    "[PATCH v2 {n}/3] [tracker#1]": 2,
}


@pytest.mark.parametrize("form", sorted(PREFIXES))
def test_version_prefix_spellings(world: World, form: str) -> None:
    version = PREFIXES[form]
    mails = [
        retitle(mail, form.format(n=n) + " " + (SUBJECTS[n - 1] if n else "lib: three bumps"))
        for n, mail in enumerate(world.series)
    ]
    box = world.mbox(mails)
    out = aptool("thread", "ser-2@example.org", "--archive", box, code=0).stdout
    assert "1 series version" in out and f"v{version}: lib: three bumps" in out, out
    assert "3/3 patches, complete" in out
    if form in BUILT:
        user, said = build(world, mails, "ser-2@example.org")
        assert subjects(user, "try") == SUBJECTS, said


BUILT = {"[PATCH {n}/3 v2]", "[PATCH v2 {n} / 3]", "[RFC PATCH net-next v3 {n}/3]"}


# -- numbering gaps and partial re-rolls ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "missing"),
    [((0, 2, 3), [1]), ((0, 1, 2), [3]), ((0, 2), [1, 3]), ((1, 3), [2])],
    ids=["first", "last", "two", "no-cover"],
)
def test_numbering_gaps(world: World, sent: tuple[int, ...], missing: list[int]) -> None:
    mails = [world.series[n] for n in sent]
    box = world.mbox(mails)
    asked = f"ser-{sent[-1]}@example.org"
    out = aptool("thread", asked, "--archive", box, code=0).stdout
    assert f"{3 - len(missing)}/3 patches, missing {', '.join(map(str, missing))}" in out
    user = world.clone()
    gap = f"the series is incomplete (patch{'es' * (len(missing) > 1)} {', '.join(f'{n}/3' for n in missing)} missing)"
    base = aptool("base", asked, "--repo", user, "--archive", box, "--json", code=1)
    assert json.loads(base.stdout)["gaps"] == [gap]
    refused = aptool("apply-series", asked, "--repo", user, "--archive", box, code=1)
    assert gap in refused.stderr and run_git(user, "branch", "--list", "aptool/*") == ""
    allowed = aptool("apply-series", asked, "--repo", user, "--archive", box, "--allow-incomplete", "--branch", "t")
    if 1 in missing and 3 in sent:  # 3/3's pre-image of lib/b.c is what the missing 1/3 makes
        assert allowed.returncode == 1 and "no exact base" in allowed.stderr and "lib/b.c" in allowed.stderr
        return
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert f"warning: {gap}; built anyway (--allow-incomplete)" in allowed.stdout
    assert json.loads(run_git(user, "notes", "--ref=aptool", "show", "t"))["incomplete"] == [gap]


def _v2(world: World, counter: int, parent: str, msgid: str, version: int = 2) -> bytes:
    """Patch ``counter`` of the series again as v``version``, one line changed more, in reply to ``parent``."""
    mail = world.series[counter]
    head, body = split_mail(mail)
    subject = f"[PATCH v{version} {counter}/3] {SUBJECTS[counter - 1]}"
    mail = set_header(
        set_header(set_header(head + b"\n\n" + body, "Subject", subject), "Message-ID", f"<{msgid}>"),
        "In-Reply-To",
        f"<{parent}>",
    )
    mail = set_header(mail, "References", f"<ser-0@example.org> <{parent}>")
    return dated(mail, datetime(2021, 6, 3 + version, tzinfo=UTC))


def test_partial_reroll_of_two_patches(world: World) -> None:
    rerolled = [
        _v2(world, 2, "ser-2@example.org", "v2-2@example.org"),
        _v2(world, 3, "ser-3@example.org", "v2-3@example.org"),
    ]
    mails = world.series + rerolled
    box = world.mbox(mails)
    by_cover = aptool("thread", "ser-0@example.org", "--archive", box, code=0).stdout
    by_v2 = aptool("thread", "v2-3@example.org", "--archive", box, code=0).stdout
    assert by_cover.splitlines()[1:] == by_v2.splitlines()[1:]
    assert "complete as a partial re-roll (1/3 from earlier versions)" in by_cover
    user, said = build(world, mails, "v2-2@example.org")
    assert "v2 is a partial re-roll; taken from earlier versions: 1/3 (v1, <ser-1@example.org>)" in said
    assert subjects(user, "try") == SUBJECTS


def test_a_v3_of_one_patch_in_reply_to_its_v2(world: World) -> None:
    mails = world.series + [
        _v2(world, 2, "ser-2@example.org", "v2-2@example.org"),
        _v2(world, 2, "v2-2@example.org", "v3-2@example.org", version=3),
    ]
    box = world.mbox(mails)
    out = aptool("thread", "v3-2@example.org", "--archive", box, code=0).stdout
    assert "v3: " in out
    user, said = build(world, mails, "v3-2@example.org")
    assert subjects(user, "try") == SUBJECTS and "/v3-2@example.org" in run_git(user, "log", "-1", "try~1")


# -- trailers with comments and continuation lines --------------------------------------------------

FOLLOWUPS = [
    (
        "Reviewed-by: Rita Review <rita@example.org> # for the b.c part",
        "Reviewed-by: Rita Review <rita@example.org> # for the b.c part",
    ),
    ("Acked-by: Al Ack <al@example.org> [Kconfig bits]", "Acked-by: Al Ack <al@example.org> [Kconfig bits]"),
    ("Tested-by: Ted Test <ted@example.org> (on s390x, z15)", "Tested-by: Ted Test <ted@example.org> (on s390x, z15)"),
    (
        "Reviewed-by: Rolf With A Very Long Name Indeed\n <rolf@example.org>",
        "Reviewed-by: Rolf With A Very Long Name Indeed <rolf@example.org>",
    ),
]


def test_followup_trailers_with_comments_and_continuations(world: World) -> None:
    replies = [
        reply(
            "ser-3@example.org",
            f"r{n}@example.org",
            f"> patch\n\n{given}\n",
            author=given.split(": ", 1)[1].split("\n")[0].split(" <")[0] + " <x@example.org>",
        )
        for n, (given, _) in enumerate(FOLLOWUPS)
    ]
    mails = world.series + replies
    box = world.mbox(mails)
    out = aptool("thread", "ser-0@example.org", "--archive", box, code=0).stdout
    for _, kept in FOLLOWUPS:
        assert f"+ {kept}" in out, out
    user, said = build(world, mails, "ser-0@example.org")
    message = run_git(user, "log", "-1", "--format=%B", "try")
    for _, kept in FOLLOWUPS:
        assert kept in message, message
