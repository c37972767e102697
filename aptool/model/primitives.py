"""Every kernel primitive the model recognises, as data: one table per kind, no if-chains.

The function builder looks a called name up here and nowhere else.  Adding a
primitive is adding a row.

- ``LOCK_OPS``: lock and unlock calls.  A row names the lock kind (``mutex``,
  ``spin``, ``rwlock-read``, ``rwlock-write``, ``rwsem-read``,
  ``rwsem-write``), the action, which argument is the lock, which one is the
  lockdep subclass (``_nested``), when the lock is taken (always; trylock:
  only when the call returns nonzero; ``_interruptible``/``_killable``:
  only when it returns 0) and what the acquire disables (``irq``, ``bh``:
  the read-recursion rule of the checks needs it).
- ``GUARD_KINDS``: the lock classes of ``guard(...)`` and ``scoped_guard(...)``.
- ``WAIT_OPS``: waits, with the argument that names the queue and the one that
  is the condition; ``wait_event_cmd`` runs cmd1, waits, runs cmd2; the
  ``_lock_irq`` waits drop and retake a spinlock around the sleep.
- ``WAKE_OPS``: wakes, with the argument that names the queue.
- ``FIELD_ACCESSES``: calls that write (or test) a field or a bit: candidates for flags.
- ``SLEEPING_CALLS`` / ``GFP_ALLOCATORS``: calls that may sleep.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LockOp:
    kind: str  # mutex, spin, rwlock-read, rwlock-write, rwsem-read, rwsem-write
    action: str  # acquire, release
    arg: int = 0  # the argument that is the lock
    condition: str = ""  # "" always; "nonzero": taken when it returns nonzero (trylock); "zero": when it returns 0
    context: str = ""  # "", "irq", "bh": what the acquire disables (the release re-enables)
    subclass_arg: int | None = None  # _nested: the argument that is the lockdep subclass
    fixed: str = ""  # the class whatever the argument: mmap_read_lock(mm) is mm_struct.mmap_lock; "rcu" has none
    nest_arg: int | None = None  # mutex_lock_nest_lock: the argument that is the outer (nest) lock


def _family(take: str, drop: str, kind: str, suffixes: dict[str, str]) -> dict[str, LockOp]:
    """``spin_lock``, ``spin_lock_irq``... with their unlocks and ``_nested``/trylock forms."""
    table: dict[str, LockOp] = {}
    for suffix, context in suffixes.items():
        table[f"{take}{suffix}"] = LockOp(kind, "acquire", context=context)
        table[f"{drop}{suffix}"] = LockOp(kind, "release", context=context)
    return table


_CONTEXTS = {"": "", "_irq": "irq", "_irqsave": "irq", "_bh": "bh"}

LOCK_OPS: dict[str, LockOp] = {
    # mutexes
    "mutex_lock": LockOp("mutex", "acquire"),
    "mutex_lock_io": LockOp("mutex", "acquire"),
    "mutex_lock_nested": LockOp("mutex", "acquire", subclass_arg=1),
    "mutex_lock_io_nested": LockOp("mutex", "acquire", subclass_arg=1),
    "mutex_lock_nest_lock": LockOp("mutex", "acquire", nest_arg=1),
    "mutex_lock_interruptible": LockOp("mutex", "acquire", condition="zero"),
    "mutex_lock_killable": LockOp("mutex", "acquire", condition="zero"),
    "mutex_lock_interruptible_nested": LockOp("mutex", "acquire", condition="zero", subclass_arg=1),
    "mutex_lock_killable_nested": LockOp("mutex", "acquire", condition="zero", subclass_arg=1),
    "mutex_trylock": LockOp("mutex", "acquire", condition="nonzero"),
    "mutex_unlock": LockOp("mutex", "release"),
    # spinlocks, raw spinlocks
    **_family("spin_lock", "spin_unlock", "spin", _CONTEXTS),
    **_family("raw_spin_lock", "raw_spin_unlock", "spin", _CONTEXTS),
    "spin_unlock_irqrestore": LockOp("spin", "release", context="irq"),
    "raw_spin_unlock_irqrestore": LockOp("spin", "release", context="irq"),
    "spin_lock_nested": LockOp("spin", "acquire", subclass_arg=1),
    "spin_lock_bh_nested": LockOp("spin", "acquire", context="bh", subclass_arg=1),
    "spin_lock_irqsave_nested": LockOp("spin", "acquire", context="irq", subclass_arg=2),
    "spin_lock_nest_lock": LockOp("spin", "acquire", nest_arg=1),
    "raw_spin_lock_nested": LockOp("spin", "acquire", subclass_arg=1),
    "raw_spin_lock_irqsave_nested": LockOp("spin", "acquire", context="irq", subclass_arg=2),
    "spin_trylock": LockOp("spin", "acquire", condition="nonzero"),
    "spin_trylock_irq": LockOp("spin", "acquire", condition="nonzero", context="irq"),
    "spin_trylock_irqsave": LockOp("spin", "acquire", condition="nonzero", context="irq"),
    "spin_trylock_bh": LockOp("spin", "acquire", condition="nonzero", context="bh"),
    "raw_spin_trylock": LockOp("spin", "acquire", condition="nonzero"),
    "raw_spin_trylock_irqsave": LockOp("spin", "acquire", condition="nonzero", context="irq"),
    # rwlocks
    **_family("read_lock", "read_unlock", "rwlock-read", _CONTEXTS),
    **_family("write_lock", "write_unlock", "rwlock-write", _CONTEXTS),
    "read_unlock_irqrestore": LockOp("rwlock-read", "release", context="irq"),
    "write_unlock_irqrestore": LockOp("rwlock-write", "release", context="irq"),
    "read_trylock": LockOp("rwlock-read", "acquire", condition="nonzero"),
    "write_trylock": LockOp("rwlock-write", "acquire", condition="nonzero"),
    "write_trylock_irqsave": LockOp("rwlock-write", "acquire", condition="nonzero", context="irq"),
    # rw semaphores
    "down_read": LockOp("rwsem-read", "acquire"),
    "down_read_nested": LockOp("rwsem-read", "acquire", subclass_arg=1),
    "down_read_non_owner": LockOp("rwsem-read", "acquire"),
    "down_read_killable": LockOp("rwsem-read", "acquire", condition="zero"),
    "down_read_interruptible": LockOp("rwsem-read", "acquire", condition="zero"),
    "down_read_trylock": LockOp("rwsem-read", "acquire", condition="nonzero"),
    "up_read": LockOp("rwsem-read", "release"),
    "up_read_non_owner": LockOp("rwsem-read", "release"),
    "down_write": LockOp("rwsem-write", "acquire"),
    "down_write_nested": LockOp("rwsem-write", "acquire", subclass_arg=1),
    "down_write_nest_lock": LockOp("rwsem-write", "acquire", nest_arg=1),
    "down_write_killable": LockOp("rwsem-write", "acquire", condition="zero"),
    "down_write_killable_nested": LockOp("rwsem-write", "acquire", condition="zero", subclass_arg=1),
    "down_write_trylock": LockOp("rwsem-write", "acquire", condition="nonzero"),
    "up_write": LockOp("rwsem-write", "release"),
    "downgrade_write": LockOp("rwsem-write", "release"),  # and keeps it for read: see DOWNGRADES
    # SRCU and RCU read sections (srcu_read_lock returns the index srcu_read_unlock takes)
    "srcu_read_lock": LockOp("srcu-read", "acquire"),
    "srcu_read_lock_nmisafe": LockOp("srcu-read", "acquire"),
    "srcu_read_unlock": LockOp("srcu-read", "release"),
    "srcu_read_unlock_nmisafe": LockOp("srcu-read", "release"),
    **{
        f"rcu_read_{verb}{suffix}": LockOp("rcu-read", action, fixed="rcu")
        for suffix in ("", "_bh", "_sched")
        for verb, action in (("lock", "acquire"), ("unlock", "release"))
    },
    # the mm's mmap_lock, the inode's i_rwsem, xarrays, pages: the class is fixed by the helper
    **{
        name: LockOp(kind, action, fixed="mm_struct.mmap_lock", condition=condition)
        for name, kind, action, condition in (
            ("mmap_read_lock", "rwsem-read", "acquire", ""),
            ("mmap_read_lock_killable", "rwsem-read", "acquire", "zero"),
            ("mmap_read_trylock", "rwsem-read", "acquire", "nonzero"),
            ("mmap_read_unlock", "rwsem-read", "release", ""),
            ("mmap_write_lock", "rwsem-write", "acquire", ""),
            ("mmap_write_lock_killable", "rwsem-write", "acquire", "zero"),
            ("mmap_write_trylock", "rwsem-write", "acquire", "nonzero"),
            ("mmap_write_unlock", "rwsem-write", "release", ""),
        )
    },
    "mmap_write_lock_nested": LockOp("rwsem-write", "acquire", fixed="mm_struct.mmap_lock", subclass_arg=1),
    **{
        name: LockOp(kind, action, fixed="inode.i_rwsem", condition=condition)
        for name, kind, action, condition in (
            ("inode_lock", "rwsem-write", "acquire", ""),
            ("inode_lock_killable", "rwsem-write", "acquire", "zero"),
            ("inode_trylock", "rwsem-write", "acquire", "nonzero"),
            ("inode_unlock", "rwsem-write", "release", ""),
            ("inode_lock_shared", "rwsem-read", "acquire", ""),
            ("inode_lock_shared_killable", "rwsem-read", "acquire", "zero"),
            ("inode_trylock_shared", "rwsem-read", "acquire", "nonzero"),
            ("inode_unlock_shared", "rwsem-read", "release", ""),
        )
    },
    "inode_lock_nested": LockOp("rwsem-write", "acquire", fixed="inode.i_rwsem", subclass_arg=1),
    "inode_lock_shared_nested": LockOp("rwsem-read", "acquire", fixed="inode.i_rwsem", subclass_arg=1),
    **{
        f"xa_{verb}{suffix}": LockOp("spin", action, fixed="xarray.xa_lock", context=context)
        for suffix, context in (*_CONTEXTS.items(), ("_irqrestore", "irq"))
        for verb, action in (("lock", "acquire"), ("unlock", "release"))
        if not (suffix == "_irqrestore" and verb == "lock")
    },
    **{
        name: LockOp("page-lock", action, fixed="page.PG_locked", condition=condition)
        for name, action, condition in (
            ("lock_page", "acquire", ""),
            ("lock_page_killable", "acquire", "zero"),
            ("trylock_page", "acquire", "nonzero"),
            ("unlock_page", "release", ""),
            ("folio_lock", "acquire", ""),
            ("folio_lock_killable", "acquire", "zero"),
            ("folio_trylock", "acquire", "nonzero"),
            ("folio_unlock", "release", ""),
        )
    },
    # sections that disable interrupts, softirqs or preemption (sleep-in-atomic needs them)
    **{
        name: LockOp("irq-off", action, fixed="irq")
        for name, action in (
            ("local_irq_disable", "acquire"),
            ("local_irq_save", "acquire"),
            ("local_irq_enable", "release"),
            ("local_irq_restore", "release"),
        )
    },
    **{
        name: LockOp("bh-off", action, fixed="bh")
        for name, action in (
            ("local_bh_disable", "acquire"),
            ("local_bh_enable", "release"),
        )
    },
    **{
        name: LockOp("preempt-off", action, fixed="preempt")
        for name, action in (
            ("preempt_disable", "acquire"),
            ("preempt_disable_notrace", "acquire"),
            ("get_cpu", "acquire"),
            ("migrate_disable", "acquire"),
            ("preempt_enable", "release"),
            ("preempt_enable_notrace", "release"),
            ("preempt_enable_no_resched", "release"),
            ("put_cpu", "release"),
            ("migrate_enable", "release"),
        )
    },
    # POSIX threads, so userspace C can be checked too (trylocks return 0 when they take the lock)
    "pthread_mutex_lock": LockOp("mutex", "acquire"),
    "pthread_mutex_trylock": LockOp("mutex", "acquire", condition="zero"),
    "pthread_mutex_timedlock": LockOp("mutex", "acquire", condition="zero"),
    "pthread_mutex_unlock": LockOp("mutex", "release"),
    "pthread_rwlock_rdlock": LockOp("rwsem-read", "acquire"),
    "pthread_rwlock_tryrdlock": LockOp("rwsem-read", "acquire", condition="zero"),
    "pthread_rwlock_wrlock": LockOp("rwsem-write", "acquire"),
    "pthread_rwlock_trywrlock": LockOp("rwsem-write", "acquire", condition="zero"),
    "pthread_rwlock_unlock": LockOp("rwsem-write", "release"),
    "pthread_spin_lock": LockOp("spin", "acquire"),
    "pthread_spin_trylock": LockOp("spin", "acquire", condition="zero"),
    "pthread_spin_unlock": LockOp("spin", "release"),
}

# Waits for something lock-like: lockdep orders them like an acquisition.  ``synchronize_srcu``
# waits for every SRCU reader of the struct; ``flush_work`` and friends wait for the work function.
SYNC_OPS: dict[str, str] = {
    "synchronize_srcu": "srcu-sync",
    "synchronize_srcu_expedited": "srcu-sync",
    "flush_work": "work",
    "cancel_work_sync": "work",
    "flush_delayed_work": "work",
    "cancel_delayed_work_sync": "work",
    "flush_workqueue": "work",
    "drain_workqueue": "work",
    "destroy_workqueue": "work",
}
# Calls that bind a work item (or a work item to a workqueue): the work function runs holding the item.
WORK_INITS: dict[str, tuple[int, int]] = {  # name -> (work argument, function argument)
    "INIT_WORK": (0, 1),
    "INIT_DELAYED_WORK": (0, 1),
    "INIT_WORK_ONSTACK": (0, 1),
    "INIT_DELAYED_WORK_ONSTACK": (0, 1),
}
QUEUE_WORKS: dict[str, tuple[int, int]] = {  # name -> (workqueue argument, work argument)
    "queue_work": (0, 1),
    "queue_delayed_work": (0, 1),
    "mod_delayed_work": (0, 1),
    "queue_work_on": (1, 2),
    "queue_delayed_work_on": (1, 2),
}
# Assertions that the caller holds a lock: the function starts with it held, as with __must_hold.
ASSERT_HELD: frozenset[str] = frozenset(
    {
        "lockdep_assert_held",
        "lockdep_assert_held_write",
        "lockdep_assert_held_read",
        "lockdep_assert_held_once",
        "lockdep_assert_held_exclusive",
        "mmap_assert_locked",
        "mmap_assert_write_locked",
    }
)
# lockdep_set_class*(lock, key...): the lock gets a class of its own, apart from its field's.
SET_CLASS: frozenset[str] = frozenset(
    {
        "lockdep_set_class",
        "lockdep_set_class_and_name",
        "lockdep_set_class_and_subclass",
        "lockdep_set_subclass",
        "lockdep_set_novalidate_class",
    }
)

# downgrade_write(sem): the write hold becomes a read hold, without a window.
DOWNGRADES: dict[str, LockOp] = {"downgrade_write": LockOp("rwsem-read", "acquire")}

# guard(mutex)(&lock) / scoped_guard(spinlock_irqsave, &lock): the guard class names the kind.
GUARD_KINDS: dict[str, LockOp] = {
    "mutex": LockOp("mutex", "acquire"),
    "mutex_intr": LockOp("mutex", "acquire", condition="zero"),
    "spinlock": LockOp("spin", "acquire"),
    "spinlock_irq": LockOp("spin", "acquire", context="irq"),
    "spinlock_irqsave": LockOp("spin", "acquire", context="irq"),
    "spinlock_bh": LockOp("spin", "acquire", context="bh"),
    "spinlock_nested": LockOp("spin", "acquire"),
    "raw_spinlock": LockOp("spin", "acquire"),
    "raw_spinlock_irq": LockOp("spin", "acquire", context="irq"),
    "raw_spinlock_irqsave": LockOp("spin", "acquire", context="irq"),
    "read_lock": LockOp("rwlock-read", "acquire"),
    "read_lock_irq": LockOp("rwlock-read", "acquire", context="irq"),
    "read_lock_irqsave": LockOp("rwlock-read", "acquire", context="irq"),
    "write_lock": LockOp("rwlock-write", "acquire"),
    "write_lock_irq": LockOp("rwlock-write", "acquire", context="irq"),
    "write_lock_irqsave": LockOp("rwlock-write", "acquire", context="irq"),
    "rwsem_read": LockOp("rwsem-read", "acquire"),
    "rwsem_read_try": LockOp("rwsem-read", "acquire", condition="nonzero"),
    "rwsem_write": LockOp("rwsem-write", "acquire"),
    "rwsem_write_try": LockOp("rwsem-write", "acquire", condition="nonzero"),
}


@dataclass(frozen=True)
class WaitOp:
    queue_arg: int | None  # which argument is the wait queue / completion / word / variable
    condition_arg: int | None  # which argument is the condition (wait_event family)
    before_arg: int | None = None  # wait_event_cmd: cmd1, run before sleeping
    after_arg: int | None = None  # wait_event_cmd: cmd2, run after waking
    lock_arg: int | None = None  # wait_event_lock_irq: the spinlock dropped while sleeping
    bit_arg: int | None = None  # wait_on_bit: which bit of the word (the flag is WORD[BIT])
    sets_bit: bool = False  # wait_on_bit_lock: the bit is set once the wait is over
    lock_kind: str = "spin"  # the kind of the lock dropped while sleeping (pthread_cond_wait: a mutex)


_WAIT_EVENTS = (
    "wait_event",
    "wait_event_interruptible",
    "wait_event_killable",
    "wait_event_timeout",
    "wait_event_interruptible_timeout",
    "wait_event_killable_timeout",
    "wait_event_freezable",
    "wait_event_freezable_timeout",
    "wait_event_idle",
    "wait_event_idle_timeout",
    "wait_event_idle_exclusive",
    "wait_event_idle_exclusive_timeout",
    "wait_event_interruptible_exclusive",
    "wait_event_killable_exclusive",
    "wait_event_exclusive",
    "wait_event_hrtimeout",
    "wait_event_interruptible_hrtimeout",
    "wait_event_interruptible_locked",
    "wait_event_interruptible_locked_irq",
    "io_wait_event",
    "wait_var_event",
    "wait_var_event_killable",
    "wait_var_event_timeout",
    "wait_var_event_interruptible",
)
_COMPLETIONS = (
    "wait_for_completion",
    "wait_for_completion_io",
    "wait_for_completion_timeout",
    "wait_for_completion_io_timeout",
    "wait_for_completion_interruptible",
    "wait_for_completion_interruptible_timeout",
    "wait_for_completion_killable",
    "wait_for_completion_killable_timeout",
    "wait_for_completion_state",
)
_BIT_WAITS = ("wait_on_bit", "wait_on_bit_io", "wait_on_bit_timeout", "wait_on_bit_action")

WAIT_OPS: dict[str, WaitOp] = {
    **{name: WaitOp(0, 1) for name in _WAIT_EVENTS},
    "wait_event_cmd": WaitOp(0, 1, before_arg=2, after_arg=3),
    "wait_event_exclusive_cmd": WaitOp(0, 1, before_arg=2, after_arg=3),
    "wait_event_lock_irq": WaitOp(0, 1, lock_arg=2),
    "wait_event_lock_irq_timeout": WaitOp(0, 1, lock_arg=2),
    "wait_event_interruptible_lock_irq": WaitOp(0, 1, lock_arg=2),
    "wait_event_interruptible_lock_irq_timeout": WaitOp(0, 1, lock_arg=2),
    "wait_event_lock_irq_cmd": WaitOp(0, 1, lock_arg=2, before_arg=3),
    **{name: WaitOp(0, None) for name in _COMPLETIONS},
    **{name: WaitOp(0, None, bit_arg=1) for name in _BIT_WAITS},
    "wait_on_bit_lock": WaitOp(0, None, bit_arg=1, sets_bit=True),
    "wait_on_bit_lock_io": WaitOp(0, None, bit_arg=1, sets_bit=True),
    "pthread_cond_wait": WaitOp(0, None, lock_arg=1, lock_kind="mutex"),
    "pthread_cond_timedwait": WaitOp(0, None, lock_arg=1, lock_kind="mutex"),
}
# The lock a _lock_irq wait drops and retakes.
WAIT_LOCK = LockOp("spin", "acquire", context="irq")


@dataclass(frozen=True)
class WakeOp:
    queue_arg: int  # the wait queue, completion, word or variable
    bit_arg: int | None = None  # wake_up_bit: which bit of the word


WAKE_OPS: dict[str, WakeOp] = {
    **{
        name: WakeOp(0)
        for name in (
            "wake_up",
            "wake_up_all",
            "wake_up_nr",
            "wake_up_interruptible",
            "wake_up_interruptible_all",
            "wake_up_interruptible_nr",
            "wake_up_interruptible_sync",
            "wake_up_interruptible_poll",
            "wake_up_interruptible_sync_poll",
            "wake_up_locked",
            "wake_up_all_locked",
            "wake_up_poll",
            "wake_up_sync",
            "complete",
            "complete_all",
            "complete_release",
            "wake_up_var",
        )
    },
    "wake_up_bit": WakeOp(0, bit_arg=1),
    "clear_and_wake_up_bit": WakeOp(1, bit_arg=0),
}


@dataclass(frozen=True)
class FieldAccess:
    target_arg: int  # the argument that is the field (or the bit word)
    value_arg: int | None = None  # the argument that is the value written
    value: str = ""  # or the fixed effect: "set", "clear", "test"
    bit_arg: int | None = None  # bit operations: which bit (the flag is WORD[BIT])


FIELD_ACCESSES: dict[str, FieldAccess] = {
    "WRITE_ONCE": FieldAccess(0, value_arg=1),
    "smp_store_release": FieldAccess(0, value_arg=1),
    "smp_store_mb": FieldAccess(0, value_arg=1),
    "atomic_set": FieldAccess(0, value_arg=1),
    "atomic_set_release": FieldAccess(0, value_arg=1),
    **{
        name: FieldAccess(1, value="set", bit_arg=0)
        for name in (
            "set_bit",
            "__set_bit",
            "test_and_set_bit",
            "__test_and_set_bit",
            "test_and_set_bit_lock",
        )
    },
    **{
        name: FieldAccess(1, value="clear", bit_arg=0)
        for name in (
            "clear_bit",
            "__clear_bit",
            "test_and_clear_bit",
            "__test_and_clear_bit",
            "clear_bit_unlock",
            "__clear_bit_unlock",
            "clear_and_wake_up_bit",
        )
    },
    **{name: FieldAccess(1, value="test", bit_arg=0) for name in ("test_bit", "test_bit_acquire", "constant_test_bit")},
}
# Calls through which a wait condition reads a field (``READ_ONCE(x->busy)``): a field passed to any
# other call (``!ipte_lock_held(vcpu->kvm)``) is a pointer being handed on, not a flag being read.
FLAG_READERS: frozenset[str] = frozenset(
    {
        "READ_ONCE",
        "smp_load_acquire",
        "atomic_read",
        "atomic64_read",
        "atomic_long_read",
        "atomic_read_acquire",
        "refcount_read",
        "kref_read",
        "list_empty",
        "list_empty_careful",
        "llist_empty",
        "hlist_empty",
        "RB_EMPTY_ROOT",
        "RB_EMPTY_NODE",
        "percpu_ref_is_zero",
        "percpu_counter_sum",
        "completion_done",
        "likely",
        "unlikely",
        "data_race",
    }
)

# Values that clear a flag when assigned.
CLEARING_VALUES: frozenset[str] = frozenset({"false", "0", "NULL", "clear", "0UL", "0U"})

# Calls that may sleep, beside the locks and waits above.
SLEEPING_CALLS: frozenset[str] = frozenset(
    {
        "msleep",
        "msleep_interruptible",
        "ssleep",
        "usleep_range",
        "usleep_range_state",
        "fsleep",
        "schedule",
        "schedule_timeout",
        "schedule_timeout_interruptible",
        "schedule_timeout_uninterruptible",
        "schedule_timeout_killable",
        "schedule_hrtimeout",
        "io_schedule",
        "io_schedule_timeout",
        "copy_from_user",
        "copy_to_user",
        "get_user",
        "put_user",
        "strncpy_from_user",
        "clear_user",
        "memdup_user",
        "vmemdup_user",
        "memdup_user_nul",
        "get_user_pages",
        "pin_user_pages",
        "get_user_pages_fast",
        "pin_user_pages_fast",
        "get_user_pages_unlocked",
        "flush_scheduled_work",
        "kthread_stop",
        "kthread_flush_work",
        "synchronize_rcu",
        "synchronize_rcu_expedited",
        "synchronize_net",
        "rcu_barrier",
        "vmalloc",
        "vzalloc",
        "vmalloc_array",
        "kvmalloc",
        "kvzalloc",
        "kvcalloc",
        "kvmalloc_array",
        "might_sleep",
        "cond_resched",
        "might_fault",
        "down",
        "down_interruptible",
        "down_killable",
        "down_timeout",
        "request_firmware",
        "filp_open",
        "vfree",
    }
)

# Allocators that sleep only when given GFP_KERNEL-like flags.
GFP_ALLOCATORS: frozenset[str] = frozenset(
    {
        "kmalloc",
        "kzalloc",
        "kcalloc",
        "kmalloc_array",
        "krealloc",
        "krealloc_array",
        "kmalloc_node",
        "kzalloc_node",
        "kmem_cache_alloc",
        "kmem_cache_zalloc",
        "kmem_cache_alloc_node",
        "alloc_pages",
        "alloc_page",
        "__get_free_pages",
        "__get_free_page",
        "get_zeroed_page",
        "devm_kzalloc",
        "devm_kmalloc",
        "devm_kcalloc",
        "kstrdup",
        "kstrndup",
        "kmemdup",
        "mempool_alloc",
        "idr_alloc",
        "ida_alloc",
        "xa_store",
        "xa_insert",
        "xa_alloc",
        "radix_tree_preload",
        "bio_alloc",
        "alloc_workqueue",
    }
)
SLEEPING_GFP: frozenset[str] = frozenset(
    {"GFP_KERNEL", "GFP_USER", "GFP_NOFS", "GFP_NOIO", "GFP_KERNEL_ACCOUNT", "GFP_HIGHUSER", "GFP_HIGHUSER_MOVABLE"}
)

# Lock annotations on function definitions (sparse's context annotations).
ANNOTATIONS: frozenset[str] = frozenset({"__acquires", "__releases", "__must_hold"})

# Types whose variables are locks themselves (a global ``DEFINE_MUTEX(x)`` is the lock ``x``).
LOCK_TYPES: frozenset[str] = frozenset(
    {
        "mutex",
        "spinlock_t",
        "spinlock",
        "raw_spinlock_t",
        "raw_spinlock",
        "rwlock_t",
        "rw_semaphore",
        "DEFINE_MUTEX",
        "DEFINE_SPINLOCK",
        "DEFINE_RAW_SPINLOCK",
        "DEFINE_RWLOCK",
        "DECLARE_RWSEM",
        "DEFINE_SEMAPHORE",
        "srcu_struct",
        "DEFINE_SRCU",
        "DEFINE_STATIC_SRCU",
        "pthread_mutex_t",
        "pthread_rwlock_t",
        "pthread_spinlock_t",
    }
)
