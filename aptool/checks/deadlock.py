"""``deadlock``: run the threads of every lock-order cycle against each other, and show the schedule.

For each cycle of the lock-order graph (real locks and open-coded ones, as
``circular-locking`` finds them, gated cycles included; not those through a
class nested by a run-time level, ``_nested(.., ctrl->depth)``, whose
levels the model cannot tell apart), one thread starts
at the entry point of each of its edges (the ioctl, notifier or ops-table
function whose call path makes the edge) and :func:`aptool.simulate.simulate`
searches their interleavings breadth first.  The verdict is a finding:

- *confirmed* (:class:`Deadlock`, an error): a state where no thread can
  move, with the shortest schedule -- thread, step, function:line, what it
  holds -- and what each thread waits for; "waits forever" when a thread
  waits for something no thread will ever do;
- *unknown* (:class:`DeadlockUnknown`, a warning): the bound on states was
  reached first ("search incomplete after N states");
- *refuted* (:class:`DeadlockRefuted`, a note, which never fails the run):
  the cycle as lockdep reports it, with the reason no schedule reaches it.

When ``circular-locking`` runs too, :func:`aptool.checks.verdicts.fold` moves
each verdict onto the finding of its cycle (one problem, one finding).

With a scenario (``aptool check --scenario f,g,h``) the named functions are
the threads, once, instead.  The bound and the scenario are set for a run
with :func:`settings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aptool.checks.circular_locking import _by_level, cycles
from aptool.checks.context import CheckContext
from aptool.checks.findings import Finding, Location, Step
from aptool.model.data import Function
from aptool.simulate import DEFAULT_MAX_STATES, Result, resolve_thread, simulate
from aptool.simulate.render import thread_label

SEARCH_BUDGET = 200_000  # states per cycle by default: a run of the whole check stays in seconds


@dataclass(frozen=True)
class Settings:
    max_states: int = SEARCH_BUDGET
    scenario: tuple[str, ...] = ()  # function names or ids: the threads, instead of each cycle's


_settings: ContextVar[Settings | None] = ContextVar("deadlock_settings", default=None)


@contextmanager
def settings(max_states: int | None = None, scenario: list[str] | None = None) -> Iterator[Settings]:
    """Within the block, the deadlock check uses this bound and this scenario."""
    chosen = Settings(max_states or SEARCH_BUDGET, tuple(scenario or ()))
    token = _settings.set(chosen)
    try:
        yield chosen
    finally:
        _settings.reset(token)


def scenario_named() -> bool:
    """Whether this run's threads are a scenario the user named (``--scenario``), not each cycle's."""
    return bool((_settings.get() or Settings()).scenario)


@dataclass
class Deadlock(Finding):
    """A schedule that reaches a state where the threads wait for each other, or for ever."""

    check: ClassVar[str] = "deadlock"
    title: ClassVar[str] = "deadlock reached by a schedule"
    description: ClassVar[str] = (
        "The threads of a lock-order cycle (or a named scenario), run against each other, reach a state "
        "where none can move; the shortest schedule is shown."
    )

    verdict: str = "confirmed"  # confirmed, refuted, unknown
    kind: str = ""  # confirmed: "deadlock" or "waits forever"
    reason: str = ""  # refuted: why no schedule deadlocks; unknown: the bound reached
    threads: list[dict[str, str]] = field(default_factory=list)  # label, function, file, entry
    blocked: list[dict[str, Any]] = field(default_factory=list)  # confirmed: who waits for what, at the end
    states: int = 0
    states_per_second: int = 0
    seconds: float = 0.0

    def key(self) -> tuple[str, tuple[str, ...]]:
        """Check id, lock classes and verdict: a cycle confirmed at the base and refuted in the series is fixed."""
        return (self.check, (*self.locks, self.verdict))

    def headline(self) -> str:
        if self.verdict == "confirmed" and self.kind == "waits forever":
            return f"{self.header}: a task waits for ever (reached by a schedule)"
        return f"{self.header}: {self.title}"


@dataclass
class DeadlockUnknown(Deadlock):
    title: ClassVar[str] = "deadlock search incomplete"
    level: ClassVar[str] = "warning"


@dataclass
class DeadlockRefuted(Deadlock):
    title: ClassVar[str] = "circular locking dependency refuted by the simulator"
    header: ClassVar[str] = "INFO"
    level: ClassVar[str] = "note"


def check(context: CheckContext) -> Iterator[Deadlock]:
    chosen = _settings.get() or Settings()
    if chosen.scenario:
        threads = [resolve_thread(context.model, name) for name in chosen.scenario]
        result = simulate(context.model, threads, chosen.max_states)
        yield finding(result, tuple(_locks_of(result)))
        return
    for cycle in cycles(context.graph, context.flags, context.places):
        if any(_by_level(lock) for lock in cycle):
            continue  # nesting by level (``ctrl->depth``): which levels meet is not in the model
        edges = [context.graph.edges[a, b]["edge"] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
        starts = [_entry_function(context, edge) for edge in edges]
        threads = [t for t in starts if t is not None]
        if len(threads) < len(starts):
            continue
        result = simulate(context.model, threads, chosen.max_states, cycle=list(cycle))
        yield finding(result, cycle)


def _entry_function(context: CheckContext, edge: Any) -> Function | None:
    """The function a thread making ``edge`` starts in: the head of its entry path, or the holder."""
    site = edge.entry[0] if edge.entry else edge.held_at
    return context.model.functions.get(f"{site.file}:{site.function}")


def _locks_of(result: Result) -> list[str]:
    """A scenario's lock classes: the cycle the reason names, or what the blocked threads hold and want."""
    if result.cycle:
        return result.cycle
    found: list[str] = []
    for blocked in result.blocked:
        for lock in [*(h.split(" (")[0] for h in blocked.holds), blocked.waits_for]:
            if lock not in found:
                found.append(lock)
    return sorted(found)


