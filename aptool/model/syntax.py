"""tree-sitter plumbing: one parser, node text, and where parsing failed."""

from __future__ import annotations

import tree_sitter
import tree_sitter_c
from tree_sitter import Node as TSNode

_LANGUAGE = tree_sitter.Language(tree_sitter_c.language())
_PARSER = tree_sitter.Parser(_LANGUAGE)


def parse(source: bytes) -> tree_sitter.Tree:
    return _PARSER.parse(source)


def text_of(node: TSNode | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def error_lines(root: TSNode) -> list[int]:
    """1-based lines where tree-sitter had to recover (ERROR or MISSING nodes)."""
    lines: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            lines.append(node.start_point[0] + 1)
            continue
        if node.has_error:
            stack.extend(node.children)
    return sorted(lines)
