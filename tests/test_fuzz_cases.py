"""Inputs found by fuzzing, one per kind, through the real command line: an answer or one clean line.

Each kind is tried with the shrunk input and with inputs of our own of the same kind
(deeper, longer, another construct), so a fix of the kind is tested, not of the one case.
Every run has a time bound: past it the run counts as a hang.  ``tests/data/fuzz/`` holds
the shrunk inputs (of ``deep-calls.c`` only the fuzzed function: the kernel lines above it
played no part).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "fuzz"
# What a terminal acts on: ESC, CR, BEL, backspace, C1 controls (CSI), bidi overrides.
TERMINAL_CONTROLS = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]] + [
    "\u202e",
    "\u2066",
]


def aptool(*args: str, cwd: Path, bound: float) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``aptool`` in a fresh process; a run longer than ``bound`` seconds fails the test as a hang."""
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "aptool", *args],
            capture_output=True,
            text=True,
            errors="surrogateescape",
            cwd=str(cwd),
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            timeout=bound,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"aptool {' '.join(args)[:120]} ran over {bound} s (a hang)")
    return proc, time.monotonic() - started


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    """An answer (exit 0 or 1) or one ``aptool: ...`` line (exit 2); no traceback, no control bytes."""
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    for stream in (proc.stdout, proc.stderr):
        found = sorted({repr(c) for c in stream if c in TERMINAL_CONTROLS})
        assert not found, f"raw control characters printed: {found}"
    if proc.returncode == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("aptool: "), proc.stderr[-2000:]
    else:
        assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])


def only_cache_written(before: set[Path], where: Path) -> None:
    assert {p for p in where.rglob("*")} == before, "files were written next to the input"


# --- C ------------------------------------------------------------------------------------------


def nested(kind: str, depth: int) -> str:
    """A function nested ``depth`` deep in one construct, as the fuzzer's deep-nesting mutation makes."""
    body = {
        "calls": "\tf(" + "f(" * depth + "1" + ")" * depth + ");\n",
        "ternaries": "\tx = " + "x ? " * depth + "1" + " : 0" * depth + ";\n",
        "parentheses": "\tx = " + "(" * depth + "x" + ")" * depth + ";\n",
        "blocks": "{" * depth + "mutex_lock(&a);" + "}" * depth + "\n",
        "else-if": "\tif (x) mutex_lock(&a);\n" + "".join(f"\telse if (x == {n}) x++;\n" for n in range(depth)),
        "unclosed-calls": "\tmutex_lock(" + "f(" * depth + "\n",
    }[kind]
    return f"struct mutex a;\nint f(int x);\nvoid g(int x)\n{{\n{body}}}\n"


