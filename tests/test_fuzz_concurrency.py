"""Runs at the same time: different series applied into one repository all succeed, each recorded.

Every ``apply-series`` moves its own branch and the shared ``refs/notes/aptool`` in one
transaction; a run that loses the race on the notes ref builds its notes commit again on
the new tip and retries, so none refuses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("aptool.story", reason="the fixture story builder is not in this tree yet")

from tests.test_apply_support import git  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SERIES = ["seed", "base-commit", "old-base", "topic-merge", "prereq-v6", "patch-id"]


def apply_series(msgid: str, repo: Path, archive: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aptool", "apply-series", msgid, "--repo", str(repo), "--archive", str(archive)],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=300,
    )


@pytest.mark.slow
def test_concurrent_apply_series_of_different_series_all_succeed(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = tmp_path / "user"
    git(tmp_path, "clone", "-q", "--no-local", str(story.repo), str(user))
    before = git(user, "for-each-ref").splitlines()
    wanted = [story.messages[name] for name in SERIES]
    with ThreadPoolExecutor(len(wanted)) as pool:
        results = list(pool.map(lambda m: apply_series(m, user, story.archive), wanted))
    for name, proc in zip(SERIES, results, strict=True):
        assert proc.returncode == 0, (name, proc.stderr)
    notes = git(user, "notes", "--ref=aptool", "list").splitlines()
    branches = [line for line in git(user, "for-each-ref").splitlines() if "refs/heads/aptool/" in line]
    assert len(notes) == len(SERIES) == len(branches)
    for line in branches:
        tip = line.split()[0]
        assert '"base"' in git(user, "notes", "--ref=aptool", "show", tip)
    assert set(before) <= set(git(user, "for-each-ref").splitlines())  # nothing of the user's moved
