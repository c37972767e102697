"""What the checks share, computed once per model: the lock-order edges, their graph, the held-lock walk.

A check asks the context; it never re-walks the model itself.  Everything
is a ``cached_property``, so a run that selects only some checks pays only
for what they use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx

from aptool.checks.findings import Chain, Location
from aptool.model.data import CodeModel, Node, Site

_FIELD_TEST = re.compile(r"\b([A-Za-z_]\w*)\s*->\s*([A-Za-z_]\w*)")
_WARNING = re.compile(r"\b(?:WARN_ON|WARN_ON_ONCE|WARN|WARN_ONCE|BUG_ON|ASSERT)\s*\(")

if TYPE_CHECKING:
    from aptool.checks.circular_instances import Instances
    from aptool.model.lockset import HeldEvent, LockEdge, LockSet


class CheckContext:
    """The model of one tree (a revision or a set of files) and the analyses over it."""

    def __init__(self, model: CodeModel, *, uncertain: bool = False) -> None:
        self.model = model
        self.uncertain = uncertain  # also report what rests on a pointer call resolved by field name alone
        self._warned: dict[str, set[int]] = {}
        self._chosen: dict[str, set[int]] = {}
        self._guards: dict[str, list[int]] = {}

    @cached_property
    def lockset(self) -> LockSet:
        """The one held-lock walk (:mod:`aptool.model.lockset`), open-coded locks counted as locks."""
        from aptool.model.lockset import analyse

        return analyse(self.model, flags_as_locks=True)

    @cached_property
    def edges(self) -> list[LockEdge]:
        """Every lock-order edge (``LockEdge.through_flag`` marks those through an open-coded lock)."""
        return self.lockset.edges

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The lock-order graph as lockdep keeps it: a node per lock class, an edge (attribute ``edge``)
        per *direct* dependency -- from the lock taken last before the acquisition, not from every lock
        held (lockdep's ``check_prevs_add`` stops at the first held lock).  A shortcut ``A -> C`` made
        only because ``B`` was taken under ``A`` and ``C`` under ``B`` on the same path is left out:
        it would make ``A -> C -> ... -> A`` a second, shorter cycle of the same deadlock."""
        graph = nx.DiGraph()
        kept = [e for e in self.edges if blocks(e) and (self.uncertain or not e.uncertain) and self._real(e)]
        for edge in direct_edges([e for e in kept if not self.on_warning_path(e.chain)]):
            held, acquired = node(edge.held, edge.held_subclass), node(edge.acquired, edge.acquired_subclass)
            if held != acquired:
                graph.add_edge(held, acquired, edge=edge)
        return graph

    @cached_property
    def places(self) -> Instances:
        """Which object the locks of each dependency on a cycle are in (:mod:`aptool.checks.circular_instances`)."""
        from aptool.checks.circular_instances import instances

        return instances(self.model, self.lockset, self.graph)

    def _real(self, edge: LockEdge) -> bool:
        """An edge through a flag counts only when the flag is an open-coded lock (see :attr:`flags`)."""
        for lock, kind in ((edge.held, edge.held_kind), (edge.acquired, edge.acquired_kind)):
            if "flag" in kind and lock not in self.flags:
                return False
        return True

    def chosen_by_caller(self, chain: Sequence[Site]) -> bool:
        """Whether a callee on ``chain`` (every site after the first) reaches the next step only under a test
        of one of its own parameters' values (``if (prealloc)``, ``if (!locked)``,
        ``gfpflags_allow_blocking(mask)``): the caller's argument decides, which the walk does not know
        unless it is a literal constant."""
        return self._on_marked_line(chain[1:], self._chosen, self._chosen_lines)

    def _chosen_lines(self, fid: str) -> set[int]:
        function = self.model.functions[fid]
        if not function.params:
            return set()
        value = re.compile(r"\b(" + "|".join(map(re.escape, function.params)) + r")\b(?!\s*(?:->|\.|\[))")
        return _lines_under(
            function.body,
            lambda item: item.kind in ("if", "switch") and bool(value.search(item.condition or "")),
            then_only=False,
        )

    def done_once(self, chain: Sequence[Site], holder: Site) -> bool:
        """Whether a function on ``chain`` other than the holder's goes on toward the acquisition only past a
        *done-once guard*: an early ``if (... x->f ...) return`` on a field of one of its parameters that it
        (or a callee it hands ``x`` to) writes itself (``if (root->last_trans == trans->transid) return 0;
        mutex_lock(&reloc_mutex); record_root_in_trans()`` sets ``last_trans``).  Its region runs once per
        value of that field; whether the holder reaches it before or after that run is the object's state
        at run time, which the walk does not know."""
        for site in chain[1:]:
            if (site.function, site.file) == (holder.function, holder.file):
                continue  # the holder's own region: run before it wrote the field
            fid = self.function_ids.get((site.function, site.file))
            if fid is None:
                continue
            if fid not in self._guards:
                self._guards[fid] = self._guard_lines(fid)
            if any(line < site.line for line in self._guards[fid]):
                return True
        return False

    def _guard_lines(self, fid: str) -> list[int]:
        """The lines of ``fid``'s top-level ``if (... x->f ...) return ...;`` whose field it writes."""
        function = self.model.functions[fid]
        found = []
        for item in function.body:
            if item.kind != "if" or not item.branches or not item.condition:
                continue
            then = item.branches[0]
            if not then or then[-1].kind != "return" or any(branch for branch in item.branches[1:]):
                continue
            for name, field_name in _FIELD_TEST.findall(item.condition):
                if name in function.params and field_name in self.lockset.analysis.objects.writes(fid, name):
                    found.append(item.line)
                    break
        return found

    def on_warning_path(self, chain: Iterable[Site]) -> bool:
        """Whether a call or event of ``chain`` sits under ``if (WARN_ON(...))`` or the like: a path the code
        itself says does not happen (``btrfs_put_block_group`` cancelling discard work it must not have)."""
        return self._on_marked_line(chain, self._warned, self._warned_lines)

    def _warned_lines(self, fid: str) -> set[int]:
        return _lines_under(
            self.model.functions[fid].body,
            lambda item: item.kind == "if" and bool(_WARNING.search(item.condition or "")),
            then_only=True,
        )

    def _on_marked_line(
        self, chain: Iterable[Site], known: dict[str, set[int]], lines_of: Callable[[str], set[int]]
    ) -> bool:
        """Whether a site of ``chain`` is on one of its function's lines ``lines_of`` marks (kept in ``known``)."""
        for site in chain:
            fid = self.function_ids.get((site.function, site.file))
            if fid is None:
                continue
            if fid not in known:
                known[fid] = lines_of(fid)
            if site.line in known[fid]:
                return True
        return False

    @cached_property
    def function_ids(self) -> dict[tuple[str, str], str]:
        """(name, file) -> function id, to find the functions a chain of sites runs through."""
        return {(f.name, f.file): f.id for f in self.model.functions.values()}

    def dropped_on_the_way(self, found: HeldEvent) -> set[str]:
        """The caller's locks some function on ``found``'s chain released before reaching it.

        A callee that drops its caller's spinlock and sleeps (``pci_wait_cfg``) does not sleep under
        it; the walk keeps what each function dropped in that function's own view of the event.
        """
        dropped = set(found.dropped)
        for site in found.chain:
            fid = self.function_ids.get((site.function, site.file))
            if fid is None or fid not in self.lockset.functions:
                continue
            for other in self.lockset.functions[fid].events:
                if other.event is found.event:
                    dropped |= other.dropped
        return dropped

    @cached_property
    def flags(self) -> set[str]:
        """The open-coded locks: flags the walk counts as locks (set, cleared, waited for until clear)
        that some setter also holds across dropping a real lock -- the shape that hides an order from
        lockdep.  A flag only ever set under the locks it is tested with protects nothing they do not."""
        from aptool.checks.open_coded_lock import lock_regions

        return {name for name in self.lockset.open_coded if lock_regions(self.model, name)}


