"""``aptool base`` on awkward but real input: each a clear error or a correct answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mailmaker import commit_files, format_series, make_repo, run_git, write_mbox


def aptool_base(repo: Path, mbox: Path, msgid: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aptool", "base", msgid, "--repo", str(repo), "--mbox", str(mbox), "--json"],
        capture_output=True,
        text=True,
    )


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"a.c": "int a;\n", "b.c": "int b;\n", "gone.c": "bye\n"})


def answer_for(tmp_path: Path, repo: Path, mails: list[bytes], msgid: str) -> dict:  # type: ignore[type-arg]
    result = aptool_base(repo, write_mbox(tmp_path / "s.mbox", mails), msgid)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_not_a_git_repository(tmp_path: Path, repo: Path) -> None:
    commit_files(repo, {"a.c": "int a = 1;\n"}, "a: one")
    mbox = write_mbox(tmp_path / "s.mbox", format_series(repo, 1, msgid_prefix="x"))
    (tmp_path / "plain").mkdir()
    result = aptool_base(tmp_path / "plain", mbox, "x-1@example.org")
    assert result.returncode == 2
    assert result.stderr.strip() == f"aptool: not a git repository: {tmp_path / 'plain'}"


def test_mbox_without_patches(tmp_path: Path, repo: Path) -> None:
    mbox = tmp_path / "talk.mbox"
    mbox.write_text(
        "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: a@example.org\nSubject: hi\n"
        "Message-ID: <talk@example.org>\n\njust talk\n"
    )
    result = aptool_base(repo, mbox, "talk@example.org")
    assert result.returncode == 2 and result.stderr.strip() == "aptool: no patches in thread <talk@example.org>"


def test_patch_without_index_lines_is_named(tmp_path: Path, repo: Path) -> None:
    commit_files(repo, {"a.c": "int a = 2;\n"}, "a: two")
    mail = format_series(repo, 1, msgid_prefix="noidx")[0]
    mail = b"\n".join(line for line in mail.split(b"\n") if not line.startswith(b"index "))
    result = aptool_base(repo, write_mbox(tmp_path / "s.mbox", [mail]), "noidx-1@example.org")
    assert result.returncode == 2
    assert "has no index line for a.c" in result.stderr and "<noidx-1@example.org>" in result.stderr


def test_binary_patch(tmp_path: Path, repo: Path) -> None:
    (repo / "fw.bin").write_bytes(bytes(range(256)))
    run_git(repo, "add", "fw.bin")
    run_git(repo, "commit", "-q", "-m", "fw: add")
    base = run_git(repo, "rev-parse", "HEAD").strip()
    (repo / "fw.bin").write_bytes(bytes(range(255, -1, -1)))
    run_git(repo, "commit", "-q", "-am", "fw: update")
    answer = answer_for(
        tmp_path, repo, format_series(repo, 1, msgid_prefix="bin", extra=("--binary",)), "bin-1@example.org"
    )
    assert answer["base"] == base


def test_rename_new_and_deleted_files(tmp_path: Path, repo: Path) -> None:
    base = run_git(repo, "rev-parse", "HEAD").strip()
    run_git(repo, "mv", "b.c", "c.c")
    run_git(repo, "rm", "-q", "gone.c")
    (repo / "new.c").write_text("new\n")
    run_git(repo, "add", "new.c")
    run_git(repo, "commit", "-q", "-m", "tidy: rename, delete, add")
    answer = answer_for(tmp_path, repo, format_series(repo, 1, msgid_prefix="mv", extra=("-M",)), "mv-1@example.org")
    assert answer["base"] == base
    files = {f["path"]: f for f in answer["files"]}
    assert files["new.c"]["satisfied_by"] == "new file" and files["new.c"]["preimage"] is None
    assert files["b.c"]["satisfied_by"] == "base"  # a rename needs its source
    assert files["gone.c"]["satisfied_by"] == "base"


def test_series_touching_a_file_twice_uses_the_first_touch(tmp_path: Path, repo: Path) -> None:
    base = run_git(repo, "rev-parse", "HEAD").strip()
    commit_files(repo, {"a.c": "int a = 3;\n"}, "a: three")
    commit_files(repo, {"a.c": "int a = 4;\n"}, "a: four")
    answer = answer_for(tmp_path, repo, format_series(repo, 2, msgid_prefix="twice"), "twice-1@example.org")
    first = run_git(repo, "rev-parse", f"{base}:a.c").strip()
    assert answer["base"] == base
    assert answer["files"][0] == {
        "path": "a.c",
        "preimage": first[: len(answer["files"][0]["preimage"])],
        "satisfied_by": "base",
    }
    assert answer["files"][1]["satisfied_by"] == "twice-1@example.org"


def test_candidates_and_the_date_rule(tmp_path: Path, repo: Path) -> None:
    """Several commits hold the pre-image; the one before the mail's date is chosen."""
    commit_files(repo, {"a.c": "int a = 5;\n"}, "a: five")
    mails = format_series(repo, 1, msgid_prefix="date")
    run_git(repo, "reset", "-q", "--hard", "HEAD~1")
    made_on = run_git(repo, "rev-parse", "HEAD").strip()
    # Later unrelated work (committed after the mail was sent) also holds a.c's pre-image.
    for number in range(3):
        subprocess.run(
            ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", f"later {number}"],
            check=True,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(repo),
                "GIT_CONFIG_GLOBAL": "/dev/null",
                "GIT_AUTHOR_NAME": "L",
                "GIT_AUTHOR_EMAIL": "l@example.org",
                "GIT_COMMITTER_NAME": "L",
                "GIT_COMMITTER_EMAIL": "l@example.org",
                "GIT_COMMITTER_DATE": "2022-01-01T00:00:00+00:00",
                "GIT_AUTHOR_DATE": "2022-01-01T00:00:00+00:00",
            },
        )
    answer = answer_for(tmp_path, repo, mails, "date-1@example.org")
    assert answer["candidates"] == 4 and answer["base"] == made_on
