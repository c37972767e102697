"""``aptool check`` on real kernel C, when a tree is at hand (``APTOOL_KERNEL_SRC``, see test_model_kernel.py).

Every finding here was read against the source and judged: the drivers that the fixture story
imitates have none; drivers/pci has three true ones (two open-coded locks lockdep cannot see, and
``xa_store(..., GFP_KERNEL)`` inside ``rcu_read_lock()`` in p2pdma.c).  fs/btrfs is left to
``benchmarks/check_bench.py`` (too slow for the suite).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aptool.pipeline import check_paths

TREE = Path(os.environ.get("APTOOL_KERNEL_SRC", "/nonexistent"))
pytestmark = pytest.mark.skipif(
    not (TREE / "drivers/pci").is_dir(),
    reason="no kernel tree: set APTOOL_KERNEL_SRC to an extracted linux-source (see benchmarks/model_bench.py)",
)


@pytest.mark.parametrize("directory", ["drivers/s390/crypto", "arch/s390/kvm", "virt/kvm", "drivers/vfio"])
def test_no_findings_where_there_is_nothing_to_find(directory: str) -> None:
    result = check_paths([TREE / directory])
    assert result.functions > 300 and result.lost_functions == []
    assert [(f.check, f.locks) for f in result.findings] == []
    assert result.exit_code == 0


def test_drivers_pci_the_judged_findings() -> None:
    result = check_paths([TREE / "drivers/pci"])
    assert {f.key() for f in result.findings} == {
        ("open-coded-lock", ("controller.ist_running",)),
        ("open-coded-lock", ("pci_dev.block_cfg_access",)),
        ("sleep-in-atomic", ("rcu", "xa_store")),
    }
    sleep = next(f for f in result.findings if f.check == "sleep-in-atomic")
    assert sleep.locations[0].function == "calc_map_type_and_dist"
    assert sleep.locations[0].path.endswith("drivers/pci/p2pdma.c")
