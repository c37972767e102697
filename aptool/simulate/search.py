"""Breadth-first search over the interleavings, with a visited-state hash and a partial-order reduction.

Breadth first, so the first state found where no thread can move is reached
by a shortest schedule.  The reduction: where a thread's next step is a
release, or touches nothing any other thread can still touch, that step
alone is explored from the state (it commutes with everything the others
can do); if it leads back to a state already seen, the state is expanded in
full (so that no thread is ignored around a loop).  Deadlocks, the only
thing searched for, are all kept.

Input: a :class:`Machine` and a bound on the states.  Output: a
:class:`Search` with the path to the first deadlock, if any.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import accumulate

from aptool.simulate.machine import (
    C_ACQS,
    C_ACQX,
    C_COMP,
    C_END,
    C_FCLR,
    C_FSET,
    C_REL,
    C_WAIT,
    C_WAITC,
    C_WAITL,
    C_WAKE,
    Machine,
    Op,
)


@dataclass
class Search:
    """What the search found: a path of states to a deadlock, or none; and how much it looked at."""

    path: list[int] = field(default_factory=list)  # states from an initial one to the deadlock
    states: int = 0
    seconds: float = 0.0
    complete: bool = True  # False: the bound was reached first

    @property
    def found(self) -> bool:
        return bool(self.path)


def successors(machine: Machine, state: int, only: int | None = None, reduce: bool = True) -> list[int]:
    """The states one step after ``state`` (of thread ``only``, or of any thread, reduced)."""
    return expand(machine, state, only, reduce)[0]


def expand(machine: Machine, state: int, only: int | None = None, reduce: bool = True) -> tuple[list[int], bool]:
    """The successors of ``state``, and whether they are one thread's alone (the reduction applied)."""
    ops = machine.ops
    width = machine.width
    pc_bits = machine.pc_bits
    pc_mask = (1 << pc_bits) - 1
    field_mask = (1 << width) - 1
    nthreads = len(ops)
    gshift = machine.global_shift
    g = state >> gshift
    pcs = []
    helds = []
    anyheld = 0
    for t in range(nthreads):
        value = (state >> (t * width)) & field_mask
        pcs.append(value & pc_mask)
        held = value >> pc_bits
        helds.append(held)
        anyheld |= held
    threads = range(nthreads) if only is None else (only,)
    if reduce and only is None and nthreads > 1:
        chosen = _ample(machine, state, pcs, helds, anyheld)
        if chosen is not None:
            return chosen, True
    out: list[int] = []
    for t in threads:
        _moves(machine, state, t, pcs, helds, anyheld, g, out)
    return out, False


def _ample(machine: Machine, state: int, pcs: list[int], helds: list[int], anyheld: int) -> list[int] | None:
    """A thread whose next step commutes with everything else: its successors alone, else None."""
    future = machine.future
    ops = machine.ops
    marks = [future[t][pc] for t, pc in enumerate(pcs)]
    before = list(accumulate(marks, lambda a, b: a | b, initial=0))
    after = list(accumulate(reversed(marks), lambda a, b: a | b, initial=0))[::-1]
    g = state >> machine.global_shift
    for t, pc in enumerate(pcs):
        op = ops[t][pc]
        code = op.code
        if code == C_END or not op.reducible:
            continue
        others = before[t] | after[t + 1]
        if code != C_REL and op.footprint & others:
            continue
        out: list[int] = []
        _moves(machine, state, t, pcs, helds, anyheld, g, out)
        if out:
            return out
    return None


def _moves(
    machine: Machine, state: int, t: int, pcs: list[int], helds: list[int], anyheld: int, g: int, out: list[int]
) -> None:
    """Append the states thread ``t`` can step to."""
    pc = pcs[t]
    op = machine.ops[t][pc]
    code = op.code
    if code == C_END:
        return
    held = helds[t]
    shift = t * machine.width
    pc_bits = machine.pc_bits
    base = state - ((pc | (held << pc_bits)) << shift)
    nexts = op.next
    if code <= C_REL:
        if code == C_ACQX:
            if anyheld & op.b:
                return
            held |= op.a
        elif code == C_REL:
            bits = held & op.a
            if bits:
                held &= ~(3 << ((bits.bit_length() - 1) & ~1))
        elif code == C_ACQS:
            if anyheld & op.b or (anyheld & op.c and _writer_waiting(machine, pcs, t, op.b)):
                return
            held |= op.a
        elif anyheld & op.b:  # a trylock of a lock held at all (exclusive), held for write (shared)
            nexts = op.fail or op.next
        else:
            held |= op.a
    else:
        changed = _global_step(machine, op, g, base)
        if changed is None:
            return
        base = changed
    for n in nexts:
        out.append(base + ((n | ((held if n else 0) << pc_bits)) << shift))


def _global_step(machine: Machine, op: Op, g: int, base: int) -> int | None:
    """The state after a step on flags, queues or completions; None when it has to wait."""
    code = op.code
    if code == C_FSET or code == C_WAKE:
        return base | op.a
    if code == C_FCLR:
        return base & ~op.a
    if code == C_WAIT:
        return base if (g & op.a) in op.passing else None
    if code == C_WAITL:
        return base if g & op.a else None
    count = (g >> op.a) & 3
    if code == C_WAITC:
        if count == 0:
            return None
        return base if count == 3 else base - (1 << (op.a + machine.global_shift))
    if code == C_COMP:
        return base + (1 << (op.a + machine.global_shift)) if count < 2 else base
    return base | (3 << (op.a + machine.global_shift))  # complete_all


def _writer_waiting(machine: Machine, pcs: list[int], t: int, exclusive: int) -> bool:
    """Another thread waits to take this lock for write (readers queue behind it)."""
    for u, pc in enumerate(pcs):
        if u != t:
            op = machine.ops[u][pc]
            if op.code == C_ACQX and op.a == exclusive:
                return True
    return False


def blocked(machine: Machine, state: int) -> bool:
    """No thread can move, and not every thread has ended."""
    pcs = [machine.field_of(state, t)[0] for t in range(len(machine.ops))]
    return any(pcs) and not successors(machine, state, reduce=False)


def search(machine: Machine, max_states: int, *, reduce: bool = True) -> Search:
    """Breadth-first from every initial state until a deadlock, the end, or ``max_states`` states."""
    started = time.perf_counter()
    parent: dict[int, int] = {}
    queue: list[int] = []
    for state in machine.initial_states():
        if state not in parent:
            parent[state] = -1
            queue.append(state)
    nthreads = len(machine.ops)
    width = machine.width
    pc_mask = (1 << machine.pc_bits) - 1
    head = 0
    result = Search()
    while head < len(queue):
        state = queue[head]
        head += 1
        nexts, reduced = expand(machine, state, reduce=reduce)
        if reduced and _seen_any(nexts, parent):
            nexts = expand(machine, state, reduce=False)[0]
        if not nexts:
            if any((state >> (t * width)) & pc_mask for t in range(nthreads)):
                result.path = _path(parent, state)
                break
            continue
        for following in nexts:
            if following not in parent:
                parent[following] = state
                queue.append(following)
        if len(parent) >= max_states:
            result.complete = False
            break
    result.states = len(parent)
    result.seconds = time.perf_counter() - started
    return result


def _seen_any(states: list[int], parent: dict[int, int]) -> bool:
    for state in states:
        if state in parent:
            return True
    return False


def _path(parent: dict[int, int], state: int) -> list[int]:
    path = [state]
    while parent[path[-1]] != -1:
        path.append(parent[path[-1]])
    return path[::-1]
