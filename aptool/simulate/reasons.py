"""Why a complete search found no deadlock: the lock-order cycle among the threads, and what breaks it.

Each thread's program is walked once for the locks it may hold and must
hold at each step (union and intersection over the paths to it).  An
*order* is "thread t takes B (at step p) while it may hold A".  A cycle of
orders across the threads is what lockdep would report; it is harmless
when

- one of its orders exists only through a trylock (it never waits);
- a lock other than the cycle's is held at every one of its orders (a
  common outer lock serialises them);
- a lock of the cycle is only ever taken for read along it.

Input: the :class:`Machine` (and the cycle to explain, if the caller has
one).  Output: one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from aptool.simulate.machine import C_ACQS, C_ACQX, C_END, C_REL, C_SYNC, C_TRYS, C_TRYX, Machine

_TAKES = (C_ACQX, C_ACQS, C_TRYX, C_TRYS)
_WAITS_FOR = (*_TAKES, C_SYNC)  # what orders after the locks held: taking a lock, waiting for its holders


@dataclass(frozen=True)
class Order:
    thread: int
    held: int  # lock index
    taken: int
    pc: int
    trylock: bool
    shared: bool
    under: int  # locks held on every path to the step (bits by lock index)


def held_sets(machine: Machine, thread: int) -> tuple[list[int], list[int]]:
    """Per step, the locks (bit i = lock i) the thread may hold and must hold when it gets there."""
    ops = machine.ops[thread]
    size = len(ops)
    may = [0] * size
    must = [-1] * size  # -1: not reached yet (the top of the intersection lattice)
    todo = []
    for start in machine.starts[thread]:
        must[start] = 0
        todo.append(start)
    while todo:
        pc = todo.pop()
        op = ops[pc]
        for after, mine in _effects(op, may[pc], must[pc]):
            for n in after:
                new_may = may[n] | mine[0]
                new_must = mine[1] if must[n] == -1 else must[n] & mine[1]
                if new_may != may[n] or new_must != must[n]:
                    may[n], must[n] = new_may, new_must
                    todo.append(n)
    return may, [0 if m == -1 else m for m in must]


def _effects(op: object, may: int, must: int) -> list[tuple[tuple[int, ...], tuple[int, int]]]:
    """(successors, (may, must) after the step) for each way the step can go."""
    code = op.code  # type: ignore[attr-defined]
    if code == C_END:
        return []
    if code in _TAKES:
        index = _index(op.a)  # type: ignore[attr-defined]
        taken = ((may | 1 << index), (must | 1 << index))
        if code in (C_TRYX, C_TRYS):
            return [(op.next, taken), (op.fail or op.next, (may, must))]  # type: ignore[attr-defined]
        return [(op.next, taken)]  # type: ignore[attr-defined]
    if code == C_REL:
        released = 0
        for i in range(op.a.bit_length() // 2 + 1):  # type: ignore[attr-defined]
            if op.a >> (2 * i) & 3:  # type: ignore[attr-defined]
                released |= 1 << i
        return [(op.next, (may & ~released, must & ~released))]  # type: ignore[attr-defined]
    return [(op.next, (may, must))]  # type: ignore[attr-defined]


def _index(bit: int) -> int:
    return (bit.bit_length() - 1) // 2


def orders(machine: Machine) -> list[Order]:
    """Every "takes B while it may hold A" of every thread."""
    found: list[Order] = []
    for thread, ops in enumerate(machine.ops):
        may, must = held_sets(machine, thread)
        for pc, op in enumerate(ops):
            if op.code not in _WAITS_FOR:
                continue
            taken = _index(op.a) if op.code != C_SYNC else _index(op.a & -op.a)
            for held in range(len(machine.locks)):
                if held != taken and may[pc] >> held & 1:
                    found.append(
                        Order(
                            thread,
                            held,
                            taken,
                            pc,
                            op.code in (C_TRYX, C_TRYS),
                            op.code in (C_ACQS, C_TRYS),
                            must[pc] & ~(1 << held) & ~(1 << taken),
                        )
                    )
    return found


def cycles(machine: Machine, found: list[Order], *, trylocks: bool) -> list[list[int]]:
    """Lock-order cycles (as lists of lock indexes), through trylocks or not."""
    graph: nx.DiGraph[int] = nx.DiGraph()
    for order in found:
        if trylocks or not order.trylock:
            graph.add_edge(order.held, order.taken)
    return [c for c in nx.simple_cycles(graph) if len(c) > 1]


def reason(machine: Machine, states: int, cycle: list[str] | None = None) -> str:
    """One sentence: why no interleaving of these threads deadlocks."""
    found = orders(machine)
    names = machine.locks
    wanted = _indexes(machine, cycle) if cycle else None
    plain = cycles(machine, found, trylocks=False)
    every = cycles(machine, found, trylocks=True)
    if wanted is not None:
        plain = [c for c in plain if set(c) == set(wanted)] or plain
        every = [c for c in every if set(c) == set(wanted)] or every
    searched = f"no interleaving reaches a state where the threads wait for each other ({states} states, complete)"
    if not every:
        if cycle:
            return f"the threads do not take {_show(cycle)} in a cycle; {searched}"
        return f"no lock-order cycle among these threads; {searched}"
    if not plain:
        loop = every[0]
        tried = [o for o in found if o.trylock and _on(loop, o)]
        first = tried[0]
        site = machine.programs[first.thread].steps[first.pc].site
        where = f" ({site.function}+{site.file}:{site.line})" if site else ""
        return (
            f"cycle {_show([names[i] for i in loop])}: {names[first.taken]} is taken under "
            f"{names[first.held]} only with a trylock{where}, which never waits"
        )
    loop = plain[0]
    edges = [o for o in found if not o.trylock and _on(loop, o)]
    common = -1
    for order in edges:
        common &= order.under
    outer = [names[i] for i in range(len(names)) if common >> i & 1]
    if outer and len({o.thread for o in edges}) > 1:
        return (
            f"cycle {_show([names[i] for i in loop])}: every edge is taken under {', '.join(outer)}, "
            "a common outer lock that serialises them"
        )
    for index in loop:
        takes = [o for o in edges if o.taken == index]
        if takes and all(o.shared for o in takes):
            shown = _show([names[i] for i in loop])
            return f"cycle {shown}: {names[index]} is only taken for read, and readers do not wait for each other"
    return f"cycle {_show([names[i] for i in loop])}: {searched}"


def _on(loop: list[int], order: Order) -> bool:
    for position, lock in enumerate(loop):
        if order.held == lock and order.taken == loop[(position + 1) % len(loop)]:
            return True
    return False


def _indexes(machine: Machine, cycle: list[str]) -> list[int]:
    return [machine.locks.index(lock) for lock in cycle if lock in machine.locks]


def _show(locks: list[str]) -> str:
    return " -> ".join([*locks, locks[0]])
