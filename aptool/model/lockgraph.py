"""Lock-order edges: "while holding A, B is taken", each with the call chain that does it.

Each function's skeleton is walked with the set of locks held on each path
(if/else and switch arms separately, a switch arm falling through into the
next unless it breaks, loops zero or more times, ``goto`` continuing at its
label, ``return`` ending the path).  A function annotated ``__must_hold(L)``
or ``__releases(L)`` starts with L held.  A call while holding A adds an
edge from A to every lock the callee can take, through its summary; a
callee that returns holding a lock (``lock_foo()``) leaves it held in the
caller, one that releases a lock it did not take drops it.  A
trylock never blocks, so it adds no edge (it is held afterwards, as lockdep
has it).  With ``flags_as_locks`` an open-coded lock counts as a lock:
setting the flag takes it, clearing releases it, and waiting for it is a
take-and-release.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from aptool.model.data import CodeModel, Event, Function, Node, Site

MAX_STATES = 16
MAX_GOTO_DEPTH = 4


@dataclass
class LockEdge:
    held: str
    acquired: str
    held_kind: str  # mutex, spin, ..., "flag" (an open-coded lock), "annotation" (__must_hold)
    acquired_kind: str  # mutex, spin, ..., "flag-wait" (waiting for an open-coded lock)
    held_at: Site  # where the held lock was taken
    chain: list[Site]  # call sites from the holding function down to the acquisition, which is last
    entry: list[Site] = field(default_factory=list)  # call path from an entry point to the holding function
    through_flag: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Held:
    lock: str
    kind: str
    site: Site


States = set[frozenset[_Held]]


@dataclass
class _Flow:
    """Where the paths through a list of nodes go: on, out of the loop or switch, to the next iteration."""

    normal: States
    breaks: States = field(default_factory=set)
    continues: States = field(default_factory=set)


Summary = list[tuple[str, str, tuple[Site, ...]]]


@dataclass(frozen=True)
class _Effect:
    """What calling a function does to the caller's held set: ``lock_foo()`` returns holding foo."""

    held: tuple[_Held, ...] = ()
    dropped: frozenset[str] = frozenset()


