"""The series model, from real ``git format-patch`` mails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aptool.archive.local import LocalArchive
from aptool.errors import MailError
from aptool.series import fetch_thread, parse_thread, require_version
from tests.mailmaker import commit_files, format_series, make_repo, reply, run_git, write_mbox


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"drivers/a.c": "int a;\n", "drivers/b.c": "int b;\n", "old.c": "x\n"})


def blob(repo: Path, rev: str, path: str) -> str:
    return run_git(repo, "rev-parse", f"{rev}:{path}").strip()


def test_files_carry_the_blobs_git_has(repo: Path) -> None:
    commit_files(repo, {"drivers/a.c": "int a;\nint a2;\n"}, "a: grow")
    commit_files(repo, {"drivers/a.c": "int a;\nint a2;\nint a3;\n", "drivers/new.c": "new\n"}, "a: grow again")
    run_git(repo, "rm", "-q", "old.c")
    run_git(repo, "mv", "drivers/b.c", "drivers/c.c")
    run_git(repo, "commit", "-q", "-m", "tidy: drop old.c, rename b.c")
    mails = format_series(repo, 3, cover=True, msgid_prefix="grow", extra=("--full-index",))
    thread = parse_thread(mails, "grow-0@example.org")
    version = require_version(thread, None)
    assert [p.counter for p in version.patches] == [1, 2, 3]
    first, second, third = version.patches
    assert first.files[0].preimage == blob(repo, "HEAD~3", "drivers/a.c")
    assert first.files[0].postimage == blob(repo, "HEAD~2", "drivers/a.c")
    # The same file touched twice: the second touch starts from the first's post-image.
    assert second.files[0].preimage == first.files[0].postimage
    new = next(f for f in second.files if f.path == "drivers/new.c")
    assert new.is_new and new.preimage is None and new.postimage == blob(repo, "HEAD~1", "drivers/new.c")
    deleted = next(f for f in third.files if f.path == "old.c")
    assert deleted.is_deleted and deleted.postimage is None
    renamed = next(f for f in third.files if f.path == "drivers/c.c")
    assert renamed.is_rename and renamed.old_path == "drivers/b.c"


def test_binary_patch_is_marked(repo: Path) -> None:
    (repo / "fw.bin").write_bytes(bytes(range(256)))
    run_git(repo, "add", "fw.bin")
    run_git(repo, "commit", "-q", "-m", "fw: add firmware")
    mails = format_series(repo, 1, msgid_prefix="bin", extra=("--binary",))
    patch = require_version(parse_thread(mails, "bin-1@example.org"), None).patches[0]
    assert patch.files[0].is_binary and patch.files[0].is_new


def test_versions_sent_in_reply_and_followup_trailers(repo: Path) -> None:
    commit_files(repo, {"drivers/a.c": "int a = 1;\n"}, "a: init")
    commit_files(repo, {"drivers/b.c": "int b = 1;\n"}, "b: init")
    v1 = format_series(repo, 2, cover=True, msgid_prefix="v1")
    v2 = format_series(repo, 2, cover=True, version=2, msgid_prefix="v2", in_reply_to="v1-0@example.org")
    replies = [
        reply("v2-0@example.org", "ack@example.net", "> series\n\nAcked-by: Rev Iewer <rev@example.net>\n"),
        reply(
            "v2-2@example.org",
            "tested@example.net",
            "Tested-by: Tess Ter <tess@example.net>\n",
            author="Tess Ter <tess@example.net>",
        ),
        reply(
            "v1-1@example.org",
            "old@example.net",
            "Reviewed-by: Old Timer <old@example.net>\n",
            author="Old Timer <old@example.net>",
        ),
    ]
    thread = parse_thread(v1 + v2 + replies, "v1-0@example.org")
    assert sorted(thread.versions) == [1, 2]
    assert thread.latest is not None and thread.latest.version == 2
    first, second = require_version(thread, 2).patches
    acked = ("Acked-by", "Rev Iewer <rev@example.net>", "ack@example.net")
    assert acked in [(t.name, t.value, t.given_in) for t in first.followup_trailers]
    assert acked in [(t.name, t.value, t.given_in) for t in second.followup_trailers]
    assert [t.name for t in second.followup_trailers].count("Tested-by") == 1
    assert not any(t.name == "Tested-by" for t in first.followup_trailers)
    # v1's review is v1's, and b4 carries it to v2 because the patch did not change.
    assert any(t.name == "Reviewed-by" for t in require_version(thread, 1).patches[0].followup_trailers)
    assert any(t.name == "Reviewed-by" for t in first.followup_trailers)
    # A trailer whose person is not the sender is not collected (b4's rule).
    forged = reply("v2-1@example.org", "forged@example.net", "Acked-by: Big Boss <boss@example.net>\n")
    thread = parse_thread(v1 + v2 + [forged], "v1-0@example.org")
    assert not any(t.value.startswith("Big Boss") for t in require_version(thread, 2).patches[0].followup_trailers)
    with pytest.raises(MailError, match="has no v3"):
        require_version(thread, 3)


def test_declared_dependencies_and_base_commit(repo: Path) -> None:
    base = run_git(repo, "rev-parse", "HEAD").strip()
    commit_files(repo, {"drivers/a.c": "int a = 2;\n"}, "a: two")
    mails = format_series(repo, 1, cover=True, msgid_prefix="dep", extra=(f"--base={base}",))
    mails[0] = mails[0].replace(
        b"base-commit:",
        b"prerequisite-message-id: <other-1@example.org>\nDepends-on: <other-2@example.org>\nbase-commit:",
    )
    version = require_version(parse_thread(mails, "dep-0@example.org"), None)
    assert version.base_commit == base
    assert [(d.kind, d.value) for d in version.dependencies] == [
        ("message-id", "<other-1@example.org>"),
        ("depends-on", "<other-2@example.org>"),
    ]


def test_mentions_with_context_and_quoting(repo: Path) -> None:
    commit_files(repo, {"drivers/a.c": "int a = 3;\n"}, "a: three")
    mails = format_series(repo, 1, msgid_prefix="m")
    body = (
        "On Mon, Someone wrote:\n"
        "> see <quoted-1@example.org>\n"
        "\n"
        "The two patches are:\n"
        "* [PATCH v6 1/2] one\n"
        "   Message ID: <prereq-2@example.org>\n"
        "* [PATCH v6 2/2] two\n"
        "   <prereq-3@example.org>\n"
        "\n"
        "Reviewed-by: Rev Iewer <rev@example.net>\n"
    )
    thread = parse_thread(mails + [reply("m-1@example.org", "r1@example.net", body)], "m-1@example.org")
    found = {m.message_id: m for m in thread.mentions}
    assert set(found) == {"quoted-1@example.org", "prereq-2@example.org", "prereq-3@example.org"}
    assert found["quoted-1@example.org"].quoted
    assert not found["prereq-3@example.org"].quoted
    assert "[PATCH v6 2/2] two" in found["prereq-3@example.org"].context
    assert found["prereq-2@example.org"].in_message == "r1@example.net"


def test_truncated_hunk_is_named(repo: Path) -> None:
    commit_files(repo, {"drivers/a.c": "int a;\nint more;\n"}, "a: more")
    mail = format_series(repo, 1, msgid_prefix="cut")[0]
    mail = mail.replace(b"+int more;\n", b"")
    thread = parse_thread([mail], "cut-1@example.org")
    with pytest.raises(MailError, match=r"patch <cut-1@example.org> has a broken diff"):
        require_version(thread, None)


def test_broken_mime_is_named(repo: Path) -> None:
    commit_files(repo, {"drivers/a.c": "int a;\nint mime;\n"}, "a: mime")
    mail = format_series(repo, 1, msgid_prefix="mime")[0]
    head, body = mail.split(b"\n\n", 1)
    mail = head + b'\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="nowhere"\n\n' + body
    thread = parse_thread([mail], "mime-1@example.org")
    with pytest.raises(MailError, match="broken MIME"):
        require_version(thread, None)


def test_local_search_matches_public_inbox_semantics(repo: Path, tmp_path: Path) -> None:
    commit_files(repo, {"drivers/a.c": "int a = 9;\n"}, "a: nine")
    mails = format_series(repo, 1, msgid_prefix="s", extra=("--abbrev=12",))
    archive = LocalArchive(write_mbox(tmp_path / "list.mbox", mails))
    post = blob(repo, "HEAD", "drivers/a.c")
    assert len(archive.search(f"dfpost:{post[:12]}")) == 1
    assert len(archive.search(f"dfpost:{post[:7]}")) == 1
    assert archive.search(f"dfpost:{post[:6]}") == []  # public-inbox indexes 7 digits and more
    assert archive.search(f"dfpost:{post}") == []  # longer than the mail's abbreviation
    assert len(archive.search(f"dfpre:{blob(repo, 'HEAD~1', 'drivers/a.c')[:9]}")) == 1
    patch_id = (
        subprocess.run(["git", "patch-id", "--stable"], input=mails[0], capture_output=True, check=True)
        .stdout.split()[0]
        .decode()
    )
    assert len(archive.search(f"patchid:{patch_id}")) == 1
    assert len(archive.search("m:s-1@example.org")) == 1
    assert fetch_thread(archive, "s-1@example.org").latest is not None


def test_thread_without_patches_is_an_error(tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "talk.mbox", [reply("a@example.org", "b@example.org", "just talk\n")])
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "thread", "b@example.org", "--archive", str(mbox)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "aptool: no patches in thread <b@example.org> (1 messages, none with a diff)"
