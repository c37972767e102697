"""``aptool apply-series`` on the fixture story: the seed branch, versions, and the cases that must fail cleanly.

Each test works on its own ``git clone`` of the session's story repository.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("aptool.base", reason="aptool.base (find_base) is not in this tree yet")
pytest.importorskip("aptool.story", reason="the fixture story builder is not in this tree yet")

from aptool.apply import ApplyFailure, read_record  # noqa: E402
from aptool.apply.steps import KILL_ENV  # noqa: E402
from aptool.apply.thread import apply_thread  # noqa: E402
from aptool.archive.local import LocalArchive  # noqa: E402
from aptool.series import fetch_thread  # noqa: E402
from tests.mailmaker import format_series, run_git, write_mbox  # noqa: E402
from tests.test_apply_support import assert_nothing_left, git, snapshot, user_mid_am  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
V6 = ["20210621155714.1198545-2-adev@example.org", "20210621155714.1198545-3-adev@example.org"]


def msgid(story, name: str) -> str:  # type: ignore[no-untyped-def]
    return story.messages.get(name) or story.threads[name][0]


def clone(story, path: Path) -> Path:  # type: ignore[no-untyped-def]
    git(path.parent, "clone", "-q", "--no-local", str(story.repo), str(path))
    return path


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aptool", *args],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})),
        timeout=300,
    )


def blob_at(repo: Path, commit: str, path: str) -> str | None:
    out = git(repo, "rev-parse", "-q", "--verify", f"{commit}:{path}", check=False).strip()
    return out or None


def assert_postimages(repo: Path, result, patches) -> None:  # type: ignore[no-untyped-def]
    """Every patch's commit holds every post-image blob its mail names (checked with git, not the engine)."""
    assert len(result.patches) == len(patches)
    for outcome, patch in zip(result.patches, patches, strict=True):
        assert outcome.message_id == patch.message_id
        for change in patch.files:
            held = blob_at(repo, outcome.commit, change.path)
            if change.is_deleted:
                assert held is None
            else:
                assert held is not None and held.startswith(change.postimage), (patch.subject, change.path)


