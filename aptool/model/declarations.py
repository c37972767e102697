"""Struct fields, typedefs and global variables: what lock classes are resolved against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node as TSNode

from aptool.model.syntax import text_of


@dataclass
class Declarations:
    structs: dict[str, dict[str, str]] = field(default_factory=dict)  # struct -> field -> type name
    typedefs: dict[str, str] = field(default_factory=dict)  # alias -> struct or type name
    globals: dict[str, str] = field(default_factory=dict)  # global variable -> type name
    field_owners: dict[str, set[str]] = field(default_factory=dict)  # field -> structs declaring it
    returns: dict[str, str] = field(default_factory=dict)  # function -> the type it returns

    def type_name(self, name: str) -> str:
        seen = 0
        while name in self.typedefs and seen < 8:
            name, seen = self.typedefs[name], seen + 1
        return name

    def field_type(self, struct: str, name: str) -> str | None:
        return self.structs.get(self.type_name(struct), {}).get(name)

    def add_struct(self, name: str, fields: dict[str, str]) -> None:
        self.structs.setdefault(name, {}).update(fields)
        for field_name in fields:
            self.field_owners.setdefault(field_name, set()).add(name)


def type_of_specifier(node: TSNode | None) -> str:
    """``struct kvm`` -> ``kvm``; ``crypto_hook`` -> ``crypto_hook``; ``unsigned long`` -> ``long``."""
    if node is None:
        return ""
    if node.type in ("struct_specifier", "union_specifier"):
        name = node.child_by_field_name("name")
        return text_of(name) if name is not None else ""
    return text_of(node).split()[-1] if text_of(node) else ""


def declared_names(declarator: TSNode | None) -> list[str]:
    """The identifiers a (possibly pointer, array, init) declarator declares."""
    names: list[str] = []
    stack = [declarator] if declarator is not None else []
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            names.append(text_of(node))
            continue
        if node.type in ("function_declarator", "parameter_list"):
            inner = node.child_by_field_name("declarator")
            if inner is not None:
                stack.append(inner)
            continue
        inner = node.child_by_field_name("declarator")
        if inner is not None:
            stack.append(inner)
        elif node.type == "parenthesized_declarator":  # int (*fn)(...): the name is inside
            stack.extend(node.named_children)
    return names


# The only nodes that can hold declarations, definitions or initialisers of global ops tables:
# the walk does not enter expressions, statements or macro bodies.
_CONTAINERS = frozenset(
    {
        "translation_unit",
        "declaration",
        "init_declarator",
        "initializer_list",
        "type_definition",
        "struct_specifier",
        "union_specifier",
        "field_declaration_list",
        "field_declaration",
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "ERROR",
        "linkage_specification",
        "declaration_list",
    }
)


@dataclass
class FileFacts:
    """What the declaration walk finds in a source file besides declarations."""

    definitions: list[TSNode] = field(default_factory=list)  # function definitions, in source order
    stores: list[tuple[str, str]] = field(default_factory=list)  # (field, identifier) of ``.field = identifier``


def collect(root: TSNode, decls: Declarations, facts: FileFacts | None = None) -> None:
    """Struct bodies, typedefs, file-scope variables and return types anywhere outside function bodies;
    with ``facts``, also the function definitions and the designated initialisers of functions."""
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "function_definition":
            _return_type(node, decls)
            if facts is not None:
                facts.definitions.append(node)
            continue  # locals are the function's own business
        if kind == "initializer_pair":
            _initializer(node, decls, facts, stack)
            continue
        if kind == "preproc_function_def":
            _macro(node, decls)
            continue
        if kind == "init_declarator" and facts is not None:
            _pointer_initialised(node, facts)
        if kind not in _CONTAINERS:
            continue
        _declare(node, kind, decls)
        children = node.children
        if len(children) > 1:
            children = list(reversed(children))  # a stack: keep source order for definitions
        stack.extend(children)
    if facts is not None:
        facts.definitions.sort(key=lambda n: n.start_byte)


def _fields(body: TSNode, owner: str, decls: Declarations) -> dict[str, str]:
    """The fields of a struct body.  An anonymous struct member without a name
    (``struct { ... };``) adds its fields to ``owner``; one with a name
    (``struct { spinlock_t lock; } irqfds;``) becomes the struct ``owner.irqfds``,
    so its lock is ``kvm.irqfds.lock``: the innermost struct that declares it."""
    fields: dict[str, str] = {}
    for child in body.children:
        if child.type.startswith("preproc_") or child.type == "ERROR":
            fields.update(_fields(child, owner, decls))  # #ifdef CONFIG_... or unparsable: fields still count
            continue
        if child.type != "field_declaration":
            continue
        type_node = child.child_by_field_name("type")
        type_name = type_of_specifier(type_node)
        declarators = child.children_by_field_name("declarator")
        inner = None
        if type_node is not None and type_node.type in ("struct_specifier", "union_specifier"):
            inner = type_node.child_by_field_name("body") if type_node.child_by_field_name("name") is None else None
        if inner is not None and not declarators:
            fields.update(_fields(inner, owner, decls))
            continue
        for declarator in declarators:
            for name in declared_names(declarator)[:1]:
                if inner is not None:
                    type_name = f"{owner}.{name}"
                    decls.add_struct(type_name, _fields(inner, type_name, decls))
                fields[name] = type_name
    return fields


def _declares_function(declarator: TSNode | None) -> bool:
    """``f(void)``, ``*f(void)``: a prototype, not a variable (``(*fn)(void)`` is a variable)."""
    while declarator is not None:
        if declarator.type == "function_declarator":
            return True
        if declarator.type == "parenthesized_declarator":
            return False
        declarator = declarator.child_by_field_name("declarator")
    return False


def _return_type(node: TSNode, decls: Declarations) -> None:
    """``static inline struct btrfs_inode *BTRFS_I(...)`` returns a ``btrfs_inode``."""
    declarator = node.child_by_field_name("declarator")
    while declarator is not None and declarator.type in ("pointer_declarator", "init_declarator"):
        declarator = declarator.child_by_field_name("declarator")
    if declarator is None or declarator.type != "function_declarator":
        return
    name = declarator.child_by_field_name("declarator")
    if name is not None and name.type == "identifier":
        decls.returns.setdefault(text_of(name), type_of_specifier(node.child_by_field_name("type")))


def merge(into: Declarations, other: Declarations) -> None:
    """Add ``other``'s declarations to ``into`` (the first definition of a name wins)."""
    for name, fields in other.structs.items():
        into.add_struct(name, {k: v for k, v in fields.items() if k not in into.structs.get(name, {})})
    for table, source in (
        (into.typedefs, other.typedefs),
        (into.globals, other.globals),
        (into.returns, other.returns),
    ):
        for key, value in source.items():
            table.setdefault(key, value)


