"""The threads as one state machine, with a compact state: one integer.

Layout of a state (low bits first): for each thread, its program counter
and the locks it holds (two bits per lock: held exclusively, held shared);
then the global part: flags, the "woken" latches of wait queues whose
condition the model cannot read, and a two-bit counter per completion (0,
1, 2, or 3 = ``complete_all``).  A step changes a few bits, so a successor
is the state plus a difference; the visited set is a set of integers.

Semantics of the steps:

- acquire: exclusive waits while anyone holds the lock; shared waits while
  a writer holds it, and, for rw semaphores and process-context rwlocks, while
  it is held and a writer is already waiting (readers queue behind writers);
  a trylock never waits: it takes the lock or goes where the code goes when
  it fails.  Taking a lock one already holds waits forever (self-deadlock).
- release drops the lock (a lock not held: nothing happens); a thread that
  ends drops what it still holds (that is ``lock-imbalance``'s finding).
- flag set/clear write the flag; a wait on a condition over flags goes on
  when the condition holds; a wait on a condition the model cannot read
  goes on once its queue was woken; a completion wait goes on when the
  completion is done (and consumes one ``complete``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aptool.simulate.conditions import passing_values
from aptool.simulate.noops import NOOP, resolve, skip_noops
from aptool.simulate.program import (
    ACQUIRE,
    COMPLETE,
    COMPLETE_ALL,
    END,
    FLAG_CLEAR,
    FLAG_SET,
    RELEASE,
    SYNC,
    WAIT,
    WAIT_COMPLETION,
    WAKE,
    Program,
    Step,
)

# Step codes of the fast tables.
C_END, C_ACQX, C_ACQS, C_TRYX, C_TRYS, C_REL, C_FSET, C_FCLR = range(8)
C_WAIT, C_WAITL, C_WAKE, C_WAITC, C_COMP, C_COMPALL, C_SYNC = range(8, 15)
BLOCKING = frozenset({C_ACQX, C_ACQS, C_WAIT, C_WAITL, C_WAITC})
_FAIR_SHARED = "rwsem-read"  # readers queue behind a waiting writer (and rwlocks outside irq/bh context)
_UNFAIR_SHARED = "srcu-read"  # SRCU readers never wait


def lock_key(step: Step) -> str:
    """The lock a step takes: its class, and the lockdep subclass when one is written."""
    event = step.event
    assert event is not None
    lock = event.lock or "?"
    if event.subclass not in (None, "0"):
        return f"{lock}/{event.subclass}"
    return lock


@dataclass
class Op:
    """One step of one thread, as the search runs it."""

    code: int
    a: int = 0
    b: int = 0
    c: int = 0
    passing: frozenset[int] = frozenset()
    next: tuple[int, ...] = ()
    fail: tuple[int, ...] = ()
    footprint: int = 0  # the resources this step touches (for the reduction)


@dataclass
class Machine:
    """The tables the search needs, built once from the thread programs."""

    programs: list[Program]
    locks: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    latches: list[str] = field(default_factory=list)
    completions: list[str] = field(default_factory=list)
    ops: list[list[Op]] = field(default_factory=list)
    # per thread and visible step (a no-op's entries are not used):
    future: list[list[int]] = field(default_factory=list)  # the resources touched from here on
    touches: list[list[int]] = field(default_factory=list)  # what the step touches
    pc_bits: int = 1
    width: int = 1
    global_shift: int = 0
    fair_locks: set[int] = field(default_factory=set)
    starts: list[list[int]] = field(default_factory=list)  # per thread: the steps it can begin with
    stepper: Any = field(default=None, repr=False, compare=False)  # the search's successor function, made once

    # --- layout ------------------------------------------------------------------------------

    def shift(self, thread: int) -> int:
        return thread * self.width

    def field_of(self, state: int, thread: int) -> tuple[int, int]:
        """(program counter, held bits) of ``thread``."""
        value = (state >> (thread * self.width)) & ((1 << self.width) - 1)
        return value & ((1 << self.pc_bits) - 1), value >> self.pc_bits

    def globals_of(self, state: int) -> int:
        return state >> self.global_shift

    def flag_set(self, state: int, name: str) -> bool:
        return bool(self.globals_of(state) >> self.flags.index(name) & 1)

    def held_locks(self, state: int, thread: int) -> list[tuple[str, bool]]:
        """The locks ``thread`` holds: (lock, shared)."""
        _, held = self.field_of(state, thread)
        return [(lock, bool(held >> (2 * i + 1) & 1)) for i, lock in enumerate(self.locks) if held >> (2 * i) & 3]

    def initial_states(self) -> list[int]:
        states = [0]
        for thread, starts in enumerate(self.starts):
            held = 0
            for lock in self.programs[thread].holds:
                if lock in self.locks:
                    held |= 1 << (2 * self.locks.index(lock))
            states = [s | ((pc | (held << self.pc_bits)) << self.shift(thread)) for s in states for pc in starts]
        return states


@dataclass
class _Numbering:
    """Indexes of what the threads share: locks (by key), flags, latched queues, completions."""

    shift: int = 0  # where the global part of a state starts
    keys: dict[str, int] = field(default_factory=dict)
    classes: dict[str, list[int]] = field(default_factory=dict)  # lock class -> its keys (subclasses)
    flags: dict[str, int] = field(default_factory=dict)
    latches: dict[str, int] = field(default_factory=dict)
    completions: dict[str, int] = field(default_factory=dict)
    fair: set[int] = field(default_factory=set)

    def count(self, programs: list[Program], outside: frozenset[str]) -> None:
        users: dict[str, set[int]] = {}
        for thread, program in enumerate(programs):
            for step in program.steps:
                if step.kind in (ACQUIRE, RELEASE, SYNC):
                    users.setdefault(step.lock, set()).add(thread)
            for lock in program.holds:
                users.setdefault(lock, set()).add(thread)
        shared = {lock for lock, threads in users.items() if len(threads) > 1}
        for program in programs:
            for lock in program.holds:
                if lock in shared and lock not in self.keys:
                    self.keys[lock] = len(self.keys)
                    self.classes.setdefault(lock, []).append(self.keys[lock])
            for step in program.steps:
                self._number(step, shared, outside)

    def _number(self, step: Step, shared: set[str], outside: frozenset[str]) -> None:
        event = step.event
        if event is None:
            return
        if step.kind == ACQUIRE and step.lock in shared:
            key = lock_key(step)
            if key not in self.keys:
                self.keys[key] = len(self.keys)
                self.classes.setdefault(step.lock, []).append(self.keys[key])
            if step.shared and (
                event.lock_kind == _FAIR_SHARED or (event.lock_kind != _UNFAIR_SHARED and not event.context)
            ):
                self.fair.add(self.keys[key])
        elif step.kind in (FLAG_SET, FLAG_CLEAR):
            self.flags.setdefault(step.lock, len(self.flags))
        elif step.kind == WAIT and event.flags:
            for name in event.flags:
                self.flags.setdefault(name, len(self.flags))
        elif step.kind == WAIT and step.lock not in outside:
            self.latches.setdefault(step.lock, len(self.latches))
        elif step.kind in (WAIT_COMPLETION, COMPLETE, COMPLETE_ALL) and step.lock not in outside:
            self.completions.setdefault(step.lock, len(self.completions))

    def resource(self, step: Step) -> int:
        """The bit of what ``step`` touches, for the reduction (0: nothing shared)."""
        base = len(self.keys)
        if step.kind in (ACQUIRE, RELEASE, SYNC):
            return sum(1 << i for i in self.classes.get(step.lock, []))
        if step.kind in (FLAG_SET, FLAG_CLEAR):
            return 1 << (base + self.flags[step.lock])
        if step.kind == WAIT and step.event is not None and step.event.flags:
            return sum(1 << (base + self.flags[n]) for n in step.event.flags)
        base += len(self.flags)
        if step.kind in (WAIT, WAKE) and step.lock in self.latches:
            return 1 << (base + self.latches[step.lock])
        base += len(self.latches)
        if step.kind in (WAIT_COMPLETION, COMPLETE, COMPLETE_ALL) and step.lock in self.completions:
            return 1 << (base + self.completions[step.lock])
        return 0

    def op(self, step: Step) -> Op:
        """The fast form of a step; one on something no other thread touches is a no-op (code -1)."""
        kind = step.kind
        if kind == END:
            return Op(C_END)
        if kind == ACQUIRE:
            index = self.keys.get(lock_key(step))
            if index is None:
                return Op(-1)
            exclusive, both = 1 << (2 * index), 3 << (2 * index)
            if step.shared:
                return Op(C_TRYS if step.trylock else C_ACQS, 2 << (2 * index), exclusive, both)
            return Op(C_TRYX if step.trylock else C_ACQX, exclusive, both)
        if kind in (RELEASE, SYNC):
            if step.lock not in self.classes:
                return Op(-1)  # nobody else holds it: nothing to wait for
            return Op(C_REL if kind == RELEASE else C_SYNC, sum(3 << (2 * i) for i in self.classes[step.lock]))
        if kind in (FLAG_SET, FLAG_CLEAR):
            return Op(C_FSET if kind == FLAG_SET else C_FCLR, 1 << (self.shift + self.flags[step.lock]))
        if kind == WAIT:
            return self._wait(step)
        if kind == WAKE:
            if step.lock not in self.latches:
                return Op(-1)
            return Op(C_WAKE, 1 << (self.shift + len(self.flags) + self.latches[step.lock]))
        if step.lock not in self.completions:
            return Op(-1)  # completed by code outside the threads: it does not wait forever
        shift = len(self.flags) + len(self.latches) + 2 * self.completions[step.lock]
        code = {WAIT_COMPLETION: C_WAITC, COMPLETE: C_COMP, COMPLETE_ALL: C_COMPALL}[kind]
        return Op(code, shift)

    def _wait(self, step: Step) -> Op:
        event = step.event
        assert event is not None
        if event.flags:
            positions = [self.flags[name] for name in event.flags]
            mask = sum(1 << p for p in positions)
            passing = frozenset(
                sum(1 << positions[i] for i in range(len(positions)) if value >> i & 1)
                for value in passing_values(event.condition, event.flags)
            )
            return Op(C_WAIT, mask, passing=passing)
        if step.lock not in self.latches:
            return Op(-1)  # woken by code outside the threads
        return Op(C_WAITL, 1 << (len(self.flags) + self.latches[step.lock]))


def build_machine(programs: list[Program], outside: frozenset[str] = frozenset()) -> Machine:
    """Number what the threads share and lay out the state.

    ``outside``: wait queues and completions that code outside the threads
    wakes or completes; a wait on one of them is not a wait that lasts forever.
    """
    machine = Machine(programs)
    numbering = _Numbering()
    numbering.count(programs, outside)
    machine.locks = list(numbering.keys)
    machine.flags = list(numbering.flags)
    machine.latches = list(numbering.latches)
    machine.completions = list(numbering.completions)
    machine.fair_locks = numbering.fair
    longest = max((len(p.steps) for p in programs), default=1)
    machine.pc_bits = max(1, (longest - 1).bit_length())
    machine.width = machine.pc_bits + 2 * len(numbering.keys)
    machine.global_shift = numbering.shift = machine.width * len(programs)
    for program in programs:
        ops, future, touches = _thread_tables(program, numbering)
        machine.ops.append(ops)
        machine.future.append(future)
        machine.touches.append(touches)
    machine.starts = [resolve(ops, list(p.start) or [0]) for ops, p in zip(machine.ops, programs, strict=True)]
    return machine


def _thread_tables(program: Program, numbering: _Numbering) -> tuple[list[Op], list[int], list[int]]:
    """A thread's ops (no-ops skipped), futures and touches.  They depend on the program and on each
    step's fast form only, so a thread that runs again with the same forms (one function starts
    threads in many cycles) reuses them; the tables are read only."""
    ops: list[Op] = []
    for step in program.steps:
        op = numbering.op(step)
        op.footprint = numbering.resource(step)
        ops.append(op)
    fair = frozenset(numbering.fair)
    key = (fair, tuple((op.code, op.a, op.b, op.c, op.passing, op.footprint) for op in ops))
    known = program.tables.get(key)
    if known is not None:
        return known
    for op, step in zip(ops, program.steps, strict=True):
        op.next, op.fail = tuple(step.next), tuple(step.fail)
    skip_noops(ops)
    tables = (ops, _future(ops), _touches(ops, fair))
    program.tables[key] = tables
    return tables


def _touches(ops: list[Op], fair: frozenset[int]) -> list[int]:
    """What each step touches; a step that makes its thread a waiting writer touches that lock too
    (readers of a fair lock queue behind a waiting writer).  A no-op's entry is its footprint."""
    touches = [op.footprint for op in ops]
    if not fair:
        return touches
    writers: dict[tuple[int, ...], int] = {}  # a successor list -> the fair locks it waits to write
    for index, op in enumerate(ops):
        if op.code == NOOP:
            continue
        following = op.next + op.fail if op.fail else op.next
        extra = writers.get(following)
        if extra is None:
            extra = 0
            for n in following:
                if ops[n].code == C_ACQX and (ops[n].a.bit_length() - 1) // 2 in fair:
                    extra |= ops[n].footprint
            writers[following] = extra
        touches[index] |= extra
    return touches


