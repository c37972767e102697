"""The hook's settings, from git config: which checks run, and what stops git."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aptool.errors import AptoolError
from aptool.git.repo import read_config

FAIL_ON = ("new", "any", "none")
AM_CHECK = ("series", "patch")


@dataclass(frozen=True)
class HookSettings:
    """``checks``: check ids to run (empty: every check); ``fail_on``: ``new`` (a finding the change
    introduces stops git), ``any`` (any finding in the changed code does) or ``none`` (report only)."""

    checks: tuple[str, ...] = ()
    fail_on: str = "new"
    am_check: str = "series"


def read_settings(repo: Path) -> HookSettings:
    """``aptool.hook.checks`` (ids separated by commas or spaces), ``aptool.hook.failOn`` and
    ``aptool.hook.amCheck``.

    Raises :class:`AptoolError` for a value git config holds but aptool does not know.
    """
    config = read_config(repo)
    checks_text = config.get("aptool.hook.checks", "")
    checks = tuple(dict.fromkeys(c for c in re.split(r"[,\s]+", checks_text) if c))
    fail_on = (config.get("aptool.hook.failon") or "new").strip().lower()
    if fail_on not in FAIL_ON:
        raise AptoolError(f"git config aptool.hook.failOn is '{fail_on}'; it must be one of {', '.join(FAIL_ON)}")
    am_check = (config.get("aptool.hook.amcheck") or "series").strip().lower()
    if am_check not in AM_CHECK:
        raise AptoolError(f"git config aptool.hook.amCheck is '{am_check}'; it must be one of {', '.join(AM_CHECK)}")
    return HookSettings(checks, fail_on, am_check)
