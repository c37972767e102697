"""``aptool hook install/uninstall/status`` in real repositories: chaining, core.hooksPath, exact restore."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

HOOK_TYPES = ("pre-applypatch", "pre-commit", "pre-push")
OWN_HOOK = b'#!/bin/sh\n# my own hook, with a trailing space \necho "own $(basename "$0") ran" >&2\nexit 0\n'


def aptool(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aptool", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def git(repo: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout + proc.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(path))
    (path / "README").write_text("hello\n")
    git(path, "add", "README")
    git(path, "commit", "-q", "-m", "initial")
    return path


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = os.lstat(path)
    return path.read_bytes(), stat.S_IMODE(info.st_mode), info.st_ino


def test_install_status_uninstall_every_type(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    before = sorted(p.name for p in hooks.iterdir())
    for hook_type in HOOK_TYPES:
        result = aptool("hook", "install", "--type", hook_type, cwd=repo)
        assert result.returncode == 0, result.stderr
        assert f"installed the {hook_type} hook in {hooks}" in result.stdout
        assert os.access(hooks / hook_type, os.X_OK)
    shown = json.loads(aptool("hook", "status", "--json", cwd=repo).stdout)
    assert [h["state"] for h in shown["hooks"]] == ["installed"] * 3
    assert {h["python"] for h in shown["hooks"]} == {sys.executable}
    assert shown["settings"] == {"checks": [], "failOn": "new"}
    again = aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    assert "refreshed the pre-commit hook" in again.stdout
    result = aptool("hook", "uninstall", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("removed the ") == 3
    assert sorted(p.name for p in hooks.iterdir()) == before
    assert "nothing to do" in aptool("hook", "uninstall", cwd=repo).stdout


def test_existing_hook_is_chained_and_restored_byte_for_byte(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(OWN_HOOK)
    os.chmod(hook, 0o750)
    kept = snapshot(hook)
    result = aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "your own pre-commit hook is kept as pre-commit.aptool-chained and runs first" in result.stdout
    assert b"aptool-hook: pre-commit" in hook.read_bytes()
    assert "(runs pre-commit.aptool-chained first)" in aptool("hook", "status", cwd=repo).stdout
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    out = git(repo, "commit", "-m", "with both hooks")
    assert "own pre-commit.aptool-chained ran" in out
    result = aptool("hook", "uninstall", "--type", "pre-commit", cwd=repo)
    assert "your own hook is back in its place" in result.stdout
    assert snapshot(hook) == kept
    assert not (repo / ".git" / "hooks" / "pre-commit.aptool-chained").exists()


def test_a_failing_chained_hook_stops_git_before_the_checks(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text('#!/bin/sh\necho "own hook says no" >&2\nexit 3\n')
    os.chmod(hook, 0o755)
    aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    (repo / "b.c").write_text("int b;\n")
    git(repo, "add", "b.c")
    out = git(repo, "commit", "-m", "refused", check=False)
    assert "own hook says no" in out and "aptool:" not in out
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_uninstall_leaves_a_hook_that_is_not_aptools(repo: Path) -> None:
    aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(OWN_HOOK)
    result = aptool("hook", "uninstall", "--type", "pre-commit", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.strip() == f"aptool: {hook} is not aptool's hook: left as it is"
    assert hook.read_bytes() == OWN_HOOK


def test_install_will_not_overwrite_a_chained_hook(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-commit").write_bytes(OWN_HOOK)
    (hooks / "pre-commit.aptool-chained").write_bytes(b"#!/bin/sh\n# older\n")
    result = aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    assert result.returncode == 2 and "move one of them away" in result.stderr
    assert (hooks / "pre-commit").read_bytes() == OWN_HOOK
    assert (hooks / "pre-commit.aptool-chained").read_bytes() == b"#!/bin/sh\n# older\n"


def test_core_hooks_path_is_respected(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "githooks")
    shared = repo / "githooks"
    shared.mkdir()
    (shared / "pre-commit").write_bytes(OWN_HOOK)
    os.chmod(shared / "pre-commit", 0o755)
    kept = snapshot(shared / "pre-commit")
    result = aptool("hook", "install", "--type", "pre-commit", cwd=repo / "githooks")
    assert result.returncode == 0, result.stderr
    assert f"in {shared}" in result.stdout
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    git(repo, "config", "aptool.hook.failOn", "sometimes")
    (repo / "c.c").write_text("int c;\n")
    git(repo, "add", "c.c")
    out = git(repo, "commit", "-m", "through core.hooksPath", check=False)
    assert "own pre-commit.aptool-chained ran" in out
    assert "aptool: git config aptool.hook.failOn is 'sometimes'" in out  # aptool itself ran, and stopped git
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    aptool("hook", "uninstall", "--repo", str(repo), cwd=repo.parent)
    assert snapshot(shared / "pre-commit") == kept


def test_the_hook_finds_aptool_without_it_on_the_path(repo: Path) -> None:
    aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    git(repo, "config", "aptool.hook.failOn", "often")
    (repo / "d.c").write_text("int d;\n")
    git(repo, "add", "d.c")
    bare_path = {**os.environ, "PATH": "/usr/bin:/bin"}
    assert subprocess.run(["sh", "-c", "command -v aptool"], env=bare_path, capture_output=True).returncode != 0
    out = git(repo, "commit", "-m", "no aptool on PATH", env=bare_path, check=False)
    assert "aptool: git config aptool.hook.failOn is 'often'" in out


def test_bad_input_is_one_line(repo: Path, tmp_path: Path) -> None:
    result = aptool("hook", "install", "--type", "post-merge", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("aptool: unknown hook type 'post-merge'")
    outside = tmp_path / "plain"
    outside.mkdir()
    result = aptool("hook", "status", cwd=outside)
    assert result.returncode == 2 and result.stderr.startswith("aptool: not a git repository")
    git(repo, "config", "aptool.hook.failOn", "maybe")
    result = aptool("hook", "install", cwd=repo)
    assert result.returncode == 2 and "aptool.hook.failOn is 'maybe'" in result.stderr
    assert not (repo / ".git" / "hooks" / "pre-applypatch").exists()
    git(repo, "config", "aptool.hook.failOn", "any")
    git(repo, "config", "aptool.hook.checks", "circular-locking, deadlok")
    result = aptool("hook", "status", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("aptool: git config aptool.hook.checks: unknown check 'deadlok'")
    git(repo, "config", "aptool.hook.checks", "circular-locking open-coded-lock")
    shown = json.loads(aptool("hook", "status", "--json", cwd=repo).stdout)["settings"]
    assert shown == {"checks": ["circular-locking", "open-coded-lock"], "failOn": "any"}


def test_a_hook_whose_python_is_gone_says_so_and_lets_git_on(repo: Path) -> None:
    from aptool.hook import install

    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(OWN_HOOK)
    os.chmod(hook, 0o755)
    install(repo, "pre-commit", python=str(repo / "gone" / "python"))
    assert f"{repo / 'gone' / 'python'} is gone: install again" in aptool("hook", "status", cwd=repo).stdout
    (repo / "e.c").write_text("int e;\n")
    git(repo, "add", "e.c")
    out = git(repo, "commit", "-m", "aptool's python was removed")
    assert "the lock checks did not run (run 'aptool hook install' again)" in out
    assert "own pre-commit.aptool-chained ran" in out  # the chained hook still runs
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    refreshed = aptool("hook", "install", "--type", "pre-commit", cwd=repo)
    assert "refreshed the pre-commit hook" in refreshed.stdout and "still runs first" in refreshed.stdout
    assert json.loads(aptool("hook", "status", "--json", cwd=repo).stdout)["hooks"][1]["python"] == sys.executable
