"""The ``--json`` document of ``aptool check``.

``{"findings": [{"check", "title", "locks", "status", "message",
"locations": [{"path", "line", "function", "text"?, "note"?}], "chains":
[{"held", "acquired", "held_at", "steps", "entry", "note"?}], "schedule":
[{"thread", "action", "location"?}], ...check-specific fields}], "stats":
{"tip", "baseline", "baseline_reason", "checks", "files", "lines",
"functions", "new", "fixed", "kept", "parse_errors", ...}}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aptool.pipeline import CheckResult


def document(result: CheckResult) -> dict[str, Any]:
    return result.to_dict()
