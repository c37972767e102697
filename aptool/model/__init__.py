"""Stage 5 of the data flow: a model of C code -- functions, locks, waits, flags, calls.

``build_model`` parses C with tree-sitter (from files, or from blobs at a git
revision without a checkout); ``lock_order_edges`` lists every
"held -> acquired" pair with the call chain that makes it, for the checks.
"""

from __future__ import annotations

from pathlib import Path

from aptool.model.data import CodeModel, Event, Function, Node, ParseError
from aptool.model.lockgraph import LockEdge, Site, lock_order_edges
from aptool.model.load import build_from_sources, read_sources
from aptool.model.scope import grow_scope

__all__ = [
    "CodeModel", "Event", "Function", "LockEdge", "Node", "ParseError", "Site",
    "build_model", "grow_scope", "lock_order_edges",
]


def build_model(
    paths: list[Path] | None = None,
    *,
    repo: Path | None = None,
    rev: str | None = None,
    files: list[str] | None = None,
) -> CodeModel:
    """The model of ``paths`` (files or directories), or of ``files`` at ``rev`` in ``repo``."""
    sources, headers = read_sources(paths, repo, rev, files)
    return build_from_sources(sources, headers)
