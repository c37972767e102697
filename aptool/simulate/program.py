"""Thread programs: a function's skeleton, callees inlined, compiled to a graph of visible steps.

A thread starts at an entry function.  Its skeleton (``Node`` s) is walked
with callees inlined to a bounded depth (a recursive call, a call past the
depth and a call of a function with no locking event anywhere below it are
skipped); ``if``/``switch`` arms, loop iterations, ``goto`` and ``return``
become edges.  What the simulator sees are only the *steps*: acquire,
release, flag set/clear, wait, wake, complete.  Every other node is folded
away, so a branch is a choice between the next steps it can reach.

Inputs: a :class:`CodeModel` and the id of the entry function.  Output: a
:class:`Program` (steps, each with its successors, and the start choices).
Errors: none; an unknown function gives an empty program.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from aptool.model.data import CodeModel, Event, Function, Node, Site
from aptool.simulate.facts import facts_of

MAX_INLINE_DEPTH = 16
MAX_STEPS = 20_000  # per thread: past this, calls are no longer inlined

# Step kinds.
END = "end"
ACQUIRE = "acquire"
RELEASE = "release"
FLAG_SET = "flag-set"
FLAG_CLEAR = "flag-clear"
WAIT = "wait"  # wait_event*: until its condition over flags holds (or, reading none, until woken)
WAKE = "wake"
WAIT_COMPLETION = "wait-completion"
COMPLETE = "complete"
COMPLETE_ALL = "complete-all"
SYNC = "sync"  # synchronize_srcu, flush_work: until no thread holds the class (readers, the running work)

SHARED_KINDS = frozenset({"rwsem-read", "rwlock-read", "srcu-read"})
SYNC_KINDS = frozenset({"srcu-sync", "work"})
_COMPLETION_WAITS = ("wait_for_completion", "sem_wait")
_COMPLETION_WAKES = {
    "complete": COMPLETE,
    "complete_all": COMPLETE_ALL,
    "complete_release": COMPLETE,
    "sem_post": COMPLETE,
}


@dataclass
class Step:
    """One visible step of a thread: what it does, where, and where it can go next."""

    kind: str
    event: Event | None
    site: Site | None  # function and file:line
    chain: tuple[Site, ...] = ()  # the calls inlined from the entry down to here
    next: list[int] = field(default_factory=list)  # successors once done (several: a branch follows)
    fail: list[int] = field(default_factory=list)  # a trylock that fails continues here

    @property
    def lock(self) -> str:
        return self.event.lock or "?" if self.event is not None else ""

    @property
    def shared(self) -> bool:
        return self.event is not None and (self.event.lock_kind or "") in SHARED_KINDS

    @property
    def trylock(self) -> bool:
        return self.event is not None and self.event.trylock


@dataclass
class Program:
    """A thread's steps (index 0 is the end) and the steps it can start with."""

    function: Function
    steps: list[Step]
    start: list[int]
    truncated: bool = False  # the step budget ran out: some calls were not inlined
    holds: list[str] = field(default_factory=list)  # held from the start: the work item a work function runs as
    # the simulator's tables of this thread, by the fast form of its steps (aptool.simulate.machine)
    tables: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class _Raw:
    """A node of the graph before folding: a step, or a silent junction with successors."""

    step: Step | None
    succ: list[int] = field(default_factory=list)


