"""Patches of patches: a series that adds, changes and drops ``.patch`` files (as buildroot's
package directories hold) is read by the hunk lengths its ``@@`` lines give, as ``git apply``
reads it -- whatever its content lines look like: diff headers, ``---``/``+++`` lines, ``-- ``
signatures, form feeds -- and both ``aptool base`` and ``aptool apply-series`` take it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.cli import app
from aptool.series import parse_thread, require_version
from aptool.series.diff import diff_text, file_changes
from tests.mailmaker import commit_files, format_series, make_repo, run_git, write_mbox

runner = CliRunner()

# A package's patch as format-patch writes it: headers, a hunk, the "-- " signature.
INNER = (
    "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n"
    "Subject: [PATCH] dc: fix exit code\n\n---\n dc/dc.c | 2 +-\n\n"
    "diff --git a/dc/dc.c b/dc/dc.c\nindex 1111111..2222222 100644\n--- a/dc/dc.c\n+++ b/dc/dc.c\n"
    "@@ -1,4 +1,4 @@\n int a;\n-int b;\n+int c;\n \f\n int d;\n-- \n2.39.0\n\n"
)
REFRESHED = (
    INNER.replace("-- \n2.39.0\n", "")  # the signature goes: "--- " at the start of a removed line
    .replace("-int b;\n", "-int bb;\n")
    .replace("--- a/dc/dc.c\n", "--- a/dc/old.c\n")  # "---- a/dc/dc.c" removed, "+--- a/dc/old.c" added
)
NOTES = "hello\n-- \nsig\n-- x\n++ y\n\fpage two\n"
NOTES_AFTER = "hello\n++ z\n-- \nsig2\u2028still one line\n+++ w\n--- v\n\fpage two\x85same line\n"


@pytest.fixture(scope="module")
def author(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The author's repository: ``base``, then a series of four commits over patch files."""
    repo = make_repo(tmp_path_factory.mktemp("patchfiles") / "author", {"pkg/pkg.mk": "V = 1\n", "notes.txt": NOTES})
    run_git(repo, "tag", "base")
    commit_files(repo, {"pkg/0001-fix.patch": INNER}, "pkg: add a patch")
    commit_files(repo, {"pkg/0001-fix.patch": REFRESHED}, "pkg: refresh the patch")
    commit_files(repo, {"notes.txt": NOTES_AFTER}, "notes: signature lines")
    run_git(repo, "rm", "-q", "pkg/0001-fix.patch")
    run_git(repo, "commit", "-q", "-m", "pkg: drop the patch")
    return repo


def blob(repo: Path, rev: str, path: str) -> str:
    return run_git(repo, "rev-parse", f"{rev}:{path}").strip()


def test_hunks_are_counted_by_their_headers(author: Path) -> None:
    mails = format_series(author, 4, cover=True, msgid_prefix="pp")
    added, refreshed, notes, dropped = require_version(parse_thread(mails, "pp-0@example.org"), None).patches
    assert [f.path for p in (added, refreshed, notes, dropped) for f in p.files] == [
        "pkg/0001-fix.patch",
        "pkg/0001-fix.patch",
        "notes.txt",
        "pkg/0001-fix.patch",
    ]
    new, changed, text, gone = added.files[0], refreshed.files[0], notes.files[0], dropped.files[0]
    assert new.is_new and blob(author, "HEAD~3", "pkg/0001-fix.patch").startswith(new.postimage or "-")
    assert (new.added, new.removed) == (INNER.count("\n"), 0)  # a form feed ends no line
    assert changed.preimage == new.postimage
    assert blob(author, "HEAD~2", "pkg/0001-fix.patch").startswith(changed.postimage or "-")
    assert (changed.added, changed.removed) == (2, 4)
    assert blob(author, "base", "notes.txt").startswith(text.preimage or "-")
    assert blob(author, "HEAD~1", "notes.txt").startswith(text.postimage or "-")
    assert gone.is_deleted and gone.preimage == changed.postimage and gone.removed == REFRESHED.count("\n")


def test_text_after_the_last_hunk_is_not_part_of_the_file() -> None:
    """A ``-- `` signature or a second diff after the counted lines is left out, not read as content."""
    patch = (
        "diff --git a/x.patch b/x.patch\nindex 1111111..2222222 100644\n--- a/x.patch\n+++ b/x.patch\n"
        "@@ -1,2 +1,2 @@\n \fkeep\n--- a/y\n+--- a/z\n-- \n2.39.0\n"
    )
    diff = diff_text(patch)
    assert diff is not None and diff.endswith("+--- a/z\n")
    (change,) = file_changes(diff, "x@example.org")
    assert (change.path, change.preimage, change.postimage, change.added, change.removed) == (
        "x.patch",
        "1111111",
        "2222222",
        1,
        1,
    )


def test_base_and_apply_series_take_the_series(author: Path, tmp_path: Path) -> None:
    mails = format_series(author, 4, cover=True, msgid_prefix="pp")
    mbox = write_mbox(tmp_path / "series.mbox", mails)
    user = tmp_path / "user"
    run_git(tmp_path, "clone", "-q", str(author), str(user))
    run_git(user, "reset", "-q", "--hard", "base")
    run_git(user, "remote", "remove", "origin")
    run_git(user, "tag", "-d", "base")
    found = runner.invoke(app, ["base", "pp-0@example.org", "--repo", str(user), "--mbox", str(mbox), "--json"])
    assert found.exit_code == 0, found.output
    answer = json.loads(found.stdout)
    assert answer["exact"] and answer["base"] == run_git(author, "rev-parse", "base").strip()
    built = runner.invoke(
        app, ["apply-series", "pp-0@example.org", "--repo", str(user), "--mbox", str(mbox), "--branch", "pp"]
    )
    assert built.exit_code == 0, built.output
    # The branch holds the author's trees, commit by commit.
    assert (
        run_git(user, "log", "--format=%T", "master..pp").split()
        == run_git(author, "log", "--format=%T", "base..HEAD").split()
    )


def test_an_empty_file_is_a_pre_image_not_an_absent_one(tmp_path: Path) -> None:
    """``@@ -0,0 +1 @@`` is how a diff from (and ``@@ -1 +0,0 @@`` to) an empty file looks: the file
    exists on both sides; only ``/dev/null`` or a file mode line says new or deleted."""
    repo = make_repo(tmp_path / "repo", {"Kconfig": "", "gone": "x\n"})
    base = run_git(repo, "rev-parse", "HEAD").strip()
    commit_files(repo, {"Kconfig": "config FOO\n", "gone": ""}, "fill one file, empty the other")
    mails = format_series(repo, 1, msgid_prefix="empty")
    (patch,) = require_version(parse_thread(mails, "empty-1@example.org"), None).patches
    filled, emptied = sorted(patch.files, key=lambda f: f.path)
    assert not filled.is_new and filled.preimage == blob(repo, base, "Kconfig")[:7]
    assert not emptied.is_deleted and emptied.postimage == blob(repo, "HEAD", "gone")[:7]
    mbox = write_mbox(tmp_path / "empty.mbox", mails)
    run_git(repo, "reset", "-q", "--hard", base)
    found = runner.invoke(app, ["base", "empty-1@example.org", "--repo", str(repo), "--mbox", str(mbox), "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["base"] == base