def _future(ops: list[Op]) -> list[int]:
    """For each step, every resource the thread can touch from it on (a fixpoint over the graph of
    the visible steps: once no-ops are skipped no step leads to one, and a no-op's entry, its own
    footprint, is never read).

    Steps after a ``switch`` or a loop share long successor lists, so the fixpoint runs over the
    distinct lists: a list's value is what its steps touch from there on, a step's is its footprint
    and its list's value."""
    future = [op.footprint for op in ops]
    lists: dict[tuple[int, ...], list[int]] = {}  # a successor list -> the steps that have it
    for index, op in enumerate(ops):
        if op.code != NOOP and (op.next or op.fail):
            lists.setdefault(op.next + op.fail if op.fail else op.next, []).append(index)
    holders = list(lists.values())
    within: list[list[int]] = [[] for _ in ops]  # step -> the lists it is in
    for number, following in enumerate(lists):
        for n in following:
            within[n].append(number)
    value = [0] * len(holders)
    todo = [index for index, op in enumerate(ops) if op.footprint and op.code != NOOP]
    while todo:
        index = todo.pop()
        mine = future[index]
        for number in within[index]:
            if value[number] | mine != value[number]:
                value[number] |= mine
                grown = value[number]
                for p in holders[number]:
                    if future[p] | grown != future[p]:
                        future[p] |= grown
                        todo.append(p)
    return future