class _Compiler:
    def __init__(self, model: CodeModel, max_depth: int, budget: int) -> None:
        self.model = model
        self.max_depth = max_depth
        self.budget = budget
        self.raw: list[_Raw] = [_Raw(Step(END, None, None))]
        self.truncated = False
        self.fails: dict[int, int] = {}  # a trylock step -> where it goes when the lock is busy
        self._relevant: set[str] | None = None
        # per function id (a function is inlined many times): its labels, and its body without the
        # events that do nothing here
        self.labels = facts_of(model).labels
        self.bodies = facts_of(model).bodies

    def node(self, step: Step | None = None, succ: list[int] | None = None) -> int:
        self.raw.append(_Raw(step, list(succ or [])))
        return len(self.raw) - 1

    # Functions whose bodies (or whose callees') have a step: only these are worth inlining.
    def relevant(self, fid: str) -> bool:
        if self._relevant is None:
            self._relevant = facts_of(self.model).relevant
        return fid in self._relevant

    def function(self, function: Function, after: int, stack: tuple[Site, ...], active: frozenset[str]) -> int:
        """The entry of ``function``'s body, continuing at ``after`` when it returns."""
        names = self.labels.get(function.id)
        if names is None:
            found: dict[str, None] = {}
            _find_labels(function.body, found)
            names = self.labels[function.id] = tuple(found)
        labels = {name: self.node() for name in names}
        body = self.bodies.get(function.id)
        if body is None:
            body = self.bodies[function.id] = self._prune(function.body)
        return self.sequence(body, after, _Context(function, after, None, None, labels, stack, active))

    def _prune(self, nodes: list[Node]) -> list[Node]:
        """``nodes`` without the events that never become a step or an inlined call (wherever they are
        inlined, they lead straight on): the same graph, walked faster.  Nodes are copied, never changed."""
        kept: list[Node] = []
        for node in nodes:
            kind = node.kind
            if kind == "event":
                if node.event is not None and self._matters(node.event):
                    kept.append(node)
            elif kind in ("if", "switch"):
                branches = [self._prune(branch) for branch in node.branches]
                same = all(new is old for new, old in zip(branches, node.branches, strict=True))
                kept.append(node if same else replace(node, branches=branches))
            elif kind in ("loop", "do"):
                body = self._prune(node.body)
                kept.append(node if body is node.body else replace(node, body=body))
            elif kind in ("return", "break", "continue", "goto", "label"):
                kept.append(node)
        return nodes if len(kept) == len(nodes) and all(a is b for a, b in zip(kept, nodes, strict=True)) else kept

    def _matters(self, event: Event) -> bool:
        """Whether an event is a step, or a call of a function that may be inlined."""
        if _step_kind(event) is not None:
            return True
        functions = self.model.functions
        return event.kind == "call" and any(t in functions and self.relevant(t) for t in event.targets)

    def sequence(self, nodes: list[Node], after: int, ctx: _Context) -> int:
        entry = after
        for node in reversed(nodes):
            entry = self.statement(node, entry, ctx)
        return entry

    def statement(self, node: Node, after: int, ctx: _Context) -> int:
        kind = node.kind
        if kind == "event" and node.event is not None:
            return self.event(node.event, after, ctx)
        if kind == "if":
            entries = [self.sequence(branch, after, ctx) for branch in node.branches]
            if len(node.branches) < 2:
                entries.append(after)
            return self._trylock_choice(entries) or self.node(None, entries)
        if kind == "switch":
            arms: list[int] = []
            falling = after
            for arm in reversed(node.branches):
                inner = _Context(ctx.function, ctx.returns, after, ctx.continues, ctx.labels, ctx.stack, ctx.active)
                falling = self.sequence(arm, falling, inner)
                arms.append(falling)
            return self.node(None, list(reversed(arms)) or [after])
        if kind in ("loop", "do"):
            head = self.node()
            inner = _Context(ctx.function, ctx.returns, after, head, ctx.labels, ctx.stack, ctx.active)
            body = self.sequence(node.body, head, inner)
            self.raw[head].succ = [body, after]
            return head if kind == "loop" else body
        if kind == "return":
            return ctx.returns
        if kind == "break":
            return ctx.breaks if ctx.breaks is not None else after
        if kind == "continue":
            return ctx.continues if ctx.continues is not None else after
        if kind == "goto":
            return ctx.labels.get(node.label or "", ctx.returns)
        if kind == "label":
            junction = ctx.labels.get(node.label or "")
            if junction is None:
                return after
            self.raw[junction].succ = [after]
            return junction
        return after  # case labels and anything else: nothing happens

    def _trylock_choice(self, entries: list[int]) -> int | None:
        """``if (mutex_trylock(&m)) A else B``: one step that takes m and goes on to A, or fails to B."""
        if len(entries) != 2:
            return None
        for index, entry in enumerate(entries):
            step = self.raw[entry].step
            if step is not None and step.kind == ACQUIRE and step.trylock:
                self.fails[entry] = entries[1 - index]
                return entry
        return None

    def event(self, event: Event, after: int, ctx: _Context) -> int:
        kind = _step_kind(event)
        if kind is not None:
            site = Site(ctx.function.name, ctx.function.file, event.line, event.text)
            return self.node(Step(kind, event, site, ctx.stack), [after])
        if event.kind != "call" or not event.targets:
            return after
        entries = []
        stack: tuple[Site, ...] | None = None  # the calls down to the callee: made once, for the first inlined
        for target in event.targets:
            callee = self.model.functions.get(target)
            if callee is None or target in ctx.active or not self.relevant(target):
                continue
            if len(ctx.stack) >= self.max_depth or len(self.raw) > self.budget:
                self.truncated = True
                continue
            if stack is None:
                stack = (*ctx.stack, Site(ctx.function.name, ctx.function.file, event.line, event.text))
            entries.append(self.function(callee, after, stack, ctx.active | {target}))
        if not entries:
            return after
        return entries[0] if len(entries) == 1 else self.node(None, entries)


