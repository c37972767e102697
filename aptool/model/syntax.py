"""tree-sitter node helpers shared by the model's modules."""

from __future__ import annotations

from tree_sitter import Node as TSNode


def text_of(node: TSNode | None) -> str:
    """The node's text as tree-sitter parsed it (after ``parse.recover``'s rewriting)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def unparenthesized(node: TSNode) -> TSNode:
    """``((x))`` -> ``x``: the expression inside any parentheses around it."""
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[-1]
    return node


def uncast(node: TSNode) -> TSNode | None:
    """``(void *)(&x->f)`` -> ``&x->f``: the expression inside parentheses and casts (None when a cast
    or parentheses hold nothing)."""
    while node.type in ("parenthesized_expression", "cast_expression"):
        inner = node.child_by_field_name("value") or (node.named_children[-1] if node.named_children else None)
        if inner is None:
            return None
        node = inner
    return node
