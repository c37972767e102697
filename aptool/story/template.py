"""Render a fixture template for a set of features.

A template is an ordinary file with marker lines (``//@ if EXPR``,
``//@ elif EXPR``, ``//@ else``, ``//@ endif``; ``#@`` in files whose
comments start with ``#``).  EXPR combines feature names with ``and``,
``or``, ``not`` and parentheses.  One template per path keeps every step
of the history readable in one place instead of a copy per commit.
"""

from __future__ import annotations

import re

_MARKER = re.compile(r"^\s*(?://|#)@\s*(if|elif|else|endif)\b\s*(.*?)\s*$")
_TOKEN = re.compile(r"\s*(\(|\)|and\b|or\b|not\b|[A-Za-z_][A-Za-z0-9_.-]*)")


class TemplateError(ValueError):
    """A template whose markers do not nest or whose condition does not parse."""


def render(text: str, features: frozenset[str], where: str = "template") -> str:
    """The file as it is with ``features`` turned on; markers never leak out."""
    out: list[str] = []
    # Each frame: (this branch is active, some branch of this if was taken, parent active)
    stack: list[tuple[bool, bool, bool]] = []
    active = True
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = _MARKER.match(line)
        if not marker:
            if active:
                out.append(line)
            continue
        word, expr = marker.groups()
        if word == "if":
            value = evaluate(expr, features, f"{where}:{number}")
            stack.append((active and value, value, active))
        elif word in ("elif", "else"):
            if not stack:
                raise TemplateError(f"{where}:{number}: {word} without if")
            _, taken, parent = stack.pop()
            value = True if word == "else" else evaluate(expr, features, f"{where}:{number}")
            now = value and not taken
            stack.append((parent and now, taken or now, parent))
        else:
            if not stack:
                raise TemplateError(f"{where}:{number}: endif without if")
            stack.pop()
        active = stack[-1][0] if stack else True
    if stack:
        raise TemplateError(f"{where}: if without endif")
    return "".join(out)


def evaluate(expr: str, features: frozenset[str], where: str) -> bool:
    """A tiny recursive-descent evaluator: no ``eval`` of data files."""
    tokens = [t for t in _TOKEN.findall(expr)]
    if "".join(tokens).replace(" ", "") != expr.replace(" ", ""):
        raise TemplateError(f"{where}: cannot parse condition {expr!r}")
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise TemplateError(f"{where}: condition ends early: {expr!r}")
        position += 1
        return tokens[position - 1]

    def disjunction() -> bool:
        value = conjunction()
        while peek() == "or":
            take()
            value = conjunction() or value
        return value

    def conjunction() -> bool:
        value = negation()
        while peek() == "and":
            take()
            value = negation() and value
        return value

    def negation() -> bool:
        if peek() == "not":
            take()
            return not negation()
        token = take()
        if token == "(":
            value = disjunction()
            if take() != ")":
                raise TemplateError(f"{where}: missing ')' in {expr!r}")
            return value
        return token in features

    result = disjunction()
    if position != len(tokens):
        raise TemplateError(f"{where}: trailing words in {expr!r}")
    return result