class _Graph:
    def __init__(self, model: CodeModel, flags_as_locks: bool) -> None:
        self.model = model
        self.flags_as_locks = flags_as_locks
        self.summaries: dict[str, Summary] = {}
        self.effects: dict[str, _Effect] = {}
        self.edges: dict[tuple[str, str], LockEdge] = {}

    # What a function can take, anywhere below it, and how.
    def summary(self, fid: str, visiting: frozenset[str] = frozenset()) -> Summary:
        if fid in self.summaries:
            return self.summaries[fid]
        if fid in visiting or fid not in self.model.functions:
            return []
        function = self.model.functions[fid]
        found: dict[tuple[str, str], tuple[Site, ...]] = {}
        for event in function.events():
            site = _site(function, event)
            for lock, kind in self.takes(event):
                if kind != "flag" and not event.trylock:
                    found.setdefault((lock, kind), (site,))
            if event.kind == "call":
                for target in event.targets:
                    for lock, kind, chain in self.summary(target, visiting | {fid}):
                        found.setdefault((lock, kind), (site, *chain))
        result = [(lock, kind, chain) for (lock, kind), chain in found.items()]
        self.summaries[fid] = result
        return result

    def takes(self, event: Event) -> list[tuple[str, str]]:
        if event.kind == "acquire" and event.lock:
            return [(event.lock, event.lock_kind or "lock")]
        if self.flags_as_locks and event.kind == "flag-set" and event.lock in self.model.flags:
            return [(event.lock, "flag")]
        if self.flags_as_locks and event.kind == "wait":
            return [(flag, "flag-wait") for flag in event.flags if flag in self.model.flags]
        return []

    def emit(self, held: _Held, lock: str, kind: str, chain: list[Site]) -> None:
        if held.lock == lock and kind == "flag-wait":
            return  # waiting for a flag one holds is the checks' business (self-deadlock), not an order
        key = (held.lock, lock)
        edge = LockEdge(
            held.lock, lock, held.kind, kind, held.site, chain, through_flag="flag" in held.kind or "flag" in kind
        )
        known = self.edges.get(key)
        if known is None or len(edge.chain) < len(known.chain):
            self.edges[key] = edge

    # Walk one function with the held set on each path.
    def walk(self, function: Function) -> _Effect:
        """Emit the function's edges; return what a call of it leaves held or drops (lock wrappers)."""
        if function.id in self.effects:
            return self.effects[function.id]
        self.effects[function.id] = _Effect()  # recursion: a function calling itself changes nothing
        top = function.body
        labels = {node.label: index for index, node in enumerate(top) if node.kind == "label"}
        exits: States = set()
        dropped: set[str] = set()

        def run(nodes: list[Node], states: States, depth: int) -> _Flow:
            nonlocal exits
            flow = _Flow(set())
            for node in nodes:
                if not states:
                    break
                kind = node.kind
                if kind == "event" and node.event is not None:
                    states = {self.step(function, node.event, state, dropped) for state in states}
                elif kind == "if":
                    merged: States = set()
                    for branch in node.branches:
                        inner = run(branch, set(states), depth)
                        merged |= inner.normal
                        flow.breaks |= inner.breaks
                        flow.continues |= inner.continues
                    if len(node.branches) < 2:
                        merged |= states
                    states = merged
                elif kind == "switch":
                    after: States = set()
                    falling: States = set()
                    for arm in node.branches:
                        inner = run(arm, states | falling, depth)
                        falling = inner.normal
                        after |= inner.breaks
                        flow.continues |= inner.continues
                    states = after | falling
                elif kind in ("loop", "do"):
                    inner = run(node.body, set(states), depth)
                    around = inner.normal | inner.continues
                    states = (states if kind == "loop" else set()) | around | inner.breaks
                elif kind == "return":
                    exits |= states
                    states = set()
                elif kind == "goto":
                    if node.label in labels and depth < MAX_GOTO_DEPTH:
                        run(top[labels[node.label] + 1 :], states, depth + 1)
                    states = set()
                elif kind == "break":
                    flow.breaks |= states
                    states = set()
                elif kind == "continue":
                    flow.continues |= states
                    states = set()
                if len(states) > MAX_STATES:
                    states = {frozenset().union(*states)}
            flow.normal = states
            return flow

        exits |= run(top, {self.entry_state(function)}, 0).normal
        held = {h.lock: h for state in exits for h in state if h.kind != "annotation"}
        effect = _Effect(tuple(held.values()), frozenset(dropped - set(held)))
        self.effects[function.id] = effect
        return effect

    def entry_state(self, function: Function) -> frozenset[_Held]:
        """What a function holds when it starts: what its annotations say its caller holds."""
        return frozenset(
            _Held(a.lock, "annotation", Site(function.name, function.file, a.line, f"{a.kind}({a.lock})"))
            for a in function.annotations
            if a.kind in ("__must_hold", "__releases")
        )

    def step(self, function: Function, event: Event, state: frozenset[_Held], dropped: set[str]) -> frozenset[_Held]:
        site = _site(function, event)
        if event.kind == "release" or (self.flags_as_locks and event.kind == "flag-clear"):
            if not any(h.lock == event.lock and h.kind != "annotation" for h in state):
                dropped.add(event.lock or "")  # the caller's lock: an unlock wrapper, or __releases
            return frozenset(h for h in state if h.lock != event.lock)
        for lock, kind in self.takes(event):
            if kind != "flag" and not event.trylock:  # setting a flag never blocks; only waiting for it does
                for held in state:
                    self.emit(held, lock, kind, [site])
            if kind != "flag-wait":
                state = state | {_Held(lock, kind, site)}
        if event.kind == "call":
            for target in event.targets:
                for lock, kind, chain in self.summary(target):
                    for held in state:
                        self.emit(held, lock, kind, [site, *chain])
            for target in event.targets:  # what the callee returns holding, or drops: lock wrappers
                if target in self.model.functions:
                    effect = self.walk(self.model.functions[target])
                    if effect.dropped:
                        state = frozenset(h for h in state if h.lock not in effect.dropped)
                    state = state | {_Held(h.lock, h.kind, site) for h in effect.held}
        return state


def _site(function: Function, event: Event) -> Site:
    return Site(function.name, function.file, event.line, event.text)


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


def lock_order_edges(model: CodeModel, *, flags_as_locks: bool = False) -> list[LockEdge]:
    """Every held -> acquired pair in scope, with the shortest chain found, sorted for stable output."""
    graph = _Graph(model, flags_as_locks)
    for function in model.functions.values():
        graph.walk(function)
    paths = entry_paths(model)
    by_site = {(f.name, f.file): f.id for f in model.functions.values()}
    for edge in graph.edges.values():
        owner = by_site.get((edge.held_at.function, edge.held_at.file))
        edge.entry = paths.get(owner or "", [])
    return sorted(graph.edges.values(), key=lambda e: (e.held, e.acquired))
