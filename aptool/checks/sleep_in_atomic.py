"""``sleep-in-atomic``: a sleeping call where sleeping is a bug, as lockdep's and might_sleep()'s splat.

A client of the held-lock walk: an event that may sleep (a mutex or rwsem
taken without trylock, a wait, ``msleep``, a ``GFP_KERNEL`` allocation: see
:func:`aptool.model.lockset.is_sleeping`) reached while a spinlock is held,
inside an RCU read section, or with irqs, softirqs or preemption disabled
(:func:`aptool.model.lockset.atomic_holder`).  A callee that drops its
caller's spinlock before sleeping is not charged (the walk's ``dropped``).
One finding per (atomic context, sleeping thing): the shortest chain.
"""

from __future__ import annotations

from collections.abc import Iterator

from aptool.checks.context import CheckContext
from aptool.checks.findings import Chain, Location, SleepInAtomic, Step
from aptool.model.lockset import (
    CONTEXT_KINDS,
    CONTEXT_NAMES,
    SPINNING_KINDS,
    FunctionLocks,
    Held,
    HeldEvent,
    atomic_holder,
    is_sleeping,
)

ATOMIC_KINDS = SPINNING_KINDS | CONTEXT_KINDS


def check(context: CheckContext) -> Iterator[SleepInAtomic]:
    best: dict[tuple[str, str], tuple[HeldEvent, Held]] = {}
    waits = {(e.file, e.line, e.text) for f in context.model.functions.values() for e in f.events() if e.kind == "wait"}
    functions = context.lockset.functions
    for function in functions.values():
        if not _enters_atomic(function, functions):
            continue  # nothing atomic of its own: its callees' sleeps are seen from their own lists
        calls_in_atomic = any(atomic_holder(link.held) is not None for link in function.locked_calls)
        for found in function.events if calls_in_atomic else function.own_events:
            if found.uncertain and not context.uncertain:
                continue  # rests on a pointer call resolved by field name alone
            if found.length > 1 and context.on_warning_path(found.chain):
                continue  # under if (WARN_ON(...)): the code says this path does not happen
            if found.length > 1 and context.chosen_by_caller(found.chain):
                continue  # a callee sleeps only when an argument says it may (a gfp mask, a flag)
            event = found.event
            if not is_sleeping(event) or (event.kind == "acquire" and (event.file, event.line, event.text) in waits):
                continue  # the lock a wait drops and takes again (pthread_cond_wait): the wait is what sleeps
            holder = atomic_holder(h for h in found.held if h.lock not in found.dropped)
            if holder is None or holder.lock in context.dropped_on_the_way(found):
                continue
            key = (holder.lock, sleeper(found))
            known = best.get(key)
            if known is None or found.length < known[0].length:
                best[key] = (found, holder)
    for (atomic, what), (found, holder) in sorted(best.items()):
        yield _finding(atomic, what, found, holder)


def _enters_atomic(function: FunctionLocks, functions: dict[str, FunctionLocks]) -> bool:
    """Whether the function itself takes a spinlock or enters an atomic context, declares a lock held, or
    calls a wrapper that returns holding one: only such functions can sleep in atomic context of their own."""
    if function.function.annotations:
        return True
    for own in function.own_events:
        event = own.event
        if event.kind == "acquire" and (event.lock_kind in ATOMIC_KINDS or event.context):
            return True
        if event.kind == "call" and any(
            atomic_holder(functions[t].effect.held) is not None for t in event.targets if t in functions
        ):
            return True
    return False


def sleeper(found: HeldEvent) -> str:
    """What sleeps: the lock or wait queue for an acquisition or a wait, else the function called."""
    event = found.event
    if event.kind in ("acquire", "wait") and found.lock:
        return found.lock
    return event.callee or event.text.split("(", 1)[0].strip() or event.kind


def describe_context(holder: Held) -> str:
    if holder.kind in CONTEXT_NAMES:
        return CONTEXT_NAMES[holder.kind]
    extra = {"irq": ", interrupts disabled", "bh": ", softirqs disabled"}.get(holder.context, "")
    return f"{holder.kind} lock {holder.lock} held{extra}"


def _finding(atomic: str, what: str, found: HeldEvent, holder: Held) -> SleepInAtomic:
    where = Location.of(found.site, f"may sleep: {found.event.text}")
    taken = Location.of(holder.site, f"enters atomic context: {describe_context(holder)}")
    context = describe_context(holder)
    message = f"{what} may sleep at {where} in atomic context: {context} (since {taken})"
    chain = Chain(atomic, what, taken, tuple(Location.of(site) for site in found.chain))
    return SleepInAtomic(
        locks=(atomic, what),
        message=message,
        locations=[where, taken],
        chains=[chain],
        schedule=[Step("CPU0", f"lock({atomic})", taken), Step("CPU0", f"sleep({what})", where)],
        context=context,
    )
