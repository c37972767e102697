"""Name a lock (or flag, or wait queue) the way lockdep keys it: STRUCT.FIELD or a global.

``&vcpu->kvm->arch.crypto.pqap_hook_rwsem`` walks the declared types
(vcpu: kvm_vcpu -> kvm: kvm -> arch: kvm_arch -> crypto: kvm_s390_crypto)
and names the innermost struct that declares the field:
``kvm_s390_crypto.pqap_hook_rwsem``.  When a type is unknown, a field
declared by exactly one struct still names it; otherwise the class is the
path from the last known type (``kvm.arch.sca_lock``) or the expression
text, marked unresolved either way.
"""

from __future__ import annotations

import re

from tree_sitter import Node as TSNode

from aptool.model.declarations import Declarations
from aptool.model.primitives import LOCK_TYPES
from aptool.model.syntax import text_of

_WRAPPERS = ("parenthesized_expression", "pointer_expression", "cast_expression")
MAX_CHAIN = 64  # a field chain longer than this (a->b->c...) is not followed: the class is its text


def strip(node: TSNode) -> TSNode:
    """Drop ``&``, ``*``, casts and parentheses around the expression that names the object."""
    while node.type in _WRAPPERS:
        inner = node.child_by_field_name("argument") or node.child_by_field_name("value")
        if inner is None:
            named = [c for c in node.named_children if c.type != "type_descriptor"]
            if not named:
                break
            inner = named[-1]
        node = inner
    return node


class Resolver:
    """Resolves expressions in one function: its parameters, locals, then globals."""

    def __init__(self, decls: Declarations, variables: dict[str, str]) -> None:
        self.decls = decls
        self.variables = variables
        self.aliases: dict[str, TSNode] = {}  # local lock pointer -> the expression it was set to
        self.pointers: set[str] = set()  # variables declared as pointers

    def type_of(self, node: TSNode, depth: int = 0) -> str | None:
        """The struct (or type) name of what ``node`` evaluates to, if the declarations tell."""
        node = strip(node)
        if depth > MAX_CHAIN:
            return None
        if node.type == "identifier":
            name = text_of(node)
            found = self.variables.get(name) or self.decls.globals.get(name)
            return self.decls.type_name(found) if found else None
        if node.type == "field_expression":
            owner = self.type_of(node.child_by_field_name("argument"), depth + 1)  # type: ignore[arg-type]
            name = text_of(node.child_by_field_name("field"))
            if owner is not None:
                found = self.decls.field_type(owner, name)
                if found:
                    return self.decls.type_name(found)
            owners = self.decls.field_owners.get(name, set())
            if len(owners) == 1:
                found = self.decls.field_type(next(iter(owners)), name)
                return self.decls.type_name(found) if found else None
            return None
        if node.type == "subscript_expression":
            return self.type_of(node.child_by_field_name("argument"), depth + 1)  # type: ignore[arg-type]
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            returned = self.decls.returns.get(text_of(callee)) if callee is not None else None
            return container_of_type(node) or (self.decls.type_name(returned) if returned else None)
        return None

    def lock_class(self, node: TSNode | None) -> tuple[str, bool]:
        """(class, resolved) for the object an expression points at."""
        if node is None:
            return "?", False
        target = strip(node)
        if target.type == "subscript_expression":  # t->locks[i]: every element has the array's class
            array = target.child_by_field_name("argument")
            if array is not None:
                target = strip(array)
        if target.type == "identifier":
            name = text_of(target)
            if name in self.aliases and self.aliases[name] is not node:  # spinlock_t *l = &x->lock;
                aliased = self.aliases.pop(name)
                try:
                    return self.lock_class(aliased)
                finally:
                    self.aliases[name] = aliased
            if name in self.variables:
                if self.variables[name] in LOCK_TYPES and name not in self.pointers:  # the variable is the lock
                    return name, True
                return _plain(text_of(node)), False  # a pointer to a lock set elsewhere: only its text is known
            return name, True  # a global, or a static lock a macro defines (DEFINE_MUTEX, DEFINE_SPINLOCK)
        if target.type == "field_expression":
            field = text_of(target.child_by_field_name("field"))
            owner = self.type_of(target.child_by_field_name("argument"))  # type: ignore[arg-type]
            if owner is not None:  # the declared type names the class, as lockdep keys it
                return f"{owner}.{field}", True
            owners = self.decls.field_owners.get(field, set())
            if len(owners) == 1:
                return f"{next(iter(owners))}.{field}", True
            partial = self._path(target)
            if partial is not None:  # kvm->arch.sca_lock with struct kvm_arch unseen: "kvm.arch.sca_lock"
                return partial, False
        return _plain(text_of(node)), False

    def _path(self, node: TSNode, depth: int = 0) -> str | None:
        """``T.f1.f2`` for ``x->f1.f2`` where only ``x``'s type ``T`` is known: a stable name, not a class."""
        if node.type != "field_expression" or depth > MAX_CHAIN:
            return None
        argument = strip(node.child_by_field_name("argument"))  # type: ignore[arg-type]
        field = text_of(node.child_by_field_name("field"))
        known = self.type_of(argument)
        if known is not None:
            return f"{known}.{field}"
        inner = self._path(argument, depth + 1)
        return f"{inner}.{field}" if inner is not None else None


_CONTAINER_OF = re.compile(
    r"^\(?\s*(?:container_of|container_of_const|list_entry|list_first_entry|list_last_entry|list_first_entry_or_null"
    r"|hlist_entry|hlist_entry_safe|rb_entry|rb_entry_safe|llist_entry)\s*\(.*,\s*(?:struct\s+)?(\w+)\s*,"
    r"\s*[\w.\[\]]+\s*\)\s*\)?$",
    re.S,
)


def container_of_type(node: TSNode) -> str | None:
    """``container_of(p, struct T, member)`` (and the list/rb ``_entry`` macros) is a ``T *``."""
    match = _CONTAINER_OF.search(text_of(node))
    return match.group(1) if match else None


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text).lstrip("&")
