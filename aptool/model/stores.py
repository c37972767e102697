"""What a function writes into the objects its variables point to: the raw facts behind fresh-object values.

The builder records, per variable (parameter or local), the fields a
function may leave non-zero (``p->f = x`` with ``x`` not a literal zero,
``p->f |= x``, ``p->f++``, ``&p->f`` passed to a call that is not a mere
reader), and ``*`` when the object escapes (stored into another variable or
object, or returned): then anything may write to it.  It also records what
each local is assigned from (``call:NAME``, ``{}`` for an initialiser list,
``null``, ``other``) and what each ``return`` returns, so that :mod:`aptool.model.values`
can tell a zeroed, fresh object (``kzalloc``, ``= {}``, ``btrfs_alloc_path()``)
from any other.
"""

from __future__ import annotations

from tree_sitter import Node as TSNode

from aptool.model.resolve import strip
from aptool.model.syntax import text_of, uncast

ESCAPES = "*"  # the object is reachable from elsewhere: any field may be written
NO_OBJECT = frozenset({"null", "call:ERR_PTR", "call:ERR_CAST"})  # shapes that give no object at all
ZERO_LITERALS = frozenset({"0", "NULL", "false", "0UL", "0U", "0L", "0ULL"})
# Calls that only read the field whose address they are given.
READERS = frozenset(
    {
        "test_bit",
        "variable_test_bit",
        "constant_test_bit",
        "atomic_read",
        "atomic64_read",
        "atomic_long_read",
        "refcount_read",
        "list_empty",
        "list_empty_careful",
        "RB_EMPTY_ROOT",
        "RB_EMPTY_NODE",
        "hlist_empty",
        "spin_is_locked",
        "mutex_is_locked",
        "rwsem_is_locked",
        "lockdep_is_held",
        "READ_ONCE",
        "sizeof",
        "offsetof",
    }
)


_WRAPPED = frozenset({"pointer_expression", "cast_expression", "parenthesized_expression"})


# Calls that link an object into a shared structure by an embedded node (``list_add(&p->list, head)``):
# from then on anyone who walks that structure may write any of its fields.
LINKING = frozenset(
    {
        "list_add",
        "list_add_tail",
        "list_add_rcu",
        "list_add_tail_rcu",
        "list_move",
        "list_move_tail",
        "hlist_add_head",
        "hlist_add_head_rcu",
        "hlist_add_before",
        "hlist_add_behind",
        "llist_add",
        "rb_link_node",
        "rb_link_node_rcu",
        "rb_add",
        "rb_find_add",
        "rb_add_cached",
        "rb_find_add_rcu",
    }
)


def field_base(node: TSNode | None) -> tuple[str, str] | None:
    """``v->a.b[i]`` -> (``v``, ``a``): the variable and the first field of a field access, or None."""
    if node is None:
        return None
    current = strip(node)
    first: str | None = None
    while current.type in ("field_expression", "subscript_expression", "parenthesized_expression"):
        if current.type == "field_expression":
            first = text_of(current.child_by_field_name("field"))
        inner = current.child_by_field_name("argument") or (
            current.named_children[0] if current.named_children else None
        )
        if inner is None:
            return None
        current = inner
    if current.type != "identifier" or first is None:
        return None
    return text_of(current), first


_LITERALS = frozenset({"number_literal", "null", "false", "identifier"})  # NULL may parse as an identifier


def is_zero(value: TSNode | None) -> bool:
    """A literal zero, ``NULL`` or ``false`` (through casts and parentheses)."""
    if value is None:
        return False
    target = strip(value)
    return target.type in _LITERALS and text_of(target).strip() in ZERO_LITERALS


def assigned_shape(value: TSNode | None) -> str:
    """What a local is assigned from: ``call:NAME``, ``{}`` (an initialiser list), ``null`` or ``other``."""
    if value is None:
        return "other"
    if value.type == "initializer_list":
        return "{}"
    target = strip(value)
    if target.type in _LITERALS and text_of(target).strip() in ZERO_LITERALS:
        return "null"
    if target.type == "call_expression":
        function = target.child_by_field_name("function")
        if function is not None and function.type == "identifier":
            return f"call:{text_of(function)}"
    return "other"


def returned_shape(value: TSNode | None, variables: set[str] | dict[str, str]) -> str:
    """What a ``return`` gives back: ``call:NAME``, ``var:NAME`` (a local or parameter), ``null``, ``other``."""
    if value is None:
        return "other"
    if is_zero(value):
        return "null"
    target = strip(value)
    if target.type == "identifier" and text_of(target) in variables:
        return f"var:{text_of(target)}"
    return assigned_shape(value)


def initialiser_stores(value: TSNode) -> list[str]:
    """The fields an initialiser list sets to something other than zero; ``*`` for a positional value
    (which field it fills is not known here)."""
    found: list[str] = []
    for child in value.named_children:
        if child.type == "comment":
            continue
        if child.type == "initializer_pair":
            designators = child.children_by_field_name("designator")
            name = text_of(designators[0]).lstrip(".").strip() if designators else ""
            if not is_zero(child.child_by_field_name("value")):
                found.append(name or ESCAPES)
        elif not is_zero(child):
            found.append(ESCAPES)
    return found


def passed_object(arg: TSNode, variables: set[str] | dict[str, str]) -> str:
    """``v``, ``&v`` or ``(void *)v`` with ``v`` a local or parameter: ``v``; else ``""``."""
    target = strip(arg) if arg.type in _WRAPPED else arg
    if target.type == "identifier":
        name = text_of(target)
        return name if name in variables else ""
    return ""


def address_of_field(arg: TSNode) -> tuple[str, str] | None:
    """``&v->f`` (the address of a field, which the callee may write through): (``v``, ``f``)."""
    node = uncast(arg)
    if node is None or node.type != "pointer_expression" or not text_of(node).lstrip().startswith("&"):
        return None
    return field_base(node.child_by_field_name("argument"))
