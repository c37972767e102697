"""pre-commit (the index, not the work tree) and pre-push (the pushed range) hooks on the fixture story,
and the pre-commit framework running aptool from ``.pre-commit-hooks.yaml``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_hook_am import RECORDER, clone, patches
from tests.test_hook_install import aptool, git

ROOT = Path(__file__).resolve().parents[1]
OPS = "drivers/s390/crypto/vfio_ap_ops.c"


def commit(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), "commit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def stage_bad_patch(story, repo: Path, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """Stage the new-deadlock patch (index only); the content of the work-tree file before it."""
    before = (repo / OPS).read_text()
    mbox = patches(story, tmp_path / "bad.mbox", "new-deadlock-1")
    git(repo, "apply", "--cached", str(mbox))
    return before


def test_pre_commit_checks_the_index_not_the_work_tree(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    record = tmp_path / "record"
    record.mkdir()
    (repo / ".git" / "hooks" / "pre-commit").write_text(RECORDER)
    os.chmod(repo / ".git" / "hooks" / "pre-commit", 0o755)
    assert aptool("hook", "install", "--type", "pre-commit", cwd=repo).returncode == 0
    head = git(repo, "rev-parse", "HEAD").strip()
    env = {"RECORD": str(record)}
    stage_bad_patch(story, repo, tmp_path)
    result = commit(repo, "-m", "bad staged, work tree clean", env=env)
    assert result.returncode != 0
    assert "aptool: pre-commit: the staged changes: 1 new" in result.stderr and "circular-locking" in result.stderr
    assert 'hint: To commit anyway: "git commit --no-verify".' in result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert "recorder ran" in result.stderr
    assert (repo / ".git" / "index").read_bytes() == (record / "index").read_bytes()  # as git handed it to hooks
    assert git(repo, "for-each-ref") == (record / "refs").read_text()
    assert git(repo, "diff", "--name-only") == f"{OPS}\n"  # the work tree still has the file as it was

    git(repo, "reset", "-q")
    git(repo, "apply", str(patches(story, tmp_path / "bad.mbox", "new-deadlock-1")))  # the work tree only
    (repo / "MAINTAINERS").write_text((repo / "MAINTAINERS").read_text() + "\n")
    git(repo, "add", "MAINTAINERS")
    result = commit(repo, "-m", "bystander staged, bad change left in the work tree", env=env)
    assert result.returncode == 0, result.stderr
    assert "aptool" not in result.stderr  # no C file staged: nothing to say

    result = commit(repo, "-a", "-m", "the bad change, with -a (git's temporary index)", env=env)
    assert result.returncode != 0 and "circular-locking" in result.stderr
    result = commit(repo, "-a", "--no-verify", "-m", "bypassed", env=env)
    assert result.returncode == 0, result.stderr


def test_pre_push_checks_the_pushed_range(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(story.repo), str(remote))
    repo = tmp_path / "repo"
    git(tmp_path, "clone", "-q", str(remote), str(repo))
    git(repo, "checkout", "-q", "master")
    assert aptool("hook", "install", "--type", "pre-push", cwd=repo).returncode == 0
    git(repo, "am", "-q", str(patches(story, tmp_path / "seed.mbox", "prereq-v6-1", "prereq-v6-2", "seed-1")))
    result = subprocess.run(["git", "-C", str(repo), "push", "origin", "master"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "stopped" not in result.stderr

    git(repo, "checkout", "-q", "-b", "topic", "origin/master~3")
    git(repo, "am", "-q", str(patches(story, tmp_path / "bad.mbox", "new-deadlock-1")))
    (repo / "MAINTAINERS").write_text((repo / "MAINTAINERS").read_text() + "\n")
    git(repo, "commit", "-q", "-a", "-m", "a bystander on top")
    result = subprocess.run(["git", "-C", str(repo), "push", "origin", "topic"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "aptool: pre-push: refs/heads/topic -> origin refs/heads/topic: 1 new" in result.stderr
    assert "circular-locking" in result.stderr
    assert git(remote, "branch", "--list", "topic") == ""
    result = subprocess.run(
        ["git", "-C", str(repo), "push", "--no-verify", "origin", "topic"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_pre_commit_framework_runs_aptool(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``.pre-commit-hooks.yaml`` from a repository of aptool's sources, installed by the framework itself."""
    framework = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(framework).exists():
        pytest.skip("the pre-commit framework is not installed (pip install pre-commit)")
    source = tmp_path / "aptool-src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, source / name)
    for name in ("aptool", "fixtures"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    git(source, "init", "-q")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "aptool")
    rev = git(source, "rev-parse", "HEAD").strip()

    repo = clone(story, tmp_path / "repo")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n      - id: aptool\n"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    installed = subprocess.run([framework, "install"], cwd=repo, capture_output=True, text=True, env=env)
    assert installed.returncode == 0, installed.stderr
    stage_bad_patch(story, repo, tmp_path)
    result = subprocess.run(
        ["git", "commit", "-m", "bad"], cwd=repo, capture_output=True, text=True, env=env, timeout=900
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "aptool lock checks (staged changes against HEAD)" in out and "Failed" in out
    assert "circular-locking" in out
    git(repo, "reset", "-q", "--hard")
    (repo / OPS).write_text((repo / OPS).read_text() + "\n/* a comment only */\n")
    git(repo, "add", OPS)
    result = subprocess.run(["git", "commit", "-m", "fine"], cwd=repo, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout + result.stderr
