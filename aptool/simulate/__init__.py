"""Stage 6 of the data flow: the interleaving simulator -- can these threads deadlock, and how?

``simulate(model, threads, max_states)`` starts one thread at each named
function of the code model, runs their steps against each other
breadth-first (the first deadlock found has a shortest schedule), and says
*confirmed* with the schedule, *refuted* with the reason, or *unknown* when
the bound was reached.

Modules, one job each: ``program`` (a thread's skeleton, callees inlined,
folded to its visible steps), ``conditions`` (which flag values let a wait
through), ``machine`` (the compact state and the tables), ``search``
(breadth-first with a visited set and a partial-order reduction),
``replay`` (a path as a schedule), ``reasons`` (why there is no deadlock),
``render`` (the schedule as lockdep would print it), ``result`` (the data).
"""

from __future__ import annotations

from collections.abc import Sequence

from aptool.errors import AptoolError
from aptool.gcpause import paused
from aptool.model.data import CodeModel, Function
from aptool.simulate.facts import facts_of
from aptool.simulate.machine import build_machine
from aptool.simulate.program import Program, compile_thread
from aptool.simulate.reasons import reason
from aptool.simulate.render import render
from aptool.simulate.replay import replay
from aptool.simulate.result import Blocked, Result, ScheduleStep, ThreadInfo
from aptool.simulate.search import search

DEFAULT_MAX_STATES = 1_000_000

__all__ = [
    "DEFAULT_MAX_STATES",
    "Blocked",
    "Result",
    "ScheduleStep",
    "ThreadInfo",
    "render",
    "resolve_thread",
    "simulate",
]


def resolve_thread(model: CodeModel, name: str) -> Function:
    """The function ``name`` names: an id (``file:function``) or a function name.

    Raises :class:`AptoolError` when no function or more than one has that name.
    """
    if name in model.functions:
        return model.functions[name]
    found = [f for f in model.functions.values() if f.name == name]
    if len(found) == 1:
        return found[0]
    if not found:
        raise AptoolError(f"no function {name!r} in the model to start a thread in", exit_code=2)
    ids = ", ".join(sorted(f.id for f in found))
    raise AptoolError(f"{name!r} names several functions ({ids}): name one as file:function", exit_code=2)


def simulate(
    model: CodeModel,
    threads: Sequence[str | Function],
    max_states: int = DEFAULT_MAX_STATES,
    *,
    cycle: list[str] | None = None,
    reduce: bool = True,
) -> Result:
    """Run one thread from each of ``threads`` (functions, ids or names) against the others.

    ``cycle``: the lock classes of the lock-order cycle the run is about (the
    reason of a refutation speaks of it).  ``reduce``: the partial-order
    reduction (off only to measure it).  Raises :class:`AptoolError` for an
    unknown or ambiguous function name or a bound below 1.
    """
    if max_states < 1:
        raise AptoolError(f"--max-states must be at least 1, not {max_states}", exit_code=2)
    functions = [t if isinstance(t, Function) else resolve_thread(model, t) for t in threads]
    with paused():
        return _simulate(model, functions, max_states, cycle, reduce)


def _simulate(
    model: CodeModel, functions: list[Function], max_states: int, cycle: list[str] | None, reduce: bool
) -> Result:
    facts = facts_of(model)
    for function in functions:
        if function.id not in facts.programs:
            program = compile_thread(model, function.id)
            program.holds = facts.works.get(function.id, [])
            facts.programs[function.id] = program
    programs = [facts.programs[f.id] for f in functions]
    infos = [ThreadInfo(f.name, f.file, f.entry or "scenario") for f in functions]
    machine = build_machine(programs, _woken_outside(model, programs))
    found = search(machine, max_states, reduce=reduce)
    result = Result(
        "unknown",
        infos,
        states=found.states,
        seconds=found.seconds,
        max_states=max_states,
        cycle=list(cycle or []),
    )
    result.notes += [
        f"calls below {p.function.name} were not all inlined (too many steps)" for p in programs if p.truncated
    ]
    if found.found:
        result.verdict = "confirmed"
        result.schedule, result.blocked, result.kind = replay(machine, found.path)
    elif found.complete:
        result.verdict = "refuted"
        result.reason = reason(machine, found.states, cycle)
    else:
        result.reason = f"search incomplete after {found.states} states"
    return result


def _woken_outside(model: CodeModel, programs: list[Program]) -> frozenset[str]:
    """Queues and completions that code outside the threads wakes: waiting on them is not forever."""
    inside = {(s.site.file, s.site.line) for p in programs for s in p.steps if s.site is not None}
    return frozenset(queue for file, line, queue in facts_of(model).wakes if (file, line) not in inside)
