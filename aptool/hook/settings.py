"""The hook's settings, from git config: which checks run, and what stops git."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aptool.config import git_config
from aptool.errors import AptoolError

FAIL_ON = ("new", "any", "none")


@dataclass(frozen=True)
class HookSettings:
    """``checks``: check ids to run (empty: every check); ``fail_on``: ``new`` (a finding the change
    introduces stops git), ``any`` (any finding in the changed code does) or ``none`` (report only)."""

    checks: tuple[str, ...] = ()
    fail_on: str = "new"


def read_settings(repo: Path) -> HookSettings:
    """``aptool.hook.checks`` (ids separated by commas or spaces) and ``aptool.hook.failOn``.

    Raises :class:`AptoolError` for a ``failOn`` value git config holds but aptool does not know.
    """
    checks_text = git_config("aptool.hook.checks", repo) or ""
    checks = tuple(dict.fromkeys(c for c in re.split(r"[,\s]+", checks_text) if c))
    fail_on = (git_config("aptool.hook.failOn", repo) or "new").strip().lower()
    if fail_on not in FAIL_ON:
        raise AptoolError(f"git config aptool.hook.failOn is '{fail_on}'; it must be one of {', '.join(FAIL_ON)}")
    return HookSettings(checks, fail_on)
