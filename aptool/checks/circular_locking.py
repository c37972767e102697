"""``circular-locking``: a cycle in the lock-order graph, as lockdep's circular-dependency splat.

The graph is lockdep's: a dependency runs from the lock taken last before
an acquisition (see :attr:`CheckContext.graph`).  Open-coded locks count as
locks, so a cycle through a flag is found too and marked hidden: lockdep
cannot see it.

Which cycles: for every dependency, the shortest cycle that runs through
it (as lockdep, which searches breadth first for the shortest way back when
a dependency is added).  A cycle whose lock classes include all those of a
cycle of real locks (no flag) is left out: that real cycle is the deadlock
to fix, and lockdep reports it first.  Hidden cycles leave nothing out: two
of them are two different ways to hang, as two CPUs or as three.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from aptool.checks.context import CheckContext, chain_of
from aptool.checks.findings import Chain, CircularLocking, Location, Step


def check(context: CheckContext) -> Iterator[CircularLocking]:
    for cycle in cycles(context.graph, context.flags):
        yield make_finding(context, cycle)


def cycles(graph: nx.DiGraph, flags: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """The shortest cycle through each dependency, each rotated to start at its smallest class, sorted;
    without the cycles that contain every class of a shorter cycle of real locks."""
    found: set[tuple[str, ...]] = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)
        for held, acquired in sorted(sub.edges):
            back = nx.shortest_path(sub, acquired, held)  # acquired ... held
            cycle = [held, *back[:-1]]
            start = cycle.index(min(cycle))
            found.add(tuple(cycle[start:] + cycle[:start]))
    real = [set(c) for c in found if not flags & set(c)]
    return sorted(c for c in found if not any(r < set(c) for r in real))


def make_finding(context: CheckContext, cycle: tuple[str, ...], closing: int = -1) -> CircularLocking:
    """The finding for ``cycle`` (``cycle[i] -> cycle[i+1]``, the last back to the first)."""
    edges = [context.graph.edges[a, b]["edge"] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
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
    finding.schedule = [
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
