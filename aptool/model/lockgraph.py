"""Lock-order edges: "while holding A, B is taken", each with the call chain that does it.

Each function's skeleton is walked with the set of locks held on each path
(if/else and switch arms separately, loops once, ``goto`` continuing at its
label, ``return`` ending the path).  A call while holding A adds an edge from
A to every lock the callee can take, through its summary.  With
``flags_as_locks`` an open-coded lock counts as a lock: setting the flag takes
it, clearing releases it, and waiting for it is a take-and-release.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aptool.model.data import CodeModel, Event, Function, Node

MAX_STATES = 16
MAX_GOTO_DEPTH = 4


@dataclass(frozen=True)
class Site:
    function: str
    file: str
    line: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.function}+{self.file}:{self.line}"


@dataclass
class LockEdge:
    held: str
    acquired: str
    held_kind: str
    acquired_kind: str
    held_at: Site  # where the held lock was taken
    chain: list[Site]  # call sites from the holding function down to the acquisition, which is last
    entry: list[Site] = field(default_factory=list)  # call path from an entry point to the holding function
    through_flag: bool = False


@dataclass(frozen=True)
class _Held:
    lock: str
    kind: str
    site: Site


class _Graph:
    def __init__(self, model: CodeModel, flags_as_locks: bool) -> None:
        self.model = model
        self.flags_as_locks = flags_as_locks
        self.summaries: dict[str, list[tuple[str, str, tuple[Site, ...]]]] = {}
        self.edges: dict[tuple[str, str], LockEdge] = {}

    # What a function can take, anywhere below it, and how.
    def summary(self, fid: str, visiting: frozenset[str] = frozenset()) -> list[tuple[str, str, tuple[Site, ...]]]:
        if fid in self.summaries:
            return self.summaries[fid]
        if fid in visiting or fid not in self.model.functions:
            return []
        function = self.model.functions[fid]
        found: dict[tuple[str, str], tuple[Site, ...]] = {}
        for event in function.events():
            site = _site(function, event)
            for lock, kind in self.takes(event):
                found.setdefault((lock, kind), (site,))
            if event.kind == "call":
                for target in event.targets:
                    for lock, kind, chain in self.summary(target, visiting | {fid}):
                        if kind != "flag":
                            found.setdefault((lock, kind), (site, *chain))
        result = [(lock, kind, chain) for (lock, kind), chain in found.items()]
        self.summaries[fid] = result
        return result

    def takes(self, event: Event) -> list[tuple[str, str]]:
        if event.kind == "acquire" and event.lock:
            return [(event.lock, event.lock_kind or "lock")]
        if self.flags_as_locks and event.kind == "flag-set" and event.lock:
            return [(event.lock, "flag")]
        if self.flags_as_locks and event.kind == "wait":
            return [(flag, "flag-wait") for flag in event.flags]
        return []

    def emit(self, held: _Held, lock: str, kind: str, chain: list[Site]) -> None:
        if held.lock == lock and kind in ("flag-wait",):
            return  # waiting for a flag one holds is the checks' business (self-deadlock), not an order
        key = (held.lock, lock)
        edge = LockEdge(held.lock, lock, held.kind, kind, held.site, chain,
                        through_flag="flag" in held.kind or "flag" in kind)
        known = self.edges.get(key)
        if known is None or len(edge.chain) < len(known.chain):
            self.edges[key] = edge

    # Walk one function with the held set on each path.
    def walk(self, function: Function) -> None:
        top = function.body
        labels = {node.label: index for index, node in enumerate(top) if node.kind == "label"}

        def run(nodes: list[Node], states: set[frozenset[_Held]], depth: int) -> set[frozenset[_Held]]:
            for node in nodes:
                if not states:
                    return states
                if node.kind == "event" and node.event is not None:
                    states = {self.step(function, node.event, state) for state in states}
                elif node.kind == "if" or node.kind == "switch":
                    merged: set[frozenset[_Held]] = set()
                    for branch in node.branches or [[]]:
                        merged |= run(branch, set(states), depth)
                    if node.kind == "if" and len(node.branches) < 2:
                        merged |= states
                    states = merged
                elif node.kind == "loop":
                    states = states | run(node.body, set(states), depth)
                elif node.kind == "return":
                    return set()
                elif node.kind == "goto":
                    if node.label in labels and depth < MAX_GOTO_DEPTH:
                        run(top[labels[node.label] + 1:], states, depth + 1)
                    return set()
                if len(states) > MAX_STATES:
                    states = {frozenset().union(*states)}
            return states

        run(top, {frozenset()}, 0)

    def step(self, function: Function, event: Event, state: frozenset[_Held]) -> frozenset[_Held]:
        site = _site(function, event)
        if event.kind == "release" or (self.flags_as_locks and event.kind == "flag-clear"):
            return frozenset(h for h in state if h.lock != event.lock)
        for lock, kind in self.takes(event):
            if kind != "flag":  # setting a flag never blocks; only waiting for it does
                for held in state:
                    self.emit(held, lock, kind, [site])
            if kind != "flag-wait":
                state = state | {_Held(lock, kind, site)}
        if event.kind == "call":
            for target in event.targets:
                for lock, kind, chain in self.summary(target):
                    for held in state:
                        self.emit(held, lock, kind, [site, *chain])
        return state


def _site(function: Function, event: Event) -> Site:
    return Site(function.name, function.file, event.line, event.text)


def entry_paths(model: CodeModel) -> dict[str, list[Site]]:
    """For each function, the shortest call path from an entry point (breadth first)."""
    paths: dict[str, list[Site]] = {f.id: [] for f in model.entries}
    queue = [f.id for f in model.entries]
    while queue:
        fid = queue.pop(0)
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
    holders = {f.name: f.id for f in model.functions.values()}
    for edge in graph.edges.values():
        owner = next((f.id for f in model.functions.values()
                      if f.name == edge.held_at.function and f.file == edge.held_at.file), holders.get(edge.held_at.function))
        edge.entry = paths.get(owner or "", [])
    return sorted(graph.edges.values(), key=lambda e: (e.held, e.acquired))
