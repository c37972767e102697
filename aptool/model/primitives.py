"""Every kernel primitive the model recognises, as data: one table, no if-chains.

A lock primitive names its lock kind (``mutex``, ``spin``, ``rwsem-read``...),
its action, which argument is the lock, whether it only takes the lock on
success (trylock: nonzero means taken; ``killable``/``interruptible``: zero
means taken) and whether it disables interrupts or softirqs (for the
read-recursion rule of the checks).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LockOp:
    kind: str  # mutex, spin, rwlock-read, rwlock-write, rwsem-read, rwsem-write
    action: str  # acquire, release
    arg: int = 0
    condition: str = ""  # "" always; "nonzero" taken when it returns nonzero; "zero" when it returns 0
    context: str = ""  # "", "irq", "bh": what the acquire disables


def _family(prefix: str, kind: str, suffixes: dict[str, str], release_prefix: str) -> dict[str, LockOp]:
    table: dict[str, LockOp] = {}
    for suffix, context in suffixes.items():
        table[f"{prefix}{suffix}"] = LockOp(kind, "acquire", context=context)
        table[f"{release_prefix}{suffix}"] = LockOp(kind, "release", context=context)
    return table


_IRQ = {"": "", "_irq": "irq", "_irqsave": "irq", "_bh": "bh"}

LOCK_OPS: dict[str, LockOp] = {
    "mutex_lock": LockOp("mutex", "acquire"),
    "mutex_lock_nested": LockOp("mutex", "acquire"),
    "mutex_lock_io": LockOp("mutex", "acquire"),
    "mutex_lock_interruptible": LockOp("mutex", "acquire", condition="zero"),
    "mutex_lock_killable": LockOp("mutex", "acquire", condition="zero"),
    "mutex_lock_interruptible_nested": LockOp("mutex", "acquire", condition="zero"),
    "mutex_trylock": LockOp("mutex", "acquire", condition="nonzero"),
    "mutex_unlock": LockOp("mutex", "release"),
    **_family("spin_lock", "spin", _IRQ, "spin_unlock"),
    "spin_unlock_irqrestore": LockOp("spin", "release", context="irq"),
    "spin_lock_nested": LockOp("spin", "acquire"),
    "spin_lock_irqsave_nested": LockOp("spin", "acquire", context="irq"),
    "raw_spin_lock": LockOp("spin", "acquire"),
    "raw_spin_lock_irq": LockOp("spin", "acquire", context="irq"),
    "raw_spin_lock_irqsave": LockOp("spin", "acquire", context="irq"),
    "raw_spin_unlock": LockOp("spin", "release"),
    "raw_spin_unlock_irq": LockOp("spin", "release", context="irq"),
    "raw_spin_unlock_irqrestore": LockOp("spin", "release", context="irq"),
    "spin_trylock": LockOp("spin", "acquire", condition="nonzero"),
    "spin_trylock_irqsave": LockOp("spin", "acquire", condition="nonzero", context="irq"),
    "spin_trylock_bh": LockOp("spin", "acquire", condition="nonzero", context="bh"),
    **_family("read_lock", "rwlock-read", _IRQ, "read_unlock"),
    "read_unlock_irqrestore": LockOp("rwlock-read", "release", context="irq"),
    **_family("write_lock", "rwlock-write", _IRQ, "write_unlock"),
    "write_unlock_irqrestore": LockOp("rwlock-write", "release", context="irq"),
    "read_trylock": LockOp("rwlock-read", "acquire", condition="nonzero"),
    "write_trylock": LockOp("rwlock-write", "acquire", condition="nonzero"),
    "down_read": LockOp("rwsem-read", "acquire"),
    "down_read_nested": LockOp("rwsem-read", "acquire"),
    "down_read_killable": LockOp("rwsem-read", "acquire", condition="zero"),
    "down_read_interruptible": LockOp("rwsem-read", "acquire", condition="zero"),
    "down_read_trylock": LockOp("rwsem-read", "acquire", condition="nonzero"),
    "up_read": LockOp("rwsem-read", "release"),
    "down_write": LockOp("rwsem-write", "acquire"),
    "down_write_nested": LockOp("rwsem-write", "acquire"),
    "down_write_killable": LockOp("rwsem-write", "acquire", condition="zero"),
    "down_write_trylock": LockOp("rwsem-write", "acquire", condition="nonzero"),
    "up_write": LockOp("rwsem-write", "release"),
    "downgrade_write": LockOp("rwsem-write", "release"),
}

# guard(mutex)(&lock) / scoped_guard(spinlock_irqsave, &lock): the guard class names the kind.
GUARD_KINDS: dict[str, LockOp] = {
    "mutex": LockOp("mutex", "acquire"),
    "spinlock": LockOp("spin", "acquire"),
    "spinlock_irq": LockOp("spin", "acquire", context="irq"),
    "spinlock_irqsave": LockOp("spin", "acquire", context="irq"),
    "spinlock_bh": LockOp("spin", "acquire", context="bh"),
    "raw_spinlock": LockOp("spin", "acquire"),
    "raw_spinlock_irqsave": LockOp("spin", "acquire", context="irq"),
    "read_lock": LockOp("rwlock-read", "acquire"),
    "write_lock": LockOp("rwlock-write", "acquire"),
    "rwsem_read": LockOp("rwsem-read", "acquire"),
    "rwsem_write": LockOp("rwsem-write", "acquire"),
}


@dataclass(frozen=True)
class WaitOp:
    queue_arg: int | None  # which argument is the wait queue / completion / word
    condition_arg: int | None  # which argument is the condition (wait_event family)
    before_arg: int | None = None  # wait_event_cmd: cmd1, run before sleeping
    after_arg: int | None = None  # wait_event_cmd: cmd2, run after waking


WAIT_OPS: dict[str, WaitOp] = {
    **{name: WaitOp(0, 1) for name in (
        "wait_event", "wait_event_interruptible", "wait_event_killable", "wait_event_timeout",
        "wait_event_interruptible_timeout", "wait_event_freezable", "wait_event_idle",
        "wait_event_lock_irq", "wait_event_interruptible_lock_irq", "wait_var_event",
    )},
    "wait_event_cmd": WaitOp(0, 1, before_arg=2, after_arg=3),
    **{name: WaitOp(0, None) for name in (
        "wait_for_completion", "wait_for_completion_interruptible", "wait_for_completion_killable",
        "wait_for_completion_timeout", "wait_for_completion_io",
    )},
    **{name: WaitOp(0, None) for name in ("wait_on_bit", "wait_on_bit_io", "wait_on_bit_timeout", "wait_on_bit_lock")},
}

WAKE_OPS: dict[str, int] = {
    name: 0 for name in (
        "wake_up", "wake_up_all", "wake_up_interruptible", "wake_up_interruptible_all", "wake_up_locked",
        "wake_up_poll", "complete", "complete_all", "wake_up_bit", "wake_up_var",
    )
}

# Calls that may sleep, beside the locks and waits above.
SLEEPING_CALLS: frozenset[str] = frozenset({
    "msleep", "msleep_interruptible", "ssleep", "usleep_range", "schedule", "schedule_timeout",
    "copy_from_user", "copy_to_user", "get_user", "put_user", "cancel_work_sync", "cancel_delayed_work_sync",
    "flush_work", "flush_workqueue", "flush_delayed_work", "synchronize_rcu", "synchronize_srcu",
    "vmalloc", "vzalloc", "kvmalloc", "kvzalloc", "might_sleep", "cond_resched",
})

# Allocators that sleep only when given GFP_KERNEL-like flags.
GFP_ALLOCATORS: frozenset[str] = frozenset({
    "kmalloc", "kzalloc", "kcalloc", "kmalloc_array", "krealloc", "kmem_cache_alloc", "kmem_cache_zalloc",
    "alloc_pages", "__get_free_pages", "devm_kzalloc", "devm_kmalloc", "kstrdup", "kmemdup",
})
SLEEPING_GFP: frozenset[str] = frozenset({"GFP_KERNEL", "GFP_USER", "GFP_NOFS", "GFP_NOIO", "GFP_KERNEL_ACCOUNT"})

# Lock annotations on function declarations.
ANNOTATIONS: frozenset[str] = frozenset({"__acquires", "__releases", "__must_hold"})
