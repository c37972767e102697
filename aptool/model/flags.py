"""Flags: fields and bits that some wait condition reads, with who sets, clears, tests, waits and wakes.

An open-coded lock is a flag: set it, drop the real lock, do the work, clear
it and wake the waiters, who sleep until it is clear.  Which fields are
flags is known only once every wait in scope is known, so it is decided in
two steps: before the functions are built, ``wait_fields`` lists the field
names wait conditions mention (cheap, by name); the builder makes a
candidate event for each write or test of such a field; ``mark_flags``
resolves each candidate's class and keeps it when that class is a flag.
"""

from __future__ import annotations

import re

from aptool.model.data import Flag, Function, Node, Site
from aptool.model.functions import Candidate
from aptool.model.parse import closing, split_arguments
from aptool.model.primitives import CLEARING_VALUES, WAIT_OPS

_WAIT = re.compile(rb"wait_|io_wait_event")
_NAME = re.compile(rb"\w+")
_FIELD = re.compile(rb"(?:->|\.)\s*([A-Za-z_]\w*)")


def wait_fields(source: bytes) -> set[str]:
    """Field names the waits of a file read in their conditions (or wait on, for bits).

    Text, not tree: it runs before any function is built and must cost next to
    nothing; a name too many only makes a candidate that ``mark_flags`` drops.
    """
    found: set[str] = set()
    for match in _WAIT.finditer(source):
        if match.start() > 0 and (chr(source[match.start() - 1]).isalnum() or source[match.start() - 1] == 0x5F):
            continue
        name = _NAME.match(source, match.start())
        if name is None:
            continue
        op = WAIT_OPS.get(name.group(0).decode())
        if op is None or not source.startswith(b"(", name.end()):
            continue
        end = closing(source, name.end())
        if end is None:
            continue
        args = split_arguments(source, name.end() + 1, end - 1)
        index = op.condition_arg if op.condition_arg is not None else op.queue_arg
        if index is not None and len(args) > index:
            start, stop = args[index]
            found.update(m.group(1).decode() for m in _FIELD.finditer(source, start, stop))
    return found


def mark_flags(functions: dict[str, Function], candidates: list[Candidate]) -> dict[str, Flag]:
    """Keep the candidates whose class a wait reads as flag events; list each flag's roles."""
    flags: dict[str, Flag] = {}
    for function in functions.values():
        for event in function.events():
            if event.kind == "wait":
                for name in event.flags:
                    flag = flags.setdefault(name, Flag(name))
                    flag.waiters.append(_site(function, event.line, event.text))
                    if event.lock and event.lock not in flag.queues:
                        flag.queues.append(event.lock)
    kept: set[int] = set()
    for candidate in candidates:
        access = candidate.node.event
        assert access is not None
        lock, resolved = candidate.resolver.lock_class(candidate.target)
        lock += candidate.suffix
        if lock not in flags:
            continue
        access.lock, access.resolved = lock, resolved
        if access.kind == "flag-write":
            access.kind = "flag-clear" if (access.value or "") in CLEARING_VALUES else "flag-set"
        kept.add(id(candidate.node))
    dropped = {id(c.node) for c in candidates} - kept
    for function in functions.values():
        if dropped:
            function.body = _without(function.body, dropped)
        for event in function.events():
            site = _site(function, event.line, event.text)
            if event.kind in ("flag-set", "flag-clear", "flag-test") and event.lock in flags:
                roles = {"flag-set": "setters", "flag-clear": "clearers", "flag-test": "testers"}
                getattr(flags[event.lock], roles[event.kind]).append(site)
            elif event.kind == "wake":
                for flag in flags.values():
                    if event.lock in flag.queues:
                        flag.wakers.append(site)
    return flags


def _site(function: Function, line: int, text: str) -> Site:
    return Site(function.name, function.file, line, text)


def _without(nodes: list[Node], dropped: set[int]) -> list[Node]:
    kept: list[Node] = []
    for node in nodes:
        if id(node) in dropped:
            continue
        if node.branches:
            node.branches = [_without(branch, dropped) for branch in node.branches]
        if node.body:
            node.body = _without(node.body, dropped)
        kept.append(node)
    return kept
