"""Call targets: direct calls by name, and calls through function pointers by field name.

A call ``ops->remove(dev)`` or ``hook(vcpu)`` (after ``hook = *...pqap_hook``)
can reach every function that some code in scope stores in a field of that
name: a designated initialiser ``.remove = vfio_ap_mdev_remove`` or an
assignment ``matrix_mdev->pqap_hook = handle_pqap``.  That is what a
maintainer does by hand with ``git grep '\\.remove\\s*='``.
"""

from __future__ import annotations

from aptool.model.data import Function


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


def pointer_targets(stores: dict[str, list[tuple[str, str]]], index: NameIndex) -> dict[str, list[str]]:
    """Field -> ids of the functions stored in such a field, from each file's (field, identifier) stores."""
    targets: dict[str, list[str]] = {}
    for path, pairs in stores.items():
        for field, name in pairs:
            if field and name in index.by_name:
                known = targets.setdefault(field, [])
                known.extend(t for t in index.resolve(name, path) if t not in known)
    return targets


def resolve_calls(functions: dict[str, Function], targets: dict[str, list[str]]) -> None:
    """Fill ``Event.targets`` of every call: by name, or through the pointer's field name."""
    index = NameIndex(functions)
    for function in functions.values():
        for event in function.events():
            if event.kind != "call" or not event.callee:
                continue
            if event.via_pointer:
                event.targets = list(targets.get(event.callee, []))
            else:
                event.targets = index.resolve(event.callee, function.file)
