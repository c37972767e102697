"""Wait conditions over flags: which values of the flags a ``wait_event`` condition lets through.

``wait_event(wq, !x->busy)`` passes when ``busy`` is clear; ``wait_event(wq,
x->done)`` when ``done`` is set; ``!a && !test_bit(B, &x->flags)`` when both
are clear.  The condition is parsed with tree-sitter and evaluated in
three-valued logic over the flags it reads: a part the model does not know
(a counter compared with a number, a helper's result) is "maybe", and a wait
whose condition is "maybe" is let through -- the simulator claims a wait
blocks only where the flags say so.

Input: the wait's condition text and the flag classes it reads.  Output: the
set of flag values (bit ``i`` = ``flags[i]`` set) that let it pass.
"""

from __future__ import annotations

from tree_sitter import Node as TSNode

from aptool.model.parse import parse
from aptool.model.primitives import FIELD_ACCESSES, FLAG_READERS
from aptool.model.syntax import text_of

_FALSE = frozenset({"0", "false", "NULL", "0UL", "0U", "0L"})
_TRUE = frozenset({"1", "true"})


def passing_values(condition: str | None, flags: list[str]) -> frozenset[int]:
    """The values of ``flags`` (as bit sets) under which the wait goes on."""
    if not flags:
        return frozenset({0})
    if condition is None:  # wait_on_bit: until the bit is clear
        return frozenset({0})
    tree = parse(f"void __condition(void) {{ ({condition}); }}".encode())
    expression = _expression(tree.root_node)
    passing = set()
    for value in range(1 << len(flags)):
        truth = _evaluate(expression, flags, value) if expression is not None else None
        if truth is None or truth:
            passing.add(value)
    return frozenset(passing)


def _expression(root: TSNode) -> TSNode | None:
    found: TSNode | None = root
    for kind in ("function_definition", "compound_statement", "expression_statement"):
        found = next((c for c in found.named_children if c.type == kind), None) if found is not None else None
    return found.named_children[0] if found is not None and found.named_children else None


def _evaluate(node: TSNode, flags: list[str], value: int) -> bool | None:
    """True, False, or None when the model cannot tell."""
    kind = node.type
    if kind == "parenthesized_expression" and node.named_children:
        return _evaluate(node.named_children[0], flags, value)
    if kind == "unary_expression" and text_of(node).lstrip().startswith("!") and node.named_children:
        inner = _evaluate(node.named_children[-1], flags, value)
        return None if inner is None else not inner
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = text_of(node.child_by_field_name("operator"))
        if left is None or right is None:
            return None
        if operator in ("&&", "||"):
            a, b = _evaluate(left, flags, value), _evaluate(right, flags, value)
            if operator == "&&":
                return False if a is False or b is False else (None if a is None or b is None else True)
            return True if a is True or b is True else (None if a is None or b is None else False)
        if operator in ("==", "!="):
            for side, other in ((left, right), (right, left)):
                literal = text_of(other).strip()
                if literal in _FALSE or literal in _TRUE:
                    truth = _evaluate(side, flags, value)
                    if truth is None:
                        return None
                    equal = truth == (literal in _TRUE)
                    return equal if operator == "==" else not equal
        return None
    if kind == "call_expression":
        called = text_of(node.child_by_field_name("function")).strip()
        arguments = node.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        access = FIELD_ACCESSES.get(called)
        if access is not None and access.bit_arg is not None and len(args) > max(access.bit_arg, access.target_arg):
            bit = " ".join(text_of(args[access.bit_arg]).split())
            return _flag(flags, value, _field(args[access.target_arg]), bit)
        if called in FLAG_READERS and len(args) == 1:
            return _evaluate(args[0], flags, value)
        return None
    if kind in ("field_expression", "pointer_expression"):
        return _flag(flags, value, _field(node), None)
    return None


def _field(node: TSNode) -> str:
    """The last field name of ``&x->a.b`` (``b``)."""
    text = text_of(node)
    for separator in ("->", "."):
        text = text.rsplit(separator, 1)[-1]
    return text.strip(" &*()")


def _flag(flags: list[str], value: int, field: str, bit: str | None) -> bool | None:
    for index, name in enumerate(flags):
        base, _, rest = name.partition("[")
        if base.rsplit(".", 1)[-1] != field:
            continue
        if bit is not None and rest.rstrip("]") != bit:
            continue
        return bool(value >> index & 1)
    return None
