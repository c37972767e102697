"""One problem, one finding: the simulator's verdict on a cycle rides on the cycle's finding.

Real parsing and the real simulator on the small C files of ``tests/data/deadlock``.
"""

from __future__ import annotations

from pathlib import Path

from aptool.checks.deadlock import Deadlock
from aptool.checks.findings import CircularLocking
from aptool.checks.verdicts import stands_alone
from aptool.pipeline import check_paths
from aptool.report.lockdep import render

DATA = Path(__file__).parent / "data" / "deadlock"


def test_a_confirmed_cycle_is_one_finding_with_its_schedule() -> None:
    result = check_paths([DATA / "abba.c"])
    (cycle,) = result.findings
    assert isinstance(cycle, CircularLocking) and cycle.key() == ("circular-locking", ("pair.a", "pair.b"))
    assert cycle.verdict == "confirmed"
    assert [(s.thread, s.action) for s in cycle.schedule] == [("T0", "lock(pair.a)"), ("T1", "lock(pair.b)")]
    assert [s.thread for s in cycle.scenario] == ["CPU0", "CPU1", "CPU1", "CPU0"]
    data = cycle.to_dict()
    assert data["verdict"] == "confirmed" and data["simulation"]["kind"] == "deadlock"
    assert [b["waits_for"] for b in data["simulation"]["blocked"]] == ["pair.b", "pair.a"]
    assert result.stats()["deadlock"]["confirmed"] == 1
    text = render(result).plain
    assert text.count("WARNING: ") == 1
    assert text.index(" Possible unsafe locking scenario:") < text.index("simulator: confirmed\n")
    assert " Concrete unsafe locking scenario (2 steps, a shortest schedule):" in text


def test_a_cycle_through_an_open_coded_lock_is_confirmed_on_its_finding() -> None:
    result = check_paths([DATA / "busy_flag.c"])
    assert [f.check for f in result.findings] == ["circular-locking", "open-coded-lock"]
    cycle = result.findings[0]
    assert isinstance(cycle, CircularLocking) and cycle.hidden and cycle.verdict == "confirmed" and cycle.schedule


def test_only_the_deadlock_check_keeps_its_own_findings() -> None:
    result = check_paths([DATA / "abba.c"], select=["deadlock"])
    (found,) = result.findings
    assert isinstance(found, Deadlock) and found.verdict == "confirmed" and len(found.schedule) == 2
    alone = check_paths([DATA / "abba.c"], select=["circular-locking"])
    (cycle,) = alone.findings
    assert isinstance(cycle, CircularLocking) and cycle.verdict == "" and cycle.schedule == []
    assert "simulator:" not in render(alone).plain


def test_a_refuted_cycle_no_cycle_finding_reports_is_not_reported_twice() -> None:
    # both paths run under one outer lock: circular-locking leaves the cycle out, and the simulator's
    # refutation of it is no finding of its own
    assert check_paths([DATA / "outer_lock.c"]).findings == []
    (refuted,) = check_paths([DATA / "outer_lock.c"], select=["deadlock"]).findings
    assert isinstance(refuted, Deadlock) and refuted.verdict == "refuted"


def test_a_task_that_waits_for_ever_stands_alone_and_leaves_the_cycle_open() -> None:
    result = check_paths([DATA / "abba_after_wait.c"])
    cycle, forever = result.findings
    assert isinstance(cycle, CircularLocking) and isinstance(forever, Deadlock)
    assert forever.verdict == "confirmed" and forever.kind == "waits forever"
    assert forever.blocked[0]["waits_for"] == "complete(pair.ready)"
    assert cycle.verdict == "unknown" and cycle.schedule == []
    assert cycle.reason.startswith("the search stopped at another state first: waits forever")
    assert "simulator: search incomplete\n" in render(result).plain


def test_a_wait_some_function_ends_is_no_finding_of_its_own() -> None:
    result = check_paths([DATA / "abba_after_wake.c"])
    (cycle,) = result.findings
    assert isinstance(cycle, CircularLocking) and cycle.verdict == "confirmed"


def _stuck(*blocked: dict[str, object]) -> Deadlock:
    return Deadlock(locks=("a", "b"), message="", verdict="confirmed", kind="deadlock", blocked=list(blocked))


def test_what_a_stuck_state_says_on_its_own() -> None:
    # a thread waiting for a lock it holds itself: a recursion on a class, recursive-locking's question
    assert not stands_alone(_stuck({"thread": "T0", "waits_for": "page.PG_locked", "held_by": ["T0"]}), set())
    # a wake-up some function of the code does (outside this run's threads) ends the wait
    woken = {"trans.writer_wait"}
    forever = {"thread": "T0", "waits_for": "wake_up(trans.writer_wait)", "held_by": []}
    assert not stands_alone(_stuck(forever), woken)
    assert stands_alone(_stuck(forever), set())  # nothing in the code wakes it: it waits for ever
    assert stands_alone(_stuck({"thread": "T1", "waits_for": "x.lock", "held_by": ["T0"]}), woken)


def test_instances_taken_and_released_in_loops_are_no_imbalance() -> None:
    source = Path(__file__).parent / "data" / "lockgraph" / "own-loop-instances.c"
    result = check_paths([source], select=["lock-imbalance"])
    assert [(f.check, f.locks, f.locations[0].function) for f in result.findings] == [
        ("lock-imbalance", ("page.PG_locked",), "twice")
    ]
