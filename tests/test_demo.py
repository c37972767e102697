"""``aptool demo``: the whole path on the fixture story, as a new user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_walks_the_story(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "demo", "--workdir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "base: 9f881d9419e0 (v5.13-rc1-6-g9f881d9419e0)" in out
    assert "prerequisite 1: [PATCH v6 1/2]" in out and "prerequisite 2: [PATCH v6 2/2]" in out
    assert "mentioned, not a patch: <20210515162927.GC1002214@example.net>" in out
    assert out.count("   exact     ") == 3
    assert "counting the flag as a lock: " in out and "ap_matrix_mdev.kvm_busy -> kvm.lock" in out
    seed_line = next(line for line in out.splitlines() if "with the seed patch" in line)
    assert "kvm.lock -> ap_matrix_dev.lock" in seed_line and "ap_matrix_dev.lock -> kvm.lock" not in seed_line
    checks = out[out.index("5. The lock checks") :]
    assert "circular-locking: ap_matrix_dev.lock -> kvm.lock -> kvm_vcpu.mutex -> ap_matrix_dev.lock" in checks
    assert "hidden from lockdep by the open-coded lock ap_matrix_mdev.kvm_busy" in checks
    assert "fixed open-coded-lock: ap_matrix_mdev.kvm_busy" in checks and "new: 0; exit 0" in checks
    # it ends with the new deadlock, as lockdep would print it, and nothing new elsewhere
    ending = checks[checks.index("A patch that does add a deadlock") : checks.index("6. The git hook")]
    assert "new circular-locking: kvm.lock -> kvm_vcpu.mutex -> ap_matrix_dev.lock -> kvm.lock" in ending
    assert ending.count("   new circular-locking:") == 1 and "findings: 1 new, 0 fixed, 2 kept" in ending
    assert "   new deadlock:" not in ending and "simulator: confirmed" in ending
    assert ending.rstrip().endswith(
        "exit 1: one new circular-locking, with the schedule that reaches it;\n   no branch was left behind."
    )
    # the schedules of the deadlocks at step 2 (three locks) and step 4 (through the busy flag)
    assert checks.count(" Concrete unsafe locking scenario (3 steps, a shortest schedule):") == 1
    assert checks.count(" Concrete unsafe locking scenario (7 steps, a shortest schedule):") == 1
    assert (
        "T2 waits for !matrix_mdev->kvm_busy (set by T0) at handle_pqap+drivers/s390/crypto/vfio_ap_ops.c:24" in checks
    )
    hook_step = out[out.index("6. The git hook stops that patch") :]
    assert "patch 1/1: s390/vfio-ap: refresh the crypto masks on PQAP interception: 1 new" in hook_step
    assert "new circular-locking: kvm.lock -> kvm_vcpu.mutex -> ap_matrix_dev.lock -> kvm.lock" in hook_step
    assert "'git am --abort' put the branch back" in hook_step
    status = subprocess.run(
        ["git", "-C", str(tmp_path / "demo" / "repo"), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""


def test_demo_refuses_a_non_empty_workdir(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "demo", "--workdir", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "is not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
