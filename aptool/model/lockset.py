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

import re
from collections.abc import Generator, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from aptool.model.data import CodeModel, Event, Flag, Function, Node, Site
from aptool.model.pointers import NameIndex
from aptool.model.primitives import QUEUE_WORKS, SET_CLASS, WORK_INITS

MAX_STATES = 12  # distinct states kept per program point before they are merged into one
MAX_REACHED = 400  # reached events kept per function summary (the shortest chain of each kind is kept first)

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


@dataclass(frozen=True)
class HeldEvent:
    """An event a function reaches, with what is held there.

    ``event``: the model's :class:`Event` (in function ``function``, an id); ``lock``: its class
    with a parameter resolved to the caller's argument; ``chain``: the call sites from the function
    down to the event, whose own site is last; ``held``: the locks held there on that path, taken
    by the function or anything it called on the way (not by its callers); ``dropped``: the
    caller's locks released on the way (not held there even when the caller held them);
    ``uncertain``: the chain goes through a call resolved by a function-pointer field name alone.
    """

    event: Event
    function: str
    lock: str | None
    chain: tuple[Site, ...]
    held: frozenset[Held]
    dropped: frozenset[str] = frozenset()
    uncertain: bool = False
    param: int | None = None  # the lock is the function's parameter number ``param``

    @property
    def site(self) -> Site:
        return self.chain[-1]


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

    ``events``: its own events, one per distinct held set they are reached with, then the
    acquisitions, sleeps and waits of its callees at the calls where it holds something (where it
    holds nothing, the callee's own list says it all); ``exits``: one per return and distinct
    state; ``effect``: what a call leaves behind; ``releases_unheld``: releases of a lock not held
    on that path (its caller's, or a bug: ``Function.annotations`` tells which).
    """

    function: Function
    events: list[HeldEvent] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    effect: Effect = field(default_factory=Effect)
    releases_unheld: list[HeldEvent] = field(default_factory=list)
    reached: dict[tuple[Any, ...], HeldEvent] = field(default_factory=dict)  # the summary callers compose


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
class LockSet:
    """The result of :func:`analyse`."""

    model: CodeModel
    functions: dict[str, FunctionLocks]
    edges: list[LockEdge]
    open_coded: dict[str, OpenCodedLock]


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


class _Cfg:
    def __init__(self) -> None:
        self.steps: list[_Step] = []
        self.labels: dict[str, int] = {}

    def add(self, step: _Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1


_Request = tuple[list[Node], int, int, int]


def build_cfg(function: Function) -> tuple[_Cfg, int]:
    """The function's control-flow graph and its entry point, built without recursion."""
    cfg = _Cfg()
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


def _compile(cfg: _Cfg, nodes: list[Node], after: int, brk: int, cont: int) -> Generator[_Request, int, int]:
    """Steps for ``nodes`` continuing at ``after``; yields sub-lists to compile, receives their entries."""
    current = after
    for node in reversed(nodes):
        kind = node.kind
        if kind == "event" and node.event is not None:
            current = cfg.add(_Step("event", node.event, [current], line=node.line))
        elif kind == "if":
            arms = list(node.branches) + [[]] * (2 - len(node.branches))
            then_entry = yield (arms[0], current, brk, cont)
            else_entry = yield (arms[1], current, brk, cont)
            condition = node.condition or ""
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
            current = cfg.add(_Step("branch", succ=entries or [current], cond=[None] * max(len(entries), 1)))
        elif kind in ("loop", "do"):
            head = cfg.add(_Step("loop", line=node.line))
            body_entry = yield (node.body, head, current, head)
            cfg.steps[head].succ = [body_entry, current]
            current = body_entry if kind == "do" else head
        elif kind == "return":
            current = cfg.add(_Step("exit", line=node.line))
        elif kind == "goto":
            current = cfg.add(_Step("goto", line=node.line, label=node.label))
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


@dataclass(frozen=True)
class _State:
    held: frozenset[Held]
    dropped: frozenset[str] = frozenset()
    assumed: frozenset[tuple[str, bool]] = frozenset()
    pending: frozenset[_Pending] = frozenset()


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
    return _State(frozenset(held), frozenset(dropped), assumed, frozenset(pending))


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
        self.bindings()

    def bindings(self) -> None:
        """Work items and their functions (``INIT_WORK``), workqueues and their items, ``lockdep_set_class``."""
        index = NameIndex(self.model.functions)
        for function in self.model.functions.values():
            for event in function.events():
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
        return [t for e in self.model.functions[fid].events() if e.kind == "call" for t in e.targets]

    def run(self) -> None:
        for fid in self.order():
            self.results[fid] = self.walk(self.model.functions[fid])

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

    def emit(
        self, held: Held, lock: str, kind: str, subclass: str | None, chain: tuple[Site, ...], uncertain: bool
    ) -> None:
        if held.kind in CONTEXT_KINDS or kind in CONTEXT_KINDS or kind == "srcu-read" and held.kind == "srcu-read":
            return
        if kind == "rcu-read" or held.kind == "rcu-read":
            return
        if held.lock == lock:
            if kind == "flag-wait":
                return  # waiting for a flag one holds is the checks' business (self-deadlock), not an order
            if (subclass or "").startswith("nest_lock"):
                return  # mutex_lock_nest_lock: lockdep allows any number under the nest lock
            if lock in self.reclassed and held.subclass == subclass:
                return  # lockdep_set_class*(): which instance has which key is not known here
        key = (held.lock, held.subclass, lock, subclass)
        known = self.edges.get(key)
        if known is not None and (
            len(known.chain) < len(chain) or (known.uncertain <= uncertain and len(known.chain) == len(chain))
        ):
            return
        self.edges[key] = LockEdge(
            held.lock,
            lock,
            held.kind,
            kind,
            held.site,
            list(chain),
            through_flag="flag" in held.kind or "flag" in kind,
            held_subclass=held.subclass,
            acquired_subclass=subclass,
            uncertain=uncertain,
        )

    def entry_state(self, function: Function) -> _State:
        """What a function holds when it starts: what its annotations say its caller holds."""
        held = frozenset(
            Held(a.lock, "annotation", Site(function.name, function.file, a.line, f"{a.kind}({a.lock})"), declared=True)
            for a in function.annotations
            if a.kind in ("__must_hold", "__releases") or a.kind.startswith("lockdep_assert_held")
        )
        site = Site(function.name, function.file, function.line, "work function")
        works = frozenset(Held(work, "work", site, declared=True) for work in self.works.get(function.id, ()))
        return _State(held | works)

    def walk(self, function: Function) -> FunctionLocks:
        result = FunctionLocks(function)
        cfg, entry = build_cfg(function)
        params = {name: index for index, name in enumerate(function.params)}
        states: dict[int, set[_State]] = {entry: {self.entry_state(function)}}
        merged: set[int] = set()
        work = [entry]
        queued = {entry}
        seen_events: set[tuple[int, frozenset[Held]]] = set()
        exits: list[tuple[_Step, _State]] = []
        while work:
            index = work.pop()
            queued.discard(index)
            step = cfg.steps[index]
            current = list(states.get(index, ()))
            outgoing: list[tuple[int, _State]] = []
            if step.op == "exit":
                exits.extend((step, s) for s in current)
                continue
            for state in current:
                if step.op == "event" and step.event is not None:
                    for after in self.step(function, params, step.event, state, result, seen_events):
                        outgoing.extend((s, after) for s in step.succ)
                elif step.op == "loop" and state.assumed:  # the loop may change what its conditions test
                    forgot = _State(state.held, state.dropped, frozenset(), state.pending)
                    outgoing.extend((s, forgot) for s in step.succ)
                elif step.op == "branch":
                    for succ, cond in zip(step.succ, step.cond, strict=False):
                        assumed = self.assume(state, cond, step.tracked)
                        if assumed is not None:
                            outgoing.append((succ, assumed))
                else:
                    outgoing.extend((s, state) for s in step.succ)
            for succ, after in outgoing:
                known = states.setdefault(succ, set())
                if succ in merged:
                    (only,) = known
                    combined = _merge([only, after])
                    if combined == only:
                        continue
                    known.clear()
                    known.add(combined)
                elif after in known:
                    continue
                else:
                    known.add(after)
                    if len(known) > MAX_STATES:
                        combined = _merge(known)
                        known.clear()
                        known.add(combined)
                        merged.add(succ)
                if succ not in queued:
                    queued.add(succ)
                    work.append(succ)
        self.finish(function, result, exits)
        return result

    def assume(self, state: _State, cond: tuple[str, bool] | None, tracked: bool) -> _State | None:
        """The state on one arm of a branch, or None when the arm contradicts an earlier assumption."""
        if cond is None:
            return state
        text, truth = cond
        if (text, not truth) in state.assumed:
            return None
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
        if held is state.held and pending is state.pending and assumed is state.assumed:
            return state
        return _State(held, state.dropped, assumed, pending)

    def record(self, result: FunctionLocks, key: tuple[Any, ...], found: HeldEvent) -> None:
        known = result.reached.get(key)
        if known is None:
            if len(result.reached) < MAX_REACHED:
                result.reached[key] = found
        elif len(found.chain) < len(known.chain):
            result.reached[key] = found

    def step(
        self,
        function: Function,
        params: dict[str, int],
        event: Event,
        state: _State,
        result: FunctionLocks,
        seen: set[tuple[int, frozenset[Held]]],
    ) -> list[_State]:
        site = _site(function, event)
        mark = (id(event), state.held)
        lock = event.lock
        param = params.get(lock) if lock is not None and not event.resolved else None
        own = HeldEvent(event, function.id, lock, (site,), state.held, state.dropped, param=param)
        if mark not in seen:
            seen.add(mark)
            result.events.append(own)
        kind = event.kind
        if kind == "release" or (kind == "flag-clear" and event.lock in self.open_coded and self.flags_as_locks):
            released = [h for h in state.held if h.lock == lock]
            if len(released) > 1:  # two of a class (a nesting): the one taken through the same expression
                same = [h for h in released if _lock_argument(h.site.text) == _lock_argument(event.text)]
                released = same or released
            if released:
                held = state.held.difference(released)
                dropped = state.dropped | {lock or ""} if any(h.declared for h in released) else state.dropped
                return [_State(held, dropped, state.assumed, state.pending)]
            result.releases_unheld.append(own)
            return [_State(state.held, state.dropped | {lock or ""}, state.assumed, state.pending)]
        if kind == "call":
            return self.call(function, params, event, state, result)
        taken = self.takes(event)
        if kind in ("sleep", "wait") and not taken:
            self.record(result, ("sleep", lock, f"{kind}:{event.callee}", None, False, param, state.dropped), own)
        held = state.held
        dropped = state.dropped
        pending = state.pending
        subclass = _subclass(event.subclass)
        for name, lock_kind in taken:
            found = HeldEvent(event, function.id, name, (site,), state.held, state.dropped, param=param)
            self.record(result, ("take", name, lock_kind, subclass, event.trylock, param, state.dropped), found)
            if lock_kind != "flag" and not event.trylock:  # setting a flag never blocks; only waiting does
                for h in held:
                    self.emit(h, name, lock_kind, subclass, (site,), False)
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
        return [_State(held, dropped, state.assumed, pending)]

    def call(
        self, function: Function, params: dict[str, int], event: Event, state: _State, result: FunctionLocks
    ) -> list[_State]:
        site = _site(function, event)
        after: list[_State] = []
        for target in event.targets:
            summary = self.results.get(target)
            if summary is None:  # outside the model, or a recursive call still being summarised
                continue
            uncertain = event.guessed
            for key, reached in summary.reached.items():
                lock = reached.lock
                param = None
                if reached.param is not None:  # the callee's parameter: the caller's argument
                    argument = event.args[reached.param] if reached.param < len(event.args) else ""
                    if not argument:
                        continue
                    lock = argument
                    param = params.get(argument) if argument in params else None
                caller_held = frozenset(h for h in state.held if h.lock not in reached.dropped)
                inner = frozenset(h for h in reached.held if not h.declared)
                chain = (site, *reached.chain)
                both_uncertain = uncertain or reached.uncertain
                if key[0] == "take" and lock is not None:
                    lock_kind = key[2]
                    if lock_kind != "flag" and not reached.event.trylock:
                        for h in caller_held:
                            self.emit(h, lock, lock_kind, key[3], chain, both_uncertain)
                dropped = state.dropped | (reached.dropped - {h.lock for h in state.held})
                composed = HeldEvent(
                    reached.event,
                    reached.function,
                    lock,
                    chain,
                    caller_held | inner,
                    dropped,
                    both_uncertain,
                    param,
                )
                if caller_held:
                    result.events.append(composed)
                self.record(result, (key[0], lock, key[2], key[3], key[4], param, frozenset(dropped)), composed)
            effect = summary.effect
            if not effect.held and not effect.dropped:
                continue
            held = frozenset(h for h in state.held if h.lock not in effect.dropped)
            dropped = state.dropped | (effect.dropped - {h.lock for h in state.held})
            for h in effect.held:
                held = held | {Held(h.lock, h.kind, site, h.subclass, h.context, h.trylock, via=event.callee)}
            after.append(_State(held, dropped, state.assumed, state.pending))
        if not after or len(after) < len(event.targets):
            after.append(state)
        return list(dict.fromkeys(after))

    def finish(self, function: Function, result: FunctionLocks, exits: list[tuple[_Step, _State]]) -> None:
        must: dict[str, Held] | None = None
        dropped: set[str] = set()
        seen: set[tuple[int, _State]] = set()
        for step, state in exits:
            if (step.line, state) in seen:
                continue
            seen.add((step.line, state))
            site = Site(function.name, function.file, step.line, "return")
            result.exits.append(Exit(site, state.held, state.dropped))
            pending = {p.lock for p in state.pending}
            mine = {h.lock: h for h in state.held if not h.declared and h.lock not in pending}
            must = mine if must is None else {k: v for k, v in must.items() if k in mine}
            dropped |= state.dropped
        result.effect = Effect(tuple((must or {}).values()), frozenset(dropped - set(must or {})))


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


def analyse(model: CodeModel, *, flags_as_locks: bool = True) -> LockSet:
    """Walk every function of ``model``: held sets at every event, exits, summaries, lock-order edges.

    ``flags_as_locks``: count open-coded locks (see :func:`open_coded_locks`) as locks.  Never
    raises on any model; work is bounded per function (``MAX_STATES``, ``MAX_REACHED``).
    """
    analysis = _Analysis(model, flags_as_locks)
    analysis.run()
    paths = entry_paths(model)
    by_site = {(f.name, f.file): f.id for f in model.functions.values()}
    for edge in analysis.edges.values():
        owner = by_site.get((edge.held_at.function, edge.held_at.file))
        edge.entry = paths.get(owner or "", [])
    edges = sorted(
        analysis.edges.values(), key=lambda e: (e.held, e.acquired, e.held_subclass or "", e.acquired_subclass or "")
    )
    return LockSet(model, analysis.results, edges, analysis.open_coded)


def lock_order_edges(model: CodeModel, *, flags_as_locks: bool = False) -> list[LockEdge]:
    """Every held -> acquired pair in scope (subclasses apart), with the shortest chain found, sorted."""
    return analyse(model, flags_as_locks=flags_as_locks).edges
