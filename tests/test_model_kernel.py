"""The code model on real kernel sources, when a tree is at hand (``benchmarks/model_bench.py`` extracts one).

Set ``APTOOL_KERNEL_SRC`` to an extracted linux-source tree (for example
``~/.cache/aptool-bench/linux-source-6.1``) with at least ``drivers/s390/crypto``,
``virt/kvm`` and ``include``; without it these tests are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aptool.model import build_model, lock_order_edges

TREE = Path(os.environ.get("APTOOL_KERNEL_SRC", "/nonexistent"))
pytestmark = pytest.mark.skipif(
    "APTOOL_KERNEL_SRC" not in os.environ,
    reason="no kernel tree: set APTOOL_KERNEL_SRC to an extracted linux-source (scripts/test does)",
)


def test_the_named_kernel_tree_is_there() -> None:
    """Named but absent is a broken setup, not a reason to skip: scripts/test must run these tests."""
    missing = [d for d in ("drivers/s390/crypto", "virt/kvm", "include") if not (TREE / d).is_dir()]
    assert not missing, f"APTOOL_KERNEL_SRC={TREE} lacks {', '.join(missing)}"


def test_vfio_ap_driver() -> None:
    model = build_model([TREE / "drivers/s390/crypto"])
    assert model.lost_functions == []
    locks = [e for f in model.functions.values() for e in f.events() if e.kind in ("acquire", "release")]
    assert sum(not e.resolved for e in locks) < 0.02 * len(locks)
    classes = {e.lock for e in locks}
    assert {"ap_matrix_dev.mdevs_lock", "ap_matrix_dev.guests_lock", "ap_queue.lock"} <= classes
    assert model.function("vfio_ap_mdev_set_kvm").entry is None  # called from the notifier path
    assert lock_order_edges(model)


def test_kvm_main_named_anonymous_members() -> None:
    model = build_model([TREE / "virt/kvm"])
    classes = {e.lock for f in model.functions.values() for e in f.events() if e.kind == "acquire"}
    assert {"kvm.irqfds.lock", "kvm_vcpu.async_pf.lock", "kvm.lock", "kvm.slots_lock"} <= classes
    assert model.function("kvm_vcpu_ioctl").entry == "ops table (.unlocked_ioctl)"
