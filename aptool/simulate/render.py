"""A simulation result as text: lockdep's "possible unsafe locking scenario", but the concrete schedule.

One column per thread, one row per step, as lockdep prints CPU0/CPU1; then
each step with its function+file:line and what the thread holds after it;
then what every blocked thread waits for and who holds it.
"""

from __future__ import annotations

from aptool.simulate.result import Result

MAX_COLUMN = 44


def thread_label(index: int) -> str:
    return f"T{index}"


def render(result: Result) -> list[str]:
    """The lines of the report of ``result``."""
    lines = []
    for index, info in enumerate(result.threads):
        lines.append(f"  {thread_label(index)}: {info.name} ({info.entry}) in {info.file}")
    searched = f"{result.states} states searched in {result.seconds:.2f}s"
    if result.verdict == "refuted":
        lines.append(f" refuted: {result.reason}")
        return lines
    if result.verdict == "unknown":
        lines.append(f" unknown: {result.reason or f'search incomplete after {result.states} states'}")
        return lines
    lines.append(f" {result.kind}: {len(result.schedule)} steps, a shortest schedule ({searched})")
    lines.append("")
    lines += _table(result)
    lines.append("")
    lines.append(" step  thread  at")
    for step in result.schedule:
        holds = ", ".join(step.holds) or "nothing"
        lines.append(
            f" {step.step:>4}  {thread_label(step.thread):<6}  {step.function}+{step.file}:{step.line}  "
            f"{step.action}; holds {holds}"
        )
    lines.append("")
    for blocked in result.blocked:
        by = ", ".join(thread_label(t) for t in blocked.held_by)
        owner = f" ({blocked.relation} {by})" if by else " (nothing will ever do it)"
        holds = ", ".join(blocked.holds) or "nothing"
        lines.append(
            f" {thread_label(blocked.thread)} waits for {blocked.waits_for}{owner} at "
            f"{blocked.function}+{blocked.file}:{blocked.line}, holding {holds}"
        )
    return lines


def _table(result: Result) -> list[str]:
    count = len(result.threads)
    widths = [len(thread_label(i)) for i in range(count)]
    for step in result.schedule:
        widths[step.thread] = min(MAX_COLUMN, max(widths[step.thread], len(step.action)))
    final = {b.thread: f"<waits> {b.waits_for}" for b in result.blocked}
    for thread, text in final.items():
        widths[thread] = min(MAX_COLUMN, max(widths[thread], len(text)))

    def row(cells: dict[int, str], prefix: str) -> str:
        parts = [cells.get(i, "").ljust(widths[i] + 3)[: widths[i] + 3] for i in range(count)]
        return f" {prefix:>4}   " + "".join(parts).rstrip()

    lines = [
        " Concrete unsafe locking scenario:",
        "",
        row({i: thread_label(i) for i in range(count)}, ""),
        row({i: "----" for i in range(count)}, ""),
    ]
    for step in result.schedule:
        lines.append(row({step.thread: step.action}, str(step.step)))
    lines.append(row(final, ""))
    lines.append("")
    lines.append(" *** DEADLOCK ***" if result.kind == "deadlock" else " *** WAITS FOREVER ***")
    return lines
