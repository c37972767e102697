"""``recursive-locking``: a lock taken while a lock of its class is held, as lockdep's recursion splat.

A client of the held-lock walk: for every acquisition a function (or a
callee, seen from it) makes, the held set says whether a lock of the same
class is already held.  Lockdep's read-recursion rules decide
(:func:`aptool.model.lockset.recursion_allowed`): a trylock never blocks; a
different subclass (``_nested``) or a nest lock is a documented nesting;
rwsem readers never recurse; rwlock readers recurse only in interrupt
context -- a ``_bh``/``_irq`` read lock, or with softirqs or irqs disabled.
One finding per lock class: the shortest chain that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aptool.checks.context import CheckContext, node
from aptool.checks.findings import Chain, Location, RecursiveLocking, Step
from aptool.model.data import Node
from aptool.model.lockset import CONTEXT_KINDS, Held, HeldEvent, recursion_allowed

IRQ_CONTEXT = frozenset({"irq-off", "bh-off"})
_WORD = re.compile(r"[A-Za-z_]\w*")


def check(context: CheckContext) -> Iterator[RecursiveLocking]:
    best: dict[str, tuple[HeldEvent, Held]] = {}
    for function in context.lockset.functions.values():
        for found in function.events:
            if found.uncertain and not context.uncertain:
                continue  # rests on a pointer call resolved by field name alone
            if found.length > 1 and context.on_warning_path(found.chain):
                continue  # under if (WARN_ON(...)): the code says this path does not happen
            event = found.event
            if event.kind != "acquire" or found.lock is None or event.lock_kind in CONTEXT_KINDS:
                continue
            if event.lock_kind == "page-lock":
                continue  # lock_page(): one class for every page, a bit lock lockdep has no class for
            held = _recursion(found)
            if held is None or (found.length > 1 and held.lock in context.dropped_on_the_way(found)):
                continue
            if found.length > 1 and (_on_parameter(context, found) or context.chosen_by_caller(found.chain)):
                continue  # the callee takes it only when its caller says so (``locked`` argument)
            name = node(found.lock, held.subclass)
            known = best.get(name)
            if known is None or found.length < known[0].length:
                best[name] = (found, held)
    for name, (found, held) in sorted(best.items()):
        yield _finding(name, found, held)


def _on_parameter(context: CheckContext, found: HeldEvent) -> bool:
    """Whether the function making the acquisition makes it under a test of one of its parameters."""
    function = context.model.functions.get(found.function)
    if function is None or not function.params:
        return False
    words = set(function.params)
    stack: list[tuple[list[Node], bool]] = [(function.body, False)]
    while stack:
        nodes, guarded = stack.pop()
        for item in nodes:
            if item.event is found.event:
                return guarded
            names = set(_WORD.findall(item.condition or "")) if item.kind in ("if", "switch") else set()
            tests = guarded or bool(words & names)
            stack.extend((branch, tests) for branch in item.branches)
            if item.body:
                stack.append((item.body, guarded))
    return False


def _recursion(found: HeldEvent) -> Held | None:
    """The held lock of the same class that this acquisition would deadlock on, if any."""
    irq = any(h.kind in IRQ_CONTEXT or h.context in ("irq", "bh") for h in found.held)
    for held in found.held:
        if held.lock != found.lock or held.kind in CONTEXT_KINDS or held.kind == "flag":
            continue
        if recursion_allowed(held, found.event, in_irq_context=irq):
            continue
        return held
    return None


def _finding(name: str, found: HeldEvent, held: Held) -> RecursiveLocking:
    first = Location.of(held.site, f"takes {name}")
    second = Location.of(found.site, f"takes {name} again")
    chain = Chain(name, name, first, tuple(Location.of(site) for site in found.chain))
    how = f"{found.event.lock_kind} " if found.event.lock_kind else ""
    message = f"{how}{name} taken at {second} while already held (taken at {first})"
    return RecursiveLocking(
        locks=(name,),
        message=message,
        locations=[second, first],
        chains=[chain],
        schedule=[Step("CPU0", f"lock({name})", first), Step("CPU0", f"lock({name})", second)],
    )
