"""The one walk that knows which locks are held at each event: the lock-order graph, the checks and the
simulator are all built on it.

Each function's skeleton becomes a control-flow graph (``if``/``switch``
arms, loops that carry their held set into the next iteration, ``goto`` to a
label at any depth, ``break``/``continue``, ``return``), built and walked with
explicit stacks, never Python recursion.  A path's *state* is what it holds
relative to the function's entry: the locks taken on it, the caller's locks
it released (``dropped``), the branch conditions it assumed (so a correlated
``if (m) lock ... if (m) unlock`` pairs up) and the conditional acquisitions
whose stored result has not been tested yet (``rc = mutex_lock_killable(l);
if (rc) return rc;``).

Functions are summarised callees first (an explicit post-order of the call
graph; a call back into a function still being summarised counts as doing
nothing).  A summary is:

- ``reached``: every acquisition, sleep and wait the function or its callees
  can do, each with the call chain down to it, the locks held there *inside*
  the function and the caller's locks already released on the way (a callee
  that drops its caller's spinlock, sleeps on a mutex and retakes the
  spinlock does not order the mutex after the spinlock);
- ``effect``: what a call leaves behind.  *Must-held*: a lock counts as held
  after the call only if it is held on every exit path; a caller's lock counts
  as released if any exit path released it.

A lock passed as a parameter (``helper(&o->m)`` with ``mutex_lock(m)`` in the
helper) is resolved at each call site to the caller's argument.

Public API (every shape is a dataclass here):

- :func:`analyse` ``(model, flags_as_locks=...) -> LockSet``: ``LockSet.functions[fid]`` is a
  :class:`FunctionLocks` (``events``: list of :class:`HeldEvent`; ``exits``: list of :class:`Exit`;
  ``effect``: :class:`Effect`; ``releases_unheld``: list of :class:`HeldEvent`);
  ``LockSet.edges``: list of :class:`LockEdge`; ``LockSet.open_coded``: name -> :class:`OpenCodedLock`.
- :func:`lock_order_edges` ``(model, flags_as_locks=...) -> list[LockEdge]``.
- :func:`atomic_holder`, :func:`is_sleeping`, :func:`recursion_allowed`: the questions every check asks
  of a held set.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Generator, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from aptool.gcpause import paused
from aptool.model.classes import instance_classes
from aptool.model.conditions import split_top as _split
from aptool.model.containers import CONTAINED, Containers, moved_variables
from aptool.model.data import CodeModel, Event, Flag, Function, Node, Site
from aptool.model.pointers import CallTargets, NameIndex
from aptool.model.predicates import Predicates, bit_tests
from aptool.model.primitives import QUEUE_WORKS, SET_CLASS, WORK_INITS
from aptool.model.values import FRESH, Objects, decode, encode, tested_field

MAX_STATES = 12  # distinct states kept per program point before they are merged into one
MAX_REACHED = 400  # reached events kept per function summary (the shortest chain of each kind is kept first)

_Fact = tuple[str, str, bool]  # (variable, constant, equal): what a branch or an assignment says of it
REASSIGNED = "\x00"  # the value of the fact (parameter, REASSIGNED, True): no longer what the caller passed
_Consts = tuple[tuple[int, str], ...]  # parameter index -> the constant a caller passes, sorted
_Reach = tuple[str, _Consts, str | None]  # a function, the constants it is called with, the lock to keep
# a function's callees with constants: those some call reaches releasing nothing, the others with what each releases
_Callees = tuple[list[tuple[str, _Consts]], list[tuple[tuple[str, _Consts], list[frozenset[str]]]]]

# Lock kinds.  Real locks order with each other; context kinds only say what the code runs in.
SPINNING_KINDS = frozenset({"spin", "rwlock-read", "rwlock-write"})
SLEEPING_KINDS = frozenset({"mutex", "rwsem-read", "rwsem-write", "page-lock", "srcu-sync", "work"})
CONTEXT_KINDS = frozenset({"irq-off", "bh-off", "preempt-off", "rcu-read"})
READ_KINDS = frozenset({"rwlock-read", "rwsem-read", "srcu-read", "rcu-read"})
# What a context kind is called in a report.
CONTEXT_NAMES = {
    "irq-off": "interrupts disabled",
    "bh-off": "softirqs disabled",
    "preempt-off": "preemption disabled",
    "rcu-read": "an RCU read-side critical section",
}


@dataclass(frozen=True)
class Held:
    """One lock held on a path.

    ``lock``: the class (``kvm.lock``); ``kind``: mutex, spin, rwlock-read, rwlock-write, rwsem-read,
    rwsem-write, srcu-read, page-lock, flag (an open-coded lock), annotation (declared, kind unknown),
    or a context: irq-off, bh-off, preempt-off, rcu-read.  ``site``: where it was taken (for a lock a
    callee returned holding, the call; see ``via``).  ``subclass``: lockdep's subclass (``1`` for
    ``SINGLE_DEPTH_NESTING``, else as written), or ``nest_lock(CLASS)``.  ``context``: ``irq``/``bh``
    when taking it disabled them.  ``declared``: the caller's lock (``__must_hold``, ``__releases``,
    ``lockdep_assert_held``, or a caller's lock released and taken again here).  ``via``: the callee
    that returned holding it (``lock_foo()``).
    """

    lock: str
    kind: str
    site: Site
    subclass: str | None = None
    context: str = ""
    trylock: bool = False
    declared: bool = False
    via: str | None = None


class HeldEvent:
    """An event a function reaches, with what is held there.

    ``event``: the model's :class:`Event` (in function ``function``, an id); ``lock``: its class
    with a parameter resolved to the caller's argument (``None`` for events without one);
    ``chain`` (tuple of :class:`Site`): the call sites from the function down to the event,
    whose own site is last; ``held`` (frozenset of :class:`Held`): the locks held there on that
    path, taken by the function or anything it called on the way (not by its callers);
    ``dropped`` (frozenset of classes): the caller's locks released on the way (not held there
    even when the caller held them); ``uncertain``: the chain goes through a call resolved by a
    function-pointer field name alone; ``param``: the lock is the function's parameter number
    ``param`` (its class is the caller's argument).

    A callee's event seen from a caller shares the callee's record: ``chain`` and ``held`` are
    put together when asked for (summaries stay cheap on large call graphs).
    """

    __slots__ = (
        "_below",
        "_chain",
        "_held",
        "_outer",
        "_site",
        "dropped",
        "event",
        "function",
        "length",
        "lock",
        "param",
        "uncertain",
    )

    def __init__(
        self,
        event: Event,
        function: str,
        lock: str | None,
        site: Site,
        outer: frozenset[Held],
        dropped: frozenset[str] = frozenset(),
        uncertain: bool = False,
        param: int | None = None,
        below: HeldEvent | None = None,
    ) -> None:
        self.event = event
        self.function = function
        self.lock = lock
        self.dropped = dropped
        self.uncertain = uncertain
        self.param = param
        self.length: int = 1 if below is None else below.length + 1
        self._site = site
        self._outer = outer
        self._below = below
        self._chain: tuple[Site, ...] | None = None
        self._held: frozenset[Held] | None = None

    @property
    def chain(self) -> tuple[Site, ...]:
        if self._chain is None:
            sites = []
            node: HeldEvent | None = self
            while node is not None:
                sites.append(node._site)
                node = node._below
            self._chain = tuple(sites)
        return self._chain

    @property
    def held(self) -> frozenset[Held]:
        if self._held is None:
            inner = self._below.held if self._below is not None else frozenset()
            self._held = self._outer | frozenset(h for h in inner if not h.declared) if inner else self._outer
        return self._held

    @property
    def site(self) -> Site:
        return self.chain[-1]

    def __repr__(self) -> str:
        return f"HeldEvent({self.event.kind} {self.lock} at {self.site}, held={sorted(h.lock for h in self.held)})"


@dataclass(frozen=True)
class Exit:
    """A ``return`` (or the end of the body) with what the path holds there and what it released.

    ``held``: locks held (``declared`` ones are the caller's); ``dropped``: classes of locks it
    released that it did not take (the caller's, as ``__releases`` or ``unlock_foo()`` do).
    """

    site: Site
    held: frozenset[Held]
    dropped: frozenset[str]


@dataclass(frozen=True)
class Effect:
    """What a call of a function leaves in its caller: ``held`` on every exit, ``dropped`` on some exit."""

    held: tuple[Held, ...] = ()
    dropped: frozenset[str] = frozenset()


@dataclass
class FunctionLocks:
    """Everything the walk knows about one function.

    ``own_events``: its own events (list of :class:`HeldEvent`), one per distinct held set they
    are reached with; ``events`` adds the acquisitions, sleeps and waits of its callees at the
    calls where it holds something (where it holds nothing, the callee's own list says it all;
    put together on first use); ``exits``: list of :class:`Exit`, one per return and distinct
    state; ``effect``: what a call leaves behind; ``releases_unheld``: releases of a lock not held
    on that path (its caller's, or a bug: ``Function.annotations`` tells which).
    """

    function: Function
    own_events: list[HeldEvent] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    effect: Effect = field(default_factory=Effect)
    releases_unheld: list[HeldEvent] = field(default_factory=list)
    # The summary callers compose, as bits of the analysis' key table (see _Analysis.key).
    own: dict[int, list[tuple[frozenset[str], frozenset[_Fact], HeldEvent]]] = field(default_factory=dict)
    links: dict[tuple[str, frozenset[str], frozenset[_Fact]], _Link] = field(default_factory=dict)  # first calls
    locked_calls: list[_Link] = field(default_factory=list)  # calls made holding something
    fields: dict[str, frozenset[str]] = field(default_factory=dict)  # parameter -> its fields branches test
    preserved: dict[str, frozenset[str]] | None = None  # parameter -> fields left zero if zero (on demand)
    sensitive: frozenset[int] = frozenset()  # parameters whose constant value changes what is reached
    mask: int = 0  # every key reachable from here
    _events: list[HeldEvent] | None = None
    _analysis: _Analysis | None = None

    @property
    def events(self) -> list[HeldEvent]:
        if self._events is None:
            self._events = list(self.own_events)
            if self._analysis is not None:
                self._events += self._analysis.callee_events(self)
        return self._events


@dataclass(frozen=True)
class _Link:
    """A call: where, to whom, the caller's locks released before it, what the caller holds there."""

    site: Site
    event: Event
    target: str
    dropped: frozenset[str]
    held: frozenset[Held]
    facts: frozenset[_Fact] = frozenset()  # what the caller's branches said of its parameters
    passes: tuple[tuple[int, str, int | None], ...] = ()  # (callee parameter, constant, or caller parameter)


@dataclass
class LockEdge:
    """``held -> acquired``: some path takes ``acquired`` while ``held`` is held.

    Kinds as in :class:`Held`, plus ``flag-wait`` (waiting for an open-coded lock), ``srcu-sync``
    (``synchronize_srcu``: waiting for readers), ``work`` (``flush_work``: waiting for a work
    function).  ``held_at``: where ``held`` was taken; ``chain``: call sites from the holding
    function down to the acquisition (last); ``entry``: a call path from an entry point to the
    holding function; ``uncertain``: the chain goes through a function-pointer call resolved by
    field name only.
    """

    held: str
    acquired: str
    held_kind: str
    acquired_kind: str
    held_at: Site
    chain: list[Site]
    entry: list[Site] = field(default_factory=list)
    through_flag: bool = False
    held_subclass: str | None = None
    acquired_subclass: str | None = None
    uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_self(self) -> bool:
        """The same class and subclass on both ends: a recursion, not a documented nesting."""
        return self.held == self.acquired and self.held_subclass == self.acquired_subclass


@dataclass
class OpenCodedLock:
    """A flag used as a lock: set and cleared around a region, waiters sleeping until it is clear."""

    name: str
    setters: list[Site]
    clearers: list[Site]
    waiters: list[Site]
    wakers: list[Site]
    queues: list[str]


@dataclass
@dataclass
class LockSet:
    """The result of :func:`analyse`: per function, the edges, the open-coded locks."""

    model: CodeModel
    functions: dict[str, FunctionLocks]
    edges: list[LockEdge]
    open_coded: dict[str, OpenCodedLock]
    analysis: _Analysis

    def release(self) -> None:
        """Drop each function's link back to the walk, once no more questions will be asked (call
        when done): the walk and its results are then freed when the last reference goes, instead of
        by a pass of the cyclic collector over all of them.  Events already put together stay."""
        for function in self.functions.values():
            function._analysis = None

    def reached(self, fid: str) -> list[HeldEvent]:
        """Every acquisition, sleep and wait ``fid`` or its callees can do, with a call chain each.

        ``held`` is what is held inside ``fid``'s part of the chain; ``dropped`` what was released
        of the caller's on the way.  One entry per kind of event (class, kind, subclass, callee).
        """
        return self.analysis.reached(self.functions[fid])


# --- questions the checks ask of a held set -----------------------------------------------


def atomic_holder(held: Iterable[Held]) -> Held | None:
    """The held lock or context that forbids sleeping (a spinlock, irqs/bh/preemption off, RCU read)."""
    for h in held:
        if h.kind in SPINNING_KINDS or h.kind in CONTEXT_KINDS or h.context:
            return h
    return None


def is_sleeping(event: Event) -> bool:
    """Whether the event may sleep: a sleeping call, a wait, a sleeping lock (not a trylock)."""
    if event.kind in ("sleep", "wait"):
        return True
    return event.kind == "acquire" and event.lock_kind in SLEEPING_KINDS and not event.trylock


def recursion_allowed(held: Held, taken: Event | Held, in_irq_context: bool = False) -> bool:
    """Whether taking ``taken`` while holding ``held`` of the same class is not a self-deadlock.

    Lockdep's rules: a different subclass or a nest lock is a documented nesting; a trylock never
    blocks; rwsem readers never recurse; rwlock readers recurse only in interrupt context (a
    ``_bh``/``_irq`` read lock, or inside such a section) since a queued writer lets them pass there.
    """
    kind = taken.lock_kind if isinstance(taken, Event) else taken.kind
    subclass = _subclass(taken.subclass) if isinstance(taken, Event) else taken.subclass
    if subclass != held.subclass or (subclass or "").startswith("nest_lock"):
        return True
    if taken.trylock:
        return True
    if kind in ("srcu-read", "rcu-read") or kind in CONTEXT_KINDS:
        return True
    if kind == "rwlock-read" and held.kind == "rwlock-read":
        context = taken.context if isinstance(taken, Event) else taken.context
        return bool(context) or in_irq_context
    return False


# --- the control-flow graph ----------------------------------------------------------------


@dataclass
class _Step:
    """A point of the control-flow graph: an event, a branch (``cond`` per successor), an exit, or nothing."""

    op: str  # event, branch, exit, nop, goto, loop (a loop's head)
    event: Event | None = None
    succ: list[int] = field(default_factory=list)
    cond: list[tuple[str, bool] | None] = field(default_factory=list)  # branch: the assumption per successor
    line: int = 0
    label: str | None = None
    tracked: bool = False  # branch: its arms take or release locks, so its condition is remembered
    forget: frozenset[str] = frozenset()  # loop head: conditions tested inside the loop (they may change)


class _Cfg:
    def __init__(self, uses: bool = False) -> None:
        self.steps: list[_Step] = []
        self.labels: dict[str, int] = {}
        self.uses = uses  # keep the ``use`` nodes as steps (the container analysis asks what reaches them)

    def add(self, step: _Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1


_Request = tuple[list[Node], int, int, int]


def build_cfg(function: Function, uses: bool = False) -> tuple[_Cfg, int]:
    """The function's control-flow graph and its entry point, built without recursion; with ``uses``,
    each ``use`` node is a step of its own (labelled ``use``)."""
    cfg = _Cfg(uses)
    end = cfg.add(_Step("exit", line=function.end_line))
    stack: list[Generator[_Request, int, int]] = [_compile(cfg, function.body, end, end, end)]
    value: int | None = None
    entry = end
    while stack:
        try:
            request = stack[-1].send(value) if value is not None else next(stack[-1])
            value = None
            stack.append(_compile(cfg, *request))
        except StopIteration as stop:
            stack.pop()
            value = stop.value
            entry = stop.value
    for step in cfg.steps:
        if step.op == "goto":
            step.succ = [cfg.labels[step.label]] if step.label in cfg.labels else []
    return cfg, entry


_BUG_CHECK = re.compile(r"^\(?\s*(?:unlikely\s*\(\s*)?(?:WARN_ON|WARN_ON_ONCE|WARN|WARN_ONCE|BUG_ON)\s*\(")


_WORD = re.compile(r"^[A-Za-z_]\w*$")
_WORDS = re.compile(r"[A-Za-z_]\w*")


def _locking_locals(function: Function) -> set[str]:
    """The locals tested by a branch or loop around lock operations: the ones worth remembering."""
    found: set[str] = set()
    stack = [function.body]
    while stack:
        for node in stack.pop():
            if node.condition and node.kind in ("if", "loop", "do"):
                inside = node.branches + ([node.body] if node.body else [])
                if any(_has_locking(part) for part in inside):
                    found.update(w for w in _WORDS.findall(node.condition) if w in function.locals)
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    return found


def _conditions(nodes: list[Node]) -> frozenset[str]:
    """The conditions of the ifs in ``nodes``, at any depth."""
    found: set[str] = set()
    stack = [nodes]
    while stack:
        for node in stack.pop():
            if node.kind == "if" and node.condition:
                found.add(node.condition)
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    return frozenset(found)


def _has_locking(nodes: list[Node]) -> bool:
    stack = [nodes]
    while stack:
        for node in stack.pop():
            if node.event is not None and node.event.kind in ("acquire", "release"):
                return True
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    return False


def _narrowed_calls(model: CodeModel, events: dict[str, list[Event]]) -> dict[tuple[str, str, int], str]:
    """Calls through a function pointer (``wc->process_func(...)``) whose ``STRUCT.field`` some function
    fills in on its own stack (``struct walk_control wc = { .process_func = f }``): (file, function,
    line) -> ``STRUCT.field``."""
    local = {key for function in model.functions.values() for key in function.local_stores}
    if not local:
        return {}
    found: dict[tuple[str, str, int], str] = {}
    for function in model.functions.values():
        for event in events[function.id]:
            if event.kind == "call" and event.via_pointer and event.callee_struct:
                key = f"{event.callee_struct}.{event.callee}"
                if key in local:
                    found[(function.file, function.name, event.line)] = key
    return found


def _feasible(model: CodeModel, narrowed: dict[tuple[str, str, int], str], chain: Iterable[Site]) -> bool:
    """Whether each pointer call on ``chain`` reaches a function the object passed down can hold: the
    nearest function up the chain that fills that field in on its own stack must have stored the
    target there (``free_log_tree``'s walk control calls ``process_one_buffer``, never
    ``replay_one_buffer``, however many functions of that field exist elsewhere)."""
    sites = list(chain)
    for index, site in enumerate(sites[:-1]):
        key = narrowed.get((site.file, site.function, site.line))
        if key is None:
            continue
        target = sites[index + 1].function
        for caller in reversed(sites[: index + 1]):
            function = model.functions.get(f"{caller.file}:{caller.function}")
            stored = function.local_stores.get(key) if function is not None else None
            if stored is not None:
                if target not in stored:
                    return False
                break
    return True


def _bookkeeping(events: list[Event]) -> frozenset[_Fact]:
    """Fields the function itself sets and then clears (``trans->removing_chunk = true`` when it takes
    a lock, ``= false`` when it drops it), taken as clear on entry: a field a function always clears
    again records what that function holds, and was left clear by the call before.  A path that
    tests it before setting it (``out: if (trans->removing_chunk) mutex_unlock(...)``) then pairs
    up with the lock, as a local flag does."""
    values: dict[str, list[str]] = {}
    for event in events:
        target = event.callee or ""
        if event.kind == "assign" and event.value and ("->" in target or "." in target):
            values.setdefault(re.sub(r"\s+", "", target), []).append(_normal(event.value))
    # set first, cleared after: the function's own record (a field it clears first is the caller's request)
    return frozenset((name, "0", True) for name, seen in values.items() if seen[0] == "1" and "0" in seen[1:])


def _forever(condition: str | None) -> bool:
    """A loop condition that never fails: none (``for (;;)``), ``1`` or ``true``."""
    return (condition or "").strip().strip("()").strip() in ("", "1", "true")


def _compile(cfg: _Cfg, nodes: list[Node], after: int, brk: int, cont: int) -> Generator[_Request, int, int]:
    """Steps for ``nodes`` continuing at ``after``; yields sub-lists to compile, receives their entries."""
    current = after
    for node in reversed(nodes):
        kind = node.kind
        if kind == "event" and node.event is not None:
            current = cfg.add(_Step("event", node.event, [current], line=node.line))
        elif kind == "if":
            arms = list(node.branches) + [[]] * (2 - len(node.branches))
            condition = node.condition or ""
            if _BUG_CHECK.match(condition):  # if (WARN_ON(...)) { recover }: a bug's path, not followed
                arms[0] = []
            then_entry = yield (arms[0], current, brk, cont)
            else_entry = yield (arms[1], current, brk, cont)
            tracked = _has_locking(arms[0]) or _has_locking(arms[1])
            current = cfg.add(
                _Step(
                    "branch",
                    succ=[then_entry, else_entry],
                    cond=[(condition, True), (condition, False)],
                    line=node.line,
                    tracked=tracked,
                )
            )
        elif kind == "switch":
            entries: list[int] = []
            falling = current
            for arm in reversed(node.branches):
                falling = yield (arm, falling, current, cont)
                entries.append(falling)
            entries.reverse()
            subject = (node.condition or "").strip().removeprefix("(").removesuffix(")").strip()
            conds: list[tuple[str, bool] | None] = [
                (f"{subject} == {arm[0].label}", True)
                if arm and arm[0].kind == "case" and arm[0].label != "default" and subject
                else None
                for arm in node.branches
            ]
            current = cfg.add(_Step("branch", succ=entries or [current], cond=conds or [None]))
        elif kind in ("loop", "do"):
            head = cfg.add(_Step("loop", line=node.line, forget=_conditions(node.body)))
            body_entry = yield (node.body, head, current, head)
            cfg.steps[head].succ = [body_entry, current]
            if kind == "loop" and _forever(node.condition):  # while (1), for (;;): out only by break/goto/return
                cfg.steps[head].succ = [body_entry]
            elif node.condition:  # another round while it holds, out when it fails
                cfg.steps[head].cond = [(node.condition, True), (node.condition, False)]
            current = body_entry if kind == "do" else head
        elif kind == "return":
            current = cfg.add(_Step("exit", line=node.line))
        elif kind == "goto":
            current = cfg.add(_Step("goto", line=node.line, label=node.label))
        elif kind == "use" and cfg.uses:  # a field use the container analysis asks about (containers.py)
            current = cfg.add(_Step("nop", succ=[current], line=node.line, label=node.label or "use"))
        elif kind == "label":
            current = cfg.add(_Step("nop", succ=[current], line=node.line))
            if node.label is not None:
                cfg.labels.setdefault(node.label, current)
        elif kind == "break":
            current = cfg.add(_Step("nop", succ=[brk], line=node.line))
        elif kind == "continue":
            current = cfg.add(_Step("nop", succ=[cont], line=node.line))
    return current


# --- states --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    """A conditional acquisition whose result is in ``var``; held only once ``var`` tests as success."""

    var: str
    lock: str
    success: str  # "zero" or "nonzero"


class _State(NamedTuple):
    """What a path holds at a point of the walk.  A named tuple, not a dataclass: the walk hashes and
    compares states over a million times on a large directory, and a tuple does both in C (with the
    same hash and equality a frozen dataclass of these fields has)."""

    held: frozenset[Held]
    dropped: frozenset[str] = frozenset()
    assumed: frozenset[tuple[str, bool]] = frozenset()
    pending: frozenset[_Pending] = frozenset()
    facts: frozenset[_Fact] = frozenset()  # what branches and assignments said of variables


def _merge(states: Iterable[_State]) -> _State:
    listed = list(states)
    held: set[Held] = set()
    dropped: set[str] = set()
    pending: set[_Pending] = set()
    for s in listed:
        held |= s.held
        dropped |= s.dropped
        pending |= s.pending
    assumed = frozenset.intersection(*(s.assumed for s in listed)) if listed else frozenset()
    written = {f[0] for s in listed for f in s.facts if f[1] == REASSIGNED}
    if written:
        facts = frozenset.intersection(*(_written(s.facts, written) for s in listed))
    else:
        facts = frozenset.intersection(*(s.facts for s in listed)) if listed else frozenset()
    return _State(frozenset(held), frozenset(dropped), assumed, frozenset(pending), facts)


def _written(facts: frozenset[_Fact], reassigned: set[str]) -> frozenset[_Fact]:
    """``facts`` as a state about to be merged sees them: a variable some other state wrote (one of
    ``reassigned``) is written here too, with its entry value as the value now -- so what all of them
    say of its value now survives the merge, and no merged path claims the entry value of a variable
    one of them changed."""
    written = reassigned - {f[0] for f in facts if f[1] == REASSIGNED}
    if not written:
        return facts
    extra = {(name, REASSIGNED, True) for name in written}
    extra |= {("=" + f[0], f[1], f[2]) for f in facts if f[0] in written}
    return facts | extra


_SUBCLASS_NAMES = {"SINGLE_DEPTH_NESTING": "1", "0": None}


def _subclass(written: str | None) -> str | None:
    """lockdep's subclass number where the name is a known constant; ``None`` for subclass 0."""
    if written is None:
        return None
    written = written.strip()
    if written in _SUBCLASS_NAMES:
        return _SUBCLASS_NAMES[written]
    return written


_NOT = re.compile(r"^!\s*\(?\s*(\w+)\s*\)?$")
_PLAIN = re.compile(r"^(?:(?:unlikely|likely|WARN_ON|WARN_ON_ONCE)\s*\(\s*)?(\w+)\s*\)?$")
_COMPARED = re.compile(r"^(\w+)\s*(==|!=|<|>=|<=|>)\s*(-?\w+)$")


def _tests(condition: str, var: str) -> bool | None:
    """Whether ``condition`` being true means ``var`` is nonzero (None: it does not test ``var`` alone)."""
    text = condition.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    for wrapper in ("unlikely", "likely"):
        if text.startswith(wrapper + "(") and text.endswith(")"):
            text = text[len(wrapper) + 1 : -1].strip()
    match = _NOT.match(text)
    if match:
        return False if match.group(1) == var else None
    match = _PLAIN.match(text)
    if match:
        return True if match.group(1) == var else None
    match = _COMPARED.match(text)
    if match and match.group(1) == var and match.group(3) in ("0", "NULL", "false"):
        return match.group(2) in ("!=", "<", ">")
    return None


_CONSTANT = re.compile(r"^(?:[A-Z_][A-Z0-9_]*|-?[0-9][0-9a-fA-FxXuUlL]*|NULL|true|false)$")
_TERM = re.compile(
    r"^\s*(!?)\s*\(?\s*([A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*\)?\s*(?:(==|!=|<=|>=|<|>)\s*(-?\w+))?\s*$"
)
# ``x < 0`` and ``x > 0`` are facts of their own (value ``<0`` / ``>0``); ``>=``/``<=`` are their negations.
_SIGN_TESTS = {"<": ("<0", True), ">=": ("<0", False), ">": (">0", True), "<=": (">0", False)}
_SIGNS = {"<0": frozenset({-1}), ">0": frozenset({1}), "0": frozenset({0})}
_ANY_SIGN = frozenset({-1, 0, 1})


def _constant(text: str) -> bool:
    """An argument or operand that is a constant: an enum or macro name, a number, NULL, true, false."""
    return bool(_CONSTANT.match(text))


def _normal(constant: str) -> str:
    """One spelling per value: ``NULL``, ``false`` and ``0UL`` are all ``0``; ``true`` is ``1``."""
    if constant in ("NULL", "false"):
        return "0"
    if constant == "true":
        return "1"
    stripped = constant.rstrip("uUlL")
    return stripped if stripped.lstrip("-").isdigit() else constant


def _facts(condition: str, truth: bool, params: set[str] | dict[str, Any]) -> list[_Fact]:
    """What a branch arm says of parameters: ``flush == BTRFS_RESERVE_NO_FLUSH`` true (or false) there.

    A conjunction that holds (or a disjunction that fails) says each of its simple terms
    (``p``, ``!p``, ``p == C``, ``p != C``); anything else says nothing.
    """
    text = condition.strip()
    while text.startswith("(") and text.endswith(")") and len(_split(text[1:-1], ")(")) == 1:
        inner = text[1:-1]
        if inner.count("(") != inner.count(")"):
            break
        text = inner.strip()
    ors = _split(text, "||") if "||" in text else [text]
    ands = _split(text, "&&") if "&&" in text else [text]
    if len(ors) > 1 and len(ands) > 1:
        return []
    if len(ors) > 1:
        if truth:
            return []
        terms = ors
    elif len(ands) > 1:
        if not truth:
            return []
        terms = ands
    else:
        terms = [text]
    found: list[_Fact] = []
    for term in terms:
        bit = bit_tests(term, params) if "test_bit" in term else None
        if bit is not None:  # test_bit(B, &p->f): the bit as a field of its own, "p->f:B"
            name, negated_bit = bit
            found.append((name, "0", negated_bit if truth else not negated_bit))
            continue
        match = _TERM.match(term)
        if match is None:
            continue
        negated, name, operator, value = match.groups()
        name = re.sub(r"\s+", "", name)
        if name not in params and re.split(r"->|\.", name)[0] in params and ("->" in name or "." in name):
            pass  # a field of a parameter or local: path->need_commit_sem
        elif name not in params:
            if value in params and operator and _constant(name):  # CONSTANT == param
                name, value = value, name
            else:
                continue
        if operator is None:
            value, equal = "0", bool(negated)  # "flush": nonzero; "!flush": zero
        elif operator in _SIGN_TESTS:
            if negated or _normal(value) != "0":
                continue  # only the sign of a value is remembered: ret < 0, ret > 0, ret >= 0
            value, equal = _SIGN_TESTS[operator]
            found.append((name, value, equal if truth else not equal))
            continue
        elif not _constant(value):
            continue
        else:
            equal = (operator == "==") != bool(negated)
        found.append((name, _normal(value), equal if truth else not equal))
    return found


def _sign_of(value: str) -> frozenset[int]:
    """The signs a value can have: ``<0``, ``>0``, ``0``, a number; any for a name (``-EAGAIN`` too)."""
    if value in _SIGNS:
        return _SIGNS[value]
    if value.lstrip("-").isdigit():
        number = int(value)
        return frozenset({(number > 0) - (number < 0)})
    return _ANY_SIGN


def _signs_possible(facts: Iterable[_Fact], name: str) -> bool:
    """Whether some sign of ``name`` agrees with every fact on it: ``ret != 0``, ``!(ret < 0)`` and
    ``!(ret > 0)`` cannot all hold."""
    possible = _ANY_SIGN
    for fact, value, equal in facts:
        if fact != name or value == REASSIGNED:
            continue
        signs = _sign_of(value)
        if equal:
            possible &= signs
        elif len(signs) == 1 and (value in _SIGNS or signs == _SIGNS["0"]):
            possible -= signs  # x != 0, !(x < 0), !(x > 0); x != 5 says nothing of the sign
    return bool(possible)


def _consistent(facts: Iterable[_Fact], given: dict[str, str]) -> bool:
    """Whether what branches said of variables holds when they have the values ``given``."""
    if not given:
        return True
    for name, value, equal in facts:
        if name not in given or value == REASSIGNED:
            continue
        if value in ("<0", ">0") or given[name] in ("<0", ">0"):
            have, said = _sign_of(given[name]), _sign_of(value)
            if equal and not have & said:
                return False  # ret < 0 said, ret is 0 (or > 0)
            if not equal and value in _SIGNS and have <= said:
                return False  # !(ret < 0) said, ret is negative
            continue
        if (given[name] == value) != equal:
            return False
    return True


def _lock_argument(text: str) -> str:
    """``spin_lock_nested(&n->lock, 1)`` -> ``&n->lock``: the expression a lock call names its lock by."""
    start = text.find("(")
    if start < 0:
        return ""
    depth = 0
    for index in range(start + 1, len(text)):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                return text[start + 1 : index].strip()
            depth -= 1
        elif char == "," and depth == 0:
            return text[start + 1 : index].strip()
    return text[start + 1 :].strip()


# --- the walk ------------------------------------------------------------------------------


def _site(function: Function, event: Event) -> Site:
    return Site(function.name, function.file, event.line, event.text)


class _Analysis:
    def __init__(self, model: CodeModel, flags_as_locks: bool) -> None:
        self.model = model
        self.flags_as_locks = flags_as_locks
        self.open_coded = open_coded_locks(model) if flags_as_locks else {}
        self.results: dict[str, FunctionLocks] = {}
        self.edges: dict[tuple[str, str | None, str, str | None], LockEdge] = {}
        self.works: dict[str, set[str]] = {}  # work function id -> the work classes it runs as
        self.queued: dict[str, set[str]] = {}  # workqueue class -> the work classes queued on it
        self.reclassed: set[str] = set()  # classes lockdep_set_class*() splits into classes of their own
        self.keys: dict[tuple[Any, ...], int] = {}  # (what, class, kind, subclass, trylock, param) -> bit
        self.key_list: list[tuple[Any, ...]] = []
        self.take_mask = 0  # keys that order after what is held: blocking acquisitions
        self.param_mask = 0  # keys whose class is a parameter of the function that has them
        self.emitted: dict[tuple[str, str | None], int] = {}  # held (class, subclass) -> keys with a certain edge
        self.reached_masks: dict[tuple[str, _Consts, str | None], int] = {}  # see reach()
        self.call_cache: dict[tuple[str, _Consts], list[tuple[_Link, tuple[str, _Consts]]]] = {}
        self.callees_of: dict[
            tuple[str, _Consts],
            tuple[list[tuple[str, _Consts]], list[tuple[tuple[str, _Consts], list[frozenset[str]]]]],
        ] = {}  # see children()
        self.said: dict[tuple[str, bool], list[_Fact]] = {}
        self.names: set[str] = set()  # the variables whose values the walk of a function remembers
        self.tested = ""  # every condition of the function, spaces squashed: what its branches can ask
        self.asked: set[str] = set()  # the fields of parameters some branch walked so far tests
        self.sites: dict[int, Site] = {}  # id of an event -> its site, in the function walked (see site())
        self.witnesses: dict[tuple[str, _Consts, int, str | None, bool], HeldEvent | None] = {}
        self.downs: dict[tuple[str, _Consts, str | None, bool], list[tuple[int, int, _Link, tuple[str, _Consts]]]] = {}
        self.itself: dict[tuple[str, str | None], int] = {}  # (function, avoid) -> keys it does itself, see ways_down
        self.events = {fid: function.events() for fid, function in model.functions.items()}  # read once
        self.narrowed = _narrowed_calls(model, self.events)  # pointer calls a caller's stack object may decide
        self.instances = instance_classes(model, self.events)  # instances an init helper keys apart
        # fresh objects passed down (values.py); asking back through a weak reference keeps the walk free of
        # reference cycles (it is freed by reference counting when the checks are done)
        asked = weakref.WeakMethod(self.preserved_of)
        targets = CallTargets(model, self.events)  # what each called name reaches, for both questions
        self.objects = Objects(model, self.events, lambda fid: method(fid) if (method := asked()) else {}, targets)
        self.containers = Containers(model, self.events, targets)  # objects out of lists and trees (containers.py)
        self.predicates = Predicates(model, _facts)
        self.fresh_types = self.objects.fresh_types()
        self.element_types: frozenset[str] | None = None  # containers.element_types(), when first asked
        self.tested_bits: dict[str, set[tuple[str, str]]] = {}  # struct -> (field, bit) some branch tests
        self.deciding: dict[tuple[str, str], tuple[int, bool]] = {}  # see decides()
        self.taken: frozenset[str] = frozenset()  # the walked function's parameters whose address it hands on
        self.file = ""  # the walked function's file
        self.fresh_values: dict[tuple[int, str, int], str | None] = {}  # (call event, callee, parameter) -> value
        self.bindings()

    def bindings(self) -> None:
        """Work items and their functions (``INIT_WORK``), workqueues and their items, ``lockdep_set_class``."""
        index = NameIndex(self.model.functions)
        for function in self.model.functions.values():
            for event in self.events[function.id]:
                if event.kind != "call" or not event.callee:
                    continue
                args = event.args
                if event.callee in WORK_INITS:
                    work, fn = WORK_INITS[event.callee]
                    if len(args) > fn and args[work] and args[fn]:
                        for target in index.resolve(args[fn], function.file):
                            self.works.setdefault(target, set()).add(args[work])
                elif event.callee in QUEUE_WORKS:
                    queue, work = QUEUE_WORKS[event.callee]
                    if len(args) > work and args[queue] and args[work]:
                        self.queued.setdefault(args[queue], set()).add(args[work])
                elif event.callee in SET_CLASS and args and args[0]:
                    self.reclassed.add(args[0])

    # The order: callees before callers, without recursion.
    def order(self) -> list[str]:
        done: set[str] = set()
        order: list[str] = []
        functions = self.model.functions
        for root in sorted(functions):
            if root in done:
                continue
            done.add(root)
            stack: list[tuple[str, list[str]]] = [(root, self.callees(root))]
            while stack:
                fid, pending = stack[-1]
                if pending:
                    callee = pending.pop()
                    if callee not in done and callee in functions:
                        done.add(callee)
                        stack.append((callee, self.callees(callee)))
                    continue
                stack.pop()
                order.append(fid)
        return order

    def callees(self, fid: str) -> list[str]:
        return [t for e in self.events[fid] if e.kind == "call" for t in e.targets]

    def run(self) -> None:
        for fid in self.order():
            result = self.walk(self.model.functions[fid])
            result._analysis = self
            self.results[fid] = result

    def key(self, key: tuple[Any, ...]) -> int:
        """The bit of a reached-event key: ``(what, class, kind, subclass, trylock, param)``."""
        bit = self.keys.get(key)
        if bit is None:
            bit = len(self.key_list)
            self.keys[key] = bit
            self.key_list.append(key)
            if key[0] == "take" and key[2] != "flag" and not key[4]:
                self.take_mask |= 1 << bit
            if key[5] is not None:
                self.param_mask |= 1 << bit
        return bit

    # What an event takes, for the graph: (class, kind) pairs.
    def takes(self, event: Event) -> list[tuple[str, str]]:
        if event.kind == "acquire" and event.lock:
            return [(event.lock, event.lock_kind or "lock")]
        if event.kind == "wait" and event.lock and event.lock_kind:  # synchronize_srcu, flush_work
            if event.lock_kind == "work" and event.lock in self.queued:  # flush_workqueue: each item on it
                return [(work, "work") for work in sorted(self.queued[event.lock])]
            return [(event.lock, event.lock_kind)]
        if self.flags_as_locks and event.kind == "flag-set" and event.lock in self.open_coded:
            return [(event.lock, "flag")]
        if self.flags_as_locks and event.kind == "wait":
            return [(flag, "flag-wait") for flag in event.flags if flag in self.open_coded]
        return []

    def emit(self, held: Held, lock: str, kind: str, subclass: str | None, found: HeldEvent, uncertain: bool) -> bool:
        """The edge ``held -> lock``, through ``found`` (the acquisition, with its chain), unless it is no order;
        False when ``found``'s chain cannot happen (another chain to the same acquisition may)."""
        hkind = held.kind
        if hkind in CONTEXT_KINDS or kind in CONTEXT_KINDS or (kind == "srcu-read" and hkind == "srcu-read"):
            return True
        if held.lock == lock:
            if kind == "flag-wait":
                return True  # waiting for a flag one holds is the checks' business (self-deadlock), not an order
            if (subclass or "").startswith("nest_lock"):
                return True  # mutex_lock_nest_lock: lockdep allows any number under the nest lock
            if lock in self.reclassed and held.subclass == subclass:
                return True  # lockdep_set_class*(): which instance has which key is not known here
        general = lock
        if lock in self.instances.places:  # an instance an init helper keys apart: its own class
            lock = self.instances.of(lock, found.chain)
        key = (held.lock, held.subclass, lock, subclass)
        known = self.edges.get(key)
        if known is not None:
            length = len(known.chain)
            if length < found.length or (length == found.length and known.uncertain <= uncertain):
                return lock == general
        if self.narrowed and not _feasible(self.model, self.narrowed, found.chain):
            return False  # through a pointer call to a function the object passed down never holds
        self.edges[key] = LockEdge(
            held.lock,
            lock,
            hkind,
            kind,
            held.site,
            list(found.chain),
            through_flag="flag" in hkind or "flag" in kind,
            held_subclass=held.subclass,
            acquired_subclass=subclass,
            uncertain=uncertain,
        )
        return lock == general  # an instance's class: other chains may reach the shared one

    def entry_state(self, function: Function) -> _State:
        """What a function holds when it starts: what its annotations say its caller holds."""
        held = frozenset(
            Held(a.lock, "annotation", Site(function.name, function.file, a.line, f"{a.kind}({a.lock})"), declared=True)
            for a in function.annotations
            if a.kind in ("__must_hold", "__releases") or a.kind.startswith("lockdep_assert_held")
        )
        site = Site(function.name, function.file, function.line, "work function")
        works = frozenset(Held(work, "work", site, declared=True) for work in self.works.get(function.id, ()))
        return _State(held | works, facts=_bookkeeping(self.events[function.id]))

    def site(self, function: Function, event: Event) -> Site:
        """``event``'s site in ``function`` (the one walked), made once: the walk comes back to an event
        once per state that reaches it."""
        site = self.sites.get(id(event))
        if site is None:
            site = self.sites[id(event)] = _site(function, event)
        return site

    def walk(self, function: Function) -> FunctionLocks:
        """Walk one function's control-flow graph to a fixed point; its summary, exits and edges."""
        result = FunctionLocks(function)
        cfg, entry = build_cfg(function)
        params = {name: index for index, name in enumerate(function.params)}
        names = set(function.params) | _locking_locals(function)
        self.said = {}  # what each condition says, in this function
        self.file = function.file
        self.taken = frozenset(p for p in function.params if self.containers.taken(function.id, p))
        self.sites = {}
        self.names = names
        self.tested = _tested_text(function)
        states: dict[int, dict[_State, None]] = {entry: {self.entry_state(function): None}}
        merged: set[int] = set()
        work = [entry]
        queued = {entry}
        seen_events: set[tuple[int, frozenset[Held]]] = set()
        done: dict[int, set[_State]] = {}
        exits: list[tuple[_Step, _State]] = []
        while work:
            index = work.pop()
            queued.discard(index)
            step = cfg.steps[index]
            finished = done.setdefault(index, set())
            current = [s for s in states.get(index, ()) if s not in finished]
            finished.update(current)
            if step.op == "exit":
                exits.extend((step, s) for s in current)
                continue
            for state in current:
                if step.op == "event" and step.event is not None:
                    afters = self.step(function, params, step.event, state, result, seen_events)
                    outgoing = [(succ, after) for after in afters for succ in step.succ]
                else:
                    outgoing = self.follow(step, state, names)
                for succ, after in outgoing:
                    known = states.get(succ)
                    if known is None:
                        known = states[succ] = {}
                    if succ in merged or len(known) >= MAX_STATES:
                        if not _join(known, after, succ in merged, merged, succ):
                            continue
                    elif after in known:
                        continue
                    else:
                        known[after] = None  # what _join does below the bound, without the call
                    if succ not in queued:
                        queued.add(succ)
                        work.append(succ)
        self.finish(function, result, exits)
        return result

    def follow(self, step: _Step, state: _State, names: set[str]) -> list[tuple[int, _State]]:
        """Where a state goes from a branch, a loop head or a plain step."""
        if step.op == "loop":  # the loop may change what the conditions inside it test
            kept = frozenset(a for a in state.assumed if a[0] not in step.forget)
            if kept != state.assumed:
                state = _State(state.held, state.dropped, kept, state.pending, state.facts)
            conds = step.cond or [None, None]
            tracked = False
        elif step.op == "branch":
            conds, tracked = step.cond, step.tracked
        else:
            return [(succ, state) for succ in step.succ]
        found = []
        for succ, cond in zip(step.succ, conds, strict=False):
            assumed = self.assume(state, cond, tracked, names)
            if assumed is not None:
                found.append((succ, assumed))
        return found

    def assume(self, state: _State, cond: tuple[str, bool] | None, tracked: bool, names: set[str]) -> _State | None:
        """The state on one arm of a branch, or None when the arm contradicts an earlier assumption."""
        if cond is None:
            return state
        text, truth = cond
        if (text, not truth) in state.assumed:
            return None
        facts = state.facts
        said = self.said.get((text, truth))
        if said is None:
            said = _facts(text, truth, names)
            if "(" in text[1:-1]:  # if (btrfs_block_can_be_shared(root, buf)): what its non-zero return says
                said = said + self.predicates.implied(text, truth, names, self.file)
            self.said[(text, truth)] = said
        for name, value, equal in said:
            if (name, REASSIGNED, True) in facts:
                name = "=" + name  # a parameter given a value of its own: not what the caller passed
            if (name, value, not equal) in facts or (equal and not _consistent(facts, {name: value})):
                return None  # flush == A after flush == B, or after flush != A
            facts = facts | {(name, value, equal)}
            if value in _SIGNS and not equal and not _signs_possible(facts, name):
                return None  # ret != 0, then neither ret < 0 nor ret > 0
        pending = state.pending
        held = state.held
        for p in state.pending:
            nonzero = _tests(text, p.var)
            if nonzero is None:
                continue
            nonzero = nonzero == truth
            pending = pending - {p}
            if (p.success == "nonzero") != nonzero:  # the failure arm: the lock was not taken
                held = frozenset(h for h in held if h.lock != p.lock or h.declared)
        assumed = state.assumed | {(text, truth)} if tracked and text else state.assumed
        if held is state.held and pending is state.pending and assumed is state.assumed and facts is state.facts:
            return state
        return _State(held, state.dropped, assumed, pending, facts)

    def assigned(self, state: _State, event: Event, params: dict[str, int]) -> _State:
        """``x = CONST``: branches on x now know its value; ``x = anything``: they know nothing of it."""
        name = event.callee or ""
        if name not in self.names and _WORD.match(name):
            return state  # a local no branch around a lock tests: nothing to remember
        value = _normal(event.value) if event.value else None
        if ("->" in name or "." in name) and tested_field(name, params) is not None:
            if name not in self.tested:
                return state  # no branch of the function asks: nothing to remember
            # p->f = x: what the entry value said of it stays true of the entry value
            facts = frozenset(f for f in state.facts if f[0] != "=" + name) | {(name, REASSIGNED, True)}
            if value is not None:
                facts = facts | {("=" + name, value, True)}
            if facts == state.facts:
                return state
            return _State(state.held, state.dropped, state.assumed, state.pending, facts)
        facts = frozenset(f for f in state.facts if f[0] != name and f[0] != "=" + name)
        if name in params:
            facts = facts | {(name, REASSIGNED, True)}
            name = "=" + name
        if value is not None:
            facts = facts | {(name, value, True)}
        if facts == state.facts:
            return state
        return _State(state.held, state.dropped, state.assumed, state.pending, facts)

    def record(
        self,
        result: FunctionLocks,
        key: tuple[Any, ...],
        dropped: frozenset[str],
        found: HeldEvent,
        facts: frozenset[_Fact] = frozenset(),
    ) -> None:
        """An event the function itself reaches (or a callee's, its parameter resolved here)."""
        bit = self.key(key)
        variants = result.own.setdefault(bit, [])
        if all(known != dropped or said != facts for known, said, _ in variants):
            variants.append((dropped, facts, found))

    def step(
        self,
        function: Function,
        params: dict[str, int],
        event: Event,
        state: _State,
        result: FunctionLocks,
        seen: set[tuple[int, frozenset[Held]]],
    ) -> list[_State]:
        site = self.site(function, event)
        mark = (id(event), state.held)
        lock = event.lock
        param = params.get(lock) if lock is not None and not event.resolved else None
        own: HeldEvent | None = None
        if mark not in seen:
            seen.add(mark)
            own = HeldEvent(event, function.id, lock, site, state.held, state.dropped, param=param)
            result.own_events.append(own)
        kind = event.kind
        if kind == "assign":
            return [self.assigned(state, event, params)]
        if kind == "release" or (kind == "flag-clear" and event.lock in self.open_coded and self.flags_as_locks):
            released = [h for h in state.held if h.lock == lock]
            if len(released) > 1:  # two of a class (a nesting): the one taken through the same expression
                same = [h for h in released if _lock_argument(h.site.text) == _lock_argument(event.text)]
                released = same or released
            if released:
                held = state.held.difference(released)
                dropped = state.dropped | {lock or ""} if any(h.declared for h in released) else state.dropped
                return [_State(held, dropped, state.assumed, state.pending, state.facts)]
            if own is None:
                own = HeldEvent(event, function.id, lock, site, state.held, state.dropped, param=param)
            result.releases_unheld.append(own)
            return [_State(state.held, state.dropped | {lock or ""}, state.assumed, state.pending, state.facts)]
        if kind == "call":
            return self.call(function, params, event, state, result)
        taken = self.takes(event)
        if kind in ("sleep", "wait") and not taken:
            if own is None:
                own = HeldEvent(event, function.id, lock, site, state.held, state.dropped, param=param)
            self.record(
                result, ("sleep", lock, f"{kind}:{event.callee}", None, False, param), state.dropped, own, state.facts
            )
        held = state.held
        dropped = state.dropped
        pending = state.pending
        subclass = _subclass(event.subclass)
        for name, lock_kind in taken:
            found = HeldEvent(event, function.id, name, site, state.held, state.dropped, param=param)
            self.record(
                result, ("take", name, lock_kind, subclass, event.trylock, param), state.dropped, found, state.facts
            )
            if lock_kind != "flag" and not event.trylock:  # setting a flag never blocks; only waiting does
                for h in _ordered(held):
                    self.emit(h, name, lock_kind, subclass, found, False)
            if lock_kind in ("flag-wait", "srcu-sync", "work"):
                continue  # waited for, not kept
            if name in dropped and not any(h.lock == name for h in held):
                dropped = dropped - {name}  # the caller's lock, taken again: it is the caller's once more
                held = held | {Held(name, lock_kind, site, subclass, event.context, declared=True)}
                continue
            new = Held(name, lock_kind, site, subclass, event.context, event.trylock)
            held = held | {new}
            if event.result and event.conditional:
                pending = pending | {_Pending(event.result, name, event.conditional)}
        if held is state.held and dropped is state.dropped and pending is state.pending:
            return [state]
        return [_State(held, dropped, state.assumed, pending, state.facts)]

    def call(
        self, function: Function, params: dict[str, int], event: Event, state: _State, result: FunctionLocks
    ) -> list[_State]:
        site = self.site(function, event)
        after: list[_State] = []
        held_now = state.held
        for target in event.targets:
            summary = self.results.get(target)
            if summary is None:  # outside the model, or a recursive call still being summarised
                continue
            effect = summary.effect
            if effect.held or effect.dropped:
                held = frozenset(h for h in held_now if h.lock not in effect.dropped)
                dropped = state.dropped | (effect.dropped - {h.lock for h in held_now})
                for h in effect.held:
                    held = held | {Held(h.lock, h.kind, site, h.subclass, h.context, h.trylock, via=event.callee)}
                after.append(_State(held, dropped, state.assumed, state.pending, state.facts))
            first = (target, state.dropped, state.facts) not in result.links
            if not first and not held_now:
                continue  # the same call again, holding nothing: its link would add nothing
            passes = _passes(event, params, summary, state.facts, self.taken)
            if event.objects and summary.sensitive:
                passes = self.fresh_passes(function, event, summary, passes)
            link = _Link(site, event, target, state.dropped, held_now, state.facts, passes)
            if first:
                result.links[(target, state.dropped, state.facts)] = link
            if summary.mask & self.param_mask:
                self.resolve_parameters(params, link, summary, result)
            if held_now:
                result.locked_calls.append(link)
                self.order_after(link, summary)
        if not after or len(after) < len(event.targets):
            after.append(state)
        return list(dict.fromkeys(after))

    def resolve_parameters(
        self, params: dict[str, int], link: _Link, summary: FunctionLocks, result: FunctionLocks
    ) -> None:
        """The callee's events on a lock it was passed: their class is this call's argument."""
        args = link.event.args
        for bit in _bits(summary.mask & self.param_mask):
            key = self.key_list[bit]
            argument = args[key[5]] if key[5] < len(args) else ""
            if not argument:
                continue
            below = self.witness(summary, bit, None, consts=self.derive(link, ()))
            if below is None:
                continue
            resolved = (key[0], argument, key[2], key[3], key[4], params.get(argument))
            found = HeldEvent(
                below.event,
                below.function,
                argument,
                link.site,
                link.held,
                link.dropped,
                link.event.guessed or below.uncertain,
                params.get(argument),
                below,
            )
            if key[0] == "take" and key[2] != "flag" and not key[4]:
                for h in _ordered(link.held):
                    self.emit(h, argument, key[2], key[3], found, found.uncertain)
            self.record(result, resolved, link.dropped, found, link.facts)

    def order_after(self, link: _Link, summary: FunctionLocks) -> None:
        """Edges from each lock held at a call to what the callee takes without releasing it first."""
        consts = self.derive(link, ())
        for held in _ordered(link.held):
            if held.kind in CONTEXT_KINDS:
                continue
            done = self.emitted.get((held.lock, held.subclass), 0)
            new = self.reach(summary.function.id, consts, held.lock) & self.take_mask & ~done & ~self.param_mask
            if not new:
                continue
            for bit in _bits(new):
                key = self.key_list[bit]
                below = self.witness(summary, bit, held.lock, True, consts)
                uncertain = below is None or link.event.guessed
                if below is None:
                    below = self.witness(summary, bit, held.lock, False, consts)
                    if below is None:
                        continue
                found = HeldEvent(
                    below.event, below.function, key[1], link.site, link.held, link.dropped, uncertain, None, below
                )
                if self.emit(held, key[1], key[2], key[3], found, uncertain) and not uncertain:
                    done |= 1 << bit
            self.emitted[(held.lock, held.subclass)] = done

    def derive(self, link: _Link, consts: _Consts) -> _Consts:
        """The constants the callee of ``link`` is called with, given the caller's ``consts``."""
        if not link.passes:
            return ()
        given = dict(consts)
        found = []
        for index, constant, param in link.passes:
            if param is None:
                if constant == FRESH:
                    constant = self.fresh_value(link, index, frozenset()) or ""
                    if not constant:
                        continue
                found.append((index, constant))
            elif param in given:
                value = given[param]
                if value.startswith(FRESH):  # a fresh object passed on: what this caller writes into it too
                    value = self.fresh_value(link, index, decode(value) or frozenset()) or ""
                    if not value:
                        continue
                found.append((index, value))
        return tuple(sorted(found))

    # --- fresh objects (values.py) ----------------------------------------------------------

    def zero_kept(self, function: Function, cfg: _Cfg, entry: int) -> dict[str, frozenset[str]]:
        """Per parameter, the fields the function leaves zero on every exit when they were zero on entry,
        among those it writes non-zero itself (``if (p->f) { p->f = 0; ... p->f = 1; }`` restores what
        it found): a walk of its graph from the entry fact ``p->f == 0``, following only the values of
        that field and of the locals the function gives constants."""
        candidates = {
            name: found & self.asked
            for name, found in _zero_candidates(function, self.events[function.id]).items()
            if found & self.asked  # a field no branch seen so far asks about: keeping it zero decides nothing
        }
        if not candidates:
            return {}
        params = {name: index for index, name in enumerate(function.params)}
        constants = {e.callee for e in self.events[function.id] if e.kind == "assign" and e.value and e.callee}
        names = set(params) | {name for name in constants if name in function.locals}
        saved = (self.said, self.names)
        self.said, self.names = {}, names
        try:
            kept = {
                name: frozenset(f for f in sorted(found) if self.keeps_zero(cfg, entry, params, f"{name}->{f}"))
                for name, found in candidates.items()
            }
        finally:
            self.said, self.names = saved
        return {name: found for name, found in kept.items() if found}

    def keeps_zero(self, cfg: _Cfg, entry: int, params: dict[str, int], full: str) -> bool:
        """Whether every exit has ``full`` (``p->f``) zero when the walk starts from ``p->f == 0``."""
        variable, _, field_name = full.partition("->")
        start = _State(frozenset(), facts=frozenset({(full, "0", True)}))
        states: dict[int, dict[_State, None]] = {entry: {start: None}}
        done: dict[int, set[_State]] = {}
        merged: set[int] = set()
        work = [entry]
        while work:
            index = work.pop()
            step = cfg.steps[index]
            finished = done.setdefault(index, set())
            current = [s for s in states.get(index, ()) if s not in finished]
            finished.update(current)
            for state in current:
                if step.op == "exit":
                    if (full, REASSIGNED, True) in state.facts and ("=" + full, "0", True) not in state.facts:
                        return False
                    continue
                if step.op == "event" and step.event is not None:
                    after = self.keeps_zero_step(step.event, state, params, variable, field_name, full)
                    outgoing = [(succ, after) for succ in step.succ]
                else:
                    outgoing = self.follow(step, state, self.names)
                for succ, following in outgoing:
                    if _join(states.setdefault(succ, {}), following, succ in merged, merged, succ):
                        work.append(succ)
        return True

    def keeps_zero_step(
        self, event: Event, state: _State, params: dict[str, int], variable: str, field_name: str, full: str
    ) -> _State:
        """One event of :meth:`keeps_zero`: an assignment, or a call that may write the field."""
        if event.kind == "assign":
            return self.assigned(state, event, params)
        if event.kind != "call" or variable not in event.objects:
            return state
        for position, name in enumerate(event.objects):
            if name != variable:
                continue
            for target in event.targets or ["?"]:
                written = self.objects.stores(target, position) if target in self.model.functions else {"*"}
                if field_name in written or "*" in written:
                    facts = frozenset(f for f in state.facts if f[0] != "=" + full) | {(full, REASSIGNED, True)}
                    return _State(state.held, state.dropped, state.assumed, state.pending, facts)
        return state

    def decides(self, container: str, struct: str) -> bool:
        """Whether an object of type ``struct`` out of ``container`` has a bit some branch walked so far
        tests and that is never set on the container's objects: else passing it down decides nothing."""
        tested = self.tested_bits.get(struct, set())
        key = (container, struct)
        known = self.deciding.get(key)
        if known is None or known[0] != len(tested):
            bits = sorted(tested)
            known = (len(bits), any(self.containers.never_set(container, f"{struct}.{f}", b) for f, b in bits))
            self.deciding[key] = known
        return known[1]

    def may_be_given(self, struct: str, bit: bool) -> bool:
        """Whether a parameter of type ``struct`` can be given a value a test of its fields can use: some
        function makes objects of that type fresh, or (for a test of a bit) gets them out of a container."""
        if struct in self.fresh_types:
            return True
        if not bit:
            return False
        if self.element_types is None:
            self.element_types = self.containers.element_types()
        return struct in self.element_types

    def preserved_of(self, fid: str) -> dict[str, frozenset[str]]:
        """:meth:`zero_kept` of a function already walked, worked out the first time a fresh object asks."""
        result = self.results.get(fid)
        if result is None:
            return {}  # not walked yet (a recursion): nothing is known to be kept
        if result.preserved is None:
            saved = self.tested
            self.tested = _tested_text(result.function)
            try:
                result.preserved = self.zero_kept(result.function, *build_cfg(result.function))
            finally:
                self.tested = saved
        return result.preserved

    def fresh_passes(
        self,
        function: Function,
        event: Event,
        summary: FunctionLocks,
        passes: tuple[tuple[int, str, int | None], ...],
    ) -> tuple[tuple[int, str, int | None], ...]:
        """A fresh local (``path = btrfs_alloc_path()``) given to a parameter whose fields the callee
        tests: passed as a fresh object (:data:`FRESH`, its value worked out when asked for), or an
        object out of a container (:data:`CONTAINED` and the container: the bits never set on its
        objects are clear)."""
        extra = []
        for index, name in enumerate(event.objects):
            if not name or index not in summary.sensitive or name not in function.locals:
                continue
            if self.objects.fresh(function.id, name) is not None:
                extra.append((index, FRESH, None))
            elif (container := self.containers.container_of(function.id, name)) is not None and self.decides(
                container, function.locals[name]
            ):
                extra.append((index, CONTAINED + container, None))  # out of a list or tree: its bits
        if not extra:
            return passes
        done = {index for index, _, _ in passes}
        return tuple(sorted(passes + tuple(e for e in extra if e[0] not in done)))

    def fresh_value(self, link: _Link, index: int, known: frozenset[str]) -> str | None:
        """The value a fresh object has when ``link``'s callee gets it as parameter ``index``: the
        fields that may be non-zero (``known`` from further up, and everything the caller and the
        callees it gives the object to write into it), or None when any may be."""
        caller = f"{link.site.file}:{link.site.function}"
        name = link.event.objects[index] if index < len(link.event.objects) else ""
        if not name or caller not in self.model.functions:
            return None
        key = (id(link.event), name, index)
        if key not in self.fresh_values:
            function = self.model.functions[caller]
            if name in function.params:
                written: frozenset[str] | None = self.objects.written_by(caller, name)
            else:
                written = self.objects.fresh(caller, name)
            self.fresh_values[key] = None if written is None or "*" in written else encode(written)
        value = self.fresh_values[key]
        if value is None or not known:
            return value
        return _joined(value, known)

    def calls(
        self, summary: FunctionLocks, consts: _Consts, given: dict[str, str]
    ) -> list[tuple[_Link, tuple[str, _Consts]]]:
        """The calls a function makes when called with ``consts``, each with its callee and constants."""
        key = (summary.function.id, consts)
        found = self.call_cache.get(key)
        if found is None:
            found = [
                (link, (link.target, self.derive(link, consts)))
                for link in sorted(summary.links.values(), key=lambda link: link.site.line)
                if _consistent(link.facts, given)
            ]  # in source order: chains go through the first call that reaches an event
            self.call_cache[key] = found
        return found

    def children(
        self, summary: FunctionLocks, consts: _Consts, lock: str | None
    ) -> list[tuple[str, _Consts, str | None]]:
        """The callees (with their constants) a function called with ``consts`` reaches on some call that
        does not release ``lock`` first, each once, as :meth:`reach` keys them (in no particular order:
        a mask is the same whatever order its callees' are or-ed in)."""
        key = (summary.function.id, consts)
        found = self.callees_of.get(key)
        if found is None:
            free: dict[tuple[str, _Consts], None] = {}  # reached by a call that releases nothing
            guarded: dict[tuple[str, _Consts], list[frozenset[str]]] = {}  # only by calls that release locks
            for link, child in self.calls(summary, consts, _given(summary, consts, self.containers.never_set)):
                if link.dropped:
                    guarded.setdefault(child, []).append(link.dropped)
                else:
                    free[child] = None
            found = self.callees_of[key] = (list(free), [(c, d) for c, d in guarded.items() if c not in free])
        free_list, guarded_list = found
        children = [(t, c, lock) for t, c in free_list]
        children += [
            (t, c, lock) for (t, c), drops in guarded_list if lock is None or any(lock not in d for d in drops)
        ]
        return children

    def reach(self, fid: str, consts: _Consts, lock: str | None) -> int:
        """Keys reachable from ``fid`` called with the constants ``consts`` (on paths that do not release
        ``lock`` first, if given): computed once each, with an explicit stack."""
        memo = self.reached_masks
        start = (fid, consts, lock)
        if start in memo:
            return memo[start]
        stack = [start]
        pending: dict[_Reach, list[_Reach]] = {}
        while stack:
            node = stack[-1]
            if node in memo:
                stack.pop()
                continue
            node_fid, node_consts, _ = node
            summary = self.results[node_fid]
            below = pending.get(node)
            if below is None:
                below = pending[node] = self.children(summary, node_consts, lock)
                missing = [m for m in below if m not in memo and m not in pending]
                if missing:
                    stack.extend(missing)
                    continue
            mask = 0
            given = _given(summary, node_consts, self.containers.never_set)
            for bit, variants in summary.own.items():
                for dropped, facts, _ in variants:
                    if (lock is None or lock not in dropped) and _consistent(facts, given):
                        mask |= 1 << bit
                        break
            callees = 0
            for child in pending.pop(node):
                callees |= memo.get(child, 0)  # 0: a recursion
            memo[node] = mask | callees & ~self.param_mask
            stack.pop()
        return memo[start]

    def witness(
        self, summary: FunctionLocks, bit: int, avoid: str | None, certain: bool = False, consts: _Consts = ()
    ) -> HeldEvent | None:
        """A chain from the function (called with ``consts``) to an event of key ``bit`` that does not
        release ``avoid`` (and goes through no guessed pointer call, if ``certain``), or None.

        It goes down the call graph (a DAG: recursion is cut) one call at a time, taking a callee that
        does the event itself if there is one, else the first call in source order that reaches it;
        every step down is remembered, so chains share their tails."""
        memo = self.witnesses
        flag = 1 << bit
        path: list[tuple[tuple[str, _Consts, int, str | None, bool], _Link]] = []
        node = (summary.function.id, consts, bit, avoid, certain)
        found: HeldEvent | None = None
        while True:
            if node in memo:
                found = memo[node]
                break
            fid, node_consts = node[0], node[1]
            current = self.results[fid]
            given = _given(current, node_consts, self.containers.never_set)
            own = next(
                (
                    event
                    for dropped, facts, event in current.own.get(bit, ())
                    if (avoid is None or avoid not in dropped) and _consistent(facts, given)
                ),
                None,
            )
            if own is not None:
                memo[node] = found = own
                break
            step: tuple[_Link, tuple[str, _Consts]] | None = None
            for mask, itself, link, child in self.ways_down(current, node_consts, given, avoid, certain):
                if not mask & flag:
                    continue
                if step is None:
                    step = (link, child)
                if itself & flag:
                    step = (link, child)  # the callee does it itself: the shortest way down
                    break
            if step is None:
                memo[node] = None
                break
            path.append((node, step[0]))
            node = (step[1][0], step[1][1], bit, avoid, certain)
            if len(path) > len(self.results):  # cannot happen in a DAG; a guard all the same
                found = None
                break
        for key, link in reversed(path):
            if found is not None:
                found = HeldEvent(
                    found.event,
                    found.function,
                    found.lock,
                    link.site,
                    link.held,
                    link.dropped,
                    found.uncertain or link.event.guessed,
                    None,
                    found,
                )
            memo[key] = found
        return found

    def ways_down(
        self, summary: FunctionLocks, consts: _Consts, given: dict[str, str], avoid: str | None, certain: bool
    ) -> list[tuple[int, int, _Link, tuple[str, _Consts]]]:
        """The calls :meth:`witness` may go down from a function called with ``consts``, in source order:
        per call, the keys its callee reaches without releasing ``avoid`` and those it does itself so,
        with the call and the callee.  Made once per function, constants, ``avoid`` and ``certain``:
        every key asked of that node scans the same list."""
        way = (summary.function.id, consts, avoid, certain)
        found = self.downs.get(way)
        if found is not None:
            return found
        found = []
        for link, child in self.calls(summary, consts, given):
            if (avoid is not None and avoid in link.dropped) or (certain and link.event.guessed):
                continue
            mask = self.reached_masks.get((child[0], child[1], avoid))
            if mask is None:
                mask = self.reach(child[0], child[1], avoid)
            itself = self.itself.get((child[0], avoid))
            if itself is None:
                itself = 0
                for bit, variants in self.results[child[0]].own.items():
                    if any(avoid is None or avoid not in d for d, _, _ in variants):
                        itself |= 1 << bit
                self.itself[(child[0], avoid)] = itself
            found.append((mask, itself, link, child))
        self.downs[way] = found
        return found

    def reached(self, summary: FunctionLocks) -> list[HeldEvent]:
        found = []
        for bit in _bits(summary.mask):
            event = self.witness(summary, bit, None)
            if event is not None:
                found.append(event)
        return found

    def callee_events(self, summary: FunctionLocks) -> list[HeldEvent]:
        """The callees' events at the calls where the function holds something, with what is held."""
        found = []
        seen: set[tuple[str, int, str, frozenset[Held]]] = set()
        for link in summary.locked_calls:
            mark = (link.site.text, link.site.line, link.target, link.held)
            if mark in seen:
                continue
            seen.add(mark)
            below_summary = self.results[link.target]
            consts = self.derive(link, ())
            fid = below_summary.function.id
            for bit in _bits(self.reach(fid, consts, None) & ~self.param_mask):
                below = self.witness(below_summary, bit, None, False, consts)
                if below is None:
                    continue
                held = frozenset(h for h in link.held if self.reach(fid, consts, h.lock) >> bit & 1)
                if held:
                    found.append(
                        HeldEvent(
                            below.event,
                            below.function,
                            below.lock,
                            link.site,
                            held,
                            link.dropped,
                            below.uncertain or link.event.guessed,
                            None,
                            below,
                        )
                    )
        return found

    def finish(self, function: Function, result: FunctionLocks, exits: list[tuple[_Step, _State]]) -> None:
        must: dict[str, Held] | None = None
        dropped: set[str] = set()
        seen: set[tuple[int, frozenset[Held], frozenset[str], frozenset[_Pending]]] = set()
        for step, state in exits:
            mark = (step.line, state.held, state.dropped, state.pending)
            if mark in seen:
                continue
            seen.add(mark)
            site = Site(function.name, function.file, step.line, "return")
            result.exits.append(Exit(site, state.held, state.dropped))
            pending = {p.lock for p in state.pending}
            mine = {h.lock: h for h in _ordered(state.held) if not h.declared and h.lock not in pending}
            must = mine if must is None else {k: v for k, v in must.items() if k in mine}
            dropped |= state.dropped
        result.effect = Effect(tuple((must or {}).values()), frozenset(dropped - set(must or {})))
        sensitive: set[int] = set()
        params = {name: index for index, name in enumerate(function.params)}
        fields: dict[str, set[str]] = {}
        said = {facts for variants in result.own.values() for _, facts, _ in variants}
        moved: set[str] | None = None  # parameters given another object: tests of their fields are not the caller's
        for facts in said | {link.facts for link in result.links.values()}:
            for fact in facts:
                if fact[0] in params:
                    sensitive.add(params[fact[0]])
                elif (
                    "->" in fact[0]
                    and fact[1] != REASSIGNED
                    and fact[0].partition("->")[0]
                    not in (moved := moved if moved is not None else moved_variables(function))
                    and (tested := tested_field(fact[0], params))
                    and self.may_be_given(function.params[tested[0]], bit=":" in tested[1])
                ):
                    if ":" in tested[1]:
                        field_name, _, bit = tested[1].partition(":")
                        self.tested_bits.setdefault(function.params[tested[0]], set()).add((field_name, bit))
                    sensitive.add(params[tested[0]])  # if (path->need_commit_sem): a fresh object decides
                    fields.setdefault(tested[0], set()).add(fact[0])
        for link in result.links.values():
            sensitive.update(param for _, _, param in link.passes if param is not None)
        result.sensitive = frozenset(sensitive)
        result.fields = {name: frozenset(found) for name, found in fields.items()}
        for found in fields.values():
            self.asked.update(
                part[1].partition(":")[0] for name in found if (part := tested_field(name, params)) is not None
            )

        self.results[function.id] = result  # reach() looks it up
        result.mask = self.reach(function.id, (), None)


def open_coded_locks(model: CodeModel) -> dict[str, OpenCodedLock]:
    """The flags that are open-coded locks: set and cleared around a region, waited for until clear."""
    found: dict[str, OpenCodedLock] = {}
    for name, flag in model.flags.items():
        if is_open_coded(flag):
            found[name] = OpenCodedLock(
                name, list(flag.setters), list(flag.clearers), list(flag.waiters), list(flag.wakers), list(flag.queues)
            )
    return found


def is_open_coded(flag: Flag) -> bool:
    """A flag is a lock when someone sets it, someone clears it and some waiter sleeps until it is clear."""
    return bool(flag.setters and flag.clearers and flag.waiters and flag.open_coded)


def entry_paths(model: CodeModel) -> dict[str, list[Site]]:
    """For each function, the shortest call path from an entry point (breadth first)."""
    paths: dict[str, list[Site]] = {f.id: [] for f in model.entries}
    queue = [f.id for f in model.entries]
    head = 0
    while head < len(queue):
        fid = queue[head]
        head += 1
        function = model.functions[fid]
        for event in function.events():
            if event.kind != "call":
                continue
            for target in event.targets:
                if target not in paths and target in model.functions:
                    paths[target] = paths[fid] + [_site(function, event)]
                    queue.append(target)
    return paths


def _bits(mask: int) -> list[int]:
    """The set bits of ``mask``, lowest first."""
    text = bin(mask)[:1:-1]
    found = []
    index = text.find("1")
    while index >= 0:
        found.append(index)
        index = text.find("1", index + 1)
    return found


def analyse(model: CodeModel, *, flags_as_locks: bool = True) -> LockSet:
    """Walk every function of ``model``: held sets at every event, exits, summaries, lock-order edges.

    ``flags_as_locks``: count open-coded locks (see :func:`open_coded_locks`) as locks.  Never
    raises on any model; work per function is bounded (``MAX_STATES``).
    """
    analysis = _Analysis(model, flags_as_locks)
    with paused():
        analysis.run()
    paths = entry_paths(model)
    by_site = {(f.name, f.file): f.id for f in model.functions.values()}
    for edge in analysis.edges.values():
        owner = by_site.get((edge.held_at.function, edge.held_at.file))
        edge.entry = paths.get(owner or "", [])
    edges = sorted(
        analysis.edges.values(), key=lambda e: (e.held, e.acquired, e.held_subclass or "", e.acquired_subclass or "")
    )
    return LockSet(model, analysis.results, edges, analysis.open_coded, analysis)


def lock_order_edges(model: CodeModel, *, flags_as_locks: bool = False) -> list[LockEdge]:
    """Every held -> acquired pair in scope (subclasses apart), with a shortest chain, sorted."""
    return analyse(model, flags_as_locks=flags_as_locks).edges


def _passes(
    event: Event,
    params: dict[str, int],
    callee: FunctionLocks,
    facts: frozenset[_Fact] = frozenset(),
    taken: frozenset[str] = frozenset(),
) -> tuple[tuple[int, str, int | None], ...]:
    """What a call passes to the callee's parameters that matter (see ``FunctionLocks.sensitive``):
    a constant, a variable a branch or assignment pinned to one (``if (!trans) helper(trans)``), or
    the caller's own parameter (whose constant, if its caller passes one, goes on) while it still
    holds what the caller passed: not after an assignment on some path to the call, and never for
    a parameter whose address is handed on (``taken``)."""
    if not callee.sensitive:
        return ()
    found: list[tuple[int, str, int | None]] = []
    pinned = {name: value for name, value, equal in facts if equal and value != REASSIGNED}
    for index in sorted(callee.sensitive):
        if index >= len(event.args):
            continue
        argument = event.args[index]
        known = pinned.get("=" + argument) or pinned.get(argument)
        if known is not None:
            found.append((index, known, None))
        elif argument in params:
            if (argument, REASSIGNED, True) not in facts and argument not in taken:
                found.append((index, "", params[argument]))
        elif argument and _constant(argument):
            found.append((index, _normal(argument), None))
    return tuple(found)


def _join(known: dict[_State, None], after: _State, single: bool, merged: set[int], index: int) -> bool:
    """Add a state arriving at a point; whether anything changed there.  Past ``MAX_STATES`` the
    states holding the same locks become one, then all of them (and the point stays merged).
    States are kept in arrival order: the walk gives the same answer on every run."""
    if single:
        (only,) = known
        combined = _merge([only, after])
        if combined == only:
            return False
        known.clear()
        known[combined] = None
        return True
    if after in known:
        return False
    known[after] = None
    if len(known) > MAX_STATES:
        groups: dict[tuple[frozenset[Held], frozenset[str]], list[_State]] = {}
        for state in known:
            groups.setdefault((state.held, state.dropped), []).append(state)
        fewer = dict.fromkeys(_merge(group) for group in groups.values())
        known.clear()
        if len(fewer) > MAX_STATES:
            fewer = {_merge(fewer): None}
            merged.add(index)
        known.update(fewer)
    return True


def _ordered(held: Iterable[Held]) -> list[Held]:
    """Held locks in a fixed order (a frozenset's order changes from run to run)."""
    return sorted(held, key=lambda h: (h.lock, h.subclass or "", h.kind, h.site.file, h.site.line, h.declared))


def _given(summary: FunctionLocks, consts: _Consts, never_set: Callable[[str, str, str], bool]) -> dict[str, str]:
    """The constants a function is called with, by parameter name; for a fresh object, each field its
    branches test that is still zero (``path->need_commit_sem``: ``0``), not the object itself; for an
    object out of a container, each bit its branches test that is never set on the container's objects
    (``never_set(container, STRUCT.field, bit)``, containers.py)."""
    if not consts:
        return {}
    names = list(summary.function.params)
    given: dict[str, str] = {}
    for index, value in consts:
        if index >= len(names):
            continue
        if value.startswith(CONTAINED):
            container = value[len(CONTAINED) :]
            struct = summary.function.params[names[index]]
            for tested in summary.fields.get(names[index], ()):
                found = tested_field(tested, summary.function.params)
                if found is None or ":" not in found[1]:
                    continue
                field_name, _, bit = found[1].partition(":")
                if never_set(container, f"{struct}.{field_name}", bit):
                    given[tested] = "0"
            continue
        if not value.startswith(FRESH):
            given[names[index]] = value
            continue
        written = decode(value) or frozenset()
        for tested in summary.fields.get(names[index], ()):
            found = tested_field(tested, summary.function.params)
            if found is not None and found[1].partition(":")[0] not in written:  # state:BIT: the word state
                given[tested] = "0"
    return given


@functools.lru_cache(maxsize=4096)
def _joined(value: str, known: frozenset[str]) -> str:
    """A fresh object's value with the fields ``known`` from further up added."""
    return encode(known | (decode(value) or frozenset()))


def _tested_text(function: Function) -> str:
    """Every branch, loop and switch condition of ``function``, spaces dropped, in one string."""
    found: list[str] = []
    stack = [function.body]
    while stack:
        for node in stack.pop():
            if node.condition:
                found.append(node.condition)
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    return re.sub(r"\s+", "", "\n".join(found))


def _zero_candidates(function: Function, events: list[Event]) -> dict[str, set[str]]:
    """Per parameter, the fields the function writes non-zero only by plain assignments the walk follows
    (``p->f = x``, an ``assign`` event): the ones :meth:`_Analysis.zero_kept` can follow."""
    if not any(name in function.params for name in function.field_stores):
        return {}
    followed: dict[str, set[str]] = {}
    for event in events:
        if event.kind == "assign" and event.callee:
            found = tested_field(event.callee, function.params)
            if found is not None and event.callee == f"{found[0]}->{found[1]}":
                followed.setdefault(found[0], set()).add(found[1])
    if not followed:
        return {}
    tested = _tested_text(function)  # a field no branch tests is not restored
    candidates: dict[str, set[str]] = {}
    for name, written in function.field_stores.items():
        found_fields = followed.get(name, set()) & set(written) - set(function.field_updates.get(name, ()))
        found_fields = {f for f in found_fields if f"{name}->{f}" in tested}
        if found_fields:
            candidates[name] = found_fields
    return candidates
