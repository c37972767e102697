"""Call targets: direct calls by name, and calls through function pointers by (struct type, field).

A call ``ops->release(kvm)`` with ``ops`` a ``struct kvm_device_ops *``
reaches the functions some code in scope stores in ``kvm_device_ops.release``:
a designated initialiser ``.release = vfio_dev_release`` of a ``struct
kvm_device_ops``, or an assignment ``ops->release = f`` through such a
pointer (plus stores whose struct could not be told, ``?.release``).  Only
when the call's struct type is unknown does it reach every function stored
in any field of that name, and the call is marked ``guessed``: the
lock-order edges through it are uncertain.
"""

from __future__ import annotations

from aptool.model.data import CodeModel, Event, Function


class NameIndex:
    """Function ids by name, built once: call resolution must not scan every function per call."""

    def __init__(self, functions: dict[str, Function]) -> None:
        self.functions = functions
        self.by_name: dict[str, list[Function]] = {}
        for function in functions.values():
            self.by_name.setdefault(function.name, []).append(function)

    def resolve(self, name: str, file: str) -> list[str]:
        """A called name -> function ids: the caller's own file first, then the non-static ones."""
        local = f"{file}:{name}"
        if local in self.functions:
            return [local]
        named = self.by_name.get(name, [])
        public = [f.id for f in named if not f.static]
        return public or [f.id for f in named]


class CallTargets:
    """Per function, the targets of each name it calls, listed once from its call events: the walk's
    value questions (fresh objects, containers) ask "what does this call of ``callee`` return"."""

    def __init__(self, model: CodeModel, events: dict[str, list[Event]]) -> None:
        self.model = model
        self.events = events
        self._by_callee: dict[str, dict[str, set[str]]] = {}  # function -> callee name -> its targets

    def single(self, fid: str, callee: str) -> str | None:
        """The one function of the model every call of ``callee`` in ``fid`` reaches, or None."""
        by_callee = self._by_callee.get(fid)
        if by_callee is None:
            by_callee = self._by_callee[fid] = {}
            for event in self.events[fid]:
                if event.kind == "call" and event.callee:
                    by_callee.setdefault(event.callee, set()).update(event.targets)
        targets = by_callee.get(callee, set())
        if len(targets) != 1:
            return None
        (target,) = targets
        return target if target in self.model.functions else None


def pointer_targets(stores: dict[str, list[tuple[str, str]]], index: NameIndex) -> dict[str, list[str]]:
    """Field -> ids of the functions stored in such a field, from each file's (field, identifier) stores.

    A store's field is ``STRUCT.field`` (``?.field`` when the struct is unknown, or a bare ``field``);
    the result has both keys: ``STRUCT.field`` (``?.field``) and the bare ``field`` (every struct).
    """
    targets: dict[str, list[str]] = {}
    aliases: list[tuple[str, str]] = []
    for path, pairs in stores.items():
        for written, name in pairs:
            if name.startswith("&"):  # X.f = &Y.g: a pointer to the field g of a Y
                aliases.append((written, name[1:]))
                continue
            if not written or name not in index.by_name:
                continue
            owner, _, field = written.rpartition(".")
            found = index.resolve(name, path)
            for key in (field, f"{owner or '?'}.{field}"):
                known = targets.setdefault(key, [])
                known.extend(t for t in found if t not in known)
    for _ in range(3):  # chains of such pointers are short
        for written, name in aliases:
            known = targets.setdefault(written, [])
            known.extend(t for t in targets.get(name, []) if t not in known)
    return {key: found for key, found in targets.items() if found}


def resolve_calls(functions: dict[str, Function], targets: dict[str, list[str]]) -> None:
    """Fill ``Event.targets`` of every call: by name, or through the pointer's field name."""
    index = NameIndex(functions)
    for function in functions.values():
        for event in function.events():
            if event.kind != "call" or not event.callee:
                continue
            if event.via_pointer:
                field = event.callee
                if event.callee_struct:
                    typed = targets.get(f"{event.callee_struct}.{field}", [])
                    untyped = [t for t in targets.get(f"?.{field}", []) if t not in typed]
                    event.targets = list(typed) + untyped
                    event.guessed = bool(untyped)
                else:
                    event.targets = list(targets.get(field, []))
                    event.guessed = bool(event.targets)
            else:
                event.targets = index.resolve(event.callee, function.file)
