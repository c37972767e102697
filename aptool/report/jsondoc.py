"""The ``--json`` document of ``aptool check``.

``{"findings": [{"check", "title", "locks", "status", "message",
"locations": [{"path", "line", "function", "text"?, "note"?}], "chains":
[{"held", "acquired", "held_at", "steps", "entry", "note"?}], "schedule":
[{"thread", "action", "location"?}], ...check-specific fields}], "stats":
{"tip", "baseline", "baseline_reason", "checks", "files", "lines",
"functions", "new", "fixed", "kept", "parse_errors", ...}}``.

A ``circular-locking`` finding adds ``hidden``, ``hidden_by``, ``scenario``
(lockdep's two-CPU table) and, when ``deadlock`` ran too, the simulator's
``verdict`` (confirmed, refuted, unknown), ``reason`` and ``simulation``
(``kind``, ``threads``, ``blocked``, ``states``...); its ``schedule`` is then
the simulator's concrete one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aptool.pipeline import CheckResult


def document(result: CheckResult) -> dict[str, Any]:
    return result.to_dict()
