"""``circular-locking``: a cycle in the lock-order graph, as lockdep's circular-dependency splat.

The graph is lockdep's: a dependency runs from the lock taken last before
an acquisition (see :attr:`CheckContext.graph`).  Open-coded locks count as
locks, so a cycle through a flag is found too and marked hidden: lockdep
cannot see it.

Which cycles: for every dependency, the shortest cycle that runs through
it (as lockdep, which searches breadth first for the shortest way back when
a dependency is added).  A cycle whose lock classes include all those of a
cycle of real locks (no flag) is left out: that real cycle is the deadlock
to fix, and lockdep reports it first.  Of the rest, shortest first, a cycle
is reported when it shows a dependency no shorter reported cycle shows:
every dependency that is part of a cycle is shown once, in the shortest
cycle it closes.

A class whose dependencies say which object its lock is in
(:mod:`aptool.checks.circular_instances`) is one node per object: a cycle
through one class has to come back to the same lock, as a deadlock does;
an object not known joins every object.

A lock taken with a subclass computed at run time (``down_read_nested(&ctrl->reset_lock,
ctrl->depth)``) is lockdep's nesting by level: two acquisitions of it are
at different levels exactly when the code needs them to be, which a static
reading cannot tell; a cycle through it is not reported.

A cycle every dependency of which is made, wherever a function makes it
itself, with one and the same outer lock held (a "gate": ``big_lock``
around both the A->B and the B->A path) cannot deadlock: the paths never
run at once.  Lockdep reports it anyway; aptool does not.  A dependency
made only through callees, or a gate only a caller takes, is not seen as
gated: the cycle is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from aptool.checks.circular_instances import Instances, project
from aptool.checks.context import CheckContext, chain_of
from aptool.checks.findings import Chain, CircularLocking, Location, Step

EXCLUSIVE = frozenset({"mutex", "spin", "rwsem-write", "rwlock-write", "flag"})


def check(context: CheckContext) -> Iterator[CircularLocking]:
    found = cycles(context.graph, context.flags, context.places)
    gates = _gates(context, {pair for cycle in found for pair in _pairs(cycle)})
    for cycle in found:
        if not _gated(cycle, gates) and not any(_by_level(lock) for lock in cycle):
            yield make_finding(context, cycle)


def _by_level(lock: str) -> bool:
    """A class whose subclass is an expression (``ctrl->depth``, ``nest``), not a number or a constant."""
    _, _, subclass = lock.partition("/")
    return bool(subclass) and not (subclass.isdigit() or subclass.isupper() or subclass.startswith("nest_lock("))


def _pairs(cycle: tuple[str, ...]) -> list[tuple[str, str]]:
    return list(zip(cycle, cycle[1:] + cycle[:1], strict=True))


def _gates(context: CheckContext, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """For each dependency, the exclusive locks held wherever a function takes ``acquired`` itself while
    holding ``held`` (its own view: a lock its callers hold does not count, so a gate taken by a caller
    is not seen and the cycle is reported -- the safe side)."""
    if not pairs:
        return {}
    edges = {pair: context.graph.edges[pair]["edge"] for pair in pairs}
    wanted = {(edge.held, edge.acquired): pair for pair, edge in edges.items()}
    acquired = {lock for _, lock in wanted}
    gates: dict[tuple[str, str], set[str]] = {}
    for locks in context.lockset.functions.values():
        for found in locks.own_events:
            if found.lock not in acquired:
                continue
            for held in found.held:
                pair = wanted.get((held.lock, found.lock))
                if pair is None:
                    continue
                others = {h.lock for h in found.held if h.kind in EXCLUSIVE and h.lock not in (held.lock, found.lock)}
                gates[pair] = gates[pair] & others if pair in gates else others
    return gates


def _gated(cycle: tuple[str, ...], gates: dict[tuple[str, str], set[str]]) -> bool:
    """Whether one lock is held around every dependency of the cycle, on every path seen."""
    common: set[str] | None = None
    for pair in _pairs(cycle):
        if pair not in gates:
            return False
        common = gates[pair] if common is None else common & gates[pair]
    return bool(common)


def cycles(
    graph: nx.DiGraph, flags: set[str] | frozenset[str] = frozenset(), places: Instances | None = None
) -> list[tuple[str, ...]]:
    """The shortest cycle through each dependency, each rotated to start at its smallest class, sorted;
    without the cycles that contain every class of a shorter cycle of real locks.  With ``places``
    (:mod:`aptool.checks.circular_instances`), a class whose dependencies say which object its lock is
    in is one node per object: a cycle must come back to the same lock."""
    found: set[tuple[str, ...]] = set()
    split = places.graph(graph) if places is not None else graph
    for component in nx.strongly_connected_components(split):
        if len(component) < 2:
            continue
        sub = split.subgraph(component)
        for held, acquired in sorted(sub.edges):
            back = nx.shortest_path(sub, acquired, held)  # acquired ... held
            ring = [project(n) for n in (held, *back[:-1])]
            start = ring.index(min(ring))
            found.add(tuple(ring[start:] + ring[:start]))
    real = [set(c) for c in found if not flags & set(c)]
    minimal = sorted((c for c in found if not any(r < set(c) for r in real)), key=lambda c: (len(c), c))
    covered: set[tuple[str, str]] = set()
    kept: list[tuple[str, ...]] = []
    for cycle in minimal:  # shortest first; a longer cycle must bring a dependency no shorter one showed
        pairs = set(_pairs(cycle))
        if pairs - covered:
            kept.append(cycle)
            covered |= pairs
    return sorted(kept)


def make_finding(context: CheckContext, cycle: tuple[str, ...], closing: int = -1) -> CircularLocking:
    """The finding for ``cycle`` (``cycle[i] -> cycle[i+1]``, the last back to the first)."""
    edges = [context.graph.edges[a, b]["edge"] for a, b in _pairs(cycle)]
    chains = [chain_of(edge) for edge in edges]
    hidden_by = tuple(lock for lock in cycle if lock in context.flags)
    finding = CircularLocking(locks=cycle, message="", chains=chains, hidden_by=hidden_by)
    return describe(finding, closing)


def describe(finding: CircularLocking, closing: int) -> CircularLocking:
    """Fill message, locations and the two-CPU scenario for the chain ``closing`` closing the cycle.

    Lockdep's order: the task holds ``target`` and is trying to acquire
    ``source``; the existing chain runs ``source --> ... --> parent -->
    target``.
    """
    count = len(finding.chains)
    closing %= count
    finding.closing = closing
    order = [finding.chains[(closing + 1 + i) % count] for i in range(count)]  # source first, closing last
    source, target = order[-1].acquired, order[-1].held
    parent = order[-2].held if count > 1 else source
    path = " -> ".join([c.held for c in order[:-1]] + [target, source])
    hidden = (
        f"; hidden from lockdep by the open-coded lock{'s' * (len(finding.hidden_by) > 1)} "
        + ", ".join(finding.hidden_by)
        if finding.hidden_by
        else ""
    )
    finding.message = f"{path}{hidden}"
    finding.locations = [_acquisition(c, finding.hidden_by) for c in reversed(order) if c.steps]
    flags = set(finding.hidden_by)
    finding.scenario = [
        Step("CPU0", _act(target, flags, held=True), order[-1].held_at),
        Step("CPU1", _act(parent, flags, held=True), order[-2].held_at if count > 1 else None),
        Step("CPU1", _act(target, flags, held=False), order[-2].steps[-1] if count > 1 else None),
        Step("CPU0", _act(source, flags, held=False), order[-1].steps[-1] if order[-1].steps else None),
    ]
    return finding


def _acquisition(chain: Chain, flags: tuple[str, ...]) -> Location:
    """Where the chain takes its lock, and in what role."""
    how = f"waits for {chain.acquired} to clear" if chain.acquired in flags else f"takes {chain.acquired}"
    holding = f"with {chain.held} set" if chain.held in flags else f"while holding {chain.held}"
    last = chain.steps[-1]
    return Location(last.path, last.line, last.function, last.text, f"{how} {holding}")


def _act(lock: str, flags: set[str], *, held: bool) -> str:
    """One scenario step: a flag is set (held) or waited for (acquired); a lock is locked."""
    if lock in flags:
        return f"set({lock})" if held else f"wait_event(!{lock})"
    return f"lock({lock})"
