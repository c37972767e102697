"""Flags: fields and bits that some wait condition reads, with who sets, clears, tests, waits and wakes.

An open-coded lock is a flag: set it, drop the real lock, do the work, clear
it and wake the waiters, who sleep until it is clear.  Which fields are
flags is known only once every wait in scope is known, so it is decided in
two steps: before the functions are built, ``wait_fields`` lists the field
names wait conditions mention (cheap, by name); the builder makes a
candidate event for each write or test of such a field; ``mark_flags``
resolves each candidate's class and keeps it when that class is a flag.

Not every flag is an open-coded lock: a state compared in a wait condition
(``t->state >= 2``), a counter or a pointer is an event.  ``Flag.open_coded``
is set only for a flag that something sets to a flag value (``true``, ``1``,
a bit), something clears, and some waiter sleeps until it is clear.
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
    waited_clear: set[str] = set()
    for function in functions.values():
        for event in function.events():
            if event.kind == "wait":
                waited_clear.update(event.clear_flags)
                for name in event.flags:
                    flag = flags.setdefault(name, Flag(name))
                    flag.waiters.append(_site(function, event.line, event.text))
                    if event.lock and event.lock not in flag.queues:
                        flag.queues.append(event.lock)
    kept: set[int] = set()
    for candidate in candidates:
        written = candidate.node.event
        assert written is not None
        lock, resolved = candidate.resolver.lock_class(candidate.target)
        lock += candidate.suffix
        if lock not in flags:
            continue
        written.lock, written.resolved = lock, resolved
        if written.kind == "flag-write":
            written.kind = "flag-clear" if (written.value or "") in CLEARING_VALUES else "flag-set"
        kept.add(id(candidate.node))
    dropped = {id(c.node) for c in candidates} - kept
    dropped_events = {id(c.node.event) for c in candidates if id(c.node) in dropped}
    set_to_flag: set[str] = set()
    for function in functions.values():
        if dropped_events and any(id(event) in dropped_events for event in function.events()):
            function.body = _without(function.body, dropped)
            function.freeze_events()  # its body changed: list its events again
        for event in function.events():
            site = _site(function, event.line, event.text)
            if event.kind in ("flag-set", "flag-clear", "flag-test") and event.lock in flags:
                roles = {"flag-set": "setters", "flag-clear": "clearers", "flag-test": "testers"}
                getattr(flags[event.lock], roles[event.kind]).append(site)
                if event.kind == "flag-set" and _flag_value(event.value):
                    set_to_flag.add(event.lock)
            elif event.kind == "wake":
                for flag in flags.values():
                    if event.lock in flag.queues:
                        flag.wakers.append(site)
    for name, flag in flags.items():
        flag.open_coded = bool(name in set_to_flag and flag.clearers and name in waited_clear)
    return flags


_FLAG_VALUE = re.compile(r"^(?:true|set|[1-9][0-9]*[uUlL]*|0x[0-9a-fA-F]*[1-9a-fA-F][0-9a-fA-F]*[uUlL]*)$")


def _flag_value(value: str | None) -> bool:
    """A value that marks a flag as taken: ``true``, ``1``, a set bit; not a state name, count or pointer."""
    return value is not None and _FLAG_VALUE.match(value.strip()) is not None


def _site(function: Function, line: int, text: str) -> Site:
    return Site(function.name, function.file, line, text)


def _without(nodes: list[Node], dropped: set[int]) -> list[Node]:
    """``nodes`` without the dropped ones, at any depth (an explicit stack, not recursion)."""
    top = [n for n in nodes if id(n) not in dropped]
    stack = list(top)
    while stack:
        node = stack.pop()
        if node.branches:
            node.branches = [[n for n in branch if id(n) not in dropped] for branch in node.branches]
            for branch in node.branches:
                stack.extend(branch)
        if node.body:
            node.body = [n for n in node.body if id(n) not in dropped]
            stack.extend(node.body)
    return top
