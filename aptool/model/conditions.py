"""Branch conditions as written: top-level operands and enclosing parentheses.

The walk (``lockset.py``), the predicates (``predicates.py``) and the places rule
(``checks/circular_instances.py``) read what a condition says from its text; these are the few
shapes of that text they share.
"""

from __future__ import annotations


def split_top(text: str, operator: str) -> list[str]:
    """``a && (b || c) && d`` -> ``[a, (b || c), d]``: the top-level operands of ``operator``."""
    parts: list[str] = []
    for piece in text.split(operator):
        if parts and parts[-1].count("(") != parts[-1].count(")"):
            parts[-1] += operator + piece  # inside parentheses: not a top-level operand
        else:
            parts.append(piece)
    return parts


def balanced(text: str) -> bool:
    """Whether every parenthesis of ``text`` closes, in order: ``(a) && (b)`` is, ``a) && (b`` is not."""
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def unparenthesised(text: str) -> str:
    """``((a && b))`` -> ``a && b``: the parentheses that enclose the whole condition, dropped."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text
