"""``open-coded-lock`` reports a flag only when it is used as a lock (design.md's rule), read on real parsing."""

from __future__ import annotations

from pathlib import Path

from aptool.pipeline import check_paths

SOURCE = Path(__file__).parent / "data" / "check" / "open-coded-precision.c"


def test_only_flags_used_as_locks_are_open_coded_locks() -> None:
    result = check_paths([SOURCE], select=["open-coded-lock"])
    assert {f.locks for f in result.findings} == {("box.busy",), ("box.running",)}
    running = next(f for f in result.findings if f.locks == ("box.running",))
    assert {(loc.function, loc.note) for loc in running.locations} >= {
        ("box_thread", "sets box.running"),
        ("box_thread", "drops box.work_lock"),
        ("box_request", "waits for box.running to clear"),
    }
