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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from aptool.model.conditions import split_top, unparenthesised
from aptool.model.data import CodeModel, Event
from aptool.model.lockset import Held, LockSet

ANY = ""  # a place not known: it may be any object
NULL = "NULL"  # no object
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
    events = lockset.analysis.events  # every function's events, read once by the walk
    placed = {
        e.lock
        for listed in events.values()
        for e in listed
        if e.kind == "acquire" and e.lock in classes and e.places and e.places[0]
    }
    if not placed:
        return Instances()
    taken_into, held_out = _dependencies(model, lockset, _Places(model, classes, events), placed)
    result = Instances()
    split: set[str] = set()
    for held, taken in graph.edges:
        if held not in cyclic or taken not in cyclic:
            continue
        pair = (_class(held), _class(taken))
        if pair[1] in placed:
            result.taken[(held, taken)] = frozenset(taken_into.get(pair, {ANY}))
            if ANY not in result.taken[(held, taken)]:
                split.add(taken)
        if pair[0] in placed:
            result.held[(held, taken)] = frozenset(held_out.get(pair, {ANY}))
            if ANY not in result.held[(held, taken)]:
                split.add(held)
    result.split = frozenset(split)
    return result


def _dependencies(
    model: CodeModel, lockset: LockSet, places: _Places, placed: set[str]
) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], set[str]]]:
    """Over every event reached with something held: the places each (held, taken) pair can take its
    lock in, and hold its held lock in."""
    nulls = _Nulls(model, places)
    taken_into: dict[tuple[str, str], set[str]] = {}
    held_out: dict[tuple[str, str], set[str]] = {}
    sites = _acquisitions(model, places.events)
    for fid, locks in lockset.functions.items():
        for found in locks.own_events:
            reached = places.reached(fid, found.event) if found.held else None
            if not reached:
                continue
            for held in found.held:
                for lock, where in reached.items():
                    if lock in placed:
                        taken_into.setdefault((held.lock, lock), set()).update(where)
                    if held.lock in placed:
                        own = _place_held(held, sites)
                        out = held_out.setdefault((held.lock, lock), set())
                        out |= {
                            p
                            for p in places.resolve(fid, [own])
                            if _reaches(places, nulls, fid, found.event, own, p, lock)
                        }
    return taken_into, held_out


def _reaches(places: _Places, nulls: _Nulls, fid: str, event: Event, own: str, place: str, lock: str) -> bool:
    """Whether ``event`` reaches ``lock`` when the held lock's object (``own`` in ``fid``) is ``place``:
    a field NULL in that object rules out the arms that need it."""
    if not own.startswith("=") or place not in nulls.null:
        return True
    return lock in places.reached_under(fid, event, frozenset((own[1:], name) for name in nulls.null[place]))


def _place_taken(event: Event) -> str:
    return event.places[0] if event.kind == "acquire" and event.places else ANY


def _place_held(held: Held, sites: dict[tuple[str, int], Event]) -> str:
    """The place of a held lock, where this function took it itself (a caller's or a callee's: not known)."""
    if held.declared or held.via:
        return ANY
    event = sites.get((held.site.file, held.site.line))
    return _place_taken(event) if event is not None and event.lock == held.lock else ANY


def _acquisitions(model: CodeModel, events: dict[str, list[Event]]) -> dict[tuple[str, int], Event]:
    """Acquire events by file and line (where a held lock was taken)."""
    found: dict[tuple[str, int], Event] = {}
    for function in model.functions.values():
        for event in events[function.id]:
            if event.kind == "acquire" and event.lock:
                found.setdefault((function.file, event.line), event)
    return found


