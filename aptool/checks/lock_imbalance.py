"""``lock-imbalance``: a path that returns holding a lock it took, or releases one it does not hold.

A client of the held-lock walk, which lists every exit of a function with
what the path holds there, and every release of a lock the path does not
hold.  To tell a bug from a lock wrapper (``lock_foo()`` returns holding
``foo`` on purpose; ``unlock_foo()`` releases its caller's lock):

- *held at return*: an early return holds a lock that the function's last
  return does not hold (the error path that forgot the unlock), the
  function itself releases that lock on some other path, the lock was not
  declared (``__acquires``, ``__must_hold``), and it was not a trylock whose
  result the caller tests.  Not when the function
  is named as a lock helper (``*lock*``: by kernel convention those return
  holding a lock on purpose, often only on success), and not when one of
  its releases is itself conditional and falls through (``if (locked)
  unlock(l);``): the code knows the lock may already be gone there, dropped
  by a callee the walk cannot follow (``get_user_pages_remote(..., &locked)``);
- *bad unlock*: the function itself takes that lock on some path, and does
  not say it releases its caller's (``__releases``), and the release is not
  guarded by a test that also guards a take (``if (x) lock ... if (x)
  unlock``, a pairing the walk can lose where paths join), and the release
  is not in a loop of a function that takes the same class in a loop (one
  instance per round: ``lock_page`` on each page of a buffer, then
  ``unlock_page`` on each; a held set of classes cannot count them), nor
  an ``unlock_page`` in a function that got its page locked from the page
  cache (``find_or_create_page``, ``grab_cache_page``...).

One finding per lock class: the first function, by file and line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from aptool.checks.context import CheckContext
from aptool.checks.findings import Chain, Location, LockImbalance, Step
from aptool.model.data import Event, Node
from aptool.model.lockset import CONTEXT_KINDS, FunctionLocks

REAL = ("mutex", "spin", "rwlock-read", "rwlock-write", "rwsem-read", "rwsem-write")
PAGE_LOCK = "page.PG_locked"
# page-cache lookups that return the page locked (include/linux/pagemap.h): an unlock_page() of it later
# releases a lock the walk never saw taken
LOCKED_PAGE_GETTERS = frozenset(
    {
        "find_or_create_page",
        "find_lock_page",
        "grab_cache_page",
        "grab_cache_page_nowait",
        "grab_cache_page_write_begin",
        "__filemap_get_folio",
        "filemap_lock_folio",
    }
)


def check(context: CheckContext) -> Iterator[LockImbalance]:
    found: dict[str, LockImbalance] = {}
    functions = sorted(context.lockset.functions.values(), key=lambda f: (f.function.file, f.function.line))
    for locks in functions:
        for finding in _held_at_return(locks) + _bad_unlocks(locks, context):
            found.setdefault(finding.locks[0], finding)
    yield from (found[lock] for lock in sorted(found))


def _declared(locks: FunctionLocks) -> set[str]:
    return {a.lock for a in locks.function.annotations}


def _held_at_return(locks: FunctionLocks) -> list[LockImbalance]:
    function = locks.function
    if "lock" in function.name.lower():
        return []
    released = {e.lock for e in function.events() if e.kind == "release" and e.lock}
    declared = _declared(locks) | _conditionally_released(function.body)
    out: list[LockImbalance] = []
    seen: set[str] = set()
    last = max((e.site.line for e in locks.exits), default=0)
    final = [e for e in locks.exits if e.site.line == last]
    for exit_ in locks.exits:
        for held in sorted(exit_.held, key=lambda h: h.lock):
            if held.declared or held.trylock or held.via or held.kind not in REAL or held.kind in CONTEXT_KINDS:
                continue
            if held.lock not in released or held.lock in declared or held.lock in seen:
                continue
            if all(any(h.lock == held.lock for h in other.held) for other in locks.exits):
                continue  # held on every exit: a lock wrapper, not an imbalance
            if exit_.site.line >= last or any(h.lock == held.lock for e in final for h in e.held):
                continue  # the function's own last return holds it: returning it held is its design
            seen.add(held.lock)
            taken = Location.of(held.site, f"takes {held.lock}")
            leaves = Location(exit_.site.file, exit_.site.line, function.name, "return", f"returns holding {held.lock}")
            out.append(
                LockImbalance(
                    locks=(held.lock,),
                    message=f"{function.name}() returns at {leaves} holding {held.lock} (taken at {taken}); "
                    "other paths release it",
                    locations=[leaves, taken],
                    chains=[Chain(held.lock, held.lock, taken, (leaves,))],
                    schedule=[Step("CPU0", f"lock({held.lock})", taken), Step("CPU0", "return", leaves)],
                    kind="held-at-return",
                )
            )
    return out


def _conditionally_released(body: list[Node]) -> set[str]:
    """Locks released in one arm of an ``if`` that falls through, while the other arm does not release them."""
    found: set[str] = set()
    stack = [body]
    while stack:
        nodes = stack.pop()
        for node in nodes:
            if node.kind == "if":
                arms = [*node.branches, [], []][:2]
                mine = [_released(arm) for arm in arms]
                for arm, released, other in ((arms[0], mine[0], mine[1]), (arms[1], mine[1], mine[0])):
                    if released and not (arm and arm[-1].kind in ("return", "goto")):
                        found |= released - other
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    return found


def _released(arm: list[Node]) -> set[str]:
    return {n.event.lock for n in arm if n.kind == "event" and n.event and n.event.kind == "release" and n.event.lock}


def _enclosing(body: list[Node]) -> Iterator[tuple[Node, frozenset[str]]]:
    """Every node with the conditions of the ``if`` statements around it."""
    stack: list[tuple[list[Node], frozenset[str]]] = [(body, frozenset())]
    while stack:
        nodes, conditions = stack.pop()
        for item in nodes:
            yield item, conditions
            inner = (
                conditions | {item.condition.lstrip("!( ").rstrip(") ")}
                if item.kind == "if" and item.condition
                else conditions
            )
            stack.extend((branch, inner) for branch in item.branches)
            if item.body:
                stack.append((item.body, conditions))


def _conditions(body: list[Node], event: object) -> frozenset[str]:
    return next((conditions for item, conditions in _enclosing(body) if item.event is event), frozenset())


def _taking_conditions(body: list[Node], lock: str) -> frozenset[str]:
    found: set[str] = set()
    for item, conditions in _enclosing(body):
        if item.event is not None and item.event.kind == "acquire" and item.event.lock == lock:
            found |= conditions
    return frozenset(found)


def _looped_releases(body: list[Node]) -> dict[str, list[Event]]:
    """Lock class -> its releases inside a loop, for the classes the function also takes inside a loop
    (``for (i...) lock_page(eb->pages[i]); ... for (i...) unlock_page(eb->pages[i]);``): many
    instances of one class, which the walk's held set, a set of classes, cannot count."""
    taken: set[str] = set()
    released: dict[str, list[Event]] = {}
    stack: list[tuple[list[Node], bool]] = [(body, False)]
    while stack:
        nodes, in_loop = stack.pop()
        for node in nodes:
            event = node.event
            if in_loop and event is not None and event.lock:
                if event.kind == "acquire":
                    taken.add(event.lock)
                elif event.kind == "release":
                    released.setdefault(event.lock, []).append(event)
            stack.extend((branch, in_loop) for branch in node.branches)
            if node.body:
                stack.append((node.body, in_loop or node.kind in ("loop", "do")))
    return {lock: events for lock, events in released.items() if lock in taken}