@pytest.mark.parametrize("depth", [1000, 20000])
@pytest.mark.parametrize("kind", ["calls", "ternaries", "parentheses", "blocks", "else-if", "unclosed-calls"])
def test_deep_nesting_in_c(tmp_path: Path, kind: str, depth: int) -> None:
    source = tmp_path / "deep.c"
    source.write_text(nested(kind, depth))
    proc, _ = aptool("model", "--edges", "deep.c", cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 0 and "g() deep.c:3" in proc.stdout or proc.stdout.startswith("1 files")


def test_the_fuzzed_deep_calls(tmp_path: Path) -> None:
    proc, _ = aptool("model", str(DATA / "deep-calls.c"), cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 0 and "regions skipped" in proc.stderr and "fz_deep() " in proc.stdout


def test_deep_struct_declarations_are_skipped_with_a_warning(tmp_path: Path) -> None:
    source = tmp_path / "deep.c"
    source.write_text("struct s {\n" + "struct {" * 3000 + "int a;" + "} b;" * 3000 + "\n};\nvoid ok(void) { }\n")
    proc, _ = aptool("model", "--verbose", "deep.c", cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 0 and "levels deep" in proc.stderr and "1 functions" in proc.stdout


@pytest.mark.parametrize("depth", [400, 2000])
def test_deep_call_chain_in_the_lock_walk(tmp_path: Path, depth: int) -> None:
    chain = "".join(f"void c{n}(void)\n{{\n\tc{n + 1}();\n}}\n" for n in range(depth))
    (tmp_path / "chain.c").write_text(
        "struct mutex a, b;\n" + chain + f"void c{depth}(void)\n{{\n\tmutex_lock(&b);\n\tmutex_unlock(&b);\n}}\n"
        "void top(void)\n{\n\tmutex_lock(&a);\n\tc0();\n\tmutex_unlock(&a);\n}\n"
    )
    proc, _ = aptool("model", "--edges", "chain.c", cwd=tmp_path, bound=120)
    assert_clean(proc)
    assert proc.returncode == 0 and "  a -> b" in proc.stdout


def test_the_fuzzed_deep_call_chain(tmp_path: Path) -> None:
    proc, _ = aptool("model", "--edges", str(DATA / "deep-call-chain.c"), cwd=tmp_path, bound=120)
    assert_clean(proc)
    assert proc.returncode == 0 and "lock-order edges" in proc.stdout


@pytest.mark.parametrize(
    "name",
    [
        b"li\x80\xaf.h",  # the fuzzed one: not UTF-8
        b"x" * 5000 + b".h",  # longer than any file name
        b"a/" * 3000 + b"b.h",  # longer than any path
        b"linux/\xff\xfe.h",
    ],
)
def test_include_names_the_file_system_rejects(tmp_path: Path, name: bytes) -> None:
    (tmp_path / "inc.c").write_bytes(b"#include <" + name + b'>\n#include "' + name + b'"\nvoid f(void) { }\n')
    proc, _ = aptool("model", "inc.c", cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 0 and proc.stdout.startswith("1 files, 3 lines, 1 functions")


def test_the_fuzzed_include(tmp_path: Path) -> None:
    proc, _ = aptool("model", str(DATA / "include-not-utf8.c"), cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 0


def test_a_long_macro_and_a_junk_file(tmp_path: Path) -> None:
    (tmp_path / "macro.c").write_text("#define M(x) \\\n" + "\tx + \\\n" * 50000 + "\tx\nvoid g(void) { }\n")
    junk = bytes((n * 7919 + n // 13) % 251 for n in range(250_000))  # every byte value, no structure
    (tmp_path / "junk.c").write_bytes(junk)
    for name in ("macro.c", "junk.c"):
        proc, _ = aptool("model", name, cwd=tmp_path, bound=120)
        assert_clean(proc)
        assert proc.returncode == 0


# --- mail ---------------------------------------------------------------------------------------


def test_a_date_in_the_year_10000(tmp_path: Path) -> None:
    before = set(tmp_path.rglob("*"))
    proc, _ = aptool(
        "thread",
        "20210511100000.1201-1-tom@example.org",
        "--archive",
        str(DATA / "date-year-10000.mbox"),
        cwd=tmp_path,
        bound=60,
    )
    assert_clean(proc)
    assert proc.returncode == 2 and "year 10000 is out of range" in proc.stderr
    only_cache_written(before, tmp_path)


def mail(msgid: str, headers: str = "", body: str = "hello\n", subject: str = "[PATCH] x") -> str:
    return (
        f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@example.org>\nSubject: {subject}\n"
        f"Date: Mon, 21 Jun 2021 15:57:14 +0000\nMessage-ID: <{msgid}>\n{headers}\n{body}\n"
    )


@pytest.mark.parametrize(
    ("headers", "asked"),
    [
        ("", "@"),  # ``Message-ID: <@>``: the fuzzed one
        ("Date: Sat, 01 Jan 99999 00:00:00 +0000\n", "x@y"),
        ("Date: Mon, 21 Jun 2021 99:99:99 +9999\n", "x@y"),
        ("In-Reply-To: <@>\nReferences: <@> <<>>\n", "x@y"),
        ("Content-Type: text/plain; charset=no-such-charset\n", "x@y"),
        ("Content-Type: multipart/mixed; boundary=\n", "x@y"),
        ("Content-Transfer-Encoding: 8bit\udcff\n", "x@y"),  # 8-bit bytes in a header: \xff
        ('Content-Type: text/plain; charset="\udcff\udcfe"\n', "x@y"),
    ],
    ids=["msgid-at", "year-99999", "hour-99", "refs-at", "charset", "empty-boundary", "8bit-cte", "8bit-charset"],
)
def test_header_values_the_standard_library_rejects(tmp_path: Path, headers: str, asked: str) -> None:
    box = tmp_path / "box.mbox"
    msgid = "@" if asked == "@" else "x@y"
    box.write_bytes(mail(msgid, headers).encode("utf-8", "surrogateescape"))
    proc, _ = aptool("thread", asked, "--archive", str(box), cwd=tmp_path, bound=60)
    assert_clean(proc)


def test_control_bytes_from_a_mail_are_escaped(tmp_path: Path) -> None:
    proc, _ = aptool(
        "thread",
        "20210619080000.7701-1-sam@example.org",
        "--archive",
        str(DATA / "control-bytes.mbox"),
        cwd=tmp_path,
        bound=60,
    )
    assert_clean(proc)


def test_terminal_escapes_in_a_subject_and_an_error(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    diff = (
        "---\n f | 1 +\n\ndiff --git a/f\x1b[2J b/f\x1b[2J\nindex 1234567..89abcde 100644\n"
        "--- a/f\x1b[2J\n+++ b/f\x1b[2J\n@@ -1 +1,2 @@\n a\n+b\x07\n"
    )
    box.write_text(mail("esc@example.org", subject="[PATCH] \x1b]0;owned\x07 title\u202e", body=diff))
    proc, _ = aptool("thread", "esc@example.org", "--archive", str(box), cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert "\\x1b" in proc.stdout + proc.stderr
    broken = tmp_path / "broken.mbox"
    broken.write_text(mail("esc@example.org", body="diff --git a/f b/f\n@@ -1 +1 @@\n\x1b[31m\r junk\n"))
    proc, _ = aptool("thread", "esc@example.org", "--archive", str(broken), cwd=tmp_path, bound=60)
    assert_clean(proc)


def test_a_3000_character_trailer_line(tmp_path: Path) -> None:
    proc, took = aptool(
        "thread",
        "20210621155714.1198545-1-adev@example.org",
        "--archive",
        str(DATA / "long-trailer.mbox"),
        cwd=tmp_path,
        bound=60,
    )
    assert_clean(proc)
    assert proc.returncode == 0 and "v6: s390/vfio-ap" in proc.stdout


@pytest.mark.parametrize(
    "line",
    [
        "Signed-off-by: " + "S" * 20000,
        "Reviewed-by: " + "a@" * 5000 + ".org",
        "Acked-by: " + "x # " * 3000,
        "Link: https://" + "l" * 10000,
    ],
    ids=["word", "at-signs", "hashes", "link"],
)
def test_long_trailer_lines_of_other_shapes(tmp_path: Path, line: str) -> None:
    body = f"Fix it.\n\n{line}\n---\n"
    box = tmp_path / "box.mbox"
    box.write_text(mail("t@example.org", body=body) + mail("r@example.org", "In-Reply-To: <t@example.org>\n", line))
    proc, _ = aptool("thread", "t@example.org", "--archive", str(box), cwd=tmp_path, bound=60)
    assert_clean(proc)


def test_a_long_trailer_line_inside_the_diff(tmp_path: Path) -> None:
    body = (
        "Fix it.\n\nSigned-off-by: A <a@example.org>\n---\n"
        "diff --git a/f b/f\nindex 1234567..89abcde 100644\n"
        + "Reviewed-by: "
        + "a@b." * 800
        + "\n"  # b4 reads the whole body for follow-up trailers
        + "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n a\n+b\n"
    )
    box = tmp_path / "box.mbox"
    box.write_text(mail("t@example.org", body=body))
    proc, _ = aptool("thread", "t@example.org", "--archive", str(box), cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 2 and "trailer-like line of 3213 characters" in proc.stderr


@pytest.mark.parametrize("depth", [100, 3000])
def test_deeply_nested_mime_parts(tmp_path: Path, depth: int) -> None:
    parts = 'Content-Type: multipart/mixed; boundary="b0"\n\n'
    parts += "".join(f'--b{n - 1}\nContent-Type: multipart/mixed; boundary="b{n}"\n\n' for n in range(1, depth))
    parts += f"--b{depth - 1}\nContent-Type: text/plain\n\nhello\n" + "".join(
        f"--b{n}--\n" for n in reversed(range(depth))
    )
    box = tmp_path / "box.mbox"
    box.write_text(
        mail("mime@example.org", "MIME-Version: 1.0\n" + parts.split("\n\n", 1)[0] + "\n", parts.split("\n\n", 1)[1])
    )
    proc, _ = aptool("thread", "mime@example.org", "--archive", str(box), cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 2 and "nested MIME multiparts" in proc.stderr


@pytest.mark.parametrize("lines", [2000, 8000])
def test_thousands_of_trailer_lines(tmp_path: Path, lines: int) -> None:
    body = "Fix it.\n\n" + "".join(f"Key{n}: value {n}\n" for n in range(lines)) + "---\n"
    box = tmp_path / "box.mbox"
    box.write_text(mail("t@example.org", body=body))
    proc, _ = aptool("thread", "t@example.org", "--archive", str(box), cwd=tmp_path, bound=60)
    assert_clean(proc)
    assert proc.returncode == 2 and "trailer-like lines" in proc.stderr


def reply_chain(length: int) -> str:
    """A patch and ``length`` replies, each answering the one before, each with a trailer."""
    patch = (
        "Add Chris.\n\nSigned-off-by: Chris Chain <chris@example.org>\n---\n"
        "diff --git a/MAINTAINERS b/MAINTAINERS\nindex f2dac65588ad..10f79a60e35e 100644\n"
        "--- a/MAINTAINERS\n+++ b/MAINTAINERS\n@@ -1,1 +1,2 @@\n a\n+b\n"
    )
    mails = [mail("chain-0@example.org", body=patch, subject="[PATCH] MAINTAINERS: add Chris")]
    for n in range(1, length + 1):
        refs = (
            f"In-Reply-To: <chain-{n - 1}@example.org>\nReferences: <chain-0@example.org> <chain-{n - 1}@example.org>\n"
        )
        body = f"> quoted\n\nAcked-by: A{n} <a{n}@example.org>\n"
        mails.append(mail(f"chain-{n}@example.org", refs, body, subject="Re: [PATCH] MAINTAINERS: add Chris"))
    return "".join(mails)


@pytest.mark.slow
def test_a_chain_of_replies_grows_linearly(tmp_path: Path) -> None:
    timings = {}
    for length in (250, 1000):
        box = tmp_path / f"chain-{length}.mbox"
        box.write_text(reply_chain(length))
        proc, timings[length] = aptool("thread", "chain-0@example.org", "--archive", str(box), cwd=tmp_path, bound=120)
        assert_clean(proc)
        assert proc.returncode == 0 and f"Thread <chain-0@example.org>: {length + 1} messages" in proc.stdout
        assert "Acked-by: A1 <a1@example.org>" in proc.stdout
    # four times the replies: cubic was 64 times the time; allow for start-up and noise, not for n^2
    assert timings[1000] < 8 * timings[250] + 5, timings


@pytest.mark.slow
def test_the_fuzzed_chain_of_5000_replies(tmp_path: Path) -> None:
    import gzip

    box = tmp_path / "deep-reply-chain.mbox"
    box.write_bytes(gzip.decompress((DATA / "deep-reply-chain.mbox.gz").read_bytes()))
    proc, _ = aptool(
        "thread", "20210624090000.9901-1-chris@example.org", "--archive", str(box), cwd=tmp_path, bound=240
    )
    assert_clean(proc)
    assert proc.returncode == 0 and ": 5001 messages" in proc.stdout


# --- Undecodable bytes in a patch's file names ------------------------------------------------


@pytest.mark.parametrize("thread", ["base-commit", "blob-chain-a", "applies-nowhere"])
@pytest.mark.parametrize("command", ["base", "apply-series"])
def test_undecodable_bytes_in_a_file_name(story, tmp_path: Path, thread: str, command: str) -> None:  # type: ignore[no-untyped-def]
    """A byte flip in a diff header leaves a file name that is not UTF-8: the base is looked for with
    those bytes (on the release lines and tags too, before any index exists), never a traceback."""
    source = Path(story.archive) / f"{thread}.mbox"
    data = source.read_bytes()
    at = data.index(b"diff --git a/") + len(b"diff --git a/")
    damaged = data[:at] + b"\xc0\xfb" + data[at:]
    box = tmp_path / "thread.mbox"
    box.write_bytes(damaged)
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(story.repo), str(repo)], check=True)
    git_tag = subprocess.run(["git", "-C", str(repo), "tag"], capture_output=True, text=True, check=True)
    assert git_tag.stdout.strip(), "the story's tags make base look along tags first"
    first = next(line for line in damaged.splitlines() if line.lower().startswith(b"message-id:"))
    msgid = first.split(b":", 1)[1].strip().decode()
    proc, _ = aptool(command, msgid, "--archive", str(box), "--repo", str(repo), cwd=tmp_path, bound=120)
    assert_clean(proc)
    assert (
        subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True).stdout == ""
    )
