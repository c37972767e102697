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


def aptool(
    *args: str | Path, code: int | None = None, cwd: Path | None = None, bound: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """``python -m aptool ARGS`` as a user runs it: no traceback, no raw control character, one error
    line, an exit code of 0, 1 or 2 (``code`` when given), done within ``bound`` seconds."""
    shown = " ".join(map(str, args))[:200]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "aptool", *map(str, args)],
            capture_output=True,
            text=True,
            errors="surrogateescape",
            cwd=cwd,
            timeout=bound,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"aptool {shown} ran over {bound} s (a hang)")
    assert "Traceback" not in proc.stderr, f"aptool {shown}\n{proc.stderr[-3000:]}"
    raw = sorted({repr(c) for c in proc.stdout + proc.stderr if c in CONTROLS and c != "\n"} - {"'\\t'"})
    assert not raw, f"aptool {shown}: raw control characters {raw}"
    if proc.returncode == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("aptool: "), proc.stderr
    assert proc.returncode in (0, 1, 2), f"aptool {shown}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
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


# -- out-of-order dates and delivery ----------------------------------------------------------------


def _received(mail: bytes, *hops: str) -> bytes:
    head, body = split_mail(mail)
    received = b"".join(f"Received: from relay{n}.example.net; {when}\n".encode() for n, when in enumerate(hops))
    return received + head + b"\n\n" + body


DATINGS = {
    "reversed": lambda s: [dated(m, datetime(2021, 6, 10 - n, tzinfo=UTC)) for n, m in enumerate(s)][::-1],
    "cover last, zones far apart": lambda s: [
        set_header(s[3], "Date", "Tue, 01 Jun 2021 23:59:00 -1200"),
        set_header(s[1], "Date", "Wed, 02 Jun 2021 00:01:00 +1400"),
        set_header(s[2], "Date", "Tue, 01 Jun 2021 10:00:00 +0000"),
        set_header(s[0], "Date", "Fri, 04 Jun 2021 10:00:00 +0000"),
    ],
    "no Date on 2/3": lambda s: [s[2].replace(b"\nDate: ", b"\nX-Old-Date: "), s[3], s[0], s[1]],
    "Received out of order": lambda s: [
        _received(m, f"Mon, 0{7 - n} Jun 2021 10:00:00 +0000", "Sat, 01 Jan 2000 00:00:00 +0000")
        for n, m in enumerate(s)
    ][::-1],
}


@pytest.mark.parametrize("dating", sorted(DATINGS))
def test_out_of_order_dates(world: World, dating: str) -> None:
    mails = DATINGS[dating](list(world.series))
    box = world.mbox(mails)
    out = aptool("thread", "ser-3@example.org", "--archive", box, code=0).stdout
    assert "1 series version" in out and "3/3 patches, complete" in out
    user = world.clone()
    base = aptool("base", "ser-0@example.org", "--repo", user, "--archive", box, code=0).stdout
    assert "Prerequisites" not in base and "series patch 1/3 <ser-1@example.org>" in base
    user, said = build(world, mails, "ser-2@example.org")
    assert subjects(user, "try") == SUBJECTS, said


# -- transfer encodings -----------------------------------------------------------------------------


def _body_as(mail: bytes, encoding: str, charset: str = "utf-8", crlf: bool = False) -> bytes:
    head, body = split_mail(mail)
    head = b"\n".join(line for line in head.split(b"\n") if not line.lower().startswith((b"content-", b"mime-version")))
    data = body.decode("utf-8").encode(charset)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    if encoding == "quoted-printable":
        data = quopri.encodestring(data)
    elif encoding == "base64":
        data = base64.encodebytes(data)
    head += b"\nMIME-Version: 1.0\n" + f'Content-Type: text/plain; charset="{charset}"'.encode()
    head += f"\nContent-Transfer-Encoding: {encoding}".encode()
    return head + b"\n\n" + data


def _long_lines(mail: bytes) -> bytes:
    """A commit message line of 200 characters and a non-ASCII name: QP must soft-break and encode."""
    long = "This line is long enough that quoted-printable must break it softly " * 3
    return mail.replace(
        b"\n---\n", f"\n{long.strip()}\n\nSigned-off-by: J\xf6rg M\xfcller <jm@example.org>\n---\n".encode(), 1
    )


