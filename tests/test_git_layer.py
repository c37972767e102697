"""The git layer: one answer to "is this a repository?", a cat-file that fails loudly, and
aptool run from inside a real git hook, where git sets GIT_DIR and friends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aptool.errors import RepositoryError
from aptool.git import NOTES_REF, git, open_repository, read_config
from aptool.git.run import git_env


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "lib").mkdir()
    (path / "lib" / "queue.c").write_text(
        "struct queue { spinlock_t lock; int n; };\n"
        "void queue_add(struct queue *q)\n{\n\tspin_lock(&q->lock);\n\tq->n++;\n\tspin_unlock(&q->lock);\n}\n"
    )
    subprocess.run(["git", "-C", str(path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(path), "commit", "-q", "-m", "queue: add"], check=True)
    return path


def test_not_a_repository_is_answered_in_one_place(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(RepositoryError) as err:
        open_repository(tmp_path / "plain")
    assert str(err.value) == f"not a git repository: {tmp_path / 'plain'}"
    with pytest.raises(RepositoryError, match="does not exist"):
        open_repository(tmp_path / "absent")


def test_repository_opens_from_a_subdirectory_and_reads_objects(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    with open_repository(repo / "lib") as opened:
        assert opened.top == repo.resolve()
        assert opened.common_dir == (repo / ".git").resolve()
        data = opened.read("HEAD:lib/queue.c")
        assert data is not None and b"spin_lock(&q->lock)" in data
        oid = git(repo, "rev-parse", "HEAD:lib/queue.c").strip()
        assert opened.info("HEAD:lib/queue.c") == (oid, "blob")
        assert opened.read("HEAD:lib/absent.c") is None
        assert opened.info("0" * 40) is None


def _children_running(argv_part: bytes) -> list[int]:
    """Our child processes whose command line contains ``argv_part``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "")
        if ppid == str(os.getpid()) and argv_part in cmdline:
            found.append(int(entry.name))
    return found


def test_a_failing_cat_file_raises_instead_of_reading_as_missing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    earlier = set(_children_running(b"--batch\x00"))  # readers other tests in this worker keep open
    with open_repository(repo) as opened:
        assert opened.read("HEAD:lib/queue.c") is not None
        batch = [pid for pid in _children_running(b"--batch\x00") if pid not in earlier]
        assert len(batch) == 1, batch
        os.kill(batch[0], signal.SIGKILL)
        os.waitpid(batch[0], 0)
        with pytest.raises(RepositoryError, match=r"^git cat-file failed on HEAD:lib/queue.c: "):
            opened.read("HEAD:lib/queue.c")


def test_runner_ignores_a_hooks_redirecting_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = make_repo(tmp_path / "mine")
    other = make_repo(tmp_path / "other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert "GIT_DIR" not in git_env() and "GIT_INDEX_FILE" not in git_env() and "GIT_WORK_TREE" not in git_env()
    assert Path(git(mine, "rev-parse", "--absolute-git-dir").strip()) == (mine / ".git").resolve()
    with open_repository(mine) as opened:
        assert opened.git_dir == (mine / ".git").resolve()
        blob = opened.read("HEAD:lib/queue.c")
        assert blob == (mine / "lib" / "queue.c").read_bytes()


def test_configuration_is_what_git_sees(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    git(repo, "config", "aptool.linkMask", "https://msgid.example.org/%s")
    git(repo, "config", "b4.midmask", "https://lore.example.org/all/%s")
    with open_repository(repo) as opened:
        assert opened.config["aptool.linkmask"] == "https://msgid.example.org/%s"
    assert read_config(repo)["b4.midmask"] == "https://lore.example.org/all/%s"
    assert NOTES_REF == "refs/notes/aptool"


HOOK = """#!/bin/sh
# pre-applypatch: aptool on the series' kernel tree and on this repository, from inside git am
out="$APTOOL_HOOK_OUT"
env | grep -E '^GIT_(DIR|INDEX_FILE|WORK_TREE)=' > "$out/env"
"$APTOOL_PYTHON" -m aptool base "$APTOOL_SEED" --repo "$APTOOL_KERNEL" --archive "$APTOOL_ARCHIVE" --json \
    > "$out/base.json" 2> "$out/base.err"
echo $? > "$out/base.rc"
"$APTOOL_PYTHON" -m aptool model --rev HEAD --json > "$out/model.json" 2> "$out/model.err"
echo $? > "$out/model.rc"
exit 0
"""


def test_aptool_runs_inside_a_pre_applypatch_hook(tmp_path: Path, story) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path / "hooked").resolve()
    source = repo / "lib" / "queue.c"
    source.write_text(source.read_text().replace("q->n++;", "q->n += 2;"))
    git(repo, "commit", "-q", "-a", "-m", "queue: add two")
    patch = git(repo, "format-patch", "-1", "--stdout").encode()
    git(repo, "reset", "-q", "--hard", "HEAD^")
    hook = repo / ".git" / "hooks" / "pre-applypatch"
    hook.write_text(HOOK)
    hook.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(
        os.environ,
        APTOOL_HOOK_OUT=str(out),
        APTOOL_PYTHON=sys.executable,
        APTOOL_SEED=story.messages["seed"],
        APTOOL_KERNEL=str(story.repo),
        APTOOL_ARCHIVE=str(story.archive),
        # git exports these to the hook when it was told where the repository is; newer
        # versions of git am also set GIT_INDEX_FILE for it.  Absolute, so that a child
        # git that inherits them reads this repository, whichever -C it is given.
        GIT_INDEX_FILE=str(repo / ".git" / "index"),
    )
    am = subprocess.run(
        ["git", f"--git-dir={repo / '.git'}", f"--work-tree={repo}", "am", "-q"],
        input=patch,
        capture_output=True,
        env=env,
        cwd=repo,
    )
    assert am.returncode == 0, am.stderr.decode()
    seen = dict(line.split("=", 1) for line in (out / "env").read_text().splitlines())
    assert seen["GIT_DIR"] == str(repo / ".git") and seen["GIT_INDEX_FILE"] == str(repo / ".git" / "index")

    assert (out / "base.rc").read_text().strip() == "0", (out / "base.err").read_text()
    answer = json.loads((out / "base.json").read_text())
    assert answer["base"] == story.commits["master"] and answer["exact"] is True
    assert [p["message_id"] for p in answer["prerequisites"]] == story.threads["prereq-v6"][1:3]

    assert (out / "model.rc").read_text().strip() == "0", (out / "model.err").read_text()
    model = json.loads((out / "model.json").read_text())
    assert list(model["functions"]) == ["lib/queue.c:queue_add"] and model["files"] == ["lib/queue.c"]
    assert git(repo, "log", "-1", "--format=%s").strip() == "queue: add two"


def test_archive_location_from_configuration(tmp_path: Path) -> None:
    from aptool.config import DEFAULT_ARCHIVE, archive_location

    repo = make_repo(tmp_path / "r")
    assert archive_location(None, repo) == DEFAULT_ARCHIVE
    assert archive_location("/some/mbox", repo) == "/some/mbox"
    git(repo, "config", "b4.midmask", "https://lore.example.org/all/%s")
    assert archive_location(None, repo) == "https://lore.example.org/all"
    git(repo, "config", "aptool.archive", "https://inbox.example.org/list")
    assert archive_location(None, repo) == "https://inbox.example.org/list"
    assert archive_location(None, repo, {"b4.midmask": "https://x.example.org/%s"}) == "https://x.example.org"