def test_seed_branch_holds_every_postimage(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    user_mid_am(user, "NOTES.txt")  # and the user is in the middle of an am of their own
    seed = story.messages["seed"]
    before = snapshot(user)
    started = time.monotonic()
    result = apply_thread(user, seed, archive=story.archive)
    elapsed = time.monotonic() - started
    print(f"seed branch built in {elapsed:.2f} s")

    assert result.status == "built" and result.exact
    assert result.base == story.commits["master"]
    assert [p.message_id for p in result.patches[:2]] == V6
    assert [p.prerequisite for p in result.patches] == [True, True, False]
    assert result.patches[2].message_id == seed
    assert all(p.method == "exact" and p.postimage == "match" for p in result.patches)
    archive = LocalArchive(Path(story.archive))
    v6 = fetch_thread(archive, V6[0]).version(6)
    seed_patch = fetch_thread(archive, seed).latest
    assert v6 is not None and seed_patch is not None
    assert_postimages(user, result, v6.patches + seed_patch.patches)

    annotated, record = read_record(user, result.branch)  # type: ignore[misc]
    assert annotated == result.tip
    assert record["base"] == story.commits["master"] and record["exact"] is True
    assert record["series_base"] == result.patches[1].commit
    assert [p["message_id"] for p in record["prerequisites"]] == V6
    assert record["thread"] == seed
    body = git(user, "log", "-1", "--format=%B", result.branch)
    assert f"Link: https://lore.kernel.org/r/{seed}" in body
    assert result.branch.startswith("aptool/s390-vfio-ap-do-not-use-open-locks") and result.branch.endswith("-v1")
    assert snapshot(user, new_branch=result.branch) == before
    assert_nothing_left(user)


def test_seed_from_the_command_line(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    seed = story.messages["seed"]
    first = cli(
        "apply-series", seed, "--repo", str(user), "--archive", str(story.archive), "--json", "--branch", "review/seed"
    )
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["status"] == "built" and data["branch"] == "review/seed"
    assert [p["method"] for p in data["patches"]] == ["exact"] * 3
    assert "[3/3]" in first.stderr  # plain progress lines when stderr is not a terminal

    again = cli("apply-series", seed, "--repo", str(user), "--archive", str(story.archive), "--branch", "review/seed")
    assert again.returncode == 0 and "is up to date" in again.stdout
    rebuilt = cli(
        "apply-series",
        seed,
        "--repo",
        str(user),
        "--archive",
        str(story.archive),
        "--branch",
        "review/seed",
        "--force",
        "--json",
    )
    assert rebuilt.returncode == 0 and json.loads(rebuilt.stdout)["status"] == "rebuilt"
    assert_nothing_left(user)


def test_versions_each_on_its_own_base(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    root = msgid(story, "versions")
    thread = fetch_thread(LocalArchive(Path(story.archive)), root)
    v2 = apply_thread(user, root, archive=story.archive, version=2)
    assert v2.branch.endswith("-v2") and v2.exact
    assert_postimages(user, v2, thread.version(2).patches)  # type: ignore[union-attr]
    # Without --version: the newest version that holds the message named (v1's here), newer ones said.
    named = apply_thread(user, root, archive=story.archive, branch="named")
    assert named.record["series"]["version"] == 1
    assert any(note.startswith(f"note: the thread also has v{thread.latest.version} ") for note in named.notes)  # type: ignore[union-attr]
    latest = apply_thread(user, root, archive=story.archive, version=thread.latest.version)  # type: ignore[union-attr]
    assert latest.branch.endswith(f"-v{thread.latest.version}")  # type: ignore[union-attr]
    assert_postimages(user, latest, thread.latest.patches)  # type: ignore[union-attr]
    assert_nothing_left(user)


def test_applies_nowhere_exits_1_and_leaves_nothing(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    before = snapshot(user)
    proc = cli("apply-series", msgid(story, "applies-nowhere"), "--repo", str(user), "--archive", str(story.archive))
    assert proc.returncode == 1, proc.stderr
    assert "closest commit" in proc.stderr and "--closest" in proc.stderr
    assert snapshot(user) == before
    assert git(user, "for-each-ref", "refs/heads/aptool", "refs/notes/aptool") == ""
    assert_nothing_left(user)


def test_closest_marks_the_branch_inexact(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    before = snapshot(user)
    proc = cli(
        "apply-series",
        msgid(story, "applies-nowhere"),
        "--repo",
        str(user),
        "--archive",
        str(story.archive),
        "--closest",
        "--json",
    )
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    if proc.returncode == 0:
        assert data["exact"] is False and data["record"]["exact"] is False
        assert {p["method"] for p in data["patches"]} <= {"clean", "offset", "three-way", "fuzz"}
        assert snapshot(user, new_branch=data["branch"]) == before
    else:
        assert data["patch"] is not None and snapshot(user) == before
    assert_nothing_left(user)


def conflicting_thread(story, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A 2-patch series whose 2/2 was made on a different 1/2 than the one sent: the base is exact, 2/2 conflicts."""
    work = clone(story, tmp_path / "author")
    path = "drivers/s390/crypto/vfio_ap_ops.c"
    text = (work / path).read_text()
    run_git(work, "checkout", "-q", "-b", "sent")
    (work / path).write_text(text + "/* one */\n")
    run_git(work, "commit", "-q", "-am", "s390/vfio-ap: note one")
    (work / path).write_text(text + "/* one */\n/* two */\n")
    run_git(work, "commit", "-q", "-am", "s390/vfio-ap: note two")
    sent = format_series(work, 2, msgid_prefix="conflict")
    run_git(work, "checkout", "-q", "-b", "unsent", "master")
    (work / path).write_text(text + "/* uno */\n")
    run_git(work, "commit", "-q", "-am", "s390/vfio-ap: note one")
    (work / path).write_text(text + "/* uno */\n/* two */\n")
    run_git(work, "commit", "-q", "-am", "s390/vfio-ap: note two")
    unsent = format_series(work, 2, msgid_prefix="conflict")
    return write_mbox(tmp_path / "conflict.mbox", [sent[0], unsent[1]])


def test_conflicting_series_exits_1_naming_the_patch(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mbox = conflicting_thread(story, tmp_path)
    user = clone(story, tmp_path / "user")
    before = snapshot(user)
    proc = cli("apply-series", "conflict-1@example.org", "--repo", str(user), "--archive", str(mbox))
    assert proc.returncode == 1, proc.stderr
    assert "s390/vfio-ap: note two" in proc.stderr and "<conflict-2@example.org>" in proc.stderr
    assert "drivers/s390/crypto/vfio_ap_ops.c" in proc.stderr and "git said:" in proc.stderr
    assert snapshot(user) == before
    assert git(user, "for-each-ref", "refs/heads/aptool", "refs/notes/aptool") == ""
    assert_nothing_left(user)
    with pytest.raises(ApplyFailure):
        apply_thread(user, "conflict-1@example.org", archive=mbox)


@pytest.mark.parametrize("kill_at", ["am:2", "ref-updated"])
def test_command_killed_then_rerun(story, tmp_path: Path, kill_at: str) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    seed = story.messages["seed"]
    args = ("apply-series", seed, "--repo", str(user), "--archive", str(story.archive))
    killed = cli(*args, env={KILL_ENV: kill_at})
    assert killed.returncode == -signal.SIGKILL
    assert cli(*args).returncode == 0
    assert_nothing_left(user)


@pytest.mark.server
def test_links_point_at_the_archive_served(story, inbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = clone(story, tmp_path / "user")
    seed = story.messages["seed"]
    result = apply_thread(user, seed, archive=inbox.url, use_cache=False)
    assert result.exact and len(result.patches) == 3
    body = git(user, "log", "-1", "--format=%B", result.branch)
    assert f"Link: {inbox.url.rstrip('/')}/{seed}" in body
