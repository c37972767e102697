"""A path of states, told as a schedule: who did what where, holding what; and who waits for whom at the end.

Input: the :class:`Machine` and the path the search found.  Output: the
schedule steps, the blocked threads, and the kind of the deadlock (threads
waiting for each other in a circle: ``deadlock``; waiting for something no
thread will do: ``waits forever``).
"""

from __future__ import annotations

import networkx as nx

from aptool.model.data import Site
from aptool.simulate.machine import (
    C_ACQS,
    C_ACQX,
    C_SYNC,
    C_TRYS,
    C_TRYX,
    C_WAIT,
    C_WAITC,
    C_WAITL,
    Machine,
    lock_key,
)
from aptool.simulate.program import (
    ACQUIRE,
    COMPLETE,
    COMPLETE_ALL,
    FLAG_CLEAR,
    FLAG_SET,
    RELEASE,
    SYNC,
    WAIT,
    WAIT_COMPLETION,
    WAKE,
    Step,
)
from aptool.simulate.result import Blocked, ScheduleStep
from aptool.simulate.search import successors


def replay(machine: Machine, path: list[int]) -> tuple[list[ScheduleStep], list[Blocked], str]:
    """The schedule along ``path``, the threads blocked at its end, and the kind of deadlock."""
    flag_owner: dict[str, int] = {}
    schedule: list[ScheduleStep] = []
    for number, (before, after) in enumerate(zip(path, path[1:], strict=False), start=1):
        thread = _mover(machine, before, after)
        pc, _ = machine.field_of(before, thread)
        new_pc, _ = machine.field_of(after, thread)
        step = machine.programs[thread].steps[pc]
        failed = bool(machine.ops[thread][pc].fail) and new_pc in machine.ops[thread][pc].fail
        if (
            step.kind == ACQUIRE
            and step.trylock
            and _held_bits(machine, before, thread) == _held_bits(machine, after, thread)
        ):
            failed = True
        if step.kind == FLAG_SET:
            flag_owner[step.lock] = thread
        elif step.kind == FLAG_CLEAR:
            flag_owner.pop(step.lock, None)
        site = step.site or Site("?", "?", 0)
        schedule.append(
            ScheduleStep(
                number,
                thread,
                site.function,
                site.file,
                site.line,
                site.text,
                action(step, failed),
                _holds(machine, after, thread, flag_owner),
                [str(s) for s in step.chain],
            )
        )
    blocked = _blocked(machine, path[-1], flag_owner) if path else []
    return schedule, blocked, _kind(blocked)


def _mover(machine: Machine, before: int, after: int) -> int:
    for thread in range(len(machine.ops)):
        if after in successors(machine, before, only=thread, reduce=False):
            return thread
    raise AssertionError("a step of the path that no thread takes")


def _held_bits(machine: Machine, state: int, thread: int) -> int:
    return machine.field_of(state, thread)[1]


def action(step: Step, failed: bool = False) -> str:
    """The step as lockdep's scenario table writes it: ``lock(kvm.lock)``, ``set(kvm_busy)``..."""
    event = step.event
    lock = step.lock
    if step.kind == ACQUIRE:
        verb = "read_lock" if step.shared else "lock"
        if step.trylock:
            verb = "read_trylock" if step.shared else "trylock"
        subclass = f"/{event.subclass}" if event is not None and event.subclass not in (None, "0") else ""
        return f"{verb}({lock}{subclass})" + (" fails" if failed else "")
    if step.kind == RELEASE:
        return f"{'read_unlock' if step.shared else 'unlock'}({lock})"
    if step.kind == FLAG_SET:
        return f"set({lock})"
    if step.kind == FLAG_CLEAR:
        return f"clear({lock})"
    if step.kind == WAIT:
        condition = event.condition if event is not None and event.condition else lock
        return f"wait({condition})"
    if step.kind == WAKE:
        return f"{event.callee if event is not None else 'wake_up'}({lock})"
    if step.kind == SYNC:
        return f"{event.callee if event is not None else 'sync'}({lock})"
    if step.kind == WAIT_COMPLETION:
        return f"{event.callee if event is not None else 'wait_for_completion'}({lock})"
    if step.kind in (COMPLETE, COMPLETE_ALL):
        return f"{event.callee if event is not None else 'complete'}({lock})"
    return step.kind


def _holds(machine: Machine, state: int, thread: int, flag_owner: dict[str, int]) -> list[str]:
    held = [f"{lock} (read)" if shared else lock for lock, shared in machine.held_locks(state, thread)]
    flags = [f"{flag} (flag set)" for flag, owner in sorted(flag_owner.items()) if owner == thread]
    return held + flags


def _blocked(machine: Machine, state: int, flag_owner: dict[str, int]) -> list[Blocked]:
    found: list[Blocked] = []
    holders: dict[str, list[int]] = {}
    for thread in range(len(machine.ops)):
        for lock, _ in machine.held_locks(state, thread):
            holders.setdefault(lock, []).append(thread)
    for thread in range(len(machine.ops)):
        pc, _ = machine.field_of(state, thread)
        if pc == 0:
            continue
        step = machine.programs[thread].steps[pc]
        op = machine.ops[thread][pc]
        site = step.site or Site("?", "?", 0)
        waits_for, held_by, relation = _wants(machine, state, thread, step, op.code, holders, flag_owner)
        found.append(
            Blocked(
                thread,
                site.function,
                site.file,
                site.line,
                site.text,
                _holds(machine, state, thread, flag_owner),
                waits_for,
                held_by,
                relation,
            )
        )
    return found


def _wants(
    machine: Machine,
    state: int,
    thread: int,
    step: Step,
    code: int,
    holders: dict[str, list[int]],
    flag_owner: dict[str, int],
) -> tuple[str, list[int], str]:
    """What a blocked thread waits for, which threads it waits on, and how (held by, set by...)."""
    event = step.event
    if code == C_SYNC:
        return step.lock, holders.get(step.lock, []), "held by"
    if code in (C_ACQX, C_ACQS, C_TRYX, C_TRYS):
        key = lock_key(step)
        owners = holders.get(key, [])
        exclusive = [u for u in owners if not dict(machine.held_locks(state, u)).get(key, False)]
        if code == C_ACQS and not exclusive:
            writers = [
                u
                for u in range(len(machine.ops))
                if u != thread
                and machine.ops[u][machine.field_of(state, u)[0]].code == C_ACQX
                and lock_key(machine.programs[u].steps[machine.field_of(state, u)[0]]) == key
            ]
            return key, writers, "queued behind the writer"
        return key, owners, "held by"
    if code == C_WAIT and event is not None:
        setters = sorted({flag_owner[f] for f in event.flags if f in flag_owner and machine.flag_set(state, f)})
        return event.condition or step.lock, setters, "set by"
    callee = event.callee or "" if event is not None else ""
    if code == C_WAITL:
        return f"{'pthread_cond_signal' if callee.startswith('pthread_') else 'wake_up'}({step.lock})", [], ""
    if code == C_WAITC:
        return f"{'sem_post' if callee.startswith('sem_') else 'complete'}({step.lock})", [], ""
    return step.kind, [], ""


def _kind(blocked: list[Blocked]) -> str:
    """``deadlock`` when the blocked threads wait for each other in a circle, else ``waits forever``."""
    graph: nx.DiGraph[int] = nx.DiGraph()
    for b in blocked:
        for other in b.held_by:
            graph.add_edge(b.thread, other)
    try:
        nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return "waits forever"
    return "deadlock"
