"""The ``deadlock`` check on the scenario corpus of ``aptool check`` (tests/data/scenarios).

Every cycle the simulator runs gets a verdict.  On the corpus: every ``circular-locking`` cycle of a
``*-bad`` scenario is confirmed by a schedule, except where the only two threads are readers of a
rw semaphore (no writer, so no deadlock among them); the cycles lockdep would report but a common
outer lock serialises are refuted, with that lock as the reason; no ``*-ok`` scenario deadlocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aptool.checks.deadlock import Deadlock
from aptool.pipeline import check_paths
from tests.test_check_scenarios import expected, scenarios

REFUTED_BAD = {"nesting-by-level-bad.c": "controller.reset_lock is only taken for read"}


def verdicts(scenario: Path) -> dict[tuple[str, ...], Deadlock]:
    result = check_paths([scenario], select=["deadlock"])
    found = {}
    for finding in result.findings:
        assert isinstance(finding, Deadlock)
        found[finding.locks] = finding
    return found


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_deadlock_verdicts_agree_with_the_cycles(scenario: Path) -> None:
    found = verdicts(scenario)
    cycles = {locks for check, locks in expected(scenario) if check == "circular-locking"}
    for locks in cycles:
        verdict = found[locks]
        if scenario.name in REFUTED_BAD:
            assert verdict.verdict == "refuted" and REFUTED_BAD[scenario.name] in verdict.reason
            continue
        assert verdict.verdict == "confirmed", verdict.message
        assert verdict.schedule and verdict.blocked
        assert verdict.kind in ("deadlock", "waits forever")
    if scenario.name.endswith("-ok") or scenario.name.endswith("-ok.c"):
        assert all(f.verdict != "confirmed" for f in found.values()), [f.message for f in found.values()]


@pytest.mark.parametrize("flavour", ["kernel", "pthread"])
def test_a_gated_cycle_is_listed_and_refuted_by_its_outer_lock(flavour: str) -> None:
    root = Path(__file__).parent / "data" / "scenarios" / flavour
    found = verdicts(root / "outer-lock-ok.c")
    (finding,) = found.values()
    assert finding.locks == ("pair.a", "pair.b")
    assert finding.verdict == "refuted" and finding.level == "note"
    assert "every edge is taken under pair_big_lock, a common outer lock" in finding.reason
    result = check_paths([root / "outer-lock-ok.c"])
    assert result.exit_code == 0  # a refuted cycle is a note: it fails nothing


def test_flush_work_waits_for_the_running_work_function() -> None:
    root = Path(__file__).parent / "data" / "scenarios" / "kernel"
    finding = verdicts(root / "flush-work-bad.c")[("dev.lock", "dev.work")]
    assert (finding.verdict, finding.kind, len(finding.schedule)) == ("confirmed", "deadlock", 1)
    waits = {b["thread"]: (b["waits_for"], b["held_by"], b["holds"]) for b in finding.blocked}
    assert waits == {"T0": ("dev.work", ["T1"], ["dev.lock"]), "T1": ("dev.lock", ["T0"], ["dev.work"])}


def test_synchronize_srcu_waits_for_the_readers() -> None:
    root = Path(__file__).parent / "data" / "scenarios" / "kernel"
    finding = verdicts(root / "srcu-read-bad.c")[("vm.lock", "vm.srcu")]
    assert (finding.verdict, finding.kind, len(finding.schedule)) == ("confirmed", "deadlock", 2)
    assert verdicts(root / "srcu-read-ok.c") == {}
