"""Findings: one small class per check, as pyflakes' ``messages.py`` has one per message.

A check decides *when* to report; the finding class says *what* is reported
(its check id, lockdep's title for it, a one-line description for SARIF's
rule) and carries the evidence.  The report layer prints any finding in
text, JSON and SARIF without knowing which check made it.

A finding is identified by :meth:`Finding.key`: its check id and its lock
classes, never a line number, so the same problem at the base and in the
series is recognised as *kept* however much the code moved.

To add a check: subclass :class:`Finding` (set ``check``, ``title``,
``description``), write ``check(context) -> Iterator[Finding]`` in a module
of its own, and add both to the table in :mod:`aptool.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from aptool.model.data import Site

NEW, FIXED, KEPT = "new", "fixed", "kept"


@dataclass(frozen=True)
class Location:
    """A place in the code: file, line, the function it is in, and what happens there."""

    path: str
    line: int
    function: str
    text: str = ""  # the source text of the event, when known
    note: str = ""  # its role in the finding: "acquires kvm.lock", "sets the flag", ...

    @classmethod
    def of(cls, site: Site, note: str = "") -> Location:
        return cls(site.file, site.line, site.function, site.text, note)

    def __str__(self) -> str:
        """As lockdep prints a frame: ``function+file:line``."""
        return f"{self.function}+{self.path}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "line": self.line, "function": self.function}
        if self.text:
            data["text"] = self.text
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Chain:
    """One "held -> acquired" dependency as evidence: where ``held`` was taken and how ``acquired`` is reached.

    ``steps`` are the call sites from the function that holds ``held`` down
    to the acquisition of ``acquired`` (the last step); ``entry`` is the call
    path from an entry point (ioctl, notifier, ops table) to that function.
    """

    held: str
    acquired: str
    held_at: Location
    steps: tuple[Location, ...]
    entry: tuple[Location, ...] = ()
    note: str = ""  # "through an open-coded lock", "uncertain: a pointer call resolved by field name"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "held": self.held,
            "acquired": self.acquired,
            "held_at": self.held_at.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
            "entry": [s.to_dict() for s in self.entry],
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Step:
    """One step of a schedule: which thread (or CPU) does what, and where."""

    thread: str
    action: str  # "lock(kvm.lock)", "wait(ap_matrix_mdev.kvm_busy)", ...
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"thread": self.thread, "action": self.action}
        if self.location is not None:
            data["location"] = self.location.to_dict()
        return data


@dataclass
class Finding:
    """What every finding has; subclasses name the check and may add fields of their own.

    ``locks`` are lock classes in the order the finding reads them (a cycle
    starts at its smallest class); ``locations`` are the places a reader
    should look at, the first one the main one; ``chains`` the lock-order
    dependencies that make the finding; ``schedule`` an interleaving that
    shows it (may be empty); ``status`` is ``new``, ``fixed`` or ``kept``
    against a baseline (``new`` when there is none).
    """

    check: ClassVar[str] = ""
    title: ClassVar[str] = ""  # lockdep's header, without "WARNING: " / "BUG: "
    header: ClassVar[str] = "WARNING"
    description: ClassVar[str] = ""  # one sentence: the SARIF rule's short description
    level: ClassVar[str] = "error"  # SARIF level: "error", "warning", "note"

    locks: tuple[str, ...]
    message: str
    locations: list[Location] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    schedule: list[Step] = field(default_factory=list)
    status: str = NEW

    def key(self) -> tuple[str, tuple[str, ...]]:
        """Check id and lock classes: the same problem keeps its key when lines move."""
        return (self.check, self.locks)

    def headline(self) -> str:
        """The report's first line, as lockdep words it."""
        return f"{self.header}: {self.title}"

    def extra(self) -> dict[str, Any]:
        """The fields a subclass adds, for JSON."""
        base = {f.name for f in fields(Finding)}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in base}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "check": self.check,
            "title": self.title,
            "locks": list(self.locks),
            "status": self.status,
            "message": self.message,
            "locations": [loc.to_dict() for loc in self.locations],
            "chains": [chain.to_dict() for chain in self.chains],
            "schedule": [step.to_dict() for step in self.schedule],
        }
        for name, value in self.extra().items():
            data[name] = list(value) if isinstance(value, tuple) else value
        return data


