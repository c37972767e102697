"""Fresh objects: what a zeroed object's fields are when it reaches a test down a call chain.

An object from a zeroing allocator (``kzalloc``, ``kcalloc``, ``kmem_cache_zalloc``...), from an
initialiser list (``struct x v = {}``, ``= { .a = 1 }``: every field not named is zero), or from a
function that returns one (``btrfs_alloc_path()``: found from its ``return``, not by name) has
every field zero until something writes it.  The walk passes such an object down a call chain as
a value of its own (:data:`FRESH` followed by the fields that may be non-zero by then); a branch
that tests one of the other fields (``if (path->need_commit_sem)``) then knows it is zero, as a
branch on a constant argument does.

The fields that may be non-zero are over-approximated: every field the allocating function, and
each function the object passes through, writes with anything but a literal zero (anywhere in
its body), and every field any callee given the object may leave non-zero (:meth:`Objects.stores`,
through callees, to a fixed point).  A callee outside the model that is given the object, or an
object stored elsewhere or returned by a callee, may have any field written (``*``) and knows
nothing.  One refinement comes from the walk: a field a callee writes only with plain assignments
it follows, and leaves zero on every exit where it was zero on entry (``if (p->f) { p->f = 0; ...
p->f = 1; }``: it restores what it found), is not counted for that callee (``preserved``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from aptool.model.data import CodeModel, Event
from aptool.model.pointers import CallTargets
from aptool.model.stores import ESCAPES, NO_OBJECT

FRESH = "\x01"  # a fresh object's value: FRESH + the fields that may be non-zero, comma-separated

ZEROING = frozenset(
    {
        "kzalloc",
        "kzalloc_node",
        "kcalloc",
        "kcalloc_node",
        "kvzalloc",
        "kvzalloc_node",
        "kvcalloc",
        "vzalloc",
        "vzalloc_node",
        "kmem_cache_zalloc",
        "devm_kzalloc",
        "devm_kcalloc",
        "calloc",
    }
)
# Callees outside the model that are given an object and write none of its fields.
FREEING = frozenset({"kfree", "kvfree", "vfree", "kmem_cache_free", "kfree_sensitive", "kzfree", "free"})

_ALL = frozenset({ESCAPES})


def encode(fields: frozenset[str]) -> str:
    return FRESH + ",".join(sorted(fields))


@functools.lru_cache(maxsize=4096)
def decode(value: str) -> frozenset[str] | None:
    """The fields that may be non-zero, or None for a value that is not a fresh object."""
    if not value.startswith(FRESH):
        return None
    return frozenset(f for f in value[1:].split(",") if f)


def tested_field(name: str, params: dict[str, int] | dict[str, str]) -> tuple[str, str] | None:
    """``path->need_commit_sem`` (or ``p->a.b``) with ``path`` a parameter: (parameter, first field)."""
    parts = _field_parts(name)
    return parts if parts is not None and parts[0] in params else None


@functools.lru_cache(maxsize=65536)
def _field_parts(name: str) -> tuple[str, str] | None:
    """``p->a.b`` -> (``p``, ``a``); None for a plain name."""
    for separator in ("->", "."):
        base, found, rest = name.partition(separator)
        if found and rest:
            return base, rest.replace("->", ".").split(".", 1)[0]
    return None


class Objects:
    """The fresh-object questions for one model, answered on demand and remembered.

    ``events``: each function's events (read once by the walk); ``preserved(fid)``: the walk's
    answer, per parameter name, of the fields the function leaves zero when they were zero on
    entry (empty while the function has not been walked).
    """

    def __init__(
        self,
        model: CodeModel,
        events: dict[str, list[Event]],
        preserved: Callable[[str], dict[str, frozenset[str]]],
        targets: CallTargets | None = None,
    ) -> None:
        self.model = model
        self.events = events
        self.preserved = preserved
        self._stores: dict[tuple[str, int], frozenset[str]] = {}
        self._returned: dict[str, frozenset[str] | None] = {}
        self._calls: dict[str, list[tuple[Event, tuple[str, ...]]]] = {}
        self._fresh: dict[tuple[str, str], frozenset[str] | None] = {}
        self.targets = targets or CallTargets(model, events)

    def calls_with_objects(self, fid: str) -> list[tuple[Event, tuple[str, ...]]]:
        found = self._calls.get(fid)
        if found is None:
            found = [(e, e.objects) for e in self.events[fid] if e.kind == "call" and any(e.objects)]
            self._calls[fid] = found
        return found

    # --- what a function may write ------------------------------------------------------------

    def _own(self, fid: str, index: int) -> tuple[frozenset[str], list[tuple[str, int]]]:
        """The fields ``fid`` writes itself into its parameter ``index``'s object, and the (callee,
        parameter) pairs it hands the object to (a callee outside the model: ``*``)."""
        function = self.model.functions[fid]
        names = list(function.params)
        if index >= len(names):
            return _ALL, []
        name = names[index]
        written = set(function.field_stores.get(name, ()))
        written -= self.preserved(fid).get(name, frozenset())
        passed, escapes = self._handed(fid, name)
        if escapes:
            written.add(ESCAPES)
        return frozenset(written), passed

    def _handed(self, fid: str, name: str) -> tuple[list[tuple[str, int]], bool]:
        """The (callee, parameter) pairs of the model ``fid`` hands ``name``'s object to, and whether it
        also goes where anything may write it: a call outside the model or through an unknown pointer
        (freeing it is no write)."""
        passed: list[tuple[str, int]] = []
        escapes = False
        for event, objects in self.calls_with_objects(fid):
            for position, passed_name in enumerate(objects):
                if passed_name != name:
                    continue
                if not event.targets:
                    escapes = escapes or event.via_pointer or event.callee not in FREEING
                    continue
                passed.extend((target, position) for target in event.targets if target in self.model.functions)
                escapes = escapes or any(target not in self.model.functions for target in event.targets)
        return passed, escapes

    def stores(self, fid: str, index: int) -> frozenset[str]:
        """The fields of the object passed as parameter ``index`` that ``fid`` or its callees may leave
        non-zero (``*`` in it: any).  A fixed point over the callees, with an explicit work list."""
        start = (fid, index)
        if start in self._stores:
            return self._stores[start]
        own: dict[tuple[str, int], frozenset[str]] = {}
        edges: dict[tuple[str, int], list[tuple[str, int]]] = {}
        stack = [start]
        while stack:
            node = stack.pop()
            if node in own or node in self._stores:
                continue
            own[node], edges[node] = self._own(*node)
            if ESCAPES in own[node]:
                edges[node] = []
                continue
            stack.extend(n for n in edges[node] if n not in own and n not in self._stores)
        value = {node: own[node] for node in own}
        changed = True
        while changed:
            changed = False
            for node, callees in edges.items():
                if ESCAPES in value[node]:
                    continue
                merged = value[node]
                for callee in callees:
                    merged = merged | (self._stores[callee] if callee in self._stores else value[callee])
                if ESCAPES in merged:
                    merged = _ALL
                if merged != value[node]:
                    value[node] = merged
                    changed = True
        self._stores.update(value)
        return self._stores[start]

    def written_by(self, fid: str, name: str) -> frozenset[str]:
        """The fields of ``name``'s object that ``fid`` writes itself or has its callees write, anywhere."""
        function = self.model.functions[fid]
        written = set(function.field_stores.get(name, ()))
        passed, escapes = self._handed(fid, name)
        if escapes or ESCAPES in written:
            return _ALL
        for target, position in passed:
            written |= self.stores(target, position)
            if ESCAPES in written:
                return _ALL
        return frozenset(written)

    def writes(self, fid: str, name: str) -> frozenset[str]:
        """The fields of ``name``'s object that ``fid`` or a callee it hands the object to writes
        somewhere (positive evidence only: an escape adds nothing)."""
        found: set[str] = set()
        seen = {(fid, name)}
        stack = [(fid, name)]
        while stack:
            current, variable = stack.pop()
            function = self.model.functions[current]
            found.update(f for f in function.field_stores.get(variable, ()) if f != ESCAPES)
            for event, objects in self.calls_with_objects(current):
                for position, passed_name in enumerate(objects):
                    if passed_name != variable:
                        continue
                    for target in event.targets:
                        callee = self.model.functions.get(target)
                        params = list(callee.params) if callee is not None else []
                        if position < len(params) and (target, params[position]) not in seen:
                            seen.add((target, params[position]))
                            stack.append((target, params[position]))
        return frozenset(found)

    # --- fresh objects ----------------------------------------------------------------------------

    def fresh_types(self) -> frozenset[str]:
        """The types of the locals some function makes fresh (before anything writes them): only a
        parameter of one of these types can be given a fresh object."""
        found: set[str] = set()
        for fid, function in self.model.functions.items():
            for name, shapes in function.assigned_from.items():
                made = [shape for shape in shapes if shape != "null"]
                if len(made) != 1 or name not in function.locals:
                    continue
                kind, _, callee = made[0].partition(":")
                if kind == "{}" or (kind == "call" and self.from_call(fid, callee) is not None):
                    found.add(function.locals[name])
        return frozenset(found)

    def returned(self, fid: str) -> frozenset[str] | None:
        """When every ``return`` of ``fid`` gives a fresh object (or NULL): the fields that may be
        non-zero in it; else None."""
        if fid in self._returned:
            return self._returned[fid]
        self._returned[fid] = None  # a recursion: not fresh
        function = self.model.functions[fid]
        found: frozenset[str] | None = frozenset() if function.returns else None
        for shape in function.returns:
            if found is None:
                break
            if shape in NO_OBJECT:
                continue
            kind, _, name = shape.partition(":")
            if kind == "call":
                given = self.from_call(fid, name)
            elif kind == "var" and name in function.locals:
                given = self.fresh(fid, name)
            else:
                given = None
            found = None if given is None else found | given
        self._returned[fid] = found
        return found

    def from_call(self, fid: str, callee: str) -> frozenset[str] | None:
        """The fresh object a call of ``callee`` in ``fid`` returns, or None."""
        if callee in ZEROING:
            return frozenset()
        target = self.targets.single(fid, callee)
        return self.returned(target) if target is not None else None

    def fresh(self, fid: str, name: str) -> frozenset[str] | None:
        """When local ``name`` of ``fid`` is assigned once, a fresh object: the fields that may be
        non-zero by the time anything tests them (everything ``fid`` and its callees write into it)."""
        key = (fid, name)
        if key not in self._fresh:
            self._fresh[key] = self._fresh_object(fid, name)
        return self._fresh[key]

    def _fresh_object(self, fid: str, name: str) -> frozenset[str] | None:
        function = self.model.functions[fid]
        shapes = [shape for shape in function.assigned_from.get(name, ()) if shape != "null"]
        if len(shapes) != 1 or name in function.params:  # NULL first (or after the free) is no other object
            return None
        kind, _, callee = shapes[0].partition(":")
        if kind == "{}":
            start: frozenset[str] | None = frozenset()
        elif kind == "call":
            start = self.from_call(fid, callee)
        else:
            return None
        if start is None:
            return None
        written = start | self.written_by(fid, name)
        return None if ESCAPES in written else written
