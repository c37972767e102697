"""The text report, worded and laid out as lockdep's splats, so a maintainer needs no new vocabulary.

Each finding is a block: the header between rules (``WARNING: possible
circular locking dependency detected``), aptool's status line (new, fixed
or kept, the check id and the lock classes), then the evidence as lockdep
prints it -- the lock being acquired and the one held, the existing
dependency chain in reverse order with one frame per call
(``function+file:line``, innermost first), and the "Possible unsafe locking
scenario" table.  The result is :class:`rich.text.Text`; printed to a
terminal it is coloured, elsewhere it is plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text

from aptool.checks.deadlock import Deadlock
from aptool.checks.findings import FIXED, KEPT, NEW, Chain, CircularLocking, Finding, Step

if TYPE_CHECKING:
    from aptool.pipeline import CheckResult

STATUS_STYLE = {NEW: "bold red", FIXED: "bold green", KEPT: "yellow"}
LOCK = "cyan"
FRAME = "dim"
HEADER_STEP, ACTION_STEP = 24, 29  # lockdep prints CPU0/CPU1 at columns 7/31 and their actions at 2/31


def render(result: CheckResult, *, verbose: bool = False) -> Text:
    """The whole report: a block per finding, then the summary line."""
    out = Text()
    for finding in result.findings:
        out.append_text(render_finding(finding, verbose=verbose))
        out.append("\n")
    out.append_text(summary(result))
    return out


def summary(result: CheckResult) -> Text:
    """What was checked against what, and the count per status."""
    out = Text()
    tip = result.tip[:12] if _is_commit(result.tip) else result.tip
    where = f"{len(result.files)} files, {result.lines} lines, {result.functions} functions"
    out.append(f"aptool check: {tip} ({where})\n")
    if result.baseline is not None:
        out.append(f"  baseline: {result.baseline[:12]}, {result.baseline_reason}\n")
    else:
        out.append(f"  baseline: {result.baseline_reason}\n")
    for note in result.notes:
        out.append(f"  {note}\n")
    counts = [(NEW, len(result.with_status(NEW)))]
    if result.baseline is not None:
        counts += [(FIXED, len(result.with_status(FIXED))), (KEPT, len(result.with_status(KEPT)))]
    out.append("  findings: ")
    for index, (status, count) in enumerate(counts):
        if index:
            out.append(", ")
        out.append(f"{count} {status}", style=STATUS_STYLE[status] if count else "")
    out.append("\n")
    return out


def render_finding(finding: Finding, *, verbose: bool = False) -> Text:
    out = Text()
    headline = finding.headline()
    rule = "=" * len(headline)
    out.append(f"{rule}\n")
    out.append(f"{headline}\n", style="bold red" if finding.status != FIXED else "bold")
    out.append(f"{'-' * len(headline)}\n")
    out.append(f"{finding.status}", style=STATUS_STYLE.get(finding.status, ""))
    out.append(f" {finding.check}: ")
    out.append(finding.message)
    out.append("\n\n")
    if isinstance(finding, CircularLocking) and finding.chains:
        out.append_text(_circular(finding))
    elif isinstance(finding, Deadlock):
        out.append_text(_deadlock(finding))
    else:
        out.append_text(_generic(finding))
    return out


def _circular(finding: CircularLocking) -> Text:
    out = Text()
    count = len(finding.chains)
    order = [finding.chains[(finding.closing + 1 + i) % count] for i in range(count)]
    closing = order[-1]
    source, target = closing.acquired, closing.held
    task = closing.held_at.function
    out.append(f"{task} is trying to acquire lock:\n (")
    out.append(source, style=LOCK)
    out.append(f") at: {closing.steps[-1] if closing.steps else closing.held_at}\n\n")
    out.append("but task is already holding lock:\n (")
    out.append(target, style=LOCK)
    out.append(f") at: {closing.held_at}\n\n")
    out.append("which lock already depends on the new lock.\n\n")
    if finding.hidden_by:
        flags = ", ".join(finding.hidden_by)
        out.append("lockdep cannot see this cycle: ", style="bold")
        out.append(f"it runs through the open-coded lock{'s' * (len(finding.hidden_by) > 1)} {flags} ")
        out.append("(a flag set while work is done, with waiters sleeping until it is clear).\n")
        for chain in finding.chains:
            if chain.held in finding.hidden_by:
                out.append(f"  {chain.held} is set at: {chain.held_at}\n")
            if chain.acquired in finding.hidden_by and chain.steps:
                out.append(f"  {chain.acquired} is waited for at: {chain.steps[-1]}\n")
        out.append("\n")
    out.append("the existing dependency chain (in reverse order) is:\n\n")
    # #0 is the lock being acquired now; #i (i > 0) is the i-th lock of the existing chain, with the
    # dependency that took it -- lockdep numbers them so, and prints the highest first.
    locks = [source] + [chain.acquired for chain in order[:-1]]
    for number in reversed(range(count)):
        chain, lock = (order[number - 1] if number else closing), locks[number]
        out.append(f"-> #{number} (")
        out.append(lock, style=LOCK)
        out.append("):\n")
        out.append_text(_frames(chain))
        out.append("\n")
    out.append("\nother info that might help us debug this:\n\n")
    if count > 2:
        out.append("Chain exists of:\n  ")
        out.append_text(_arrow(locks))
        out.append("\n\n")
    out.append_text(scenario(finding.scenario))
    if finding.simulation is not None:
        out.append_text(verdict_text(finding))
    return out


VERDICT_WORDS = {"confirmed": "confirmed", "refuted": "refuted", "unknown": "search incomplete"}


def verdict_text(finding: CircularLocking) -> Text:
    """The simulator's verdict on the cycle, after lockdep's table: the concrete schedule that reaches
    it, or why none does, or where the search stopped."""
    out = Text("\n")
    out.append("simulator: ", style="bold")
    out.append(f"{VERDICT_WORDS.get(finding.verdict, finding.verdict)}\n")
    run = finding.simulation
    if finding.verdict == "confirmed":
        out.append_text(_deadlock(run))
        return out
    for thread in run.threads:
        out.append(f"  {thread['label']}: {thread['function']} ({thread['entry']}) in {thread['file']}\n")
    out.append(f"\n{finding.reason} ({run.states} states searched)\n")
    return out


def _deadlock(finding: Deadlock) -> Text:
    """The simulator's verdict: the threads, then the concrete schedule as lockdep's scenario table
    (one column per thread), each step with its place and what the thread holds after it, then who
    waits for what; or the reason no schedule deadlocks."""
    out = Text()
    for thread in finding.threads:
        out.append(f"  {thread['label']}: {thread['function']} ({thread['entry']}) in {thread['file']}\n")
    out.append("\n")
    if finding.verdict != "confirmed":
        out.append(f"{finding.reason} ({finding.states} states searched)\n")
        return out
    labels = [t["label"] for t in finding.threads]
    width = max([len(s.action) for s in finding.schedule] + [len(label) for label in labels]) + 3
    out.append(f" Concrete unsafe locking scenario ({len(finding.schedule)} steps, a shortest schedule):\n\n")
    out.append("       " + "".join(f"{label:<{width}}" for label in labels).rstrip() + "\n")
    out.append("       " + "".join(f"{'-' * len(label):<{width}}" for label in labels).rstrip() + "\n")
    for number, step in enumerate(finding.schedule, start=1):
        column = labels.index(step.thread) if step.thread in labels else 0
        out.append(f"  {number:>3}  " + " " * (width * column) + f"{step.action};\n")
    out.append("\n *** DEADLOCK ***\n\n" if finding.kind == "deadlock" else "\n *** WAITS FOREVER ***\n\n")
    for number, step in enumerate(finding.schedule, start=1):
        out.append(f"  {number:>3} {step.thread} {step.action}", style="")
        out.append(f" at {step.location}; {step.location.note if step.location else ''}\n", style=FRAME)
    out.append("\n")
    for blocked in finding.blocked:
        by = ", ".join(blocked["held_by"])
        owner = f" ({blocked['relation']} {by})" if by else " (nothing will ever do it)"
        where = blocked["location"]
        holds = ", ".join(blocked["holds"]) or "nothing"
        out.append(f"  {blocked['thread']} waits for ")
        out.append(blocked["waits_for"], style=LOCK)
        out.append(f"{owner} at {where['function']}+{where['path']}:{where['line']}, holding {holds}\n")
    return out


def _arrow(locks: list[str]) -> Text:
    out = Text()
    for index, lock in enumerate(locks):
        if index:
            out.append(" --> ")
        out.append(lock, style=LOCK)
    return out


def _frames(chain: Chain) -> Text:
    """A dependency as lockdep's stack: the acquisition first, then each caller, then the entry path."""
    out = Text()
    for location in [*reversed(chain.steps), *reversed(chain.entry)]:
        out.append(f"       {location}", style=FRAME)
        out.append("\n")
    held = "set" if chain.held_at.note.startswith("sets") else "held"
    out.append(f"       [{chain.held} {held} since {chain.held_at}]", style=FRAME)
    if chain.note:
        out.append(f" [{chain.note}]", style=FRAME)
    out.append("\n")
    return out


