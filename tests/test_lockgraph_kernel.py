"""The lock-order graph on Linux 6.1 (Debian's linux-source-6.1): orders the kernel documents, and none
of the bogus ones a leaking summary, a field-name pointer guess or a state taken for a lock made.

``APTOOL_KERNEL_SRC`` names the extracted tree (``scripts/test`` extracts it; CI sets it); without it
these tests are skipped.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from aptool.model import build_model
from aptool.model.lockset import LockSet, analyse

TREE = Path(os.environ.get("APTOOL_KERNEL_SRC", "/nonexistent"))
pytestmark = pytest.mark.skipif(
    not (TREE / "fs/btrfs").is_dir(),
    reason="no kernel tree: set APTOOL_KERNEL_SRC to an extracted linux-source (see scripts/test)",
)


@cache
def graph(*directories: str) -> LockSet:
    return analyse(build_model([TREE / d for d in directories]), flags_as_locks=True)


def pairs(found: LockSet) -> dict[tuple[str, str], list[str]]:
    """(held, acquired) -> the acquired kinds (subclasses apart, a pair may have several edges)."""
    table: dict[tuple[str, str], list[str]] = {}
    for edge in found.edges:
        table.setdefault((edge.held, edge.acquired), []).append(edge.acquired_kind)
    return table


def test_btrfs_device_hierarchy_and_none_of_its_reverses() -> None:
    found = pairs(graph("fs/btrfs"))
    uuid, devices, chunk = "uuid_mutex", "btrfs_fs_devices.device_list_mutex", "btrfs_fs_info.chunk_mutex"
    assert (uuid, devices) in found and (devices, chunk) in found
    assert (uuid, chunk) in found
    assert not {(devices, uuid), (chunk, devices), (chunk, uuid)} & set(found)


def test_btrfs_no_state_or_counter_is_a_lock() -> None:
    found = graph("fs/btrfs")
    for name in ("btrfs_transaction.state", "btrfs_transaction.num_writers", "btrfs_free_space_ctl.free_space"):
        assert name not in found.open_coded
        assert not any(name in (e.held, e.acquired) for e in found.edges)


def test_kvm_orders() -> None:
    found = graph("virt/kvm", "arch/s390/kvm")
    table = pairs(found)
    assert ("kvm.lock", "kvm_vcpu.mutex") in table
    assert ("kvm.lock", "kvm.slots_lock") in table
    assert ("kvm.slots_lock", "kvm.slots_arch_lock") in table
    assert "srcu-sync" in table[("kvm.slots_lock", "kvm.srcu")]  # synchronize_srcu under slots_lock
    assert "srcu-read" in table[("kvm_vcpu.mutex", "kvm.srcu")]  # vcpu ioctls read under vcpu->mutex
    assert ("kvm.lock", "kvm.srcu") in table
    assert ("kvm.lock", "kvm.lock") not in table
    assert not any(e.is_self for e in found.edges)


def test_vfio_no_file_or_iommu_op_through_a_device_op() -> None:
    found = graph("drivers/vfio")
    model = found.model
    stored: dict[str, set[str]] = {}  # function id -> the STRUCT.field keys it is stored in
    for key, ids in model.pointer_targets.items():
        if "." in key:
            for fid in ids:
                stored.setdefault(fid, set()).add(key.rsplit(".", 1)[0])
    # Every call through a typed pointer reaches only what is stored in that struct's field.
    device_calls: dict[tuple[str, int], set[str]] = {}
    for function in model.functions.values():
        for event in function.events():
            if event.kind == "call" and event.via_pointer and event.callee_struct:
                for target in event.targets:
                    assert stored[target] & {event.callee_struct, "?"}, (function.name, event.text, target)
                if event.callee_struct == "vfio_device_ops":
                    names = {model.functions[t].name for t in event.targets}
                    device_calls.setdefault((function.file, event.line), set()).update(names)
    assert device_calls  # the device ops are called, and resolve
    other_ops = {"file_operations", "iommu_ops", "iommu_domain_ops", "vfio_iommu_driver_ops"}
    for fid, owners in stored.items():
        if owners & other_ops and "vfio_device_ops" not in owners:
            assert all(model.functions[fid].name not in names for names in device_calls.values())
    # And no edge's chain steps from a device-op call into anything else.
    for edge in found.edges:
        for here, there in zip(edge.chain, edge.chain[1:], strict=False):
            names = device_calls.get((here.file, here.line))
            if names is not None:
                assert there.function in names, (edge.held, edge.acquired, str(here), str(there))


def test_btrfs_file_extent_tree_is_a_class_of_its_own() -> None:
    # extent_io_tree_init() re-keys the lock of the inode's file extent tree (file_extent_tree_class)
    found = graph("fs/btrfs")
    table = pairs(found)
    assert ("btrfs_inode.lock", "btrfs_inode.file_extent_tree.lock") in table  # btrfs_inode_safe_disk_i_size_write
    assert ("extent_io_tree.lock", "btrfs_inode.lock") in table  # the io tree's clear hook
    assert ("btrfs_inode.lock", "extent_io_tree.lock") not in table


def test_btrfs_walk_control_on_the_stack_decides_the_pointer_call() -> None:
    # free_log_tree()'s walk control calls process_one_buffer only: no replay under commit_root_sem
    found = graph("fs/btrfs")
    for edge in found.edges:
        functions = [site.function for site in edge.chain]
        if "free_log_tree" in functions:
            assert "replay_one_buffer" not in functions, edge


def test_btrfs_correlations_kept_where_paths_meet() -> None:
    found = graph("fs/btrfs")
    for name in ("btrfs_relocate_sys_chunks", "btrfs_dev_replace_finishing", "run_ordered_work", "btrfs_remove_chunk"):
        locks = found.functions[found.model.function(name).id]
        assert locks.releases_unheld == [], name
    assert not any(e.is_self and e.held == "btrfs_fs_info.reclaim_bgs_lock" for e in found.edges)


def test_btrfs_open_coded_locks_are_only_the_balance_flag() -> None:
    from aptool.checks.open_coded_lock import lock_regions

    model = graph("fs/btrfs").model
    kept = {name for name in model.flags if lock_regions(model, name)}
    assert "btrfs_fs_info.flags[BTRFS_FS_BALANCE_RUNNING]" in kept  # set under balance_mutex, dropped
    assert "btrfs_fs_info.flags[BTRFS_FS_CLEANER_RUNNING]" not in kept  # its region only tries cleaner_mutex
    assert "extent_buffer.bflags[EXTENT_BUFFER_WRITEBACK]" not in kept  # waited for as I/O: a writeback state


def test_btrfs_pinned_tree_and_inode_io_tree_are_different_locks() -> None:
    # __btrfs_write_out_cache holds the free-space ctl's tree_lock over write_pinned_extent_entries,
    # which takes the lock of the transaction's pinned_extents tree; the tree lock held over a call to
    # the space_info lock is an inode's io_tree (clear_state_bit calls back only when
    # tree->private_data is set, and extent_io_tree_init gives the pinned tree NULL)
    from aptool.checks.circular_locking import cycles
    from aptool.checks.context import CheckContext

    found = graph("fs/btrfs")
    context = CheckContext(found.model)
    context.__dict__["lockset"] = found  # the walk this module already made
    places = context.places
    into = "btrfs_free_space_ctl.tree_lock", "extent_io_tree.lock"
    out = "extent_io_tree.lock", "btrfs_space_info.lock"
    assert places.taken[into] == {"btrfs_transaction.pinned_extents"}
    assert places.held[out] == {"btrfs_inode.io_tree"}
    ring = ("btrfs_block_group.lock", "btrfs_free_space_ctl.tree_lock", "extent_io_tree.lock", "btrfs_space_info.lock")
    assert ring in cycles(context.graph, context.flags)  # lockdep's classes alone make the cycle
    assert not any("extent_io_tree.lock" in c for c in cycles(context.graph, context.flags, places))


def test_btrfs_a_zeroed_path_asks_for_no_commit_root_sem() -> None:
    # find_parent_nodes' path comes from btrfs_alloc_path() (kmem_cache_zalloc) and nothing on the way
    # writes need_commit_sem: btrfs_next_old_leaf's down_read(&fs_info->commit_root_sem) is not taken
    from aptool.model.values import encode

    found = graph("fs/btrfs")
    model, analysis = found.model, found.analysis
    fresh = analysis.objects.fresh(model.function("find_parent_nodes").id, "path")
    assert fresh is not None and "need_commit_sem" not in fresh and "search_commit_root" in fresh
    # send's path asks for it (alloc_path_for_send), so a walk with it still takes the semaphore
    sent = analysis.objects.returned(model.function("alloc_path_for_send").id)
    assert sent is not None and "need_commit_sem" in sent
    leaf = model.function("btrfs_next_old_leaf").id
    assert "need_commit_sem" in analysis.preserved_of(leaf)["path"]  # cleared, then restored
    take = analysis.keys[("take", "btrfs_fs_info.commit_root_sem", "rwsem-read", None, False, None)]
    assert analysis.reach(leaf, ((1, encode(sent)),), None) >> take & 1
    assert not analysis.reach(leaf, ((1, encode(fresh)),), None) >> take & 1
    assert analysis.reach(leaf, (), None) >> take & 1  # a path from nobody knows where
    assert ("btrfs_delayed_node.mutex", "btrfs_fs_info.commit_root_sem") not in pairs(found)


def test_btrfs_recording_a_root_under_commit_is_behind_a_done_once_guard() -> None:
    # btrfs_commit_transaction holds reloc_mutex and reaches btrfs_record_root_in_trans, which returns early
    # when root->last_trans == trans->transid and otherwise takes reloc_mutex and sets last_trans
    # (record_root_in_trans): the walk keeps the self dependency, recursive-locking leaves it out
    from aptool.checks import recursive_locking
    from aptool.checks.context import CheckContext

    found = graph("fs/btrfs")
    context = CheckContext(found.model)
    context.__dict__["lockset"] = found  # the walk this module already made
    (edge,) = [e for e in found.edges if e.is_self and e.held == "btrfs_fs_info.reloc_mutex"]
    assert edge.held_at.function == "btrfs_commit_transaction"
    assert edge.chain[-1].function == "btrfs_record_root_in_trans"
    assert context.done_once(edge.chain, edge.held_at)
    assert not any("reloc_mutex" in name for f in recursive_locking.check(context) for name in f.locks)


def test_btrfs_the_free_space_tree_is_never_shareable() -> None:
    # add_block_group_free_space holds free_space_lock over a COW of the free-space tree; the COW looks up
    # extent refs (a delayed ref head's mutex) only for a block btrfs_block_can_be_shared() says may be
    # shared, which needs BTRFS_ROOT_SHAREABLE: set by btrfs_init_fs_root (on a root btrfs_get_root_ref
    # reads after its lookups came back empty) and by relocation, never on a root of the global roots'
    # rb-tree (btrfs_global_root) or in fs_info->chunk_root
    found = graph("fs/btrfs")
    model, analysis = found.model, found.analysis
    containers = analysis.containers
    shareable = ("btrfs_root.state", "BTRFS_ROOT_SHAREABLE")
    assert containers.never_set("btrfs_fs_info.global_root_tree", *shareable)
    assert containers.never_set("btrfs_fs_info.chunk_root", *shareable)
    assert not containers.never_set("btrfs_fs_info.fs_roots_radix", *shareable)  # subvolume roots are
    assert containers.container_of(model.function("add_new_free_space_info").id, "root") == (
        "btrfs_fs_info.global_root_tree"
    )
    assert analysis.predicates.summary("btrfs_block_can_be_shared") == ((0, "state:BTRFS_ROOT_SHAREABLE"),)
    table = pairs(found)
    assert ("btrfs_block_group.free_space_lock", "btrfs_delayed_ref_head.mutex") not in table
    assert ("btrfs_fs_info.chunk_mutex", "btrfs_delayed_ref_head.mutex") not in table  # the chunk tree
    # a subvolume's COW still looks them up: under its own locks, the order is kept
    assert ("btrfs_delayed_ref_head.mutex", "btrfs_block_group.free_space_lock") in table
