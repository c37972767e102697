"""The pre-applypatch hook in ``git am`` on the fixture story: the bad patch stops, the seed series goes through.

Each test works on its own clone of the session's story repository, with the
hook installed by ``aptool hook install``.  A hook that was there before is
chained; the tests use one to record the index and the refs as git left them
for the hook, and compare after aptool ran.
"""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from pathlib import Path

from tests.test_hook_install import aptool, git

RECORDER = """#!/bin/sh
# records what git handed the hooks: the index file, the refs, the status
cp "${GIT_INDEX_FILE:-.git/index}" "$RECORD/index"
git for-each-ref > "$RECORD/refs"
git status --porcelain=v1 > "$RECORD/status"
echo "recorder ran" >&2
"""


def clone(story, path: Path) -> Path:  # type: ignore[no-untyped-def]
    git(path.parent, "clone", "-q", str(story.repo), str(path))
    git(path, "checkout", "-q", "master")
    return path


def patches(story, out: Path, *names: str) -> Path:  # type: ignore[no-untyped-def]
    """An mbox with the story's messages ``names`` (keys of ``story.messages``), in that order."""
    wanted = [story.messages[n] for n in names]
    found: dict[str, bytes] = {}
    for path in Path(story.archive).glob("*.mbox"):
        for message in mailbox.mbox(str(path)):
            msgid = (message["Message-ID"] or "").strip().strip("<>")
            if msgid in wanted:
                found[msgid] = message.as_bytes(unixfrom=True)
    out.write_bytes(b"\n".join(found[m] for m in wanted))
    return out


