"""``recursive-locking``: a lock taken while a lock of its class is held, as lockdep's recursion splat.

A client of the held-lock walk, read from its self dependencies: a class
taken while a lock of the same class and subclass is held.  The walk already
applies lockdep's rules for what is no dependency (a trylock never blocks; a
different subclass, ``_nested``, or a nest lock is a documented nesting; a
callee that drops the lock and takes it again orders nothing); here rwsem
readers never recurse, and rwlock readers recurse only in interrupt context
(a ``_bh``/``_irq`` read lock, or taken inside such a section), where a
queued writer lets a reader pass.  One finding per lock class: the
shortest chain that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aptool.checks.context import CheckContext, node
from aptool.checks.findings import Chain, Location, RecursiveLocking, Step
from aptool.model.lockset import CONTEXT_KINDS, LockEdge


def check(context: CheckContext) -> Iterator[RecursiveLocking]:
    """Read from the walk's self dependencies (a class taken while it is held, same subclass): each is
    the shortest witness the walk kept, with the chain from the first acquisition to the second."""
    best: dict[str, LockEdge] = {}
    for edge in context.edges:
        if edge.held != edge.acquired or edge.held_subclass != edge.acquired_subclass or not edge.chain:
            continue
        if edge.acquired_kind in CONTEXT_KINDS or "flag" in edge.acquired_kind or edge.acquired_kind == "page-lock":
            continue  # contexts nest; a flag is the checks' other business; lock_page: one class for every page
        if edge.uncertain and not context.uncertain:
            continue  # rests on a pointer call resolved by field name alone
        if _readers_may_pass(edge):
            continue
        if len(edge.chain) > 1 and (
            context.on_warning_path(edge.chain)
            or context.chosen_by_caller(edge.chain)
            or context.done_once(edge.chain, edge.held_at)
        ):
            continue  # under if (WARN_ON(...)); the callee takes it only when its caller's argument, or the
            # state of its object behind a done-once guard, says so
        name = node(edge.acquired, edge.acquired_subclass)
        known = best.get(name)
        if known is None or len(edge.chain) < len(known.chain):
            best[name] = edge
    for name, edge in sorted(best.items()):
        yield _finding(name, edge)


def _readers_may_pass(edge: LockEdge) -> bool:
    """rwlock readers recurse in interrupt context: a queued writer lets a reader pass there."""
    if not (edge.held_kind == "rwlock-read" and edge.acquired_kind == "rwlock-read"):
        return False
    texts = [edge.held_at.text, edge.chain[-1].text]
    return any(re.search(r"_(?:irq|irqsave|bh)\s*\(", text) for text in texts)


def _finding(name: str, edge: LockEdge) -> RecursiveLocking:
    first = Location.of(edge.held_at, f"takes {name}")
    second = Location.of(edge.chain[-1], f"takes {name} again")
    steps = tuple(Location.of(site) for site in edge.chain)
    chain = Chain(name, name, first, steps, tuple(Location.of(site) for site in edge.entry))
    message = f"{edge.acquired_kind} {name} taken at {second} while already held (taken at {first})"
    return RecursiveLocking(
        locks=(name,),
        message=message,
        locations=[second, first],
        chains=[chain],
        schedule=[Step("CPU0", f"lock({name})", first), Step("CPU0", f"lock({name})", second)],
    )
