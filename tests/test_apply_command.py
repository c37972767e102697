"""``aptool apply-series`` as a command: output, exit codes, ``--closest``, ``--json``, ``--worktree``.

They run on a small repository of their own whose mbox holds a list-only
prerequisite, found by ``aptool base`` through its post-image blob;
``test_apply_story.py`` runs the fixture story.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.cli import app
from tests.test_apply_support import Upstream, assert_nothing_left, clone_user, git, make_upstream, snapshot

runner = CliRunner()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    return make_upstream(tmp_path_factory.mktemp("upstream") / "upstream")


@pytest.fixture()
def user(upstream: Upstream, tmp_path: Path) -> Path:
    return clone_user(upstream, tmp_path / "user")


def lose_the_base(user: Path, old: str, new: str) -> None:
    """Rewrite the user's only commit, as in a tree the series was not made on: no exact base exists."""
    ops = user / "drivers/s390/crypto/vfio_ap_ops.c"
    ops.write_text(ops.read_text().replace(old, new))
    git(user, "commit", "-q", "--amend", "-am", "a tree of the reviewer's own")


def apply(user: Path, upstream: Upstream, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app, ["apply-series", "series-0@example.org", "--repo", str(user), "--archive", str(upstream.mbox), *args]
    )


def test_text_output_and_progress_lines(upstream: Upstream, user: Path) -> None:
    before = snapshot(user, new_branch="aptool/subject-here-v1")
    result = apply(user, upstream)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"Base: master ({upstream.base[:12]})")
    assert "exact base" in out
    assert "[1/4] exact     post-image ok      s390/vfio-ap: set ops_3  (prerequisite)" in out
    assert "<series-3@example.org>" in out
    assert "Built aptool/subject-here-v1 at " in out  # the cover's subject, "*** SUBJECT HERE ***"
    assert "refs/notes/aptool" in out
    assert "[4/4] exact     s390/vfio-ap: drop ops_25" in result.stderr
    assert snapshot(user, new_branch="aptool/subject-here-v1") == before
    again = apply(user, upstream)
    assert again.exit_code == 0 and "Branch aptool/subject-here-v1 is up to date" in again.stdout


def test_json_output(upstream: Upstream, user: Path) -> None:
    result = apply(user, upstream, "--json", "--branch", "review/s", "--version", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["branch"] == "review/s" and data["status"] == "built" and data["exact"] is True
    assert data["base"] == upstream.base and data["series_base"] == data["patches"][0]["commit"]
    prerequisite = data["record"]["prerequisites"][0]
    assert prerequisite["message_id"] == "pre-1@example.org" and prerequisite["subject"] == "s390/vfio-ap: set ops_3"
    assert prerequisite["found_by"].startswith("blob chain: drivers/s390/crypto/vfio_ap_ops.c ")
    assert data["record"]["series"]["message_ids"] == [f"series-{n}@example.org" for n in (1, 2, 3)]
    assert data["record"]["archive"] == str(upstream.mbox)
    assert data["record"]["series"]["version"] == 1
    assert "Link: https://lore.kernel.org/r/series-1@example.org" in git(user, "log", "-1", "--format=%B", "review/s~2")


def test_no_exact_base_needs_closest(upstream: Upstream, user: Path) -> None:
    lose_the_base(user, "int ops_7;\n", "int ops_7; /* here */\n")
    before = snapshot(user, new_branch="aptool/subject-here-v1")

    refused = apply(user, upstream)
    assert refused.exit_code == 1
    assert "no exact base" in refused.stderr and "drivers/s390/crypto/vfio_ap_ops.c" in refused.stderr
    assert "closest commit: master" in refused.stderr and "--closest" in refused.stderr
    assert git(user, "for-each-ref", "refs/heads/aptool") == ""

    built = apply(user, upstream, "--closest")
    assert built.exit_code == 0, built.output
    assert "closest commit (no exact base)" in built.stdout and "marked inexact" in built.stdout
    assert " fuzz " in built.stdout and "post-image differs" in built.stdout
    assert snapshot(user, new_branch="aptool/subject-here-v1") == before
    assert_nothing_left(user)


def test_conflict_as_json(upstream: Upstream, user: Path) -> None:
    lose_the_base(user, "int ops_10;\n", "short ops_10;\n")
    result = apply(user, upstream, "--closest", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["patch"] == {"subject": "s390/vfio-ap: widen ops_10", "message_id": "series-1@example.org"}
    assert data["files"] == ["drivers/s390/crypto/vfio_ap_ops.c"] and data["git"]
    error = [line for line in result.stderr.splitlines() if line.startswith("aptool: ")]
    assert error == [
        "aptool: the patch does not apply, not even with reduced context: s390/vfio-ap: widen ops_10"
        " <series-1@example.org> (drivers/s390/crypto/vfio_ap_ops.c)"
    ]
    assert "\n  git said:\n" in result.stderr
    assert_nothing_left(user)


def test_worktree_option(upstream: Upstream, user: Path, tmp_path: Path) -> None:
    keep = tmp_path / "review"
    result = apply(user, upstream, "--worktree", str(keep))
    assert result.exit_code == 0, result.output
    assert f"Worktree: {keep}" in result.stdout
    assert (keep / "drivers/s390/crypto/new.c").exists()
    assert git(keep, "rev-parse", "--abbrev-ref", "HEAD").strip() == "aptool/subject-here-v1"


def test_cannot_run_is_exit_2(upstream: Upstream, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["apply-series", "series-0@example.org", "--repo", str(tmp_path), "--archive", str(upstream.mbox)]
    )
    assert result.exit_code == 2 and result.stderr.startswith("aptool: not a git repository")
