"""Skipping no-op steps: each visible step's successors become the visible steps its no-ops lead to.

A step on something no other thread touches (a lock only one thread
takes, a queue woken from outside) is a *no-op* in a run: the search never
stops on it.  :func:`skip_noops` rewrites the successors of every other step
past the no-ops, in this order:

1. each no-op, by increasing index, gets the visible steps a depth-first
   walk from its successors reaches (successors in their order; a no-op of
   lower index, already done, gives its own list; a walk that finds nothing
   gives the end, step 0);
2. each visible step's successors (and a trylock's failure successors)
   are its own, each no-op replaced by its list, first occurrence kept.

The order matters: it is the order in which the search tries the
successors, and so which of several shortest schedules it reports.  In a
loop of no-ops (a ``switch`` in a loop: every arm leads back to every arm)
that walk, run from every no-op, costs the square of the loop.  What it
finds, as a set, is known beforehand: the visible steps reachable from the
no-op (one pass over the strongly connected components).  So each walk
stops as soon as it has found them all, and does not enter a no-op whose
steps it has all found; the rest of it could only find them again.  And
only the no-ops whose lists are used are walked: those a visible step
leads to, and those their walks take lists from.

The lists are exactly those of the plain definition (tests compare them on
generated graphs with loops, loops with no way out, repeated successors).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aptool.simulate.machine import Op

NOOP = -1


def resolve(ops: list[Op], targets: list[int]) -> list[int]:
    """``targets`` with every no-op replaced by the visible steps a depth-first walk from it reaches
    (first occurrence kept; the end, step 0, when there are none)."""
    found: dict[int, None] = {}
    seen: set[int] = set()
    todo = list(reversed(targets))
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        if ops[index].code != NOOP:
            found[index] = None
        else:
            todo.extend(reversed(ops[index].next))
    return list(found) or [0]


def skip_noops(ops: list[Op]) -> None:
    """Rewrite the successors of every visible step of ``ops`` past the no-ops (see the module)."""
    noop = [op.code == NOOP for op in ops]
    reach, endless = _reach(ops, noop)
    done: dict[int, tuple[tuple[int, ...], int]] = {}  # no-op -> its list, and that list as a bit set
    if any(endless):  # a done no-op's list may be the end alone: walk every no-op, in order
        for index, is_noop in enumerate(noop):
            if is_noop:
                done[index] = _walk(ops, noop, index, done, reach, endless)
    else:
        done = _needed(ops, noop, reach)
    for op in ops:
        if op.code == NOOP:
            continue
        op.next = _expand(noop, op.next, done) if op.code != 0 else ()
        op.fail = _expand(noop, op.fail, done) if op.fail else ()


def _walk(
    ops: list[Op],
    noop: list[bool],
    current: int,
    done: dict[int, tuple[tuple[int, ...], int]],
    reach: list[int],
    endless: list[bool],
) -> tuple[tuple[int, ...], int]:
    """Step 1 for no-op ``current`` (no-ops below it are done), as its list and that list as a bit set.

    ``reach``: per no-op, the visible steps it leads to (bit i = step i).  A no-op whose steps are all
    found already is not walked, and the walk stops once it has all of ``current``'s -- unless a done
    no-op that leads nowhere (``endless``) may still add the end."""
    wanted = reach[current]
    ending = endless[current]
    found: dict[int, None] = {}
    got = 0
    seen: set[int] = set()
    todo = list(reversed(ops[current].next))
    while todo:
        if not wanted & ~got and (not ending or got & 1):
            break
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        if not noop[index]:
            found[index] = None
            got |= 1 << index
        elif index < current:
            steps, bits = done[index]
            if bits & ~got:
                found.update(dict.fromkeys(steps))
                got |= bits
        elif reach[index] & ~got or endless[index]:
            todo.extend(reversed(ops[index].next))
    return (tuple(found), got) if found else ((0,), 1)


def _needed(ops: list[Op], noop: list[bool], reach: list[int]) -> dict[int, tuple[tuple[int, ...], int]]:
    """Step 1 for the no-ops whose lists are used: those a visible step leads to, and the done no-ops
    their walks take lists from.  Without a no-op that leads nowhere, a list's set is the no-op's
    ``reach``, so what a walk does depends on bit sets alone: each walk is planned first (from the
    highest no-op down: a walk needs lower ones only), then the lists are made from the plans upwards."""
    todo = [-t for op in ops if op.code != NOOP for t in (*op.next, *op.fail) if noop[t]]
    heapq.heapify(todo)
    plans: dict[int, list[int]] = {}
    while todo:
        current = -heapq.heappop(todo)
        if current in plans:
            continue
        plan = plans[current] = _plan(ops, noop, current, reach)
        for item in plan:
            if item < 0 and ~item not in plans:
                heapq.heappush(todo, -~item)
    done: dict[int, tuple[tuple[int, ...], int]] = {}
    for current in sorted(plans):
        found: dict[int, None] = {}
        for item in plans[current]:
            if item >= 0:
                found[item] = None
            else:
                found.update(dict.fromkeys(done[~item][0]))
        done[current] = (tuple(found), reach[current])
    return done


def _plan(ops: list[Op], noop: list[bool], current: int, reach: list[int]) -> list[int]:
    """The walk of no-op ``current`` (as :func:`_walk` without an endless no-op): the visible steps it
    adds (``i``) and the done no-ops whose lists it adds (``~i``), in order."""
    wanted = reach[current]
    got = 0
    plan: list[int] = []
    seen: set[int] = set()
    todo = list(reversed(ops[current].next))
    while todo:
        if not wanted & ~got:
            break
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        if not noop[index]:
            if not got >> index & 1:
                plan.append(index)
                got |= 1 << index
        elif reach[index] & ~got:
            if index < current:
                plan.append(~index)
                got |= reach[index]
            else:
                todo.extend(reversed(ops[index].next))
    return plan


def _expand(noop: list[bool], targets: Sequence[int], done: dict[int, tuple[tuple[int, ...], int]]) -> tuple[int, ...]:
    """Step 2: ``targets``, each no-op replaced by its list, first occurrence kept."""
    found: dict[int, None] = {}
    got = 0
    for target in targets:
        if noop[target]:
            steps, bits = done[target]
            if bits & ~got:
                found.update(dict.fromkeys(steps))
                got |= bits
        elif target not in found:
            found[target] = None
            got |= 1 << target
    return tuple(found) or (0,)


def _reach(ops: list[Op], noop: list[bool]) -> tuple[list[int], list[bool]]:
    """Per no-op: the visible steps reachable through no-ops (a bit set), and whether a no-op that
    reaches none (a loop of no-ops with no way out) is reachable."""
    size = len(ops)
    inner: list[list[int]] = [[] for _ in range(size)]
    reach = [0] * size
    for index, op in enumerate(ops):
        if noop[index]:
            for n in op.next:
                if noop[n]:
                    inner[index].append(n)
                else:
                    reach[index] |= 1 << n
    endless = [False] * size
    for component in components([i for i in range(size) if noop[i]], inner):
        bits = 0
        stuck = False
        members = set(component)
        for index in component:
            bits |= reach[index]
            for n in inner[index]:
                if n not in members:
                    bits |= reach[n]
                    stuck = stuck or endless[n]
        stuck = stuck or not bits
        for index in component:
            reach[index] = bits
            endless[index] = stuck
    return reach, endless


def components(nodes: list[int], succ: list[list[int]]) -> list[list[int]]:
    """The strongly connected components of the graph ``succ`` over ``nodes``, each after every
    component it reaches (Tarjan's algorithm, without recursion)."""
    order = [-1] * len(succ)
    low = [0] * len(succ)
    on_stack = [False] * len(succ)
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in nodes:
        if order[root] != -1:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            node, position = work[-1]
            following = succ[node]
            if position < len(following):
                work[-1] = (node, position + 1)
                n = following[position]
                if order[n] == -1:
                    order[n] = low[n] = counter
                    counter += 1
                    stack.append(n)
                    on_stack[n] = True
                    work.append((n, 0))
                elif on_stack[n] and order[n] < low[node]:
                    low[node] = order[n]
                continue
            work.pop()
            if work and low[node] < low[work[-1][0]]:
                low[work[-1][0]] = low[node]
            if low[node] == order[node]:
                component = []
                while True:
                    n = stack.pop()
                    on_stack[n] = False
                    component.append(n)
                    if n == node:
                        break
                found.append(component)
    return found