def _declare(node: TSNode, kind: str, decls: Declarations) -> None:
    """A struct body, a typedef or a file-scope declaration into ``decls``."""
    if kind in ("struct_specifier", "union_specifier"):
        body = node.child_by_field_name("body")
        tag = node.child_by_field_name("name")
        if body is not None and tag is not None:
            decls.add_struct(text_of(tag), _fields(body, text_of(tag), decls))
    elif kind == "type_definition":
        spec = node.child_by_field_name("type")
        target = type_of_specifier(spec)
        for alias in node.children_by_field_name("declarator"):
            for name in declared_names(alias):
                if target and target != name:
                    decls.typedefs[name] = target
                if spec is not None and spec.type == "struct_specifier" and spec.child_by_field_name("name") is None:
                    body = spec.child_by_field_name("body")
                    if body is not None:
                        decls.add_struct(name, _fields(body, name, decls))
    elif kind == "declaration":
        _return_type(node, decls)
        if node.parent is not None and node.parent.type not in ("field_declaration_list",):
            type_name = type_of_specifier(node.child_by_field_name("type"))
            for declarator in node.children_by_field_name("declarator"):
                if not _declares_function(declarator):
                    for name in declared_names(declarator)[:1]:
                        decls.globals[name] = type_name


def _pointer_initialised(node: TSNode, facts: FileFacts) -> None:
    """``static void (*hook)(struct root *) = init_root;`` (or ``= { init_a, init_b }``): the functions a
    file-scope pointer holds, kept as stores into ``=hook`` (no struct's field: no ops table)."""
    value = node.child_by_field_name("value")
    names = declared_names(node.child_by_field_name("declarator")) if node.child_by_field_name("declarator") else []
    if value is None or not names:
        return
    items = value.named_children if value.type == "initializer_list" else [value]
    for item in items:
        target = item.child_by_field_name("argument") if item.type == "pointer_expression" else item
        if target is not None and target.type == "identifier":
            facts.stores.append((f"={names[0]}", text_of(target)))


def _initializer(node: TSNode, decls: Declarations, facts: FileFacts | None, stack: list[TSNode]) -> None:
    """``.release = vfio_dev_release`` in a ``struct kvm_device_ops``: a store into ``kvm_device_ops.release``."""
    value = node.child_by_field_name("value")
    if value is not None and value.type == "initializer_list":
        stack.append(value)
    elif facts is not None and value is not None and value.type in ("identifier", "pointer_expression"):
        designators = node.children_by_field_name("designator")
        if designators:
            owner = initialised_type(node, decls) or "?"
            written = text_of(designators[-1]).lstrip(".").strip()
            facts.stores.append((f"{owner}.{written}", text_of(value).lstrip("&").strip()))


def _macro(node: TSNode, decls: Declarations) -> None:
    """``#define to_obj(k) container_of(k, struct obj, kobj)``: ``to_obj()`` returns a ``struct obj *``."""
    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    match = _CONTAINER_MACRO.search(text_of(value)) if value is not None else None
    if name is not None and match:
        decls.returns.setdefault(text_of(name), match.group(1))


_CONTAINER_MACRO = re.compile(
    r"^\s*\(?\s*(?:container_of|container_of_const|list_entry|hlist_entry|rb_entry)\s*\([^,]+,\s*(?:struct\s+)?(\w+)\s*,"
)


def initialised_type(pair: TSNode, decls: Declarations) -> str | None:
    """The struct an initialiser ``.field = value`` belongs to: the declared type, through nested lists."""
    fields: list[str] = []
    node = pair.parent
    while node is not None:
        kind = node.type
        if kind == "initializer_pair":
            designators = node.children_by_field_name("designator")
            if designators:
                fields.append(text_of(designators[-1]).lstrip(".").strip())
        elif kind == "init_declarator":
            declaration = node.parent
            owner = type_of_specifier(declaration.child_by_field_name("type")) if declaration is not None else ""
            owner = decls.type_name(owner) if owner else ""
            for name in reversed(fields):
                found = decls.field_type(owner, name) if owner else None
                owner = decls.type_name(found) if found else ""
            return owner or None
        elif kind not in ("initializer_list", "compound_literal_expression"):
            return None
        node = node.parent
    return None
