"""Which object a lock lives in, as far as the source says: the *place* of a lock's struct.

Lockdep keys every ``extent_io_tree`` lock alike, but two different trees
are two different locks: a cycle needs the same lock at both ends of each
of its dependencies.  Where an object sits is often visible in the code:
``&trans->transaction->pinned_extents`` is the ``extent_io_tree`` embedded
in a ``btrfs_transaction`` as its ``pinned_extents``, and
``&BTRFS_I(inode)->io_tree`` the one embedded in a ``btrfs_inode`` as its
``io_tree``.  Two embedded members of different (struct, field) never share
storage, so they are different objects.

A place is written as a string:

- ``"T.g"``: the struct embedded as member ``g`` of a ``struct T``
  (``&x->g``, ``&x.g``, or ``x->g.lock`` for a lock);
- ``"=name"``: whatever the variable ``name`` points to (a parameter: the
  caller's argument);
- ``"&function:name"``: a struct variable on ``function``'s stack (``&tree``),
  ``"&name"``: a global one;
- ``"NULL"``: no object (``NULL``, ``0``);
- ``""``: not known.

Calls get one place per argument, acquisitions the place of the lock's
struct (``spin_lock(&tree->lock)``: ``"=tree"``).  A local pointer is
replaced by its place when every value it is given is the same place (or
``NULL``): ``unpin = &trans->transaction->pinned_extents``.
"""

from __future__ import annotations

import re

from tree_sitter import Node as TSNode

from aptool.model.data import Node
from aptool.model.resolve import Resolver
from aptool.model.syntax import text_of, unparenthesized

_NULL = "NULL"
_ITERATOR = re.compile(r"for_each|^swap$|get_user$|^[A-Z_0-9]+$")  # macros that may assign what they are passed


def _member(node: TSNode, resolver: Resolver) -> str:
    """``x->g`` or ``x.g`` as an object: ``T.g`` with ``T`` the declared type of ``x`` (or ``x``'s struct)."""
    node = unparenthesized(node)
    if node.type != "field_expression":
        return ""
    argument = node.child_by_field_name("argument")
    owner = resolver.type_of(argument) if argument is not None else None
    return f"{owner}.{text_of(node.child_by_field_name('field'))}" if owner else ""


def place_of(node: TSNode, resolver: Resolver) -> str:
    """The place of what a pointer expression points to (see the module's docstring)."""
    node = unparenthesized(node)
    if node.type == "identifier":
        return f"={text_of(node)}"
    if node.type in ("null", "number_literal") or text_of(node) == _NULL:
        return _NULL
    if node.type == "pointer_expression" and text_of(node).lstrip().startswith("&"):
        argument = node.child_by_field_name("argument")
        if argument is not None and unparenthesized(argument).type == "identifier":
            name = text_of(unparenthesized(argument))  # &tree: the variable itself, when it is a struct
            known = name in resolver.variables or name in resolver.decls.globals
            return f"&{name}" if known and name not in resolver.pointers else ""
        return _member(argument, resolver) if argument is not None else ""
    return ""


def lock_place(node: TSNode | None, resolver: Resolver) -> str:
    """The place of the struct a lock expression's lock is a member of: ``&tree->lock`` -> ``=tree``,
    ``&inode->io_tree.lock`` -> ``btrfs_inode.io_tree``; ``&a->b->lock`` (a pointer loaded from memory): ``""``."""
    if node is None:
        return ""
    node = unparenthesized(node)
    if node.type == "pointer_expression" and text_of(node).lstrip().startswith("&"):
        inner = node.child_by_field_name("argument")
        node = unparenthesized(inner) if inner is not None else node
    if node.type != "field_expression":
        return ""
    argument = node.child_by_field_name("argument")
    operator = text_of(node.child_by_field_name("operator"))
    if argument is None:
        return ""
    argument = unparenthesized(argument)
    if operator == "->":
        return f"={text_of(argument)}" if argument.type == "identifier" else ""
    return _member(argument, resolver)  # x->g.lock: the struct is the member g itself


class Places:
    """What each variable of one function is given, to replace ``=local`` by the local's one place."""

    def __init__(self) -> None:
        self.given: dict[str, set[str]] = {}
        self.writes: list[tuple[str, str, str]] = []  # (STRUCT.field, object's place, value's place)

    def written(self, target: TSNode, value: TSNode | None, resolver: Resolver) -> None:
        """``x->f = v``: which field of which object gets what (see ``Function.field_writes``)."""
        argument = target.child_by_field_name("argument")
        owner = resolver.type_of(argument) if argument is not None else None
        if argument is None or owner is None:
            return
        operator = text_of(target.child_by_field_name("operator"))
        base = unparenthesized(argument)
        if operator == "->":
            where = f"={text_of(base)}" if base.type == "identifier" else ""
        else:
            where = _member(base, resolver) if base.type == "field_expression" else ""
        field = text_of(target.child_by_field_name("field"))
        self.writes.append((f"{owner}.{field}", where, place_of(value, resolver) if value is not None else ""))

    def assigned(self, name: str, value: TSNode | None, resolver: Resolver) -> None:
        self.given.setdefault(name, set()).add(place_of(value, resolver) if value is not None else "")
        if value is not None:
            self.escaped(value)

    def escaped(self, value: TSNode) -> None:
        """``pp = &p``: ``p`` may be given anything through ``pp``."""
        node = unparenthesized(value)
        if node.type == "pointer_expression" and text_of(node).lstrip().startswith("&"):
            inner = node.child_by_field_name("argument")
            if inner is not None and unparenthesized(inner).type == "identifier":
                self.given.setdefault(text_of(unparenthesized(inner)), set()).add("")

    def passed(self, callee: str | None, args: list[TSNode]) -> None:
        """``foo(&p)`` may change ``p``; an iterator macro (``list_for_each_entry(p, ...)``) does."""
        for arg in args:
            node = unparenthesized(arg)
            if node.type == "identifier" and (callee is None or _ITERATOR.search(callee)):
                self.given.setdefault(text_of(node), set()).add("")
            else:
                self.escaped(node)

    def resolve(
        self, function: str, body: list[Node], params: dict[str, str], local: dict[str, str]
    ) -> list[tuple[str, str, str]]:
        """Rewrite the places of the events in ``body``: a parameter never assigned stays ``=name``, a
        local given one place is that place, anything else is not known; ``&local`` names ``function``'s.
        Returns the field writes with their places rewritten the same way."""
        final: dict[str, str] = {}
        for name, values in self.given.items():
            values = values - {_NULL}
            if name in params or len(values) != 1:
                final[name] = ""
                continue
            value = next(iter(values))
            if value.startswith("="):  # t = tree: once more, no further
                inner = value[1:]
                value = value if inner in params and inner not in self.given else ""
            final[name] = value
        for name in local.keys() | params.keys():
            final.setdefault(f"&{name}", f"&{function}:{name}")  # a local struct: this function's
        stack = [body]
        while stack:
            for node in stack.pop():
                if node.event is not None and node.event.places:
                    node.event.places = [_final(p, final, params) for p in node.event.places]
                stack.extend(node.branches)
                if node.body:
                    stack.append(node.body)
        return [(key, _final(where, final, params), _final(value, final, params)) for key, where, value in self.writes]


def _final(place: str, final: dict[str, str], params: dict[str, str]) -> str:
    if place.startswith("&"):
        return final.get(place, place)
    if not place.startswith("="):
        return place
    name = place[1:]
    if name in final:
        return final[name]
    return place if name in params else ""