@dataclass
class CircularLocking(Finding):
    """A cycle in the lock-order graph; ``hidden_by`` names the open-coded locks (flags) it runs through."""

    check: ClassVar[str] = "circular-locking"
    title: ClassVar[str] = "possible circular locking dependency detected"
    description: ClassVar[str] = (
        "A cycle in the lock-order graph: threads taking the locks in these orders can deadlock."
    )

    hidden_by: tuple[str, ...] = ()
    closing: int = -1  # the chain that closes the cycle ("is trying to acquire"); the others exist already
    scenario: list[Step] = field(default_factory=list)  # lockdep's two-CPU "possible unsafe locking scenario"
    verdict: str = ""  # the simulator's, when ``deadlock`` ran too: confirmed, refuted, unknown
    reason: str = ""  # refuted: why no schedule deadlocks; unknown: the bound reached, or where it stopped
    simulation: Any = field(default=None, repr=False)  # the ``deadlock`` finding the verdict came from

    @property
    def hidden(self) -> bool:
        """True when lockdep cannot see the cycle: it runs through an open-coded lock."""
        return bool(self.hidden_by)

    def attach(self, simulated: Any, reason: str = "") -> None:
        """Take the simulator's verdict on this cycle (a :class:`~aptool.checks.deadlock.Deadlock`);
        with ``reason``, the search stopped elsewhere and the verdict on the cycle is ``unknown``."""
        self.simulation = simulated
        self.verdict = "unknown" if reason else simulated.verdict
        self.reason = reason or simulated.reason
        self.schedule = list(simulated.schedule) if self.verdict == "confirmed" else []

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["hidden"] = self.hidden
        data["scenario"] = [step.to_dict() for step in self.scenario]
        data["simulation"] = None
        if self.simulation is not None:
            run = self.simulation
            data["simulation"] = {
                "kind": run.kind if self.verdict == "confirmed" else "",
                "threads": run.threads,
                "blocked": run.blocked if self.verdict == "confirmed" else [],
                "states": run.states,
                "states_per_second": run.states_per_second,
                "seconds": run.seconds,
            }
        return data


@dataclass
class RecursiveLocking(Finding):
    """A lock class taken while a lock of the same class (and subclass) is held."""

    check: ClassVar[str] = "recursive-locking"
    title: ClassVar[str] = "possible recursive locking detected"
    description: ClassVar[str] = (
        "A non-recursive lock taken while a lock of the same class is held (lockdep's read-recursion rules)."
    )


@dataclass
class LockImbalance(Finding):
    """A path that returns holding a lock it took, or releases a lock it does not hold."""

    check: ClassVar[str] = "lock-imbalance"
    title: ClassVar[str] = "context imbalance - wrong count at exit"  # sparse's words; lockdep's for bad unlocks
    description: ClassVar[str] = "A path returns holding a lock it took, or releases a lock it does not hold."
    level: ClassVar[str] = "warning"

    kind: str = "held-at-return"  # or "bad-unlock"

    def headline(self) -> str:
        title = "bad unlock balance detected!" if self.kind == "bad-unlock" else self.title
        return f"{self.header}: {title}"


@dataclass
class OpenCodedLock(Finding):
    """A flag used as a lock: set, the real lock dropped, work done, cleared, waiters woken."""

    check: ClassVar[str] = "open-coded-lock"
    title: ClassVar[str] = "open-coded lock hidden from lockdep"
    description: ClassVar[str] = (
        "A flag and a wait queue used as a lock: lockdep cannot see it, so cycles through it go unreported."
    )
    level: ClassVar[str] = "warning"


@dataclass
class SleepInAtomic(Finding):
    """A sleeping call under a spinlock, in an RCU read section, or with irqs, BHs or preemption disabled."""

    check: ClassVar[str] = "sleep-in-atomic"
    title: ClassVar[str] = "sleeping function called from invalid context"
    header: ClassVar[str] = "BUG"
    description: ClassVar[str] = (
        "A mutex, rwsem, wait or sleeping allocation under a spinlock, in an RCU read section, "
        "or with interrupts, bottom halves or preemption disabled."
    )

    context: str = ""  # what makes it atomic: "spinlock ap_queue.lock", "rcu read section", "irqs disabled"