@dataclass
class _Context:
    function: Function
    returns: int
    breaks: int | None
    continues: int | None
    labels: dict[str, int]
    stack: tuple[Site, ...]
    active: frozenset[str]


def _find_labels(nodes: list[Node], labels: dict[str, None]) -> None:
    """The labels of a body, in the order they are written (the first of a name)."""
    for node in nodes:
        if node.kind == "label" and node.label:
            labels.setdefault(node.label)
        for branch in node.branches:
            _find_labels(branch, labels)
        _find_labels(node.body, labels)


def _step_kind(event: Event) -> str | None:
    if event.kind in ("acquire", "release", "flag-set", "flag-clear"):
        return event.kind if event.lock else None
    if event.kind == "wait" and event.lock_kind in SYNC_KINDS:
        return SYNC if event.lock else None
    if event.kind == "wait":
        callee = event.callee or ""
        if "timeout" in callee or "timed" in callee:
            return None  # it returns when the time is up: it never waits forever
        if callee.startswith(_COMPLETION_WAITS):
            return WAIT_COMPLETION
        return WAIT
    if event.kind == "wake":
        return _COMPLETION_WAKES.get(event.callee or "", WAKE)
    return None


def compile_thread(
    model: CodeModel, fid: str, *, max_depth: int = MAX_INLINE_DEPTH, budget: int = MAX_STEPS
) -> Program:
    """The program of a thread that starts in function ``fid``."""
    function = model.functions[fid]
    compiler = _Compiler(model, max_depth, budget)
    entry = compiler.function(function, 0, (), frozenset({fid}))
    return _fold(compiler, function, entry)


def _fold(compiler: _Compiler, function: Function, entry: int) -> Program:
    """Drop the silent junctions: each step's successors become the steps they lead to."""
    raw = compiler.raw
    is_step = [node.step is not None for node in raw]
    succs = [node.succ for node in raw]
    closures: dict[int, dict[int, None]] = {}  # a junction -> the steps it leads to (an ordered set)

    def closure(start: int) -> dict[int, None]:
        """The steps junction ``start`` leads to: a depth-first walk over junctions (each one entered
        once; one folded before gives its own steps), the end when there are none."""
        found: dict[int, None] = {}
        seen = {start}
        todo = [start]
        while todo:
            index = todo.pop()
            if is_step[index]:
                found[index] = None
                continue
            if index != start:
                known = closures.get(index)
                if known is not None:  # a junction already folded: take its steps
                    found.update(known)
                    continue
            for succ in reversed(succs[index]):
                if succ not in seen:
                    seen.add(succ)
                    todo.append(succ)
        closures[start] = found = found or {0: None}
        return found

    def following(targets: list[int]) -> list[int]:
        """``targets`` with each junction replaced by the steps it leads to."""
        found: list[int] = []
        for target in targets:
            if is_step[target]:
                found.append(target)
            else:
                found.extend(closures.get(target) or closure(target))
        return found

    numbering: dict[int, int] = {0: 0}
    order = [0]
    starts = following([entry])
    for index in starts:
        if index not in numbering:
            numbering[index] = len(order)
            order.append(index)
    folded: list[tuple[list[int], list[int]]] = []  # per step of ``order``: its successors and failures
    fails_at = compiler.fails
    head = 0
    while head < len(order):
        index = order[head]
        head += 1
        nexts = following(succs[index])
        fail_at = fails_at.get(index)
        fails = following([fail_at]) if fail_at is not None else []
        folded.append((nexts, fails))
        for n in (*nexts, *fails):
            if n not in numbering:
                numbering[n] = len(order)
                order.append(n)
    steps: list[Step] = []
    number = numbering.__getitem__
    for index, (nexts, fails) in zip(order, folded, strict=True):
        step = raw[index].step
        assert step is not None
        steps.append(
            Step(step.kind, step.event, step.site, step.chain, _unique(map(number, nexts)), _unique(map(number, fails)))
        )
    start = _unique(map(number, starts))
    return Program(function, steps, start, compiler.truncated)


def _unique(items: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(items))