class _Places:
    """Which places of the classes asked about each function can take, and what callers pass."""

    def __init__(self, model: CodeModel, classes: set[str], events: dict[str, list[Event]]) -> None:
        self.model = model
        self.classes = classes
        self.events = events
        self.params = {fid: list(f.params) for fid, f in model.functions.items()}
        self.callers: dict[str, list[tuple[str, Event]]] = {}
        for fid, listed in events.items():
            for event in listed:
                if event.kind == "call":
                    for target in event.targets:
                        self.callers.setdefault(target, []).append((fid, event))
        self.entries = {fid for fid, f in model.functions.items() if f.entry}
        self.taken = self._taken()
        self.passed: dict[tuple[str, str], frozenset[str]] = {}
        self.walked: dict[tuple[str, frozenset[tuple[str, str]]], tuple[set[str], set[int]]] = {}
        self.walking: set[tuple[str, frozenset[tuple[str, str]]]] = set()

    def _own(self, fid: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for event in self.events[fid]:
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
        work = [(fid, lock, set(where)) for fid, below in taken.items() for lock, where in below.items()]
        while work:  # only what is new goes up, so each place reaches each caller once
            fid, lock, new = work.pop()
            for caller, event in self.callers.get(fid, ()):
                known = taken[caller].setdefault(lock, set())
                added = self._through(event, fid, new) - known
                if added:
                    known |= added
                    work.append((caller, lock, added))
        return taken

    def _through(self, call: Event, target: str, where: set[str]) -> set[str]:
        """The callee's places seen from the caller: a parameter's is the argument's place."""
        if not any(place.startswith("=") for place in where):
            return where
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

    def reached_under(self, fid: str, event: Event, null: frozenset[tuple[str, str]]) -> set[str]:
        """The classes ``event`` (in ``fid``) reaches when ``param->field`` is NULL for each of ``null``."""
        classes, live = self._walk(fid, null)
        if id(event) not in live:
            return set()
        if event.kind != "call":
            return {lock for lock in _locks(event) if lock in self.classes}
        found = {argument for argument in event.args if argument in self.classes}
        for target in event.targets:
            found |= self._walk(target, self._passed_down(event, target, null))[0]
        return found

    def _passed_down(self, call: Event, target: str, null: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
        params = self.params.get(target, [])
        return frozenset(
            (params[index], name)
            for index, place in enumerate(call.places[: len(params)])
            for param, name in null
            if place == f"={param}"
        )

    def _walk(self, fid: str, null: frozenset[tuple[str, str]]) -> tuple[set[str], set[int]]:
        """What ``fid`` reaches (classes; its own events, by id) with the arms a NULL field rules out left out."""
        key = (fid, null)
        known = self.walked.get(key)
        if known is not None:
            return known
        function = self.model.functions.get(fid)
        if function is None:
            return set(), set()
        if not null or key in self.walking:  # nothing ruled out, or a recursion: everything it can take
            return set(self.taken.get(fid, {})), {id(e) for e in self.events[fid]}
        self.walking.add(key)
        classes: set[str] = set()
        live: set[int] = set()
        stack = [function.body]
        while stack:
            for node in stack.pop():
                event = node.event
                if event is not None:
                    live.add(id(event))
                    if event.kind == "call":
                        classes |= {argument for argument in event.args if argument in self.classes}
                        for target in event.targets:
                            classes |= self._walk(target, self._passed_down(event, target, null))[0]
                    else:
                        classes |= {lock for lock in _locks(event) if lock in self.classes}
                arms = node.branches
                if node.kind == "if" and node.condition and arms:
                    then, otherwise = _tests(node.condition)
                    arms = [arm for index, arm in enumerate(arms) if not (then, otherwise)[min(index, 1)] & null]
                stack.extend(arms)
                if node.body:
                    stack.append(node.body)
        self.walking.discard(key)
        self.walked[key] = (classes, live)
        return classes, live

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


class _Nulls:
    """The fields that are NULL in the objects of a place.

    ``tree->private_data = private_data`` in an init helper, and every call of the helper for the
    place passing ``NULL`` (``extent_io_tree_init(fs_info, &cur_trans->pinned_extents, ..., NULL)``):
    the transaction's pinned tree has no ``private_data``, so ``if (tree->private_data)`` is false for
    it.  Only when every write of the field in the model is such a helper's (or ``NULL``), and no call
    of the helper gives an unknown object a value.
    """

    def __init__(self, model: CodeModel, places: _Places) -> None:
        helpers: dict[str, list[tuple[str, int, int]]] = {}  # STRUCT.field -> (helper, object, value index)
        other: set[str] = set()
        for fid, function in model.functions.items():
            params = list(function.params)
            for key, where, value in function.field_writes:
                if value == NULL:
                    continue
                if where[1:] in params and value[1:] in params and where[0] == value[0] == "=":
                    helpers.setdefault(key, []).append((fid, params.index(where[1:]), params.index(value[1:])))
                else:
                    other.add(key)
        self.null: dict[str, set[str]] = {}
        for key, found in helpers.items():
            if key in other:
                continue
            given: dict[str, bool] = {}  # place -> only NULL given so far
            for fid, obj, val in found:
                for caller, event in places.callers.get(fid, ()):
                    value = event.places[val] if val < len(event.places) else ANY
                    where = event.places[obj] if obj < len(event.places) else ANY
                    for place in places.resolve(caller, [where]):
                        given[place] = given.get(place, True) and value == NULL
            if not given.get(ANY, True):
                continue  # an object not known is given a value: it may be any of them
            for place, null in given.items():
                if null and place != ANY:
                    self.null.setdefault(place, set()).add(key.rpartition(".")[2])


def _tests(condition: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The ``param->field`` a branch needs non-NULL: (on its then-arm, on its else-arm)."""
    text = unparenthesised(condition)
    if "||" in text:
        return set(), set()
    terms = [t.strip() for t in split_top(text, "&&")]
    then: set[tuple[str, str]] = set()
    for term in terms:
        match = _FIELD_TEST.match(term)
        if match and match.group(1) is None and match.group(4) != "==":
            then.add((match.group(2), match.group(3)))
    otherwise: set[tuple[str, str]] = set()
    if len(terms) == 1:
        match = _FIELD_TEST.match(terms[0])
        if match and (match.group(1) is not None or match.group(4) == "=="):
            otherwise.add((match.group(2), match.group(3)))
    return then, otherwise


_FIELD_TEST = re.compile(r"^(!\s*)?\(?\s*(\w+)\s*->\s*(\w+)\s*\)?(?:\s*(==|!=)\s*NULL)?$")


def _locks(event: Event) -> list[str]:
    """The classes an event can take or wait for (any kind: a superset is safe here)."""
    found = [event.lock] if event.lock and event.kind in ("acquire", "wait", "flag-set") else []
    return found + list(event.flags)
