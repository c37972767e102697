"""The lock checks: one explicit table, ``CHECKS``, and ``run_checks``.

Each check is a module with one function, ``check(context) ->
Iterator[Finding]``, and a finding class in :mod:`aptool.checks.findings`
(or its own module) naming its id, lockdep's title and a description.  The
report layer (text, JSON, SARIF rules) is generated from this table, so a
check added here appears everywhere; ``--checks`` selects by id.

To add one: write ``aptool/checks/<id>.py`` with
``check(context)``, a :class:`~aptool.checks.findings.Finding` subclass with
``check = "<id>"``, and one :class:`Check` line below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from aptool.checks import (
    circular_locking,
    deadlock,
    lock_imbalance,
    open_coded_lock,
    recursive_locking,
    sleep_in_atomic,
)
from aptool.checks.context import CheckContext
from aptool.checks.findings import (
    CircularLocking,
    Finding,
    LockImbalance,
    OpenCodedLock,
    RecursiveLocking,
    SleepInAtomic,
)
from aptool.checks.verdicts import fold
from aptool.errors import AptoolError


@dataclass(frozen=True)
class Check:
    """One registered check: its id, the finding class it reports, and the function that runs it."""

    id: str
    finding: type[Finding]
    run: Callable[[CheckContext], Iterator[Finding]]


CHECKS: tuple[Check, ...] = (
    Check("circular-locking", CircularLocking, circular_locking.check),
    Check("recursive-locking", RecursiveLocking, recursive_locking.check),
    Check("lock-imbalance", LockImbalance, lock_imbalance.check),
    Check("open-coded-lock", OpenCodedLock, open_coded_lock.check),
    Check("sleep-in-atomic", SleepInAtomic, sleep_in_atomic.check),
    Check("deadlock", deadlock.Deadlock, deadlock.check),
)


def check_ids() -> list[str]:
    return [c.id for c in CHECKS]


def select_checks(ids: Iterable[str] | None) -> list[Check]:
    """The checks named in ``ids`` (all when None or empty), in table order; an unknown id is an error."""
    wanted = [i.strip() for i in ids or () if i.strip()]
    unknown = [i for i in wanted if i not in check_ids()]
    if unknown:
        raise AptoolError(f"unknown check {unknown[0]!r}; the checks are: {', '.join(check_ids())}")
    return [c for c in CHECKS if not wanted or c.id in wanted]


def run_checks(context: CheckContext, select: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the selected checks on ``context``, in table order, then by lock classes; the
    ``deadlock`` verdicts on reported cycles folded into their ``circular-locking`` findings."""
    found: list[Finding] = []
    chosen = select_checks(select)
    for check in chosen:
        found += sorted(check.run(context), key=lambda f: f.locks)
    # the simulator's verdict on a cycle belongs to the cycle's finding
    return fold(found, [c.id for c in chosen], context.model)


__all__ = ["CHECKS", "Check", "CheckContext", "Finding", "check_ids", "run_checks", "select_checks"]