def _multipart_mixed(mail: bytes, crlf: bool = False) -> bytes:
    """The message text in one part, the patch base64 in a ``text/x-diff`` attachment, a signature part after."""
    made = as_attachment(mail, "base64").replace(b"text/x-patch", b"text/x-diff")
    boundary = b"--=-=-=aptool-test-boundary=-=-="
    signature = b'\nContent-Type: text/plain; charset="us-ascii"\n\n-- \nsent from my relay\n'
    made = made.replace(boundary + b"--", boundary + signature + boundary + b"--")
    return made.replace(b"\n", b"\r\n") if crlf else made


ENCODINGS = {
    "quoted-printable, soft breaks": lambda m: _body_as(_long_lines(m), "quoted-printable"),
    "quoted-printable, latin-1": lambda m: _body_as(_long_lines(m), "quoted-printable", "iso-8859-1"),
    "8bit latin-1": lambda m: _body_as(_long_lines(m), "8bit", "iso-8859-1"),
    "base64 latin-1 with CRLF": lambda m: _body_as(_long_lines(m), "base64", "iso-8859-1", crlf=True),
    "quoted-printable with CRLF": lambda m: _body_as(_long_lines(m), "quoted-printable", crlf=True),
    "multipart/mixed, base64 attachment": _multipart_mixed,
    "multipart/mixed, CRLF throughout": lambda m: _multipart_mixed(m, crlf=True),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_transfer_encodings(world: World, encoding: str) -> None:
    """Every patch of the series and the prerequisite sent this way: blobs found, P found by its declaration."""
    change = ENCODINGS[encoding]
    series = list(world.series)
    series[1] = series[1].replace(b"\n---\n", b"\n---\nDepends-on: <pre-1@example.org>\n", 1)
    mails = [change(world.prereq)] + [series[0]] + [change(m) for m in series[1:]]
    box = world.mbox(mails)
    out = aptool("thread", "ser-0@example.org", "--archive", box, code=0).stdout
    assert "lib/b.c  36d6db6..2685915" in out and "lib/c.c  a9677ec..8a503c6" in out and "\r" not in out
    user = world.clone()
    answer = json.loads(aptool("base", "ser-0@example.org", "--repo", user, "--archive", box, "--json", code=0).stdout)
    assert [p["message_id"] for p in answer["prerequisites"]] == ["pre-1@example.org"]
    user, said = build(world, mails, "ser-0@example.org")
    assert subjects(user, "try") == ["lib: a: add a_helper", *SUBJECTS], said
    assert "post-image ok" in said
    if "latin-1" in encoding:
        assert "Signed-off-by: J\xf6rg M\xfcller <jm@example.org>" in run_git(user, "log", "-1", "--format=%B", "try")


# -- carriage returns in every place ----------------------------------------------------------------


def _crlf_head(mail: bytes) -> bytes:
    head, body = split_mail(mail)
    return head.replace(b"\n", b"\r\n") + b"\r\n\r\n" + body


CRLF = {
    "headers only": _crlf_head,
    "whole mail": lambda m: m.replace(b"\n", b"\r\n"),
    "diff lines only": lambda m: (
        m.split(b"\ndiff --git", 1)[0] + (b"\ndiff --git" + m.split(b"\ndiff --git", 1)[1]).replace(b"\n", b"\r\n")
    ),
    "base64 of CRLF text": lambda m: _body_as(m, "base64", crlf=True),
    "quoted-printable with =0D": lambda m: _body_as(
        m.replace(b"\n", b"\r\n").replace(b"\r\n", b"\n", m.count(b"\n") // 2), "quoted-printable"
    ),
}


@pytest.mark.parametrize("place", sorted(CRLF))
def test_carriage_returns_in_every_place(world: World, place: str) -> None:
    mails = [world.series[0]] + [CRLF[place](m) for m in world.series[1:]]
    box = world.mbox(mails)
    out = aptool("thread", "ser-1@example.org", "--archive", box, code=0).stdout
    assert "lib/b.c  2685915..25ebcac  +1/-1" in out and "renamed" not in out and "\\r" not in out
    user, said = build(world, mails, "ser-1@example.org")
    assert subjects(user, "try") == SUBJECTS and "post-image differs" not in said, said
    assert (
        run_git(user, "rev-parse", "try:lib/b.c").strip() == run_git(world.author, "rev-parse", "HEAD:lib/b.c").strip()
    )


def test_a_file_with_crlf_line_ends_keeps_them(tmp_path: Path) -> None:
    """A file whose own lines end in CRLF (a .bat script): its CRs are content, not transport damage."""
    content = "".join(f"echo step {n}\r\n" for n in range(12))
    author = make_repo(tmp_path / "author", {"win/run.bat": content})
    run_git(author, "tag", "base")
    commit_files(author, {"win/run.bat": content.replace("step 6\r\n", "step six\r\n")}, "win: name step six")
    mail = format_series(author, 1, msgid_prefix="bat")[0]
    user = tmp_path / "user"
    run_git(tmp_path, "clone", "-q", str(author), str(user))
    run_git(user, "reset", "-q", "--hard", "base")
    post = run_git(author, "rev-parse", "HEAD:win/run.bat").strip()
    for number, sent in enumerate([_body_as(mail, "base64"), mail]):
        box = write_mbox(tmp_path / f"{number}.mbox", [sent])
        out = aptool("thread", "bat-1@example.org", "--archive", box, code=0).stdout
        assert "win/run.bat  " in out and post[:7] in out, out
        built = aptool("apply-series", "bat-1@example.org", "--repo", user, "--archive", box, "--branch", f"b{number}")
        assert built.returncode == 0, built.stdout + built.stderr
        assert run_git(user, "rev-parse", f"b{number}:win/run.bat").strip() == post


# -- declared dependencies, spelled every way people write them -------------------------------------

RESOLVED = {
    "Depends-on: <pre-1@example.org>": "Depends-on",
    "Depends-on: pre-1@example.org": "Depends-on",
    "depends-on: <pre-1@example.org>": "Depends-on",
    "Depends-On: <pre-1@example.org>": "Depends-on",
    "Depends-on: https://lore.kernel.org/all/pre-1@example.org/": "Depends-on",
    "Depends-on: https://lore.kernel.org/linux-s390/pre-1@example.org/T/#u": "Depends-on",
    'Depends-on: <pre-1@example.org> ("lib: a: add a_helper")': "Depends-on",
    "Depends-on: id:pre-1@example.org": "Depends-on",
    "Depends-on: https://lore.kernel.org/all/pre-1%40example.org/raw": "Depends-on",
    "Depends-on: Message-ID <pre-1@example.org>": "Depends-on",
    "prerequisite-message-id: <pre-1@example.org>": "prerequisite-message-id",
    "prerequisite-message-id: pre-1@example.org": "prerequisite-message-id",
    "prerequisite-patch-id: {patch_id}": "prerequisite-patch-id",
    "Based-on: <pre-1@example.org>": "Based-on",
    "Based-on: https://lore.kernel.org/r/pre-1@example.org": "Based-on",
}
UNRESOLVED = [
    "Depends-on: series-31337",
    "Depends-on: https://patchwork.kernel.org/project/linux-s390/list/?series=31337",
    "Depends-on: <nowhere@example.org>",
    "prerequisite-patch-id: 0123456789abcdef0123456789abcdef01234567",
]


def _declaring(world: World, line: str, where: str) -> list[bytes]:
    series = list(world.series)
    if where == "cover":
        series[0] = (
            series[0].replace(b"\n-- \n", f"\n{line}\n-- \n".encode(), 1)
            if b"\n-- \n" in series[0]
            else series[0] + f"\n{line}\n".encode()
        )
    elif where == "above the cut":
        series[1] = series[1].replace(b"\n---\n", f"\n{line}\n---\n".encode(), 1)
    else:
        series[1] = series[1].replace(b"\n---\n", f"\n---\n{line}\n".encode(), 1)
    return series


PLACES = [(line, "below the cut") for line in sorted(RESOLVED)] + [
    (line, where)
    for line in ("Depends-on: pre-1@example.org", "prerequisite-patch-id: {patch_id}", "Based-on: <pre-1@example.org>")
    for where in ("cover", "above the cut")
]


@pytest.mark.parametrize(("line", "where"), PLACES)
def test_declared_dependency_spellings(world: World, line: str, where: str) -> None:
    trailer = RESOLVED[line]
    line = line.format(patch_id=world.prereq_patch_id)
    mails = [world.prereq, *_declaring(world, line, where)]
    box = world.mbox(mails)
    user = world.clone()
    answer = json.loads(aptool("base", "ser-2@example.org", "--repo", user, "--archive", box, "--json", code=0).stdout)
    assert [(p["message_id"], p["found_by"]) for p in answer["prerequisites"]] == [
        ("pre-1@example.org", f"declared: {trailer}")
    ], answer["notes"]
    assert answer["gaps"] == [] and answer["unresolved"] == []


@pytest.mark.parametrize("line", UNRESOLVED)
def test_unresolvable_declarations_are_said(world: World, line: str) -> None:
    mails = [world.prereq, *_declaring(world, line, "below the cut")]
    box = world.mbox(mails)
    user = world.clone()
    base = aptool("base", "ser-0@example.org", "--repo", user, "--archive", box, "--json", code=1)
    answer = json.loads(base.stdout)
    value = line.split(": ", 1)[1]
    assert answer["gaps"] == [f"declared dependency {answer['unresolved'][0]} could not be resolved"]
    assert value in answer["unresolved"][0] and answer["prerequisites"] == []
    refused = aptool("apply-series", "ser-0@example.org", "--repo", user, "--archive", box, code=1)
    assert value in refused.stderr


# -- renames, copies, mode changes, binary files -----------------------------------------------------


@pytest.fixture(scope="module")
def moves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    """Five patches: a copy with an edit, an exact copy, a rename with an edit, a deleted executable, a binary
    changed in place."""
    tmp = tmp_path_factory.mktemp("moves")
    author = make_repo(tmp / "author", {"lib/a.c": text("a"), "tools/run.sh": "echo run\n" * 10})
    (author / "tools/run.sh").chmod(0o755)
    (author / "fw.bin").write_bytes(bytes(range(256)) * 8)
    run_git(author, "add", "-A")
    run_git(author, "commit", "-q", "-m", "executable and firmware")
    run_git(author, "tag", "base")
    (author / "lib/a2.c").write_text(text("a").replace("x + 3;", "x + 33;"))
    run_git(author, "add", "lib/a2.c")
    run_git(author, "commit", "-q", "-m", "lib: a2: copy of a with a_3 changed")
    (author / "lib/a3.c").write_text(text("a"))
    run_git(author, "add", "lib/a3.c")
    run_git(author, "commit", "-q", "-m", "lib: a3: an exact copy of a")
    run_git(author, "mv", "lib/a.c", "lib/core.c")
    (author / "lib/core.c").write_text(text("a").replace("x + 1;", "x + 11;"))
    run_git(author, "add", "lib/core.c")
    run_git(author, "commit", "-q", "-m", "lib: rename a.c to core.c, change a_1")
    run_git(author, "rm", "-q", "tools/run.sh")
    run_git(author, "commit", "-q", "-m", "tools: drop run.sh")
    (author / "fw.bin").write_bytes(bytes(range(256))[::-1] * 8)
    run_git(author, "commit", "-q", "-am", "fw: new blob")
    mails = format_series(author, 5, cover=True, msgid_prefix="mv", extra=("--binary", "-C", "-C", "-M"))
    return author, mails


def test_copies_renames_with_edits_deletions_and_binaries(moves: tuple[Path, list[bytes]], tmp_path: Path) -> None:
    author, mails = moves
    assert b"copy from lib/a.c" in mails[1] and b"similarity index 100%\ncopy from lib/a.c" in mails[2]
    assert b"rename from lib/a.c" in mails[3] and b"GIT binary patch" in mails[5]
    box = write_mbox(tmp_path / "moves.mbox", mails)
    out = aptool("thread", "mv-0@example.org", "--archive", box, code=0).stdout
    assert "lib/a2.c (copied from lib/a.c)  " in out and "lib/a3.c (copied from lib/a.c)  no index line" in out
    assert "lib/core.c (renamed from lib/a.c)" in out, out
    user = tmp_path / "user"
    run_git(tmp_path, "clone", "-q", str(author), str(user))
    run_git(user, "reset", "-q", "--hard", "base")
    base = aptool("base", "mv-0@example.org", "--repo", user, "--archive", box, code=0).stdout
    assert "(base)" in base.splitlines()[1], base
    built = aptool("apply-series", "mv-0@example.org", "--repo", user, "--archive", box, "--branch", "try", code=0)
    assert "post-image differs" not in built.stdout
    assert run_git(user, "rev-parse", "try^{tree}") == run_git(author, "rev-parse", "HEAD^{tree}")


# -- a base that was not fetched ---------------------------------------------------------------------


@pytest.mark.parametrize("named", ["full", "abbreviated", "absent"])
def test_a_base_commit_in_a_tree_not_fetched(world: World, tmp_path: Path, named: str) -> None:
    """The series was made on a commit the maintainer does not have; its pre-image of lib/c.c is nowhere."""
    side = tmp_path / "side"
    run_git(tmp_path, "clone", "-q", str(world.author), str(side))
    run_git(side, "reset", "-q", "--hard", "base")
    commit_files(side, {"lib/c.c": text("c") + "int c_extra;\n"}, "lib: c: subsystem change")
    base_commit = run_git(side, "rev-parse", "HEAD").strip()
    commit_files(side, {"lib/c.c": (text("c") + "int c_extra;\n").replace("x + 7;", "x + 70;")}, SUBJECTS[1])
    mail = format_series(side, 1, msgid_prefix="nf")[0]
    if named != "absent":
        shown = base_commit if named == "full" else base_commit[:12]
        mail = mail.rstrip(b"\n") + f"\n\nbase-commit: {shown}\n".encode()
    box = write_mbox(tmp_path / "nf.mbox", [mail])
    user = world.clone()
    base = aptool("base", "nf-1@example.org", "--repo", user, "--archive", box, code=1).stdout
    assert "NOT FOUND" in base and "lib/c.c" in base
    if named != "absent":
        assert f"base-commit {shown}" in base and "is not in this repository: fetch" in base, base
    refused = aptool("apply-series", "nf-1@example.org", "--repo", user, "--archive", box, code=1)
    assert "--closest" in refused.stderr and run_git(user, "branch", "--list", "aptool/*") == ""
    built = aptool("apply-series", "nf-1@example.org", "--repo", user, "--archive", box, "--closest", "--branch", "t")
    assert built.returncode == 0 and "marked inexact" in built.stdout, built.stdout + built.stderr
    assert json.loads(run_git(user, "notes", "--ref=aptool", "show", "t"))["exact"] is False


# -- --mbox FILE alone, as b4 am -m takes a saved file -----------------------------------------------


@pytest.mark.parametrize("saved", ["declared prerequisite first", "partial re-roll", "CRLF file"])
def test_mbox_alone_takes_the_newest_complete_series(world: World, saved: str) -> None:
    declared = world.series[1].replace(b"\n---\n", b"\n---\nDepends-on: <pre-1@example.org>\n", 1)
    mails = {
        "declared prerequisite first": [world.prereq, world.series[0], declared, *world.series[2:]],
        "partial re-roll": [*world.series, _v2(world, 2, "ser-2@example.org", "v2-2@example.org")],
        "CRLF file": list(world.series),
    }[saved]
    box = world.mbox(mails)
    if saved == "CRLF file":
        box.write_bytes(box.read_bytes().replace(b"\n", b"\r\n"))
    user = world.clone()
    base = aptool("base", "--mbox", box, "--repo", user, code=0).stdout
    version = 2 if saved == "partial re-roll" else 1
    assert base.startswith(f"Series: v{version} ") and "(3 of 3 patches)" in base.splitlines()[0]
    aptool("apply-series", "--mbox", box, "--repo", user, "--branch", "m", code=0)
    prerequisite = ["lib: a: add a_helper"] if saved.startswith("declared") else []
    assert subjects(user, "m") == prerequisite + SUBJECTS
