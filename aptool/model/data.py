"""The code model as plain data: functions, their events and control-flow skeleton.

The JSON dump (``aptool model --json``) is ``CodeModel.to_dict()``; these
dataclasses are its documentation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Event:
    """One thing a function does that matters for locking, at a source line.

    ``kind``: acquire, release, wait, wake, flag-set, flag-clear, call, sleep.
    ``lock`` is the lock, flag, wait-queue or completion class; ``resolved``
    is False when it is only the expression text.
    """

    kind: str
    line: int
    text: str
    lock: str | None = None
    lock_kind: str | None = None  # mutex, spin, rwlock-read/-write, rwsem-read/-write
    resolved: bool = True
    context: str = ""  # irq or bh: what an acquire disables
    guard: bool = False  # taken by guard()/scoped_guard(): released at the end of its scope
    callee: str | None = None  # calls: the function name, or the field a pointer is loaded from
    via_pointer: bool = False
    targets: list[str] = field(default_factory=list)  # calls: resolved function ids
    condition: str | None = None  # waits: the condition as written
    flags: list[str] = field(default_factory=list)  # waits: flag classes the condition reads
    value: str | None = None  # field writes: the value written


@dataclass
class Node:
    """A step of the control-flow skeleton.

    ``kind``: event, if, loop, switch, return, goto, label.  ``branches``
    holds the arms of an if (then, else) or switch (one per case, then the
    no-match arm); ``body`` the body of a loop.
    """

    kind: str
    line: int
    event: Event | None = None
    branches: list[list["Node"]] = field(default_factory=list)
    body: list["Node"] = field(default_factory=list)
    label: str | None = None
    condition: str | None = None


@dataclass
class Function:
    id: str  # "path:name"
    name: str
    file: str
    line: int
    static: bool
    params: dict[str, str]
    locals: dict[str, str]
    body: list[Node]
    annotations: list[tuple[str, str]] = field(default_factory=list)  # (__acquires|..., lock class)
    entry: str | None = None  # why it is an entry point, if it is one

    def events(self) -> list[Event]:
        """Every event in source order, whatever branch it is on."""
        found: list[Event] = []
        _collect(self.body, found)
        return found


def _collect(nodes: list[Node], found: list[Event]) -> None:
    for node in nodes:
        if node.event is not None:
            found.append(node.event)
        for branch in node.branches:
            _collect(branch, found)
        _collect(node.body, found)


@dataclass
class ParseError:
    file: str
    line: int
    message: str


@dataclass
class CodeModel:
    files: list[str]
    lines: int
    functions: dict[str, Function]
    structs: dict[str, dict[str, str]]  # struct -> field -> type
    globals: dict[str, str]  # global variable -> type
    pointer_targets: dict[str, list[str]]  # field name -> function ids assigned to it
    parse_errors: list[ParseError] = field(default_factory=list)
    lost_functions: int = 0  # definitions inside unparsable code that could not be kept

    @property
    def entries(self) -> list[Function]:
        return [f for f in self.functions.values() if f.entry]

    def flags(self) -> dict[str, dict[str, list[str]]]:
        """Each flag with where it is set, cleared, waited on, and where its waiters are woken."""
        flags: dict[str, dict[str, list[str]]] = {}
        for function in self.functions.values():
            for event in function.events():
                role = {"flag-set": "setters", "flag-clear": "clearers", "wait": "waiters"}.get(event.kind)
                names = event.flags if event.kind == "wait" else [event.lock] if role else []
                for name in names:
                    entry = flags.setdefault(name or "", {"setters": [], "clearers": [], "waiters": [], "wakers": []})
                    entry[role or "waiters"].append(f"{function.name} ({function.file}:{event.line})")
        for function in self.functions.values():
            for event in function.events():
                if event.kind != "wake":
                    continue
                for name, entry in flags.items():
                    if event.lock in self.wait_queues_of(name):
                        entry["wakers"].append(f"{function.name} ({function.file}:{event.line})")
        return flags

    def wait_queues_of(self, flag: str) -> set[str]:
        """The wait queues whose waiters test ``flag``."""
        return {
            e.lock or "" for f in self.functions.values() for e in f.events() if e.kind == "wait" and flag in e.flags
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "lines": self.lines,
            "functions": {key: asdict(value) for key, value in sorted(self.functions.items())},
            "structs": self.structs,
            "globals": self.globals,
            "pointer_targets": self.pointer_targets,
            "entries": sorted(f.id for f in self.entries),
            "flags": self.flags(),
            "parse_errors": [asdict(e) for e in self.parse_errors],
            "lost_functions": self.lost_functions,
        }