def finding(result: Result, locks: tuple[str, ...]) -> Deadlock:
    """The finding that says ``result``'s verdict about ``locks``."""
    cls = {"confirmed": Deadlock, "refuted": DeadlockRefuted}.get(result.verdict, DeadlockUnknown)
    labels = [thread_label(i) for i in range(len(result.threads))]
    threads = [
        {"label": labels[i], "function": t.name, "file": t.file, "entry": t.entry} for i, t in enumerate(result.threads)
    ]
    names = ", ".join(f"{labels[i]} {t.name}" for i, t in enumerate(result.threads))
    if result.verdict == "confirmed":
        waits = "; ".join(
            f"{labels[b.thread]} waits for {b.waits_for}"
            + (f" ({b.relation} {', '.join(labels[t] for t in b.held_by)})" if b.held_by else " (nothing will)")
            for b in result.blocked
        )
        message = f"{result.kind} in {len(result.schedule)} steps of {names}: {waits}"
    else:
        message = f"{result.verdict}: {result.reason} (threads {names})"
    found = cls(
        locks=tuple(locks),
        message=message,
        verdict=result.verdict,
        kind=result.kind or "",
        reason=result.reason,
        threads=threads,
        states=result.states,
        states_per_second=round(result.states_per_second),
        seconds=round(result.seconds, 4),
    )
    found.schedule = [
        Step(
            labels[s.thread],
            s.action,
            Location(s.file, s.line, s.function, s.text, f"holds {', '.join(s.holds)}" if s.holds else "holds nothing"),
        )
        for s in result.schedule
    ]
    found.blocked = [
        {
            "thread": labels[b.thread],
            "waits_for": b.waits_for,
            "relation": b.relation,
            "held_by": [labels[t] for t in b.held_by],
            "holds": b.holds,
            "location": Location(b.file, b.line, b.function, b.text).to_dict(),
        }
        for b in result.blocked
    ]
    found.locations = [
        Location(b.file, b.line, b.function, b.text, f"{labels[b.thread]} waits for {b.waits_for}")
        for b in result.blocked
    ]
    return found


def stats(findings: list[Finding]) -> dict[str, Any]:
    """States explored, states per second and the count of each verdict, over the simulator's runs (the
    deadlock findings and the verdicts folded into cycle findings)."""
    runs = [f for f in findings if isinstance(f, Deadlock)]
    runs += [s for f in findings if isinstance(s := getattr(f, "simulation", None), Deadlock) and s not in runs]
    verdicts = {v: sum(1 for f in runs if f.verdict == v) for v in ("confirmed", "refuted", "unknown")}
    states = sum(f.states for f in runs)
    seconds = sum(f.seconds for f in runs)
    return {
        "states": states,
        "seconds": round(seconds, 3),
        "states_per_second": round(states / seconds) if seconds > 0 else states,
        **verdicts,
    }


__all__ = ["DEFAULT_MAX_STATES", "Deadlock", "DeadlockRefuted", "DeadlockUnknown", "check", "settings", "stats"]
