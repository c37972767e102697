"""The apply stage's plain data: what to apply where, and what came of it.

:class:`ApplyPlan` does not know how its base was found; ``aptool apply-series``
fills it from :func:`aptool.base.find_base`, tests and other programs fill it
by hand.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aptool.errors import AptoolError
from aptool.series.data import Patch

DEFAULT_LINKMASK = "https://lore.kernel.org/r/%s"


@dataclass
class ApplyPlan:
    """A base commit and the patches to apply on it, in order, and the branch to make.

    ``prerequisites`` counts the leading patches that are not part of the
    series itself (they apply first; the commit after them is the series'
    own base, recorded as ``series_base``).  ``exact`` False means ``base`` is
    only the closest commit: patches may apply with a three-way merge or with
    reduced context, and post-image mismatches are reported, not fatal.
    ``record`` is merged into the note stored with the branch.
    """

    repo: Path
    base: str
    patches: list[Patch]
    branch: str
    exact: bool = True
    record: dict[str, Any] = field(default_factory=dict)
    prerequisites: int = 0
    linkmask: str = DEFAULT_LINKMASK


@dataclass(frozen=True)
class FileCheck:
    """One touched file after a patch: the blob the mail says, and the blob the tree holds."""

    path: str
    expected: str | None  # abbreviated post-image as written in the mail; None: file deleted
    actual: str | None  # full blob id in the commit; None: no such file
    status: str  # "match", "differs", "unchecked" (no index line in the mail)


@dataclass
class PatchOutcome:
    """How one patch applied."""

    message_id: str
    subject: str
    commit: str
    method: str  # "exact" (exact base, as sent), "clean", "offset", "three-way", "fuzz" (see am.Applied)
    postimage: str  # "match", "differs", "unchecked"
    prerequisite: bool = False
    files: list[FileCheck] = field(default_factory=list)
    offsets: list[str] = field(default_factory=list)  # hunks git placed at other lines than the mail says

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ApplyResult:
    """The branch made (or found up to date) and how each patch got there."""

    branch: str
    tip: str
    base: str
    exact: bool
    status: str  # "built", "rebuilt", "up-to-date"
    patches: list[PatchOutcome]
    series_base: str
    worktree: str | None = None
    record: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "tip": self.tip,
            "base": self.base,
            "series_base": self.series_base,
            "exact": self.exact,
            "status": self.status,
            "worktree": self.worktree,
            "seconds": round(self.seconds, 3),
            "patches": [p.to_dict() for p in self.patches],
            "notes": list(self.notes),
            "record": self.record,
        }


class ApplyFailure(AptoolError):
    """A patch did not apply, or applied to something other than its post-image (exit 1)."""

    exit_code = 1

    def __init__(
        self,
        summary: str,
        *,
        patch: Patch | None = None,
        files: list[str] | None = None,
        git_message: str = "",
        detail: str = "",
    ) -> None:
        self.patch = patch
        self.files = list(files or [])
        self.git_message = git_message.strip()
        self.detail = detail.strip()
        self.summary = summary
        super().__init__(self._line(), details=self._data())

    def _line(self) -> str:
        """The error in one line: what happened, to which patch, in which files."""
        line = self.summary
        if self.patch is not None:
            line += f": {self.patch.subject} <{self.patch.message_id}>"
        if self.files:
            line += f" ({', '.join(self.files)})"
        return line

    def _data(self) -> list[str]:
        """What goes with the error: per-file findings and git's own words."""
        lines = self.detail.splitlines() if self.detail else []
        if self.git_message:
            lines.append("git said:")
            lines += [f"  {line}" for line in self.git_message.splitlines()]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.summary,
            "patch": {"subject": self.patch.subject, "message_id": self.patch.message_id} if self.patch else None,
            "files": self.files,
            "detail": self.detail,
            "git": self.git_message,
        }


_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 60


def subject_slug(subject: str) -> str:
    """``s390/vfio-ap: do not use open locks`` -> ``s390-vfio-ap-do-not-use-open-locks``."""
    slug = _SLUG_DROP.sub("-", subject.lower()).strip("-") or "series"
    if len(slug) > _SLUG_MAX:
        cut = slug[:_SLUG_MAX]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[_SLUG_MAX // 2 :] else cut
    return slug.strip("-")


def default_branch(subject: str, version: int) -> str:
    """The branch ``aptool apply-series`` makes unless told: ``aptool/<subject-slug>-v<N>``."""
    return f"aptool/{subject_slug(subject)}-v{version}"


def link_for(linkmask: str, msgid: str) -> str:
    """The ``Link:`` value for a Message-ID: ``%s`` in the mask replaced, else appended."""
    if "%s" in linkmask:
        return linkmask.replace("%s", msgid, 1)
    return f"{linkmask.rstrip('/')}/{msgid}"
