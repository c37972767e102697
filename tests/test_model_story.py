"""The code model on the fixture tree at each step of its history (read at the revision, no checkout)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aptool.cli import app
from aptool.model import CodeModel, LockEdge, build_model, grow_scope, lock_order_edges
from aptool.story import Story

N = ("ap_matrix_dev.lock", "kvm.lock")
V = ("kvm.lock", "kvm_vcpu.mutex")
R = ("kvm_vcpu.mutex", "ap_matrix_dev.lock")
BUSY = "ap_matrix_mdev.kvm_busy"
STEPS = ("v5.12", "cycle", "open-coded", "master")

runner = CliRunner()
_models: dict[tuple[str, str], CodeModel] = {}


def model_at(story: Story, step: str) -> CodeModel:
    key = (str(story.repo), step)
    if key not in _models:
        _models[key] = build_model(repo=story.repo, rev=story.commits[step])
    return _models[key]


def edges(model: CodeModel, flags: bool = False) -> dict[tuple[str, str], LockEdge]:
    return {(e.held, e.acquired): e for e in lock_order_edges(model, flags_as_locks=flags)}


def chain(edge: LockEdge) -> list[str]:
    return [f"{s.function}@{s.file}" for s in [edge.held_at, *edge.chain]]


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("v5.12", {V, R}),
        ("cycle", {N, V, R}),
        ("open-coded", {V, R}),
        ("master", {V, R}),
    ],
)
def test_the_three_edges_at_each_step(story: Story, step: str, expected: set[tuple[str, str]]) -> None:
    model = model_at(story, step)
    assert set(edges(model)) == expected  # nothing else in the tree orders real locks
    assert model.parse_errors == [] and model.lost_functions == []


def test_edge_chains_as_lockdep_prints_them(story: Story) -> None:
    found = edges(model_at(story, "cycle"))
    assert chain(found[N]) == [
        "vfio_ap_mdev_set_kvm@drivers/s390/crypto/vfio_ap_ops.c",
        "vfio_ap_mdev_set_kvm@drivers/s390/crypto/vfio_ap_ops.c",
        "kvm_arch_crypto_set_masks@arch/s390/kvm/kvm-s390.c",
    ]
    assert [s.function for s in found[N].entry] == ["vfio_ap_mdev_group_notifier"]
    assert chain(found[V]) == [
        "kvm_arch_vm_ioctl@arch/s390/kvm/kvm-s390.c",
        "kvm_arch_vm_ioctl@arch/s390/kvm/kvm-s390.c",
        "kvm_s390_handle_pv@arch/s390/kvm/kvm-s390.c",
        "kvm_s390_cpus_to_pv@arch/s390/kvm/kvm-s390.c",
    ]
    # R crosses four files and a function pointer copied into a local first.
    assert chain(found[R]) == [
        "kvm_vcpu_ioctl@virt/kvm/kvm_main.c",
        "kvm_vcpu_ioctl@virt/kvm/kvm_main.c",
        "kvm_arch_vcpu_ioctl_run@arch/s390/kvm/kvm-s390.c",
        "kvm_handle_sie_intercept@arch/s390/kvm/kvm-s390.c",
        "handle_instruction@arch/s390/kvm/kvm-s390.c",
        "kvm_s390_handle_b2@arch/s390/kvm/priv.c",
        "handle_pqap@arch/s390/kvm/priv.c",
        "handle_pqap@drivers/s390/crypto/vfio_ap_ops.c",
    ]
    hook_call = found[R].chain[-2]
    assert "pqap_hook(vcpu)" in hook_call.text and hook_call.line > 0
    acquisition = found[R].chain[-1]
    assert acquisition.text == "mutex_lock(&matrix_dev->lock)"
    kinds = {key: (e.held_kind, e.acquired_kind) for key, e in found.items()}
    assert kinds == {N: ("mutex", "mutex"), V: ("mutex", "mutex"), R: ("mutex", "mutex")}


def test_entry_points(story: Story) -> None:
    model = model_at(story, "cycle")
    entries = {f.name: f.entry for f in model.functions.values() if f.entry}
    assert entries["vfio_ap_mdev_group_notifier"] == "notifier (notifier_call)"
    assert entries["kvm_vcpu_ioctl"] == entries["kvm_vm_ioctl"] == "ops table (.unlocked_ioctl)"
    assert entries["vfio_ap_mdev_remove"] == "ops table (.remove)"
    assert model.functions["drivers/s390/crypto/vfio_ap_ops.c:handle_pqap"].entry == "ops table (.pqap_hook)"
    assert "kvm_arch_crypto_set_masks" not in entries and "handle_pqap" not in {
        f.name for f in model.entries if f.file == "arch/s390/kvm/priv.c"
    }


@pytest.mark.parametrize("step", ["open-coded", "master"])
def test_the_busy_flag_with_setter_clearer_waker_and_waiters(story: Story, step: str) -> None:
    model = model_at(story, step)
    assert set(model.flags) == {BUSY}
    flag = model.flags[BUSY]
    roles = {
        role: sorted({s.function for s in getattr(flag, role)}) for role in ("setters", "clearers", "wakers", "waiters")
    }
    assert roles == {
        "setters": ["vfio_ap_mdev_set_kvm", "vfio_ap_mdev_unset_kvm"],
        "clearers": ["vfio_ap_mdev_set_kvm", "vfio_ap_mdev_unset_kvm"],
        "wakers": ["vfio_ap_mdev_set_kvm", "vfio_ap_mdev_unset_kvm"],
        "waiters": ["handle_pqap", "vfio_ap_mdev_ioctl", "vfio_ap_mdev_remove"],
    }
    assert flag.queues == ["ap_matrix_mdev.wait_for_kvm"]
    assert all(s.file == "drivers/s390/crypto/vfio_ap_ops.c" for s in flag.setters + flag.waiters)
    # the waiter runs cmd1 (drop matrix_dev->lock), waits, runs cmd2 (take it again)
    pqap = model.functions["drivers/s390/crypto/vfio_ap_ops.c:handle_pqap"].events()
    around = [(e.kind, e.lock) for e in pqap if e.kind in ("acquire", "release", "wait")]
    assert around[:4] == [
        ("acquire", "ap_matrix_dev.lock"),
        ("release", "ap_matrix_dev.lock"),
        ("wait", "ap_matrix_mdev.wait_for_kvm"),
        ("acquire", "ap_matrix_dev.lock"),
    ]
    hidden = edges(model, flags=True)
    assert {(BUSY, "kvm.lock"), V, ("kvm_vcpu.mutex", BUSY)} <= set(hidden)
    assert hidden[(BUSY, "kvm.lock")].through_flag and not hidden[V].through_flag
    assert [s.function for s in hidden[("kvm_vcpu.mutex", BUSY)].chain][-1] == "handle_pqap"


@pytest.mark.parametrize("step", ["v5.12", "cycle"])
def test_no_flag_before_the_open_coded_lock(story: Story, step: str) -> None:
    model = model_at(story, step)
    assert model.flags == {}
    assert not any(e.through_flag for e in lock_order_edges(model, flags_as_locks=True))


def test_scope_grows_from_the_touched_files(story: Story) -> None:
    revision = story.commits["open-coded"]
    scope = grow_scope(story.repo, revision, ["drivers/s390/crypto/vfio_ap_ops.c"])
    assert {"arch/s390/kvm/kvm-s390.c", "arch/s390/kvm/priv.c", "virt/kvm/kvm_main.c"} <= set(scope)
    assert "drivers/s390/crypto/ap_bus.c" not in scope  # nothing there calls or is called by the driver
    grown = edges(build_model(repo=story.repo, rev=revision, files=scope))
    assert {V, R} <= set(grown)
    alone = edges(build_model(repo=story.repo, rev=revision, files=["drivers/s390/crypto/vfio_ap_ops.c"]))
    assert alone == {}


def test_model_command_json_and_text(story: Story) -> None:
    result = runner.invoke(app, ["model", "--rev", "v5.13-rc1", "--repo", str(story.repo), "--json", "--edges"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert BUSY in data["flags"] and data["parse_errors"] == []
    assert {(e["held"], e["acquired"]) for e in data["lock_order_edges"]} >= {V, R, (BUSY, "kvm.lock")}
    result = runner.invoke(
        app,
        [
            "model",
            "--rev",
            "v5.13-rc1",
            "--repo",
            str(story.repo),
            "--edges",
            "drivers/s390/crypto/vfio_ap_ops.c",
            "--grow",
        ],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "vfio_ap_mdev_group_notifier() drivers/s390/crypto/vfio_ap_ops.c:" in text
    assert "[entry: notifier (notifier_call)]" in text
    assert "kvm_vcpu.mutex -> ap_matrix_dev.lock" in text
    assert "ap_matrix_mdev.kvm_busy -> kvm.lock  [through an open-coded lock]" in text
