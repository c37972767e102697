"""Declarations seen through a recorder: what one file's modelling read and wrote, to reuse it safely.

A file's part of a model (its declarations, its functions) depends on the
file and on the declarations of every other file and header: a struct's
fields, a typedef, a global's type.  Modelling a file through a
:class:`Recorder` notes the first value of every declaration it looked up
(``reads``) and every declaration it added (``writes``); the part can be
reused in another file set when each of those lookups gives the same value
there (:func:`still_valid`), and its declarations added again by replaying
the writes (:func:`replay`).  A lookup that saw the file's own earlier
writes compares with the declarations before the file and simply fails:
the file is then modelled again, never reused wrongly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from aptool.model.declarations import Declarations

TABLES = ("structs", "typedefs", "globals", "field_owners", "returns")
Reads = dict[tuple[str, str], Any]
Writes = list[tuple[str, str, str, Any]]  # (table or "struct", operation, key, value)


def snapshot(value: Any) -> Any:
    """A value as it is now (struct fields and field owners are changed in place later)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return frozenset(value)
    return value


class Recorder:
    """The lookups (first value of each) and the additions made through :meth:`view` and :meth:`flags`."""

    def __init__(self) -> None:
        self.reads: Reads = {}
        self.writes: Writes = []
        self.flag_reads: dict[str, bool] = {}

    def view(self, decls: Declarations) -> Declarations:
        """``decls`` as a :class:`Declarations` whose every lookup and addition is recorded here."""
        return _RecordedDeclarations(decls, self)

    def flags(self, fields: frozenset[str]) -> frozenset[str]:
        """``fields`` (the fields wait conditions read) whose membership tests are recorded here."""
        return _RecordedFlags(fields, self)


class _Table:
    """One of a :class:`Declarations`' dictionaries, seen through a recorder."""

    def __init__(self, name: str, real: dict[str, Any], recorder: Recorder) -> None:
        self.name = name
        self.real = real
        self.recorder = recorder

    def _read(self, key: str) -> None:
        reads = self.recorder.reads
        if (self.name, key) not in reads:
            reads[(self.name, key)] = snapshot(self.real.get(key))

    def __contains__(self, key: object) -> bool:
        self._read(cast(str, key))
        return key in self.real

    def __getitem__(self, key: str) -> Any:
        self._read(key)
        return self.real[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._read(key)
        return self.real.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.recorder.writes.append((self.name, "set", key, value))
        self.real[key] = value

    def setdefault(self, key: str, default: Any) -> Any:
        self.recorder.writes.append((self.name, "setdefault", key, snapshot(default)))
        return self.real.setdefault(key, default)

    def __iter__(self) -> Iterator[str]:  # every key read: the whole table is a dependency
        for key in self.real:
            self._read(key)
        self.recorder.reads[(self.name, "\0keys")] = frozenset(self.real)
        return iter(list(self.real))

    def items(self) -> list[tuple[str, Any]]:
        return [(key, self[key]) for key in self]


class _RecordedDeclarations(Declarations):
    def __init__(self, real: Declarations, recorder: Recorder) -> None:  # no dataclass fields of its own
        self.real = real
        self.recorder = recorder
        for table in TABLES:
            setattr(self, table, _Table(table, getattr(real, table), recorder))

    def add_struct(self, name: str, fields: dict[str, str]) -> None:
        self.recorder.writes.append(("struct", "add", name, dict(fields)))
        self.real.add_struct(name, fields)


class _RecordedFlags(frozenset[str]):
    recorder: Recorder

    def __new__(cls, fields: frozenset[str], recorder: Recorder) -> _RecordedFlags:
        made = super().__new__(cls, fields)
        made.recorder = recorder
        return made

    def __contains__(self, name: object) -> bool:
        found = super().__contains__(name)
        self.recorder.flag_reads.setdefault(cast(str, name), found)
        return found


def still_valid(reads: Reads, decls: Declarations) -> bool:
    """Whether every lookup in ``reads`` gives the same value in ``decls``."""
    for (table, key), value in reads.items():
        real = getattr(decls, table)
        current = frozenset(real) if key == "\0keys" else snapshot(real.get(key))
        if current != value:
            return False
    return True


def flags_still_valid(flag_reads: dict[str, bool], fields: frozenset[str]) -> bool:
    """Whether every membership test in ``flag_reads`` gives the same answer for ``fields``."""
    return all((name in fields) == found for name, found in flag_reads.items())


def replay(writes: Writes, decls: Declarations) -> None:
    """Add to ``decls`` what a recorded modelling added, in the same order and the same way."""
    for table, operation, key, value in writes:
        if table == "struct":
            decls.add_struct(key, dict(value))
        elif operation == "set":
            getattr(decls, table)[key] = value
        else:
            getattr(decls, table).setdefault(key, value)
