"""The one place the hook asks for the lock checks: a :class:`Change` in, an :class:`Outcome` out.

The checks are ``aptool check``'s, through :func:`aptool.pipeline.check_revisions`
(the changed files and their call neighbourhood, at both commits), with the
model cache under ``.git/aptool/model-cache`` turned on: a header, or a file
set modelled before, is read back by blob id instead of parsed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aptool.hook.settings import HookSettings
from aptool.hook.targets import Change, locations

if TYPE_CHECKING:
    from rich.text import Text


@dataclass
class Outcome:
    """Findings of ``after`` marked against ``before``: counts, and the lockdep-style reports of the
    new ones (``new_text``) and of the ones kept (``kept_text``)."""

    new: int
    kept: int
    fixed: int
    new_text: Text
    kept_text: Text

    @property
    def present(self) -> int:
        """Findings in the changed code after the change (new and kept)."""
        return self.new + self.kept


def check_change(repo: Path, change: Change, settings: HookSettings) -> Outcome:
    """Run the checks on ``change.after`` against ``change.before`` for ``change.paths``.

    Raises :class:`aptool.errors.AptoolError` when the checks cannot run (an
    unknown check id in ``aptool.hook.checks``, a revision that went away).
    """
    from rich.text import Text

    from aptool.checks.findings import FIXED, KEPT, NEW
    from aptool.gcpause import paused
    from aptool.model import cache as model_cache
    from aptool.pipeline import check_revisions
    from aptool.report.lockdep import render_finding

    cache_dir = model_cache.cache_directory(locations(repo).common_dir)
    with model_cache.using(cache_dir), paused():  # the whole check: reading cached models back is allocation too
        result = check_revisions(
            repo,
            change.after,
            change.before,
            change.paths,
            select=settings.checks or None,
            baseline_reason=f"the hook's {change.label}",
        )
    texts = {NEW: Text(), KEPT: Text()}
    for finding in result.findings:
        if finding.status in texts:
            texts[finding.status].append_text(render_finding(finding))
            texts[finding.status].append("\n")
    return Outcome(
        len(result.with_status(NEW)),
        len(result.with_status(KEPT)),
        len(result.with_status(FIXED)),
        texts[NEW],
        texts[KEPT],
    )
