"""The code model on the fixture tree at each step of its history (read at the revision)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aptool.model import CodeModel, LockEdge, build_model, grow_scope, lock_order_edges
from aptool.story import Story

N = ("ap_matrix_dev.lock", "kvm.lock")
V = ("kvm.lock", "kvm_vcpu.mutex")
R = ("kvm_vcpu.mutex", "ap_matrix_dev.lock")


def model_at(story: Story, step: str) -> CodeModel:
    return build_model(repo=story.repo, rev=story.commits[step])


def edges(model: CodeModel, flags: bool = False) -> dict[tuple[str, str], LockEdge]:
    return {(e.held, e.acquired): e for e in lock_order_edges(model, flags_as_locks=flags)}


def chain(edge: LockEdge) -> list[str]:
    return [f"{s.function}@{s.file}" for s in [edge.held_at, *edge.chain]]


@pytest.mark.parametrize(("step", "expected"), [
    ("v5.12", {V, R}),
    ("cycle", {N, V, R}),
    ("open-coded", {V, R}),
    ("master", {V, R}),
])
def test_the_three_edges_at_each_step(story: Story, step: str, expected: set[tuple[str, str]]) -> None:
    found = edges(model_at(story, step))
    assert {key for key in found if key in {N, V, R}} == expected
    assert set(found) == expected  # nothing else in the tree orders locks


def test_edge_chains(story: Story) -> None:
    found = edges(model_at(story, "cycle"))
    assert chain(found[N]) == [
        "vfio_ap_mdev_set_kvm@drivers/s390/crypto/vfio_ap_ops.c",
        "vfio_ap_mdev_set_kvm@drivers/s390/crypto/vfio_ap_ops.c",
        "kvm_arch_crypto_set_masks@arch/s390/kvm/kvm-s390.c",
    ]
    assert [s.function for s in found[N].entry] == ["vfio_ap_mdev_group_notifier"]
    assert chain(found[V]) == [
        "kvm_arch_vm_ioctl@arch/s390/kvm/kvm-s390.c", "kvm_arch_vm_ioctl@arch/s390/kvm/kvm-s390.c",
        "kvm_s390_handle_pv@arch/s390/kvm/kvm-s390.c", "kvm_s390_cpus_to_pv@arch/s390/kvm/kvm-s390.c",
    ]
    # R crosses four files and a function pointer copied into a local first.
    assert chain(found[R]) == [
        "kvm_vcpu_ioctl@virt/kvm/kvm_main.c", "kvm_vcpu_ioctl@virt/kvm/kvm_main.c",
        "kvm_arch_vcpu_ioctl_run@arch/s390/kvm/kvm-s390.c", "kvm_handle_sie_intercept@arch/s390/kvm/kvm-s390.c",
        "handle_instruction@arch/s390/kvm/kvm-s390.c", "kvm_s390_handle_b2@arch/s390/kvm/priv.c",
        "handle_pqap@arch/s390/kvm/priv.c", "handle_pqap@drivers/s390/crypto/vfio_ap_ops.c",
    ]


def test_entry_points(story: Story) -> None:
    model = model_at(story, "cycle")
    entries = {f.name: f.entry for f in model.functions.values() if f.entry}
    assert entries["vfio_ap_mdev_group_notifier"] == "notifier (notifier_call)"
    assert entries["kvm_vcpu_ioctl"] == entries["kvm_vm_ioctl"] == "ops table (.unlocked_ioctl)"
    assert entries["vfio_ap_mdev_remove"] == "ops table (.remove)"
    assert model.functions["drivers/s390/crypto/vfio_ap_ops.c:handle_pqap"].entry == "ops table (.pqap_hook)"
    assert "kvm_arch_crypto_set_masks" not in entries


def test_open_coded_flag_at_step_4(story: Story) -> None:
    model = model_at(story, "open-coded")
    flags = model.flags()
    assert set(flags) == {"ap_matrix_mdev.kvm_busy"}
    busy = {role: sorted({w.split(" ")[0] for w in where}) for role, where in flags["ap_matrix_mdev.kvm_busy"].items()}
    assert busy == {
        "setters": ["vfio_ap_mdev_set_kvm", "vfio_ap_mdev_unset_kvm"],
        "clearers": ["vfio_ap_mdev_set_kvm", "vfio_ap_mdev_unset_kvm"],
        "wakers": ["vfio_ap_mdev_set_kvm", "vfio_ap_mdev_unset_kvm"],
        "waiters": ["handle_pqap", "vfio_ap_mdev_ioctl", "vfio_ap_mdev_remove"],
    }
    hidden = edges(model, flags=True)
    busy_flag = "ap_matrix_mdev.kvm_busy"
    assert {(busy_flag, "kvm.lock"), V, ("kvm_vcpu.mutex", busy_flag)} <= set(hidden)
    assert hidden[(busy_flag, "kvm.lock")].through_flag
    assert model_at(story, "cycle").flags() == {}


def test_scope_grows_from_the_touched_files(story: Story) -> None:
    scope = grow_scope(story.repo, story.commits["open-coded"], ["drivers/s390/crypto/vfio_ap_ops.c"])
    assert {"arch/s390/kvm/kvm-s390.c", "arch/s390/kvm/priv.c"} <= set(scope)
    scope = grow_scope(story.repo, story.commits["open-coded"], ["drivers/s390/crypto/vfio_ap_ops.c"], depth=3)
    grown = build_model(repo=story.repo, rev=story.commits["open-coded"], files=scope)
    assert R in edges(grown) and V in edges(grown)


def test_model_command_json(story: Story) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "model", "--rev", "v5.13-rc1", "--repo", str(story.repo), "--json", "--edges"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert "ap_matrix_mdev.kvm_busy" in data["flags"]
    assert {(e["held"], e["acquired"]) for e in data["lock_order_edges"]} >= {V, R}
    assert all(line.endswith("recovered around it") for line in result.stderr.splitlines())
