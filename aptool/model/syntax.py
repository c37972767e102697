"""tree-sitter node helpers shared by the model's modules."""

from __future__ import annotations

from tree_sitter import Node as TSNode


def text_of(node: TSNode | None) -> str:
    """The node's text as tree-sitter parsed it (after ``parse.recover``'s rewriting)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")
