"""Predicates: what a function's non-zero return says of its parameters' bits.

``btrfs_block_can_be_shared(root, buf)`` returns 1 only on the arm where
``test_bit(BTRFS_ROOT_SHAREABLE, &root->state)`` held, and 0 everywhere else.  A caller's branch
``if (btrfs_block_can_be_shared(root, buf))`` then knows, on its true arm, that the bit is set in
its ``root``; when the object passed down is one on which the bit is never set (an object out of a
container, :mod:`aptool.model.containers`; a fresh object), that arm cannot happen.

A bit is a field of its own to the walk: ``root->state:BTRFS_ROOT_SHAREABLE``, zero when clear.
The summary is read off the function's skeleton: every ``return`` of a literal other than zero must
come after a branch that said the bit is set, and every other ``return`` must give a literal zero.
A function with a ``goto``, a loop or a ``switch`` on the way, or a ``return`` of anything else,
says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from aptool.model.conditions import balanced, split_top, unparenthesised
from aptool.model.containers import moved_variables
from aptool.model.data import CodeModel, Function, Node

Fact = tuple[str, str, bool]  # (name, value, equal): what a branch arm says, as the walk keeps it
Facts = Callable[[str, bool, "set[str] | dict[str, int]"], list[Fact]]

_BIT_TEST = re.compile(
    r"^\s*(!?)\s*\(?\s*(?:test_bit|constant_test_bit|variable_test_bit|test_bit_acquire)\s*\(\s*([A-Z_][A-Z0-9_]*)\s*,"
    r"\s*&\s*\(?\s*([A-Za-z_]\w*)\s*->\s*([A-Za-z_]\w*)\s*\)?\s*\)\s*\)?\s*$"
)
_CALL = re.compile(r"^(!?)\s*([A-Za-z_]\w*)\s*\((.*)\)$", re.S)
_CALLED = re.compile(r"([A-Za-z_]\w*)\s*\(")
_ZERO = frozenset({"0", "false", "NULL"})


def bit_tests(term: str, params: Iterable[str]) -> tuple[str, bool] | None:
    """``test_bit(B, &p->f)`` (or ``!test_bit(...)``) with ``p`` one of ``params``: (``p->f:B``,
    whether it is negated); None for any other term."""
    match = _BIT_TEST.match(term)
    if match is None or match.group(3) not in params:
        return None
    negated, bit, owner, field_name = match.groups()
    return f"{owner}->{field_name}:{bit}", bool(negated)


class Predicates:
    """Per function name (when the model has one function of that name), the bits its non-zero
    return says are set: (parameter index, ``field:BIT``)."""

    def __init__(self, model: CodeModel, facts: Facts) -> None:
        self.model = model
        self.facts = facts
        self._by_name: dict[str, list[Function]] = {}
        for function in model.functions.values():
            self._by_name.setdefault(function.name, []).append(function)
        self._summaries: dict[str, tuple[tuple[int, str], ...]] = {}

    def summary(self, name: str) -> tuple[tuple[int, str], ...]:
        """What ``name`` returning non-zero says; empty when nothing (or the name is not one function)."""
        if name not in self._summaries:
            functions = self._by_name.get(name, [])
            self._summaries[name] = _summary(functions[0], self.facts) if len(functions) == 1 else ()
        return self._summaries[name]

    def implied(self, condition: str, truth: bool, names: set[str] | dict[str, int], file: str = "") -> list[Fact]:
        """The facts a branch arm gets from the predicates it calls: on the arm where ``P(a, b)`` is
        non-zero, each bit ``P`` says is set, of the variable passed (one of ``names``)."""
        if not any(self.summary(name) for name in _CALLED.findall(condition)):
            return []  # no call of a function with a summary: the common case, told apart at once
        text = unparenthesised(condition)
        ors = split_top(text, "||") if "||" in text else [text]
        ands = split_top(text, "&&") if "&&" in text else [text]
        if len(ors) > 1 and len(ands) > 1:
            return []
        if len(ors) > 1:
            if truth:
                return []
            holding = [(term, False) for term in ors]  # every operand failed
        elif len(ands) > 1:
            if not truth:
                return []
            holding = [(term, True) for term in ands]
        else:
            holding = [(text, truth)]
        found: list[Fact] = []
        for term, holds in holding:
            match = _CALL.match(_unwrapped(term))
            if match is None or not balanced(match.group(3)):
                continue
            negated, name, arguments = match.groups()
            if holds == bool(negated) or any(c in arguments for c in "\"'{"):
                continue  # the call returned zero here (that says nothing), or its arguments do not split
            functions = self._by_name.get(name, [])
            if len(functions) == 1 and functions[0].static and functions[0].file != file:
                continue  # a static function of another file: here the name is something else (a macro)
            args = [a.strip() for a in split_top(arguments, ",")]
            for index, bit in self.summary(name):
                if index < len(args) and args[index] in names:
                    found.append((f"{args[index]}->{bit}", "0", False))
        return found


def _unwrapped(term: str) -> str:
    """``(f(x))`` -> ``f(x)``, ``!(f(x))`` -> ``!f(x)``: outer parentheses that enclose the whole term."""
    text = term.strip()
    negated = ""
    while True:
        if text.startswith("!"):
            negated = "" if negated else "!"
            text = text[1:].strip()
        elif text.startswith("(") and text.endswith(")") and balanced(text[1:-1]):
            text = text[1:-1].strip()
        else:
            return negated + text


def _summary(function: Function, facts: Facts) -> tuple[tuple[int, str], ...]:
    moved = moved_variables(function)
    params = {name: index for index, name in enumerate(function.params) if name not in moved}
    if not params or "test_bit" not in _conditions(function.body):
        return ()  # a parameter given another object: its bits are not the caller's
    returned: list[frozenset[str] | None] = []
    if not _walk(function.body, frozenset(), returned, params, facts):
        returned.append(None)  # it can fall off the end
    nonzero = [said for said in returned if said != frozenset({"0"})]
    if not nonzero or any(said is None for said in nonzero):
        return ()
    common = frozenset.intersection(*(said for said in nonzero if said is not None))
    found = []
    for name in sorted(common):
        owner, _, rest = name.partition("->")
        found.append((params[owner], rest))
    return tuple(found)


def _walk(
    nodes: list[Node],
    known: frozenset[str],
    returned: list[frozenset[str] | None],
    params: dict[str, int],
    facts: Facts,
) -> bool:
    """Follow ``nodes`` with the bits ``known`` set; each ``return`` adds what is known there (a literal
    zero: ``{"0"}``; anything not a literal: None).  Whether every path through ``nodes`` returns."""
    for node in nodes:
        kind = node.kind
        if kind == "return":
            label = node.label
            if label is None:
                returned.append(None)
            else:
                returned.append(frozenset({"0"}) if label in _ZERO else known)
            return True
        if kind == "if":
            condition = node.condition or ""
            arms = list(node.branches) + [[]] * (2 - len(node.branches))
            then = known | _set_bits(facts(condition, True, params))
            other = known | _set_bits(facts(condition, False, params))
            then_returns = _walk(arms[0], then, returned, params, facts)
            other_returns = _walk(arms[1], other, returned, params, facts)
            if then_returns and other_returns:
                return True
            known = other if then_returns else then if other_returns else known & then & other
        elif kind in ("goto", "label", "loop", "do", "switch", "break", "continue"):
            returned.append(None)
            return True
    return False


def _set_bits(said: list[Fact]) -> frozenset[str]:
    return frozenset(name for name, value, equal in said if ":" in name and value == "0" and not equal)


def _conditions(nodes: list[Node]) -> str:
    found: list[str] = []
    stack = [nodes]
    while stack:
        for node in stack.pop():
            if node.condition:
                found.append(node.condition)
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    return "\n".join(found)
