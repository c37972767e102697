"""The simulator on the fixture story: N (the group notifier), V (the VM ioctl), R (the vcpu ioctl).

Step 2 ("cycle") has the plain 3-lock deadlock; step 4 (v5.13-rc1) hides it behind the open-coded
``kvm_busy`` flag, and N, V and R still deadlock; the seed branch (the patch that removes the flag,
on its two prerequisites) fixes both.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aptool.model import CodeModel, build_model
from aptool.simulate import Result, render, simulate
from aptool.story import Story

THREADS = ["vfio_ap_mdev_group_notifier", "kvm_vm_ioctl", "kvm_vcpu_ioctl"]
N, V, R = 0, 1, 2
_models: dict[tuple[str, str], CodeModel] = {}


def model_at(repo: Path, revision: str) -> CodeModel:
    key = (str(repo), revision)
    if key not in _models:
        _models[key] = build_model(repo=repo, rev=revision)
    return _models[key]


def run(story: Story, step: str) -> Result:
    return simulate(model_at(story.repo, story.commits[step]), THREADS, 100_000)


def test_step_2_three_lock_deadlock(story: Story) -> None:
    result = run(story, "cycle")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 3)
    assert [(s.thread, s.action) for s in result.schedule] == [
        (N, "lock(ap_matrix_dev.lock)"),
        (V, "lock(kvm.lock)"),
        (R, "lock(kvm_vcpu.mutex)"),
    ]
    final = {b.thread: (b.waits_for, b.held_by, b.holds, b.function) for b in result.blocked}
    assert final == {
        N: ("kvm.lock", [V], ["ap_matrix_dev.lock"], "kvm_arch_crypto_clear_masks"),
        V: ("kvm_vcpu.mutex", [R], ["kvm.lock"], "kvm_s390_cpus_to_pv"),
        R: ("ap_matrix_dev.lock", [N], ["kvm_vcpu.mutex"], "handle_pqap"),
    }
    pqap = result.blocked[R]
    assert pqap.file == "drivers/s390/crypto/vfio_ap_ops.c"  # the driver's hook, reached through the pointer


def test_step_4_deadlock_through_the_busy_flag(story: Story) -> None:
    result = run(story, "open-coded")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 7)
    actions = [(s.thread, s.action) for s in result.schedule]
    assert actions[:3] == [
        (N, "lock(ap_matrix_dev.lock)"),
        (N, "set(ap_matrix_mdev.kvm_busy)"),
        (N, "unlock(ap_matrix_dev.lock)"),
    ]
    assert (V, "lock(kvm.lock)") in actions and (R, "lock(kvm_vcpu.mutex)") in actions
    final = {b.thread: (b.waits_for, b.relation, b.held_by, b.holds) for b in result.blocked}
    assert final == {
        # N set the busy flag and wants kvm->lock
        N: ("kvm.lock", "held by", [V], ["ap_matrix_mdev.kvm_busy (flag set)"]),
        # V holds kvm->lock and wants vcpu->mutex
        V: ("kvm_vcpu.mutex", "held by", [R], ["kvm.lock"]),
        # R holds vcpu->mutex and waits for the flag
        R: ("!matrix_mdev->kvm_busy", "set by", [N], ["kvm_vcpu.mutex"]),
    }
    wait = result.blocked[R]
    assert (wait.function, wait.file, wait.line) == ("handle_pqap", "drivers/s390/crypto/vfio_ap_ops.c", 24)
    text = "\n".join(render(result))
    assert " *** DEADLOCK ***" in text
    assert (
        " T2 waits for !matrix_mdev->kvm_busy (set by T0) at handle_pqap+drivers/s390/crypto/vfio_ap_ops.c:24" in text
    )
    assert result.seconds < 1.0, "the fixture is searched in well under a second"


def test_the_seed_branch_fixes_both(story: Story, tmp_path: Path) -> None:
    from aptool.apply.thread import apply_thread

    user = tmp_path / "user"
    subprocess.run(["git", "clone", "-q", "--no-local", str(story.repo), str(user)], check=True)
    applied = apply_thread(user, story.messages["seed"], archive=story.archive)
    result = simulate(model_at(user, applied.tip), THREADS, 100_000)
    assert (result.verdict, result.schedule) == ("refuted", [])
    assert result.reason.startswith("no lock-order cycle among these threads; no interleaving reaches a state")


@pytest.mark.parametrize("step", ["v5.12"])
def test_before_the_cycle_nothing(story: Story, step: str) -> None:
    assert run(story, step).verdict == "refuted"


def test_the_open_coded_cycle_without_the_flag_setter_is_refuted(story: Story) -> None:
    # V and R alone: nobody sets the busy flag, so R's wait always passes
    result = simulate(model_at(story.repo, story.commits["open-coded"]), THREADS[1:], 100_000)
    assert result.verdict == "refuted"
