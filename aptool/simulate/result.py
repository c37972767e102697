"""What a simulation says: a verdict, the schedule that shows it, or the reason there is none.

- *confirmed*: a state where no thread can move was reached; ``schedule``
  lists every step to it (thread, step, function:line, what it holds after)
  and ``blocked`` what each thread waits for and who holds it.  ``kind`` is
  ``deadlock`` when the threads wait for each other in a circle, ``waits
  forever`` when one waits for something no thread will ever do;
- *refuted*: the search was complete and found no such state; ``reason`` says
  why, e.g. a common outer lock that serialises every edge of the cycle;
- *unknown*: the bound on states was reached first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ThreadInfo:
    name: str  # the entry function
    file: str
    entry: str  # why a thread can start there ("ops table (.unlocked_ioctl)", "scenario")


@dataclass
class ScheduleStep:
    step: int
    thread: int
    function: str
    file: str
    line: int
    text: str
    action: str  # lockdep-like: lock(kvm.lock), unlock(...), set(flag), wait(cond), ...
    holds: list[str] = field(default_factory=list)  # after the step
    chain: list[str] = field(default_factory=list)  # calls from the entry down to the step ("f+file:line")


@dataclass
class Blocked:
    thread: int
    function: str
    file: str
    line: int
    text: str
    holds: list[str]
    waits_for: str  # what it needs: a lock, a flag to change, a wake, a complete()
    held_by: list[int] = field(default_factory=list)  # the threads it waits on
    relation: str = ""  # how: "held by", "set by" (a flag), "queued behind the writer"


@dataclass
class Result:
    verdict: str  # confirmed, refuted, unknown
    threads: list[ThreadInfo]
    kind: str | None = None  # confirmed: "deadlock" or "waits forever"
    schedule: list[ScheduleStep] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    reason: str = ""
    states: int = 0
    seconds: float = 0.0
    max_states: int = 0
    cycle: list[str] = field(default_factory=list)  # the lock-order cycle this verdict is about, if any
    notes: list[str] = field(default_factory=list)

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float(self.states)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["states_per_second"] = round(self.states_per_second)
        data["seconds"] = round(self.seconds, 4)
        return data
