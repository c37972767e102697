"""The persistent blob index: it agrees with git at every commit, and stays right as refs move."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aptool.base.history import BlobHistory, intersect, searchable_tips
from aptool.base.index import index_file
from aptool.story import Story
from tests.mailmaker import commit_files, format_series, make_repo, run_git, write_mbox


def blobs_by_git(repo: Path, commits: list[str], paths: list[str]) -> dict[tuple[str, str], str]:
    """What ``git cat-file`` says each path holds at each commit ("" when absent)."""
    specs = [(c, p) for c in commits for p in paths]
    out = run_git(
        repo,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        stdin="".join(f"{c}:{p}\n" for c, p in specs).encode(),
    ).splitlines()
    return {spec: (line.split()[0] if line.endswith(" blob") else "") for spec, line in zip(specs, out, strict=True)}


def blobs_by_index(history: BlobHistory, commits: list[str], paths: list[str]) -> dict[tuple[str, str], str]:
    found = {}
    for commit in commits:
        position = history.index.position(commit)
        assert position is not None, commit
        for path in paths:
            held = [blob for first, last, blob in history.segments(path) if first <= position <= last]
            assert len(held) == 1, (commit, path, held)
            found[(commit, path)] = held[0]
    return found


def every_commit(repo: Path) -> list[str]:
    return run_git(repo, "rev-list", "--all").split()


def every_path(repo: Path) -> list[str]:
    out = run_git(repo, "log", "--all", "--format=", "--name-only", "--no-renames")
    return sorted({line for line in out.splitlines() if line})


def test_index_agrees_with_git_at_every_commit_of_the_story(story: Story, tmp_path: Path) -> None:
    repo = tmp_path / "story"
    shutil.copytree(story.repo, repo, symlinks=True)
    history = BlobHistory(repo)
    commits, paths = every_commit(repo), every_path(repo)
    assert history.size == len(commits) and len(paths) >= 10
    assert blobs_by_index(history, commits, paths) == blobs_by_git(repo, commits, paths)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"a.c": "int a;\n", "b.c": "int b;\n"})


def test_new_branches_and_merges_are_added_and_numbered_as_a_fresh_index_would(repo: Path) -> None:
    BlobHistory(repo)  # index the first commit
    commit_files(repo, {"a.c": "int a = 1;\n"}, "a: one")
    run_git(repo, "checkout", "-q", "-b", "topic", "HEAD~1")
    commit_files(repo, {"b.c": "int b = 1;\n", "c.c": "new\n"}, "b: one, c: new")
    run_git(repo, "checkout", "-q", "master")
    run_git(repo, "merge", "-q", "--no-edit", "topic")
    run_git(repo, "rm", "-q", "c.c")
    run_git(repo, "commit", "-q", "-m", "c: gone")

    updated = BlobHistory(repo)
    commits, paths = every_commit(repo), ["a.c", "b.c", "c.c"]
    assert blobs_by_index(updated, commits, paths) == blobs_by_git(repo, commits, paths)
    numbering = {c: updated.index.position(c) for c in commits}
    index_file(repo).unlink()  # type: ignore[union-attr]
    fresh = BlobHistory(repo)
    assert {c: fresh.index.position(c) for c in commits} == numbering
    assert all(updated.segments(p) == fresh.segments(p) for p in paths)


def test_commits_of_a_deleted_branch_leave_the_index(repo: Path) -> None:
    run_git(repo, "checkout", "-q", "-b", "topic")
    gone = commit_files(repo, {"a.c": "int a = 9;\n"}, "a: nine")
    run_git(repo, "checkout", "-q", "master")
    assert BlobHistory(repo).contains(gone)
    run_git(repo, "branch", "-q", "-D", "topic")
    history = BlobHistory(repo)
    assert not history.contains(gone)
    nine = run_git(repo, "rev-parse", f"{gone}:a.c").strip()
    assert not history.has_holder("a.c", nine[:12])
    assert history.size == len(every_commit(repo))


def test_a_pruned_tip_makes_a_fresh_index(repo: Path) -> None:
    run_git(repo, "checkout", "-q", "-b", "topic")
    gone = commit_files(repo, {"b.c": "int b = 9;\n"}, "b: nine")
    run_git(repo, "checkout", "-q", "master")
    BlobHistory(repo)
    run_git(repo, "branch", "-q", "-D", "topic")
    run_git(repo, "reflog", "expire", "--expire=now", "--all")
    run_git(repo, "gc", "-q", "--prune=now")
    assert subprocess.run(["git", "-C", str(repo), "cat-file", "-e", gone], capture_output=True).returncode != 0
    history = BlobHistory(repo)
    assert history.size == len(every_commit(repo)) and not history.contains(gone)


def test_an_unwritable_index_place_still_answers(repo: Path) -> None:
    place = index_file(repo).parent  # type: ignore[union-attr]
    place.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(place, ignore_errors=True)
    place.write_text("not a directory\n")
    history = BlobHistory(repo)
    head = run_git(repo, "rev-parse", "HEAD").strip()
    blob = run_git(repo, "rev-parse", "HEAD:a.c").strip()
    assert history.holds(head, "a.c", blob[:7]) and place.read_text() == "not a directory\n"


def test_two_runs_at_once_build_one_index(repo: Path) -> None:
    for number in range(30):
        commit_files(repo, {"a.c": f"int a = {number};\n"}, f"a: {number}")
    code = "import sys; from aptool.base.history import BlobHistory; print(BlobHistory(sys.argv[1]).size)"
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(repo)], stdout=subprocess.PIPE, text=True) for _ in range(3)
    ]
    sizes = [run.communicate()[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0] and sizes == ["31"] * 3


def test_intersect_keeps_only_common_ranges() -> None:
    assert intersect([(0, 4), (8, 12)], [(3, 9), (11, 20)]) == [(3, 4), (8, 9), (11, 12)]
    assert intersect([(0, 2)], [(3, 5)]) == []


def test_the_first_answer_writes_nothing_and_aptool_index_builds_the_index(tmp_path: Path, repo: Path) -> None:
    commit_files(repo, {"a.c": "int a = 1;\n"}, "a: one")
    mbox = write_mbox(tmp_path / "s.mbox", format_series(repo, 1, msgid_prefix="idx"))
    before = sorted(str(p.relative_to(repo)) for p in (repo / ".git").rglob("*"))
    command = [sys.executable, "-m", "aptool", "base", "idx-1@example.org", "--repo", str(repo), "--mbox", str(mbox)]
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert sorted(str(p.relative_to(repo)) for p in (repo / ".git").rglob("*")) == before

    built = subprocess.run(
        [sys.executable, "-m", "aptool", "index", "--repo", str(repo)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    assert built.stderr == "aptool: indexing the history of 2 commits (once; kept in .git/aptool/)\n"
    assert built.stdout.startswith("indexed 2 commits, 2 paths in ") and index_file(repo).exists()  # type: ignore[union-attr]
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.stderr == "" and again.stdout == first.stdout


def test_aptool_index_reports_in_json_and_refuses_a_non_repository(tmp_path: Path, repo: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "aptool", "index", "--repo", str(repo), "--json"], capture_output=True, text=True
    )
    answer = json.loads(run.stdout)
    assert run.returncode == 0 and answer["commits"] == 1 and answer["paths"] == 2 and answer["bytes"] > 0
    bad = subprocess.run(
        [sys.executable, "-m", "aptool", "index", "--repo", str(tmp_path / "nothing")], capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.startswith("aptool: not a git repository") and bad.stdout == ""


def test_the_touched_paths_history_agrees_with_the_full_index_at_every_commit(story: Story, tmp_path: Path) -> None:
    repo = tmp_path / "story"
    shutil.copytree(story.repo, repo, symlinks=True)
    commits, paths = every_commit(repo), every_path(repo)
    limited = BlobHistory.path_limited(repo, searchable_tips(repo), paths[:3])
    assert not index_file(repo).exists()  # type: ignore[union-attr]
    full = BlobHistory(repo)
    assert limited.size == full.size and blobs_by_index(limited, commits, paths) == blobs_by_git(repo, commits, paths)
    assert all(limited.segments(p) == full.segments(p) for p in paths)


def test_tags_of_blobs_and_trees_are_not_history(repo: Path) -> None:
    run_git(repo, "tag", "a-blob", "HEAD:a.c")
    run_git(repo, "tag", "-a", "-m", "the tree", "a-tree", "HEAD^{tree}")
    run_git(repo, "tag", "-a", "-m", "release", "v1.0")
    history = BlobHistory(repo)
    assert history.size == 1 and history.contains(run_git(repo, "rev-parse", "HEAD").strip())
    assert BlobHistory(repo).size == 1  # and the next run finds the index current


def long_history(repo: Path, commits: int, files: int = 200) -> None:
    """``commits`` more commits on master, each changing one of ``files`` files (written by fast-import)."""
    head = run_git(repo, "rev-parse", "HEAD").strip()
    lines = []
    for number in range(commits):
        text = f"int v{number};\n".encode()
        lines += [b"commit refs/heads/master", f"mark :{number + 1}".encode()]
        lines += [f"committer Gen <gen@example.org> {1_600_000_000 + 60 * number} +0000".encode(), b"data 4", b"gen"]
        lines += [f"from {head}".encode()] if number == 0 else []
        lines += [f"M 100644 inline src/f{number % files}.c".encode(), f"data {len(text)}".encode(), text]
    run_git(repo, "fast-import", "--quiet", stdin=b"\n".join(lines) + b"\n")
    run_git(repo, "reset", "-q", "--hard", "master")


def base_run(repo: Path, mbox: Path, msgid: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "aptool", "base", msgid, "--repo", str(repo), "--mbox", str(mbox), "--json"]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture()
def series_repo(tmp_path: Path, repo: Path) -> tuple[Path, Path, str]:
    """A repository with a history that takes a moment to index, a one-patch series on it, and its base."""
    long_history(repo, 3000)
    base = run_git(repo, "rev-parse", "HEAD").strip()
    commit_files(repo, {"src/f7.c": "int seven;\n"}, "f7: seven")
    mbox = write_mbox(tmp_path / "s.mbox", format_series(repo, 1, msgid_prefix="busy"))
    return repo, mbox, base


def test_runs_answer_while_another_process_builds_the_index(series_repo: tuple[Path, Path, str]) -> None:
    repo, mbox, base = series_repo
    from aptool.archive import LocalArchive
    from aptool.base import BaseFinder
    from aptool.series import fetch_thread

    thread = fetch_thread(LocalArchive(mbox), "busy-1@example.org")
    building = subprocess.Popen(
        [sys.executable, "-m", "aptool", "index", "--repo", str(repo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    during = 0
    while building.poll() is None:  # each run opens whatever index file is there at that moment
        run = base_run(repo, mbox, "busy-1@example.org")
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
        assert json.loads(run.stdout)["base"] == base
        with BaseFinder(repo) as finder:
            assert finder.find(thread, archive=LocalArchive(mbox)).base == base
        during += 1
    assert building.wait() == 0 and during >= 1
    after = base_run(repo, mbox, "busy-1@example.org")
    assert after.returncode == 0 and json.loads(after.stdout)["base"] == base
    assert json.loads(after.stdout)["notes"] == []
    assert [p.name for p in index_file(repo).parent.iterdir()] == ["blob-index.sqlite3"]  # type: ignore[union-attr]


def test_an_index_open_in_one_process_stays_whole_while_another_rewrites_it(repo: Path) -> None:
    first = commit_files(repo, {"a.c": "int a = 1;\n"}, "a: one")
    BlobHistory(repo)  # the persistent index
    reading = BlobHistory(repo)
    before = reading.segments("a.c")
    commit_files(repo, {"a.c": "int a = 2;\n"}, "a: two")
    rewrite = subprocess.run([sys.executable, "-m", "aptool", "index", "--repo", str(repo)], capture_output=True)
    assert rewrite.returncode == 0
    assert reading.index.size() == 2 and reading.index.position(first) is not None  # the index it opened
    assert BlobHistory(reading.repo, tips=reading.tips, index=reading.index).segments("a.c") == before
    assert BlobHistory(repo).size == 3  # a new reader opens the new one


@pytest.mark.parametrize("damage", ["garbage", "another version"])
def test_an_unusable_index_is_left_out_with_a_note(series_repo: tuple[Path, Path, str], damage: str) -> None:
    repo, mbox, base = series_repo
    assert subprocess.run([sys.executable, "-m", "aptool", "index", "--repo", str(repo)]).returncode == 0
    place = index_file(repo)
    assert place is not None
    if damage == "garbage":
        place.write_bytes(b"not an index\n" * 500)
    else:
        with sqlite3.connect(place) as db:
            db.execute("UPDATE meta SET value = '1' WHERE key = 'format'")
        db.close()
    run = base_run(repo, mbox, "busy-1@example.org")
    answer = json.loads(run.stdout)
    assert run.returncode == 0 and run.stderr == "" and answer["base"] == base
    said = "cannot be read" if damage == "garbage" else "was written by another version of aptool"
    assert [n for n in answer["notes"] if said in n and "searched without it (aptool index rebuilds it)" in n]
    assert subprocess.run([sys.executable, "-m", "aptool", "index", "--repo", str(repo)]).returncode == 0
    assert json.loads(base_run(repo, mbox, "busy-1@example.org").stdout)["notes"] == []
