"""Instances along the cycle: a dependency that ends on one object does not go on from another.

Lockdep joins two dependencies at a class: ``A -> L`` and ``L -> B`` make
``A -> L -> B`` whatever ``L`` is.  A deadlock needs more: the *same* lock
at both ends.  Where the code says which object a lock lives in (its
*place*, :mod:`aptool.model.places`), two dependencies whose places for
``L`` differ cannot meet: the ``extent_io_tree`` lock of a transaction's
``pinned_extents`` is never the one of an inode's ``io_tree``.

For every class ``L`` of a lock that lives in a struct, and every
dependency into it (``X -> L``) and out of it (``L -> Y``), this module
collects the places ``L`` can have there, over *every* path the model
has, not only the chain shown:

- into ``L``: wherever a function holds ``X`` and takes ``L`` itself or
  calls a function that can take it (:func:`taken_places`, the places
  each function's callees take, mapped through each call's arguments);
- out of ``L``: wherever a function holds ``L`` and takes ``Y`` itself or
  calls a function that can take it, the place of the ``L`` it holds.

A place that is a parameter is what the callers pass (every caller in the
model; a function no modelled code calls may be passed anything).  An
unknown place (``""``) joins every place, so a cycle is dropped only when
some class on it is known, on every path, to be two different objects.

Input: the model, the walk and the lock-order graph; output:
:class:`Instances`, which :func:`aptool.checks.circular_locking.cycles`
uses to split a class into one node per place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from aptool.model.data import CodeModel, Event
from aptool.model.lockset import Held, LockSet

ANY = ""  # a place not known: it may be any object
SEPARATOR = "\x00"  # node name of a class's place in the split graph: class SEPARATOR place


def _class(node: str) -> str:
    return node.partition("/")[0]


@dataclass
class Instances:
    """For each dependency of the graph (its two nodes), the places of the held and of the taken lock."""

    held: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    taken: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    split: frozenset[str] = frozenset()  # the nodes worth splitting: some dependency knows their place

    def graph(self, graph: nx.DiGraph) -> nx.DiGraph:
        """``graph`` with each split node replaced by one node per place: a dependency into it enters
        the places it can take, one out of it leaves from the places it can hold; an unknown place
        enters or leaves them all."""
        if not self.split:
            return graph
        places: dict[str, set[str]] = {n: {ANY} for n in self.split}
        for (_, taken), found in self.taken.items():
            if taken in places:
                places[taken] |= found
        for (held, _), found in self.held.items():
            if held in places:
                places[held] |= found
        result = nx.DiGraph()
        for held, taken, data in graph.edges(data=True):
            sources = _ports(held, self.held.get((held, taken)), places)
            targets = _ports(taken, self.taken.get((held, taken)), places)
            for source in sources:
                for target in targets:
                    if source != target:
                        result.add_edge(source, target, **data)
        return result


def _ports(node: str, found: frozenset[str] | None, places: dict[str, set[str]]) -> list[str]:
    if node not in places:
        return [node]
    every = places[node]
    chosen = every if found is None or ANY in found else found
    return [f"{node}{SEPARATOR}{place}" for place in sorted(chosen)]


def project(node: str) -> str:
    """The class node of a node of the split graph."""
    return node.partition(SEPARATOR)[0]


def instances(model: CodeModel, lockset: LockSet, graph: nx.DiGraph) -> Instances:
    """The places of every dependency of ``graph`` whose classes lie on a cycle (see the module)."""
    cyclic = {n for c in nx.strongly_connected_components(graph) if len(c) > 1 for n in c}
    if not cyclic:
        return Instances()
    classes = {_class(n) for n in cyclic}
    placed = {
        e.lock
        for f in model.functions.values()
        for e in f.events()
        if e.kind == "acquire" and e.lock in classes and e.places and e.places[0]
    }
    if not placed:
        return Instances()
    places = _Places(model, classes)
    taken_into: dict[tuple[str, str], set[str]] = {}
    held_out: dict[tuple[str, str], set[str]] = {}
    sites = _acquisitions(model)
    for fid, locks in lockset.functions.items():
        for found in locks.own_events:
            if not found.held:
                continue
            reached = places.reached(fid, found.event)
            if not reached:
                continue
            for held in found.held:
                held_class = held.lock
                for lock, where in reached.items():
                    if lock in placed:
                        taken_into.setdefault((held_class, lock), set()).update(where)
                    if held_class in placed:
                        own = _place_held(held, sites)
                        held_out.setdefault((held_class, lock), set()).update(places.resolve(fid, [own]))
    result = Instances()
    split: set[str] = set()
    for held, taken in graph.edges:
        if held not in cyclic or taken not in cyclic:
            continue
        pair = (_class(held), _class(taken))
        if pair[1] in placed:
            into = frozenset(taken_into.get(pair, {ANY}))
            result.taken[(held, taken)] = into
            if ANY not in into:
                split.add(taken)
        if pair[0] in placed:
            out = frozenset(held_out.get(pair, {ANY}))
            result.held[(held, taken)] = out
            if ANY not in out:
                split.add(held)
    result.split = frozenset(split)
    return result


def _place_taken(event: Event) -> str:
    return event.places[0] if event.kind == "acquire" and event.places else ANY


def _place_held(held: Held, sites: dict[tuple[str, int], Event]) -> str:
    """The place of a held lock, where this function took it itself (a caller's or a callee's: not known)."""
    if held.declared or held.via:
        return ANY
    event = sites.get((held.site.file, held.site.line))
    return _place_taken(event) if event is not None and event.lock == held.lock else ANY


def _acquisitions(model: CodeModel) -> dict[tuple[str, int], Event]:
    """Acquire events by file and line (where a held lock was taken)."""
    found: dict[tuple[str, int], Event] = {}
    for function in model.functions.values():
        for event in function.events():
            if event.kind == "acquire" and event.lock:
                found.setdefault((function.file, event.line), event)
    return found


class _Places:
    """Which places of the classes asked about each function can take, and what callers pass."""

    def __init__(self, model: CodeModel, classes: set[str]) -> None:
        self.model = model
        self.classes = classes
        self.params = {fid: list(f.params) for fid, f in model.functions.items()}
        self.callers: dict[str, list[tuple[str, Event]]] = {}
        self.calls: dict[str, list[Event]] = {}
        for fid, function in model.functions.items():
            for event in function.events():
                if event.kind == "call":
                    self.calls.setdefault(fid, []).append(event)
                    for target in event.targets:
                        self.callers.setdefault(target, []).append((fid, event))
        self.entries = {fid for fid, f in model.functions.items() if f.entry}
        self.taken = self._taken()
        self.passed: dict[tuple[str, str], frozenset[str]] = {}

    def _own(self, fid: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for event in self.model.functions[fid].events():
            if event.kind == "call":
                for argument in event.args:  # a lock passed to a helper that takes it: not known where
                    if argument in self.classes:
                        found.setdefault(argument, set()).add(ANY)
                continue
            for lock in _locks(event):
                if lock in self.classes:
                    found.setdefault(lock, set()).add(_place_taken(event))
        return found

    def _taken(self) -> dict[str, dict[str, set[str]]]:
        """Per function, per class, the places it and its callees take (``=param`` for a parameter's)."""
        taken = {fid: self._own(fid) for fid in self.model.functions}
        work = list(taken)
        queued = set(work)
        while work:
            fid = work.pop()
            queued.discard(fid)
            below = taken[fid]
            if not below:
                continue
            for caller, event in self.callers.get(fid, ()):
                mine = taken[caller]
                changed = False
                for lock, where in below.items():
                    mapped = self._through(event, fid, where)
                    known = mine.setdefault(lock, set())
                    if not mapped <= known:
                        known |= mapped
                        changed = True
                if changed and caller not in queued:
                    queued.add(caller)
                    work.append(caller)
        return taken

    def _through(self, call: Event, target: str, where: Iterable[str]) -> set[str]:
        """The callee's places seen from the caller: a parameter's is the argument's place."""
        params = self.params.get(target, [])
        found = set()
        for place in where:
            if place.startswith("="):
                name = place[1:]
                index = params.index(name) if name in params else -1
                found.add(call.places[index] if 0 <= index < len(call.places) else ANY)
            else:
                found.add(place)
        return found

    def reached(self, fid: str, event: Event) -> dict[str, set[str]]:
        """The classes asked about that ``event`` (in ``fid``) takes or reaches, with their places."""
        found: dict[str, set[str]] = {}
        if event.kind == "call":
            for argument in event.args:
                if argument in self.classes:
                    found.setdefault(argument, set()).add(ANY)
            for target in event.targets:
                for lock, where in self.taken.get(target, {}).items():
                    found.setdefault(lock, set()).update(self._through(event, target, where))
        else:
            for lock in _locks(event):
                if lock in self.classes:
                    found.setdefault(lock, set()).add(_place_taken(event))
        return {lock: self.resolve(fid, where) for lock, where in found.items()}

    def resolve(self, fid: str, where: Iterable[str]) -> set[str]:
        """Places in ``fid`` with its parameters replaced by what its callers pass."""
        found: set[str] = set()
        for place in where:
            found |= self._param(fid, place[1:], set()) if place.startswith("=") else {place}
        return found

    def _param(self, fid: str, name: str, seen: set[tuple[str, str]]) -> frozenset[str]:
        """What every caller in the model passes for ``fid``'s parameter ``name``; anything, for an
        entry point, a function no modelled code calls, or a recursion."""
        key = (fid, name)
        if key in self.passed:
            return self.passed[key]
        if key in seen or fid in self.entries or not self.callers.get(fid):
            return frozenset({ANY})
        seen.add(key)
        params = self.params.get(fid, [])
        index = params.index(name) if name in params else -1
        found: set[str] = set()
        for caller, event in self.callers[fid]:
            place = event.places[index] if 0 <= index < len(event.places) else ANY
            found |= self._param(caller, place[1:], seen) if place.startswith("=") else {place}
            if ANY in found:
                break
        seen.discard(key)
        self.passed[key] = frozenset(found)
        return self.passed[key]


def _locks(event: Event) -> list[str]:
    """The classes an event can take or wait for (any kind: a superset is safe here)."""
    found = [event.lock] if event.lock and event.kind in ("acquire", "wait", "flag-set") else []
    return found + list(event.flags)
