"""Breadth-first search over the interleavings, with a visited-state hash and a partial-order reduction.

Breadth first, so the first state found where no thread can move is reached
by a shortest schedule (of the reduced graph).  The reduction is a
persistent set per state: from the threads whose next step can move, the
smallest set closed under conflicts (another thread can still touch what a
member's step touches) is explored and the other threads wait; a release
conflicts with nothing, as no other thread can take the lock before it.
Sleep sets on top: a thread already explored from an earlier sibling step,
and independent of the step taken since, is not explored again.  Both keep
every deadlock state, which is all that is searched for.

Input: a :class:`Machine` and a bound on the states.  Output: a
:class:`Search` with the path to the first deadlock, if any.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aptool.simulate.machine import (
    C_ACQS,
    C_ACQX,
    C_COMP,
    C_END,
    C_FCLR,
    C_FSET,
    C_REL,
    C_SYNC,
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
    """The states one step after ``state``: of thread ``only``, or of a persistent set of threads."""
    moves_of, persistent = _stepper(machine)
    moves, pcs = moves_of(state, only)
    if reduce and only is None and sum(1 for m in moves if m) > 1:
        chosen = persistent(pcs, moves)
        return [s for t, found in enumerate(moves) if chosen >> t & 1 for s in found]
    return [s for found in moves for s in found]


Moves = Callable[[int, "int | None"], tuple[list[list[int]], list[int]]]
Persistent = Callable[[list[int], list[list[int]]], int]


def _stepper(machine: Machine) -> tuple[Moves, Persistent]:
    """The machine's fast successor function, made once (the search, the replay and the reasons ask it)."""
    if machine.stepper is None:
        machine.stepper = _make_stepper(machine)
    stepper: tuple[Moves, Persistent] = machine.stepper
    return stepper


def _make_stepper(machine: Machine) -> tuple[Moves, Persistent]:  # noqa: C901
    """A fast successor function over ``machine``'s tables (closures over locals: this is the hot loop)."""
    width = machine.width
    pc_bits = machine.pc_bits
    pc_mask = (1 << pc_bits) - 1
    field_mask = (1 << width) - 1
    nthreads = len(machine.ops)
    threads = range(nthreads)
    gshift = machine.global_shift
    shifts = [t * width for t in threads]
    # per thread and step, as the hot loop reads it, made on first use (a search visits few steps)
    tables: list[list[tuple[Any, ...] | None]] = [[None] * len(ops) for ops in machine.ops]
    all_ops = machine.ops  # not the machine: it keeps these closures, and a cycle would outlive the search

    def fill(t: int, pc: int) -> tuple[Any, ...]:
        entry = tables[t][pc] = _entry(all_ops[t][pc], shifts[t])
        return entry

    future = machine.future
    touches = machine.touches

    def writer_waiting(pcs: list[int], t: int, exclusive: int) -> bool:
        for u in threads:
            if u != t:
                op = tables[u][pcs[u]] or fill(u, pcs[u])
                if op[0] == C_ACQX and op[1] == exclusive:
                    return True
        return False

    def moves_of(state: int, only: int | None) -> tuple[list[list[int]], list[int]]:
        """Per thread, the states it can step to; and the program counters."""
        pcs = []
        helds = []
        anyheld = 0
        rest = state
        for _ in threads:
            value = rest & field_mask
            rest >>= width
            pcs.append(value & pc_mask)
            held = value >> pc_bits
            helds.append(held)
            anyheld |= held
        g = rest
        moves: list[list[int]] = []
        for t in threads:
            out: list[int] = []
            moves.append(out)
            if only is not None and t != only:
                continue
            pc = pcs[t]
            code, a, b, c, passing, nexts, fails, _ = tables[t][pc] or fill(t, pc)
            if code == C_END:
                continue
            held = helds[t]
            shift = shifts[t]
            base = state - ((pc | (held << pc_bits)) << shift)
            if code <= C_REL:
                if code == C_ACQX:
                    if anyheld & b:
                        continue
                    held |= a
                elif code == C_REL:
                    bits = held & a
                    if bits:
                        held &= ~(3 << ((bits.bit_length() - 1) & ~1))
                elif code == C_ACQS:
                    if anyheld & b or (anyheld & c and writer_waiting(pcs, t, b)):
                        continue
                    held |= a
                elif anyheld & b:  # a trylock of a lock held at all (exclusive), held for write (shared)
                    nexts = fails
                else:
                    held |= a
            elif code == C_SYNC:
                if anyheld & a:
                    continue
            else:
                changed = _global_step(code, a, passing, g, base, gshift)
                if changed is None:
                    continue
                base = changed
            holding = base + ((held << pc_bits) << shift)
            for n in nexts:
                out.append(holding + n if n else base)  # a thread that ends holds nothing
        return moves, pcs

    def persistent(pcs: list[int], moves: list[list[int]]) -> int:
        """The threads of a smallest persistent set (bit t = thread t), among those that can move."""
        ahead = [future[t][pcs[t]] for t in threads]
        conflicts = []
        for t in threads:
            pc = pcs[t]
            mine = touches[t][pc]
            entry = tables[t][pc] or fill(t, pc)
            if moves[t] and entry[0] == C_REL:
                mine &= ~entry[7]
            mask = 0
            if mine:
                for u in threads:
                    if u != t and ahead[u] & mine:
                        mask |= 1 << u
            if not mask and moves[t]:
                return 1 << t  # commutes with everything the others can do
            conflicts.append(mask)
        best = 0
        best_size = 0
        for t in threads:
            if not moves[t]:
                continue
            chosen = 1 << t
            grown = conflicts[t] | chosen
            while grown != chosen:
                chosen = grown
                for u in threads:
                    if chosen >> u & 1:
                        grown |= conflicts[u]
            size = sum(len(moves[u]) for u in threads if chosen >> u & 1)
            if not best or size < best_size:
                best, best_size = chosen, size
        return best

    return moves_of, persistent