def scenario(schedule: Iterable[Step]) -> Text:
    """Lockdep's "Possible unsafe locking scenario": one column per CPU (or thread)."""
    steps = list(schedule)
    out = Text()
    if not steps:
        return out
    threads = list(dict.fromkeys(step.thread for step in steps))
    out.append(" Possible unsafe locking scenario:\n\n")
    # lockdep's layout: headers at columns 7 and 31, actions at columns 2 and 31.
    header = "".join(f"{t:<{HEADER_STEP}}" for t in threads).rstrip()
    rules = "".join(f"{'-' * len(t):<{HEADER_STEP}}" for t in threads).rstrip()
    out.append(f"       {header}\n       {rules}\n")
    for step in steps:
        column = threads.index(step.thread)
        out.append(" " * (2 + ACTION_STEP * column) + f"{step.action};\n")
    out.append("\n *** DEADLOCK ***\n")
    return out


def _generic(finding: Finding) -> Text:
    """Any other finding: its chains as acquire/hold pairs, its locations with their roles, its scenario."""
    out = Text()
    for chain in finding.chains:
        acquired_at = chain.steps[-1] if chain.steps else chain.held_at
        out.append(f"{acquired_at.function} is trying to acquire lock:\n (")
        out.append(chain.acquired, style=LOCK)
        out.append(f") at: {acquired_at}\n\nbut task is already holding lock:\n (")
        out.append(chain.held, style=LOCK)
        out.append(f") at: {chain.held_at}\n\n")
        out.append_text(_frames(chain))
        out.append("\n")
    if finding.locations:
        out.append("where:\n")
        for location in finding.locations:
            note = f"  {location.note}" if location.note else ""
            out.append(f"  {location}{note}\n")
        out.append("\n")
    if finding.schedule:
        out.append_text(scenario(finding.schedule))
    return out


def _is_commit(text: str) -> bool:
    return len(text) == 40 and all(c in "0123456789abcdef" for c in text)
