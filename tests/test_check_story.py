"""``aptool check`` on the fixture story: the right answers of fixture-story.md, step by step.

Tests that build branches work on their own ``git clone`` of the session's story repository.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from aptool.checks.findings import CircularLocking, OpenCodedLock
from aptool.cli import app
from aptool.pipeline import CheckResult, check_branch, check_revisions
from aptool.story import Story

runner = CliRunner()

N = ("ap_matrix_dev.lock", "kvm.lock")
V = ("kvm.lock", "kvm_vcpu.mutex")
R = ("kvm_vcpu.mutex", "ap_matrix_dev.lock")
BUSY = "ap_matrix_mdev.kvm_busy"
REAL_CYCLE = ("ap_matrix_dev.lock", "kvm.lock", "kvm_vcpu.mutex")
HIDDEN_CYCLE = (BUSY, "kvm.lock", "kvm_vcpu.mutex")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def clone(story: Story, path: Path) -> Path:
    git(path.parent, "clone", "-q", "--no-local", str(story.repo), str(path))
    return path


def keys(result: CheckResult, status: str | None = None) -> set[tuple[str, tuple[str, ...]]]:
    return {f.key() for f in result.findings if status is None or f.status == status}


def refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)") + git(repo, "worktree", "list")


def test_step_2_alone_the_three_lock_cycle_with_its_three_chains(story: Story) -> None:
    result = check_revisions(story.repo, story.commits["cycle"], None)
    # one problem, one finding: the cycle, carrying the simulator's schedule that reaches it
    assert keys(result) == {("circular-locking", REAL_CYCLE)}
    cycle = next(f for f in result.findings if f.check == "circular-locking")
    assert isinstance(cycle, CircularLocking) and not cycle.hidden and cycle.status == "new"
    assert {(c.held, c.acquired) for c in cycle.chains} == {N, V, R}
    by_pair = {(c.held, c.acquired): c for c in cycle.chains}
    # each chain as lockdep prints it: where the held lock was taken, each call down to the acquisition
    assert [s.function for s in by_pair[N].entry] == ["vfio_ap_mdev_group_notifier"]
    assert by_pair[N].held_at.function == "vfio_ap_mdev_set_kvm"
    assert by_pair[N].steps[-1].function == "kvm_arch_crypto_set_masks"
    assert [s.function for s in by_pair[R].steps] == [
        "kvm_vcpu_ioctl",
        "kvm_arch_vcpu_ioctl_run",
        "kvm_handle_sie_intercept",
        "handle_instruction",
        "kvm_s390_handle_b2",
        "handle_pqap",
        "handle_pqap",
    ]
    assert by_pair[R].steps[-1].path == "drivers/s390/crypto/vfio_ap_ops.c"
    assert by_pair[V].steps[-1].function == "kvm_s390_cpus_to_pv"
    assert [step.thread for step in cycle.scenario] == ["CPU0", "CPU1", "CPU1", "CPU0"]
    assert cycle.verdict == "confirmed" and [step.thread for step in cycle.schedule] == ["T0", "T1", "T2"]
    assert {step.action for step in cycle.schedule} == {f"lock({lock})" for lock in REAL_CYCLE}
    assert result.exit_code == 1 and result.baseline is None


def test_step_2_reads_like_lockdep(story: Story) -> None:
    out = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", story.commits["cycle"]])
    assert out.exit_code == 1, out.output
    text = out.stdout
    assert "WARNING: possible circular locking dependency detected\n" in text
    assert "is trying to acquire lock:" in text and "but task is already holding lock:" in text
    assert "the existing dependency chain (in reverse order) is:" in text
    assert text.index("-> #2 (") < text.index("-> #1 (") < text.index("-> #0 (")
    assert "       handle_pqap+drivers/s390/crypto/vfio_ap_ops.c:" in text  # a frame: function+file:line
    assert "Chain exists of:" in text and " Possible unsafe locking scenario:" in text
    assert "       CPU0                    CPU1\n" in text and " *** DEADLOCK ***" in text
    assert "findings: 1 new" in text  # the cycle, with the schedule the simulator reaches it by
    assert "WARNING: deadlock reached by a schedule" not in text
    # the verdict follows lockdep's table, in the same block
    table, verdict = text.index(" Possible unsafe locking scenario:"), text.index("simulator: confirmed\n")
    assert table < verdict < text.index(" Concrete unsafe locking scenario (3 steps, a shortest schedule):")


def test_step_4_the_open_coded_lock_and_the_cycle_it_hides(story: Story) -> None:
    result = check_revisions(story.repo, story.commits["open-coded"], None)
    assert keys(result) == {("circular-locking", HIDDEN_CYCLE), ("open-coded-lock", (BUSY,))}
    cycle = next(f for f in result.findings if isinstance(f, CircularLocking))
    assert cycle.hidden and cycle.hidden_by == (BUSY,)
    assert cycle.verdict == "confirmed" and len(cycle.schedule) == 7  # N, V and R reach it
    assert "hidden from lockdep by the open-coded lock ap_matrix_mdev.kvm_busy" in cycle.message
    lock = next(f for f in result.findings if isinstance(f, OpenCodedLock))
    roles = {(loc.function, loc.note.split()[0]) for loc in lock.locations}
    assert {("vfio_ap_mdev_set_kvm", "sets"), ("vfio_ap_mdev_set_kvm", "drops"), ("handle_pqap", "waits")} <= roles
    assert ("vfio_ap_mdev_set_kvm", "wakes") in roles and ("vfio_ap_mdev_unset_kvm", "clears") in roles
    out = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", story.commits["open-coded"]])
    assert out.exit_code == 1
    assert "lockdep cannot see this cycle: it runs through the open-coded lock ap_matrix_mdev.kvm_busy" in out.stdout
    assert "ap_matrix_mdev.kvm_busy is set at: vfio_ap_mdev_set_kvm+" in out.stdout
    assert "ap_matrix_mdev.kvm_busy is waited for at: handle_pqap+" in out.stdout
    assert "WARNING: open-coded lock hidden from lockdep" in out.stdout


def test_the_seed_branch_against_its_base_fixes_and_adds_nothing(story: Story, tmp_path: Path) -> None:
    from aptool.apply.thread import apply_thread

    user = clone(story, tmp_path / "user")
    built = apply_thread(user, story.messages["seed"], archive=story.archive)
    result = check_branch(user, built.branch)
    assert built.series_base in result.baseline_reason or result.baseline == built.series_base
    assert "recorded by aptool apply-series" in result.baseline_reason
    assert result.with_status("new") == [] and result.with_status("kept") == []
    fixed = keys(result, "fixed")
    assert ("open-coded-lock", (BUSY,)) in fixed
    # the cycle through the busy flag, confirmed by a schedule at the base, is gone; no deadlock
    # finding of its own says it twice
    assert not [f for f in result.findings if f.check == "deadlock"]
    hidden = [f for f in result.with_status("fixed") if isinstance(f, CircularLocking)]
    assert hidden and all(f.hidden_by == (BUSY,) and f.verdict == "confirmed" and f.schedule for f in hidden)
    assert result.exit_code == 0
    git(user, "checkout", "-q", built.branch)  # no arguments: the current branch, baseline from its note
    out = runner.invoke(app, ["check", "--repo", str(user)])
    assert out.exit_code == 0, out.output
    assert f"findings: 0 new, {len(fixed)} fixed, 0 kept" in out.stdout


def test_the_new_deadlock_thread_adds_exactly_one_cycle(story: Story, tmp_path: Path) -> None:
    user = clone(story, tmp_path / "user")
    before = refs(user)
    msgid = story.messages["new-deadlock"]
    out = runner.invoke(app, ["check", msgid, "--repo", str(user), "--archive", str(story.archive), "--json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.stdout)
    new = [f for f in data["findings"] if f["status"] == "new"]
    # exactly one new finding: the cycle, which the simulator confirms with a schedule
    assert [(f["check"], f["locks"]) for f in new] == [("circular-locking", list(REAL_CYCLE))]
    assert new[0]["verdict"] == "confirmed" and new[0]["schedule"]
    assert new[0]["simulation"]["kind"] == "deadlock" and len(new[0]["simulation"]["threads"]) == 3
    assert [step["thread"] for step in new[0]["scenario"]] == ["CPU0", "CPU1", "CPU1", "CPU0"]
    assert new[0]["message"] == "kvm.lock -> kvm_vcpu.mutex -> ap_matrix_dev.lock -> kvm.lock"
    assert new[0]["hidden"] is False
    kept = {(f["check"], tuple(f["locks"])) for f in data["findings"] if f["status"] == "kept"}
    assert kept == {("circular-locking", HIDDEN_CYCLE), ("open-coded-lock", (BUSY,))}
    assert data["stats"]["new"] == 1 and data["stats"]["deadlock"]["confirmed"] == 2
    assert data["stats"]["baseline"] == story.commits["master"]
    assert refs(user) == before  # base + apply in a throw-away worktree: no branch, note or worktree left


def test_check_of_the_seed_by_message_id(story: Story, tmp_path: Path) -> None:
    user = clone(story, tmp_path / "user")
    before = refs(user)
    out = runner.invoke(app, ["check", story.messages["seed"], "--repo", str(user), "--archive", str(story.archive)])
    assert out.exit_code == 0, out.output
    assert "findings: 0 new," in out.stdout and "0 kept" in out.stdout
    assert "fixed circular-locking: ap_matrix_mdev.kvm_busy" in out.stdout
    assert refs(user) == before