def _dropped_by_a_callee(locks: FunctionLocks, lock: str, line: int, context: CheckContext) -> bool:
    """Whether a call between the last take of ``lock`` before ``line`` and ``line`` may release it."""
    events = locks.function.events()
    start = max((e.line for e in events if e.kind == "acquire" and e.lock == lock and e.line < line), default=0)
    functions = context.lockset.functions
    return any(
        lock in functions[target].effect.dropped
        for e in events
        if e.kind == "call" and start < e.line < line
        for target in e.targets
        if target in functions
    )


def _bad_unlocks(locks: FunctionLocks, context: CheckContext) -> list[LockImbalance]:
    function = locks.function
    events = function.events()
    taken = Counter(e.lock for e in events if e.kind == "acquire" and e.lock and not e.guard)
    released = Counter(e.lock for e in events if e.kind == "release" and e.lock and not e.guard)
    releases = {a.lock for a in function.annotations if a.kind == "__releases"}
    looped = _looped_releases(function.body)
    out: list[LockImbalance] = []
    for found in locks.releases_unheld:
        lock = found.lock
        if lock is None or lock not in taken or lock in releases or found.event.lock_kind in CONTEXT_KINDS:
            continue
        if not any(e.kind == "acquire" and e.lock == lock and e.line < found.event.line for e in events):
            continue  # no take of it before this unlock: the caller's lock, dropped (and maybe taken again) here
        if _dropped_by_a_callee(locks, lock, found.event.line, context):
            continue  # a callee may have released it (on some of its paths): not a second unlock for sure
        if released[lock] <= taken[lock]:
            continue  # as many unlocks as locks: a nested (recursive) take, which recursive-locking reports
        if _conditions(function.body, found.event) & _taking_conditions(function.body, lock):
            continue  # "if (x) lock ... if (x) unlock": the same test guards both, the walk lost the pairing
        if lock == PAGE_LOCK and any(e.kind == "call" and e.callee in LOCKED_PAGE_GETTERS for e in events):
            continue  # find_or_create_page() and its kin return the page locked: this unlock is theirs
        if lock in looped and any(e is found.event for e in looped[lock]):
            continue  # taken in one loop, released in another: one per instance, more than a held set counts
        where = Location.of(found.site, f"releases {lock}, not held here")
        out.append(
            LockImbalance(
                locks=(lock,),
                message=f"{function.name}() releases {lock} at {where}, which that path no longer holds",
                locations=[where],
                schedule=[Step("CPU0", f"unlock({lock})", where)],
                kind="bad-unlock",
            )
        )
        break
    return out