def blocks(edge: LockEdge) -> bool:
    """Whether taking ``acquired`` can wait for ever on whoever holds it: an SRCU read lock never waits,
    and a wait with a timeout ends (``wait_event_timeout``); neither can close a deadlock."""
    if edge.acquired_kind == "srcu-read":
        return False
    last = edge.chain[-1].text if edge.chain else ""
    return "timeout" not in last.split("(", 1)[0]


def node(lock: str, subclass: str | None) -> str:
    """A lock class as lockdep keys it: the class, and its subclass when it has one (``inode.i_rwsem/1``)."""
    return f"{lock}/{subclass}" if subclass else lock


def chain_of(edge: LockEdge) -> Chain:
    """A lock-order edge as a finding's evidence."""
    notes = []
    if edge.through_flag:
        notes.append("through an open-coded lock")
    if getattr(edge, "uncertain", False):
        notes.append("uncertain: a pointer call resolved by field name only")
    return Chain(
        held=node(edge.held, edge.held_subclass),
        acquired=node(edge.acquired, edge.acquired_subclass),
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


def _lines_under(body: list[Node], opens: Callable[[Node], bool], *, then_only: bool) -> set[int]:
    """The lines of the events under a branch that ``opens`` (a predicate on a node) marks: every branch
    of a marked node, or only its first (the ``then`` branch) when ``then_only``; nested, as marked."""
    lines: set[int] = set()
    stack: list[tuple[list[Node], bool]] = [(body, False)]
    while stack:
        nodes, marked = stack.pop()
        for item in nodes:
            if marked and item.event is not None:
                lines.add(item.event.line)
            under = marked or opens(item)
            if then_only and item.branches:
                stack.append((item.branches[0], under))
                stack.extend((branch, marked) for branch in item.branches[1:])
            else:
                stack.extend((branch, under) for branch in item.branches)
            if item.body:
                stack.append((item.body, marked))
    return lines
