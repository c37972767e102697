"""Lock classes keyed as lockdep keys them: by the init site, where an init helper tells instances apart.

Lockdep's class is the static key of the lock's init (``spin_lock_init``
in a given function) or the key ``lockdep_set_class*()`` gives it.  A
struct initialised by one helper for every instance has one class for its
lock, whichever struct embeds it; the model names it by type and field
(``extent_io_tree.lock``).  When the helper re-keys the lock only for some
callers, selected by a constant argument::

    void extent_io_tree_init(..., struct extent_io_tree *tree, unsigned int owner, ...)
    {
            spin_lock_init(&tree->lock);
            if (owner == IO_TREE_INODE_FILE_EXTENT)
                    lockdep_set_class(&tree->lock, &file_extent_tree_class);
    }
    extent_io_tree_init(fs_info, &ei->file_extent_tree, IO_TREE_INODE_FILE_EXTENT, NULL);

the instances those callers pass (``btrfs_inode.file_extent_tree``) have a
class of their own, named by where they live:
``btrfs_inode.file_extent_tree.lock``.  An acquisition is of that class
when the call nearest to it on its chain that passes an instance of the
helper's struct passes that one (``find_contiguous_extent_bit(&inode->file_extent_tree, ...)``).

Input: the code model; output: :class:`InstanceClasses` (empty when no
helper re-keys by argument), asked per chain by the lock-order walk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from aptool.model.data import CodeModel, Event, Function, Node, Site
from aptool.model.primitives import SET_CLASS

_EQUALS = re.compile(r"^\(?\s*(\w+)\s*==\s*(\w+)\s*\)?$")


@dataclass
class InstanceClasses:
    """Which embedded instances an init helper re-keys, and the calls that pass such instances down."""

    # lock class (``extent_io_tree.lock``) -> instance place -> its own class, or None (the shared class)
    places: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # (file, function, line) of a call passing a known instance -> the places it passes
    calls: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)

    def of(self, lock: str, chain: Iterable[Site]) -> str:
        """The class of ``lock`` acquired at the end of ``chain``: the instance's own class when the
        nearest call passing an instance of ``lock``'s struct passes a re-keyed one."""
        known = self.places.get(lock)
        if not known:
            return lock
        for site in reversed(list(chain)):
            for place in self.calls.get((site.file, site.function, site.line), ()):
                if place in known:
                    return known[place] or lock
        return lock


def instance_classes(model: CodeModel, events: dict[str, list[Event]] | None = None) -> InstanceClasses:
    """The re-keyed instances of every init helper in ``model`` that keys a lock by a constant argument
    (``events``: each function's events, when the caller has them already)."""
    found = InstanceClasses()
    every = events if events is not None else {fid: f.events() for fid, f in model.functions.items()}
    keyed_somewhere = {fid for fid, listed in every.items() if any(e.callee in SET_CLASS for e in listed)}
    helpers = {fid: keyed for fid in keyed_somewhere if (keyed := _keyed(model.functions[fid]))}
    if not helpers:
        return found
    for function in model.functions.values():
        for event in every[function.id]:
            if event.kind != "call":
                continue
            for target in event.targets:
                for lock, instance, argument, constant in helpers.get(target, ()):
                    if len(event.args) <= max(instance, argument):
                        continue
                    place = event.args[instance]
                    if "." not in place:
                        continue  # a pointer or a local: which instance is not known here
                    own = f"{place}.{lock.rpartition('.')[2]}" if event.args[argument] == constant else None
                    if found.places.setdefault(lock, {}).get(place) is None:
                        found.places[lock][place] = own
    wanted = {place for places in found.places.values() for place in places}
    for function in model.functions.values():
        for event in every[function.id]:
            if event.kind == "call" and event.args:
                passed = [a for a in event.args if a in wanted]
                if passed:
                    found.calls[(function.file, function.name, event.line)] = passed
    return found


def _keyed(function: Function) -> list[tuple[str, int, int, str]]:
    """(lock class, index of the parameter holding it, index of the parameter tested, the constant)
    for each ``lockdep_set_class*`` on a parameter's lock under ``if (param == CONSTANT)``."""
    params = list(function.params)
    found: list[tuple[str, int, int, str]] = []
    for event, conditions in _with_conditions(function.body):
        if event.kind != "call" or event.callee not in SET_CLASS or not event.args:
            continue
        base = re.match(r"^\s*&\s*\(?\s*(\w+)\s*->", _first_argument(event.text))
        if base is None or base.group(1) not in params:
            continue
        for condition in conditions:
            match = _EQUALS.match(condition.strip())
            if match and match.group(1) in params:
                found.append((event.args[0], params.index(base.group(1)), params.index(match.group(1)), match.group(2)))
    return found


def _with_conditions(nodes: list[Node]) -> Iterable[tuple[Event, list[str]]]:
    """Each event with the conditions of the ``if`` arms it is in (then-arms only), outermost first."""
    stack: list[tuple[list[Node], list[str]]] = [(nodes, [])]
    while stack:
        current, conditions = stack.pop()
        for node in current:
            if node.event is not None:
                yield node.event, conditions
            if node.kind == "if" and node.branches:
                stack.append((node.branches[0], [*conditions, node.condition or ""]))
                stack.extend((arm, conditions) for arm in node.branches[1:])
            elif node.branches:
                stack.extend((arm, conditions) for arm in node.branches)
            if node.body:
                stack.append((node.body, conditions))


def _first_argument(text: str) -> str:
    start = text.find("(")
    return text[start + 1 :].split(",", 1)[0] if start >= 0 else ""