def am(repo: Path, *args: str, config: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    cmd = ["git", "-C", str(repo)]
    for item in config:
        cmd += ["-c", item]
    return subprocess.run([*cmd, "am", *args], capture_output=True, text=True, timeout=300)


def install(repo: Path) -> None:
    result = aptool("hook", "install", "--type", "pre-applypatch", cwd=repo)
    assert result.returncode == 0, result.stderr


def test_new_deadlock_patch_stops_git_am_with_the_finding(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    record = tmp_path / "record"
    record.mkdir()
    hook = repo / ".git" / "hooks" / "pre-applypatch"
    hook.write_text(RECORDER)
    os.chmod(hook, 0o755)
    install(repo)
    mbox = patches(story, tmp_path / "new-deadlock.mbox", "new-deadlock-1")
    master = git(repo, "rev-parse", "HEAD").strip()

    result = subprocess.run(
        ["git", "-C", str(repo), "am", str(mbox)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RECORD": str(record)},
    )
    assert result.returncode != 0
    err = result.stderr
    assert "recorder ran" in err
    assert "aptool: pre-applypatch: patch 1/1: s390/vfio-ap: refresh the crypto masks on PQAP interception: " in err
    assert "1 new" in err and "stopped (aptool.hook.failOn=new)" in err
    assert "circular-locking" in err
    for lock in ("kvm.lock", "kvm_vcpu.mutex", "ap_matrix_dev.lock"):
        assert lock in err
    assert 'hint: Fix it and run "git am --continue"' in err
    # git am stopped as it does for a failed hook: patch applied, not committed, am in progress
    assert git(repo, "rev-parse", "HEAD").strip() == master
    assert (repo / ".git" / "rebase-apply").is_dir()
    assert git(repo, "diff", "--cached", "--name-only").split() == ["drivers/s390/crypto/vfio_ap_ops.c"]
    # aptool changed nothing git had handed the hooks
    assert (repo / ".git" / "index").read_bytes() == (record / "index").read_bytes()
    assert git(repo, "for-each-ref") == (record / "refs").read_text()
    assert git(repo, "status", "--porcelain=v1") == (record / "status").read_text()

    # --abort restores the branch as usual
    result = am(repo, "--abort")
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == master
    assert git(repo, "status", "--porcelain") == ""


def test_skip_and_continue_work_as_usual_after_the_stop(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    install(repo)
    mbox = patches(story, tmp_path / "new-deadlock.mbox", "new-deadlock-1")
    master = git(repo, "rev-parse", "HEAD").strip()
    assert am(repo, str(mbox)).returncode != 0
    result = am(repo, "--skip")
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == master and git(repo, "status", "--porcelain") == ""

    assert am(repo, str(mbox)).returncode != 0
    again = am(repo, "--continue")  # nothing fixed: the hook stops it again
    assert again.returncode != 0 and "circular-locking" in again.stderr
    path = repo / "drivers/s390/crypto/vfio_ap_ops.c"
    text = path.read_text()
    start = text.index("\tkvm_arch_crypto_set_masks(vcpu->kvm")
    end = text.index(";\n", start) + 2
    path.write_text(text[:start] + text[end:])  # the fix: no set_masks under matrix_dev->lock
    git(repo, "add", str(path))
    fixed = am(repo, "--continue")
    assert fixed.returncode == 0, fixed.stderr
    assert git(repo, "rev-list", "--count", f"{master}..HEAD").strip() == "1"

    git(repo, "reset", "-q", "--hard", master)
    assert am(repo, str(mbox)).returncode != 0
    anyway = am(repo, "--continue", config=("aptool.hook.failOn=none",))
    assert anyway.returncode == 0, anyway.stderr
    assert "1 new" in anyway.stderr and "circular-locking" in anyway.stderr
    assert git(repo, "rev-list", "--count", f"{master}..HEAD").strip() == "1"


def test_the_seed_series_goes_through(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    install(repo)
    mbox = patches(story, tmp_path / "seed.mbox", "prereq-v6-1", "prereq-v6-2", "seed-1")
    result = am(repo, str(mbox))
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-list", "--count", f"{story.commits['master']}..HEAD").strip() == "3"
    err = result.stderr
    assert "stopped" not in err
    assert "patch 1/3: s390/vfio-ap: clean up mdev resources when remove callback invoked: 0 new" in err
    # v6 2/2 alone adds a cycle through the busy flag and the new rwsem; the seed patch removes the flag
    second = next(line for line in err.splitlines() if "patch 2/3:" in line)
    assert "2 new" in second and second.endswith("; let in, the series is checked as a whole at patch 3/3")
    assert "kvm_s390_crypto.pqap_hook_rwsem -> ap_matrix_mdev.kvm_busy" in err
    third = next(line for line in err.splitlines() if "patch 3/3:" in line)
    assert "(with patches 1-2 of the series): 0 new, 0 kept, " in third and "stopped" not in third
    assert git(repo, "status", "--porcelain") == ""


def test_amcheck_patch_stops_each_patch_on_its_own(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    install(repo)
    git(repo, "config", "aptool.hook.amCheck", "patch")
    mbox = patches(story, tmp_path / "seed.mbox", "prereq-v6-1", "prereq-v6-2", "seed-1")
    result = am(repo, str(mbox))
    assert result.returncode != 0
    assert "patch 2/3: s390/vfio-ap: r/w lock for PQAP interception handler function pointer: 2 new" in result.stderr
    assert git(repo, "rev-list", "--count", f"{story.commits['master']}..HEAD").strip() == "1"
    result = am(repo, "--continue", config=("aptool.hook.failOn=none",))
    assert result.returncode == 0, result.stderr  # patch 3/3 fixes what 2/3 added
    assert "patch 3/3: s390/vfio-ap: do not use open locks" in result.stderr
    assert git(repo, "rev-list", "--count", f"{story.commits['master']}..HEAD").strip() == "3"


def test_the_hook_runs_git_am_in_a_linked_worktree(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    install(repo)
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "review", str(linked), "master")
    mbox = patches(story, tmp_path / "new-deadlock.mbox", "new-deadlock-1")
    result = am(linked, str(mbox))
    assert result.returncode != 0 and "circular-locking" in result.stderr
    assert git(repo, "status", "--porcelain") == ""
    assert am(linked, "--abort").returncode == 0


def test_failon_none_reports_and_lets_the_patch_in(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    install(repo)
    git(repo, "config", "aptool.hook.failOn", "none")
    mbox = patches(story, tmp_path / "new-deadlock.mbox", "new-deadlock-1")
    result = am(repo, str(mbox))
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stderr and "circular-locking" in result.stderr


def test_the_hook_command_outside_git_says_what_is_wrong(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "hook", "run", "post-merge"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 2 and result.stderr.startswith("aptool: unknown hook type 'post-merge'")


def test_checks_and_failon_any_from_git_config(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = clone(story, tmp_path / "repo")
    install(repo)
    git(repo, "config", "aptool.hook.checks", "open-coded-lock")
    bad = patches(story, tmp_path / "new-deadlock.mbox", "new-deadlock-1")
    result = am(repo, str(bad))  # the cycle is circular-locking's, which is not selected
    assert result.returncode == 0, result.stderr
    assert "circular-locking" not in result.stderr and "0 new, 1 kept" in result.stderr
    git(repo, "reset", "-q", "--hard", story.commits["master"])
    git(repo, "config", "aptool.hook.failOn", "any")
    result = am(repo, str(bad))  # the open-coded lock is kept, and any finding stops git now
    assert result.returncode != 0
    assert "0 new, 1 kept, 0 fixed" in result.stderr and "stopped (aptool.hook.failOn=any)" in result.stderr
    assert "kept open-coded-lock: ap_matrix_mdev.kvm_busy" in result.stderr
    assert am(repo, "--abort").returncode == 0
