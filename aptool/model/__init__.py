"""Stage 5 of the data flow: a model of C code -- functions, locks, waits, flags, calls.

``build_model`` parses C with tree-sitter (from files, or from blobs at a git
revision without a checkout) and returns a :class:`CodeModel`;
``lock_order_edges`` lists every "held -> acquired" pair with the call chain
that makes it, for the checks; ``grow_scope`` adds to a series' files the
files that define their callees and callers.

Modules, one job each: ``parse`` (tree-sitter and kernel-macro recovery),
``primitives`` (the table of lock/wait/wake/flag/sleep primitives),
``declarations`` and ``headers`` (struct, typedef, global and return
types), ``resolve`` (lock classes), ``functions`` (events and skeleton of
one function), ``pointers`` (call targets), ``flags`` (open-coded lock
candidates), ``entries`` (entry points), ``load`` (putting it together),
``recording`` (what a file's modelling read and wrote, to reuse it from the cache), ``scope`` (scope
growth), ``lockgraph`` (lock-order edges), ``data`` (the
dataclasses, which are the JSON's documentation).
"""

from __future__ import annotations

from pathlib import Path

from aptool.gcpause import paused
from aptool.model.data import Annotation, CodeModel, Event, Flag, Function, Node, ParseError, Site
from aptool.model.load import build_from_sources, read_sources
from aptool.model.lockgraph import LockEdge, lock_order_edges
from aptool.model.scope import grow_scope

__all__ = [
    "Annotation",
    "CodeModel",
    "Event",
    "Flag",
    "Function",
    "LockEdge",
    "Node",
    "ParseError",
    "Site",
    "build_model",
    "grow_scope",
    "lock_order_edges",
]


def build_model(
    paths: list[Path] | None = None,
    *,
    repo: Path | None = None,
    rev: str | None = None,
    files: list[str] | None = None,
) -> CodeModel:
    """The model of ``paths`` (files or directories), or of ``files`` (all C files if None) at ``rev`` in ``repo``.

    Raises :class:`aptool.errors.AptoolError` for a missing path, an unknown
    revision or a directory that is not a repository; code that does not
    parse is reported in ``CodeModel.parse_errors``, never raised.
    """
    sources, headers = read_sources(paths, repo, rev, files)
    with paused():
        return build_from_sources(sources, headers)
