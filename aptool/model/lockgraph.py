"""Lock-order edges: "while holding A, B is taken", each with the call chain that does it.

The walk itself is :mod:`aptool.model.lockset`; this module keeps the names
the command and older callers import.
"""

from __future__ import annotations

from aptool.model.lockset import LockEdge, entry_paths, lock_order_edges

__all__ = ["LockEdge", "entry_paths", "lock_order_edges"]
