"""One problem, one finding: the simulator's verdict on a cycle joins that cycle's finding.

``circular-locking`` reports a cycle of the lock-order graph; ``deadlock``
runs the threads of the same cycle against each other.  When both run,
two findings about one cycle would say one thing twice, so :func:`fold`
moves the simulator's verdict (confirmed with its schedule, refuted with
its reason, or search incomplete) onto the cycle's finding and drops the
``deadlock`` finding.  A ``deadlock`` finding stays on its own only for what
no cycle finding covers: a thread that waits for ever, threads stuck on
something other than the cycle's locks (waits, completions), or a cycle
the ``circular-locking`` check does not report (then only when confirmed).
With only one of the two checks selected, or with threads the user named
(``--scenario``), nothing changes.

Input: the findings of one run, in report order; output: the same list
with the folded ``deadlock`` findings removed (the cycle findings are
updated in place).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aptool.checks.deadlock import Deadlock, scenario_named
from aptool.checks.findings import CircularLocking, Finding


def fold(findings: list[Finding], checks: Iterable[str]) -> list[Finding]:
    """``findings`` of the checks ``checks`` (ids) with each deadlock verdict moved onto the
    circular-locking finding of its cycle, when both checks ran."""
    if not {CircularLocking.check, Deadlock.check} <= set(checks) or scenario_named():
        return findings  # a scenario the user named is a question of its own: its answer stands alone
    cycles = {f.locks: f for f in findings if isinstance(f, CircularLocking)}
    kept: list[Finding] = []
    for finding in findings:
        if not isinstance(finding, Deadlock):
            kept.append(finding)
            continue
        cycle = cycles.get(finding.locks)
        if cycle is None:
            if finding.verdict == "confirmed":  # a cycle no circular-locking finding reports (a gated one)
                kept.append(finding)
            continue
        if about_the_cycle(finding):
            cycle.attach(finding)
        else:  # stuck elsewhere first: that is a finding of its own, and the cycle's question stays open
            cycle.attach(finding, reason=f"the search stopped at another state first: {finding.message}")
            kept.append(finding)
    return kept


def about_the_cycle(verdict: Deadlock) -> bool:
    """Refuted or incomplete, or confirmed with every blocked thread waiting for a lock of the cycle
    (a lock class, or the condition of a wait on one of its flags)."""
    if verdict.verdict != "confirmed":
        return True
    return verdict.kind == "deadlock" and all(_waits_in(b, verdict.locks) for b in verdict.blocked)


def _waits_in(blocked: dict[str, Any], locks: tuple[str, ...]) -> bool:
    wanted = str(blocked["waits_for"])
    if wanted in locks:
        return True
    return blocked.get("relation") == "set by" and any(_flag_word(lock) in wanted for lock in locks)


def _flag_word(lock: str) -> str:
    """What a wait condition on flag class ``lock`` mentions: its bit (``flags[BIT]``) or its field."""
    name = lock.split("/")[0]
    if name.endswith("]") and "[" in name:
        return name[name.index("[") + 1 : -1]
    return name.rsplit(".", 1)[-1]
