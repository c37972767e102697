"""What the checks share, computed once per model: the lock-order edges, their graph, the held-lock walk.

A check asks the context; it never re-walks the model itself.  Everything
is a ``cached_property``, so a run that selects only some checks pays only
for what they use.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx

from aptool.checks.findings import Chain, Location
from aptool.model.data import CodeModel

if TYPE_CHECKING:
    from aptool.model.lockgraph import LockEdge


class CheckContext:
    """The model of one tree (a revision or a set of files) and the analyses over it."""

    def __init__(self, model: CodeModel) -> None:
        self.model = model

    @cached_property
    def edges(self) -> list[LockEdge]:
        """Every lock-order edge, open-coded locks counted as locks (``LockEdge.through_flag`` marks those)."""
        from aptool.model.lockgraph import lock_order_edges

        return lock_order_edges(self.model, flags_as_locks=True)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The lock-order graph as lockdep keeps it: a node per lock class, an edge (attribute ``edge``)
        per *direct* dependency -- from the lock taken last before the acquisition, not from every lock
        held (lockdep's ``check_prevs_add`` stops at the first held lock).  A shortcut ``A -> C`` made
        only because ``B`` was taken under ``A`` and ``C`` under ``B`` on the same path is left out:
        it would make ``A -> C -> ... -> A`` a second, shorter cycle of the same deadlock."""
        graph = nx.DiGraph()
        for edge in direct_edges(self.edges):
            if edge.held != edge.acquired:
                graph.add_edge(edge.held, edge.acquired, edge=edge)
        return graph

    @cached_property
    def flags(self) -> set[str]:
        """The flag classes the model counts as open-coded locks."""
        return set(self.model.flags)


def chain_of(edge: LockEdge) -> Chain:
    """A lock-order edge as a finding's evidence."""
    notes = []
    if edge.through_flag:
        notes.append("through an open-coded lock")
    if getattr(edge, "uncertain", False):
        notes.append("uncertain: a pointer call resolved by field name only")
    return Chain(
        held=edge.held,
        acquired=edge.acquired,
        held_at=Location.of(edge.held_at, f"{'sets' if edge.held_kind == 'flag' else 'takes'} {edge.held}"),
        steps=tuple(Location.of(site) for site in edge.chain),
        entry=tuple(Location.of(site) for site in edge.entry),
        note="; ".join(notes),
    )


def direct_edges(edges: list[LockEdge]) -> list[LockEdge]:
    """The edges that are not shortcuts of two others on the same path (see :attr:`CheckContext.graph`).

    ``A -> C`` is a shortcut when some ``B`` has edges ``A -> B`` and ``B -> C``, the acquisition of
    ``C`` is the same site in ``A -> C`` and ``B -> C``, and ``B`` is taken in a function on the
    ``A -> C`` chain: on that path ``B`` was the innermost lock when ``C`` was taken.
    """
    out_of: dict[str, list[LockEdge]] = {}
    pair: dict[tuple[str, str], LockEdge] = {}
    for edge in edges:
        out_of.setdefault(edge.held, []).append(edge)
        pair[(edge.held, edge.acquired)] = edge
    kept = []
    for edge in edges:
        if not edge.chain:
            kept.append(edge)
            continue
        target = edge.chain[-1]
        on_path = {(site.function, site.file) for site in edge.chain}
        shortcut = False
        for middle in out_of.get(edge.held, []):
            inner = pair.get((middle.acquired, edge.acquired))
            if inner is None or middle.acquired in (edge.held, edge.acquired) or not inner.chain:
                continue
            if (inner.chain[-1].file, inner.chain[-1].line) != (target.file, target.line):
                continue
            if (inner.held_at.function, inner.held_at.file) in on_path:
                shortcut = True
                break
        if not shortcut:
            kept.append(edge)
    return kept
