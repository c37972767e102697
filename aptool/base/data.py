"""The answer of the base stage: a commit, the prerequisites, and evidence per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aptool.series.data import Patch, SeriesVersion


@dataclass
class Prerequisite:
    """A patch from the list that must be applied before the series."""

    message_id: str
    subject: str
    found_by: str  # "declared: prerequisite-patch-id", "mentioned in <id>", "blob chain: PATH BLOB"
    patch: Patch


@dataclass
class FileEvidence:
    """What one pre-image needs, and what provides it."""

    path: str
    preimage: str | None  # abbreviated as in the mail; None for a new file
    satisfied_by: str  # "base", "new file", or the Message-ID of a prerequisite


@dataclass
class BaseResult:
    """The exact base (or, when ``exact`` is False, the closest commit) of a series."""

    base: str
    describe: str
    exact: bool
    candidates: int
    series: SeriesVersion
    prerequisites: list[Prerequisite]
    files: list[FileEvidence]
    unmet: list[FileEvidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rule: str = ""  # how the base was chosen among the candidates
    unresolved: list[str] = field(default_factory=list)  # declared dependencies nothing in the archive matched
    signal: str = ""  # the tier that chose it: base-commit, applied, maintainer tree, release line, tag, any commit...
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # other tiers' candidates

    def patches_in_order(self) -> list[Patch]:
        """Prerequisites first, then the series, in the order they apply."""
        return [p.patch for p in self.prerequisites] + list(self.series.patches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "describe": self.describe,
            "exact": self.exact,
            "candidates": self.candidates,
            "rule": self.rule,
            "signal": self.signal,
            "alternatives": list(self.alternatives),
            "series": {
                "version": self.series.version,
                "subject": self.series.subject,
                "message_ids": [p.message_id for p in self.series.patches],
                "complete": self.series.complete,
                "missing": [f"{n}/{self.series.total}" for n in self.series.missing],
                "partial_reroll": self.series.partial_reroll,
                "from_earlier_versions": {
                    p.message_id: f"v{p.from_version}" for p in self.series.patches if p.from_version is not None
                },
            },
            "prerequisites": [
                {"message_id": p.message_id, "subject": p.subject, "found_by": p.found_by} for p in self.prerequisites
            ],
            "files": [_evidence(e) for e in self.files],
            "unmet": [_evidence(e) for e in self.unmet],
            "unresolved": list(self.unresolved),
            "notes": list(self.notes),
        }


def _evidence(item: FileEvidence) -> dict[str, Any]:
    return {"path": item.path, "preimage": item.preimage, "satisfied_by": item.satisfied_by}
