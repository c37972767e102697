"""The one place the hook asks for the lock checks: a :class:`Change` in, an :class:`Outcome` out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aptool.errors import NotYetAvailable
from aptool.hook.settings import HookSettings
from aptool.hook.targets import Change


@dataclass
class Outcome:
    """Findings of ``after`` marked against ``before``: counts, and the lockdep-style text of what to show."""

    new: int
    kept: int
    fixed: int
    text: str

    @property
    def present(self) -> int:
        """Findings in the changed code after the change (new and kept)."""
        return self.new + self.kept


def check_change(repo: Path, change: Change, settings: HookSettings) -> Outcome:
    """Run the checks on ``change.after`` against ``change.before`` for ``change.paths``.

    Raises :class:`aptool.errors.AptoolError` when the checks cannot run.
    """
    raise NotYetAvailable("'aptool check' is not available in this version yet")