def _entry(op: Op, shift: int) -> tuple[Any, ...]:
    """A step as the hot loop reads it: code, a, b, c, passing, the successors' program counters
    already shifted to the thread's place (then the failures'), the footprint."""
    return (
        op.code,
        op.a,
        op.b,
        op.c,
        op.passing,
        tuple(n << shift for n in op.next),
        tuple(n << shift for n in op.fail or op.next),
        op.footprint,
    )


def _global_step(code: int, a: int, passing: frozenset[int], g: int, base: int, gshift: int) -> int | None:
    """The state after a step on flags, queues or completions; None when it has to wait."""
    if code == C_FSET or code == C_WAKE:
        return base | a
    if code == C_FCLR:
        return base & ~a
    if code == C_WAIT:
        return base if (g & a) in passing else None
    if code == C_WAITL:
        return base if g & a else None
    count = (g >> a) & 3
    if code == C_WAITC:
        if count == 0:
            return None
        return base if count == 3 else base - (1 << (a + gshift))
    if code == C_COMP:
        return base + (1 << (a + gshift)) if count < 2 else base
    return base | (3 << (a + gshift))  # complete_all


def blocked(machine: Machine, state: int) -> bool:
    """No thread can move, and not every thread has ended."""
    pcs = [machine.field_of(state, t)[0] for t in range(len(machine.ops))]
    return any(pcs) and not successors(machine, state, reduce=False)


def search(machine: Machine, max_states: int, *, reduce: bool = True) -> Search:  # noqa: C901
    """Breadth-first from every initial state until a deadlock, the end, or ``max_states`` states.

    With ``reduce``, persistent sets and sleep sets (a thread whose step was
    already explored from an earlier sibling, and which commutes with the
    step taken since, need not be explored again); a state reached again
    with fewer sleeping threads is expanded again for those.
    """
    started = time.perf_counter()
    moves_of, persistent = _stepper(machine)
    nthreads = len(machine.ops)
    threads = range(nthreads)
    touches = machine.touches
    parent: dict[int, int] = {}
    sleep: dict[int, int] = {}  # the sleep set a state was (or will be) expanded with
    expanded: set[int] = set()
    queue: list[int] = []
    for state in machine.initial_states():
        if state not in parent:
            parent[state] = -1
            sleep[state] = 0
            queue.append(state)
    live = sum(((1 << machine.pc_bits) - 1) << (t * machine.width) for t in threads)
    head = 0
    result = Search()
    while head < len(queue):
        state = queue[head]
        head += 1
        moves, pcs = moves_of(state, None)
        if not any(moves):
            if state & live:
                result.path = _path(parent, state)
                break
            continue
        if not reduce:
            for found in moves:
                for following in found:
                    if following not in parent:
                        parent[following] = state
                        queue.append(following)
        else:
            asleep = sleep[state]
            expanded.add(state)
            chosen = persistent(pcs, moves) if nthreads > 1 else 1
            done = asleep
            mine = [touches[t][pcs[t]] for t in threads]
            for t in threads:
                if not chosen >> t & 1 or asleep >> t & 1 or not moves[t]:
                    continue
                keep = 0
                for u in threads:
                    if done >> u & 1 and not mine[u] & mine[t]:
                        keep |= 1 << u
                for following in moves[t]:
                    if following not in parent:
                        parent[following] = state
                        sleep[following] = keep
                        queue.append(following)
                    elif sleep[following] & ~keep:
                        sleep[following] &= keep
                        if following in expanded:
                            expanded.discard(following)
                            queue.append(following)
                done |= 1 << t
        if len(parent) >= max_states:
            result.complete = False
            break
    result.states = len(parent)
    result.seconds = time.perf_counter() - started
    return result


def _path(parent: dict[int, int], state: int) -> list[int]:
    path = [state]
    while parent[path[-1]] != -1:
        path.append(parent[path[-1]])
    return path[::-1]
