"""The interleaving simulator on small C scenarios (tests/data/deadlock), parsed by the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from aptool.errors import AptoolError
from aptool.model import CodeModel, build_model
from aptool.simulate import Result, render, simulate
from aptool.simulate.conditions import passing_values

DATA = Path(__file__).parent / "data" / "deadlock"


def run(name: str, threads: str, max_states: int = 100_000, **options: object) -> Result:
    return simulate(model(name), threads.split(","), max_states, **options)  # type: ignore[arg-type]


def model(name: str) -> CodeModel:
    return build_model([DATA / name])


def steps(result: Result) -> list[tuple[int, str]]:
    return [(s.thread, s.action) for s in result.schedule]


def waits(result: Result) -> dict[int, tuple[str, list[int]]]:
    return {b.thread: (b.waits_for, b.held_by) for b in result.blocked}


def test_common_outer_lock_refuted() -> None:
    result = run("outer_lock.c", "dev_ioctl_ab,dev_ioctl_ba")
    assert (result.verdict, result.kind, result.schedule) == ("refuted", None, [])
    assert result.reason == (
        "cycle dev.a -> dev.b -> dev.a: every edge is taken under dev.outer, a common outer lock that serialises them"
    )


def test_three_thread_cycle_confirmed() -> None:
    result = run("three_cycle.c", "ring_work_a,ring_work_b,ring_work_c")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 3)
    assert steps(result) == [(0, "lock(ring.a)"), (1, "lock(ring.b)"), (2, "lock(ring.c)")]
    assert waits(result) == {0: ("ring.b", [1]), 1: ("ring.c", [2]), 2: ("ring.a", [0])}
    # T0 waits inside the callee it inlined, at the callee's line
    first = result.blocked[0]
    assert (first.function, first.line, first.holds) == ("take_b", 12, ["ring.a"])


def test_abba_with_a_trylock_side_refuted() -> None:
    result = run("abba_trylock.c", "pair_forward,pair_backward")
    assert (result.verdict, result.schedule) == ("refuted", [])
    assert result.reason.startswith(
        "cycle pair.a -> pair.b -> pair.a: pair.a is taken under pair.b only with a trylock"
    )
    assert result.reason.endswith("/abba_trylock.c:21), which never waits")
    assert "(pair_backward+" in result.reason


def test_the_same_abba_with_plain_locks_confirmed() -> None:
    result = run("abba.c", "pair_forward,pair_backward")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 2)
    assert waits(result) == {0: ("pair.b", [1]), 1: ("pair.a", [0])}


def test_completion_nobody_completes_waits_forever() -> None:
    result = run("completion.c", "fw_dev_reset,fw_dev_status")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "waits forever", 1)
    assert steps(result) == [(0, "lock(fw_dev.lock)")]
    assert waits(result) == {0: ("complete(fw_dev.reset_done)", []), 1: ("fw_dev.lock", [0])}
    assert "(nothing will ever do it)" in "\n".join(render(result))


def test_completion_that_is_completed_does_not_wait_forever() -> None:
    result = run("completion.c", "fw_dev_load,fw_dev_loaded")
    assert result.verdict == "refuted"
    assert result.reason.startswith("no lock-order cycle among these threads")


def test_completion_completed_outside_the_scenario_is_not_forever() -> None:
    # fw_dev_loaded completes fw_loaded; it is in the model, though not one of the threads
    result = run("completion.c", "fw_dev_load,fw_dev_status")
    assert result.verdict == "refuted"


def test_open_coded_lock_deadlock_through_the_flag() -> None:
    result = run("busy_flag.c", "box_update,box_read")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 6)
    assert steps(result)[:3] == [(0, "lock(box.lock)"), (0, "set(box.busy)"), (0, "unlock(box.lock)")]
    assert waits(result) == {0: ("box.inner", [1]), 1: ("!b->busy", [0])}
    assert result.blocked[0].holds == ["box.busy (flag set)"]
    assert result.blocked[1].relation == "set by"


def test_open_coded_lock_waited_for_outside_the_inner_lock_is_safe() -> None:
    result = run("busy_flag.c", "box_update,box_read_outside")
    assert result.verdict == "refuted"


def test_readers_do_not_block_each_other() -> None:
    result = run("rwsem.c", "table_lookup,table_resize")
    assert result.verdict == "refuted"
    assert "table.sem is only taken for read" in result.reason


def test_a_queued_writer_makes_the_readers_deadlock() -> None:
    result = run("rwsem.c", "table_lookup,table_resize,table_replace")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 2)
    assert steps(result) == [(0, "read_lock(table.sem)"), (1, "lock(table.m)")]
    reader = next(b for b in result.blocked if b.thread == 1)
    assert (reader.waits_for, reader.held_by, reader.relation) == ("table.sem", [2], "queued behind the writer")


def test_bound_reached_is_unknown() -> None:
    result = run("three_cycle.c", "ring_work_a,ring_work_b,ring_work_c", max_states=5)
    assert result.verdict == "unknown"
    assert result.reason == f"search incomplete after {result.states} states"
    assert result.states >= 5


def test_the_reduction_keeps_verdicts_and_schedule_lengths() -> None:
    cases = [
        ("outer_lock.c", "dev_ioctl_ab,dev_ioctl_ba"),
        ("three_cycle.c", "ring_work_a,ring_work_b,ring_work_c"),
        ("abba_trylock.c", "pair_forward,pair_backward"),
        ("completion.c", "fw_dev_reset,fw_dev_status"),
        ("busy_flag.c", "box_update,box_read"),
        ("rwsem.c", "table_lookup,table_resize,table_replace"),
    ]
    for name, threads in cases:
        full = run(name, threads, reduce=False)
        reduced = run(name, threads)
        assert (full.verdict, full.kind, len(full.schedule)) == (reduced.verdict, reduced.kind, len(reduced.schedule))
        assert reduced.states <= full.states


def test_two_copies_of_one_function_are_two_threads() -> None:
    # the same ioctl twice: nested a -> b in a fixed order cannot deadlock with itself
    result = run("abba.c", "pair_forward,pair_forward")
    assert result.verdict == "refuted"


def test_lockdep_like_table() -> None:
    text = render(run("abba.c", "pair_forward,pair_backward"))
    assert text[0].startswith("  T0: pair_forward (not called in scope) in ") and text[0].endswith("/abba.c")
    assert " Concrete unsafe locking scenario:" in text
    assert " *** DEADLOCK ***" in text
    assert any(line.startswith("    1   lock(pair.a)") for line in text)
    assert any(line.strip().startswith("2") and line.rstrip().endswith("lock(pair.b)") for line in text)


# --- the same shapes in pthread C: threads from pthread_create start routines ----------------------


def test_pthread_common_outer_lock_refuted() -> None:
    result = run("pthread_outer_lock.c", "worker_ab,worker_ba")
    assert (result.verdict, result.schedule) == ("refuted", [])
    assert (
        result.reason == "cycle a -> b -> a: every edge is taken under outer, a common outer lock that serialises them"
    )
    assert {t.entry for t in result.threads} == {"callback (passed to pthread_create)"}


def test_pthread_three_thread_cycle_confirmed() -> None:
    result = run("pthread_three_cycle.c", "philosopher0,philosopher1,philosopher2")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "deadlock", 3)
    assert waits(result) == {0: ("fork1", [1]), 1: ("fork2", [2]), 2: ("fork0", [0])}


def test_pthread_abba_with_a_trylock_side_refuted() -> None:
    result = run("pthread_abba_trylock.c", "chan_poll,chan_reset")
    assert (result.verdict, result.schedule) == ("refuted", [])
    assert result.reason.startswith(
        "cycle chan.tx -> chan.rx -> chan.tx: chan.rx is taken under chan.tx only with a trylock"
    )


def test_pthread_semaphore_nobody_posts_waits_forever() -> None:
    result = run("pthread_semaphore.c", "consumer,producer")
    assert (result.verdict, result.kind, len(result.schedule)) == ("confirmed", "waits forever", 1)
    assert steps(result) == [(0, "lock(queue.lock)")]
    assert waits(result) == {0: ("sem_post(queue.items)", []), 1: ("queue.lock", [0])}


def test_pthread_condition_nobody_signals_waits_forever() -> None:
    result = run("pthread_cond.c", "waiter,filler")
    assert (result.verdict, result.kind) == ("confirmed", "waits forever")
    assert waits(result) == {0: ("pthread_cond_signal(box.done)", [])}
    # pthread_cond_wait drops the mutex while it waits, so the filler could run to its end
    assert [a for t, a in steps(result) if t == 1] == ["lock(box.lock)", "unlock(box.lock)"]
    assert len(result.schedule) == 4


def test_pthread_condition_that_is_signalled() -> None:
    assert run("pthread_cond.c", "reader,filler").verdict == "refuted"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_such_function", "no function 'no_such_function' in the model to start a thread in"),
    ],
)
def test_unknown_thread_is_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(AptoolError, match=message):
        run("abba.c", name)


def test_ambiguous_name_asks_for_the_file(tmp_path: Path) -> None:
    for file in ("x.c", "y.c"):
        (tmp_path / file).write_text("static void f(struct mutex *m) { mutex_lock(m); mutex_unlock(m); }\n")
    with pytest.raises(AptoolError, match=r"'f' names several functions \(.*/x.c:f, .*/y.c:f\): name one as"):
        simulate(build_model([tmp_path / "x.c", tmp_path / "y.c"]), ["f"])


def test_bound_must_be_positive() -> None:
    with pytest.raises(AptoolError, match="--max-states must be at least 1"):
        run("abba.c", "pair_forward", max_states=0)


@pytest.mark.parametrize(
    ("condition", "flags", "passing"),
    [
        ("!m->busy", ["s.busy"], {0}),
        ("m->done", ["s.done"], {1}),
        ("READ_ONCE(m->done) == true", ["s.done"], {1}),
        ("!m->busy && !test_bit(FLAG_X, &m->flags)", ["s.busy", "s.flags[FLAG_X]"], {0}),
        ("!m->busy || m->dead", ["s.busy", "s.dead"], {0, 2, 3}),
        ("m->busy == 0", ["s.busy"], {0}),
        ("!m->busy && atomic_read(&m->count) > 2", ["s.busy"], {0}),  # the count is not known: maybe
    ],
)
def test_wait_conditions(condition: str, flags: list[str], passing: set[int]) -> None:
    assert passing_values(condition, flags) == passing
