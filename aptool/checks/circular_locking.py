"""``circular-locking``: a cycle in the lock-order graph, as lockdep's circular-dependency splat.

Open-coded locks count as locks (the context's edges are built with
``flags_as_locks``), so a cycle through a flag is found too and marked
hidden: lockdep cannot see it.  Cycles are enumerated per strongly
connected component, up to ``MAX_LENGTH`` locks; a cycle whose lock classes
include all those of a shorter cycle is left out (it is that cycle plus a
detour, and says nothing new).
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from aptool.checks.context import CheckContext, chain_of
from aptool.checks.findings import Chain, CircularLocking, Location, Step

MAX_LENGTH = 6  # locks in one cycle; lockdep's longest real reports are about this long
MAX_CYCLES = 2000  # per strongly connected component, before the minimal ones are picked


def check(context: CheckContext) -> Iterator[CircularLocking]:
    for cycle in minimal_cycles(context.graph):
        yield make_finding(context, cycle)


def minimal_cycles(graph: nx.DiGraph) -> list[tuple[str, ...]]:
    """Simple cycles, each rotated to start at its smallest class, without those that contain a shorter one."""
    found: list[tuple[str, ...]] = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)
        for count, cycle in enumerate(nx.simple_cycles(sub, length_bound=MAX_LENGTH)):
            if count >= MAX_CYCLES:
                break
            start = cycle.index(min(cycle))
            found.append(tuple(cycle[start:] + cycle[:start]))
    found.sort(key=lambda c: (len(c), c))
    kept: list[tuple[str, ...]] = []
    for cycle in found:
        classes = set(cycle)
        if not any(set(shorter) < classes for shorter in kept):
            kept.append(cycle)
    return sorted(kept)


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
