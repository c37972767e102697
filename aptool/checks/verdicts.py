"""One problem, one finding: the simulator's verdict on a cycle joins that cycle's finding.

``circular-locking`` reports a cycle of the lock-order graph; ``deadlock``
runs the threads of the same cycle against each other.  When both run,
two findings about one cycle would say one thing twice, so :func:`fold`
moves the simulator's verdict (confirmed with its schedule, refuted with
its reason, or search incomplete) onto the cycle's finding and drops the
``deadlock`` finding.  A ``deadlock`` finding stays on its own only for what
no other finding covers: a thread that waits for ever for a wake-up or
completion no function does, threads stuck on something other than the
cycle's locks, or a cycle the ``circular-locking`` check does not report
(then only when confirmed); never a thread waiting for a lock it holds
itself (a recursion on a class: ``recursive-locking``'s question).
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
from aptool.model.data import CodeModel


def fold(findings: list[Finding], checks: Iterable[str], model: CodeModel | None = None) -> list[Finding]:
    """``findings`` of the checks ``checks`` (ids) with each deadlock verdict moved onto the
    circular-locking finding of its cycle, when both checks ran; ``model`` (the code they ran on)
    tells which wake-ups some function does."""
    if not {CircularLocking.check, Deadlock.check} <= set(checks) or scenario_named():
        return findings  # a scenario the user named is a question of its own: its answer stands alone
    cycles = {f.locks: f for f in findings if isinstance(f, CircularLocking)}
    woken = _woken(model) if model is not None else None
    kept: list[Finding] = []
    for finding in findings:
        if not isinstance(finding, Deadlock):
            kept.append(finding)
            continue
        cycle = cycles.get(finding.locks)
        stands = finding.verdict == "confirmed" and stands_alone(finding, woken)
        if cycle is None:
            if stands:  # a cycle no circular-locking finding reports (a gated one)
                kept.append(finding)
            continue
        if about_the_cycle(finding):
            cycle.attach(finding)
            continue
        # stuck elsewhere first: the cycle's question stays open; what it stopped at is a finding of its
        # own when it is one no other check covers
        cycle.attach(finding, reason=f"the search stopped at another state first: {finding.message}")
        if stands:
            kept.append(finding)
    return kept


def stands_alone(verdict: Deadlock, woken: set[str] | None) -> bool:
    """Whether a confirmed state is a problem no other finding says: not a thread waiting for a lock
    it holds itself (a recursion on a class, which ``recursive-locking`` judges, instances apart), and
    not a wait for a wake-up some function of the code does (``nothing will`` then means only that no
    thread of this run does it: the run has only the cycle's threads)."""
    for blocked in verdict.blocked:
        if blocked["thread"] in blocked.get("held_by", []):
            return False
        wanted = str(blocked["waits_for"])
        if woken is not None and not blocked.get("held_by") and _queue(wanted) in woken:
            return False
    return True


def _queue(waits_for: str) -> str:
    """``wake_up(btrfs_transaction.writer_wait)`` -> ``btrfs_transaction.writer_wait``."""
    name, _, rest = waits_for.partition("(")
    return rest[:-1] if name and rest.endswith(")") else ""


def _woken(model: CodeModel) -> set[str]:
    """The queues and completions some function of ``model`` wakes or completes, itself or through a
    helper it passes the queue to (``cond_wake_up(&cur_trans->writer_wait)``)."""
    woken: set[str] = set()
    wakers: set[str] = set()
    for function in model.functions.values():
        for event in function.events():
            if event.kind == "wake" and event.lock:
                woken.add(event.lock)
                wakers.add(function.id)
    for function in model.functions.values():
        for event in function.events():
            if event.kind == "call" and wakers.intersection(event.targets):
                woken.update(arg for arg in event.args if arg)
    return woken


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
