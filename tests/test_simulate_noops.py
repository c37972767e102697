"""Skipping no-op steps: the pruned walk gives exactly the successor lists of the plain definition.

The plain definition (``plain_skip`` below, the module's steps 1 and 2 written
out without shortcuts) is the reference; graphs are generated with loops of
no-ops, loops with no way out, repeated successors and trylock failures, the
shapes where a shortcut could change the order of a successor list.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aptool.simulate.machine import C_ACQX, C_END, Op
from aptool.simulate.noops import NOOP, components, skip_noops

Spec = list[tuple[int, list[int], list[int]]]


def plain_walk(ops: list[Op], targets: list[int], done: dict[int, list[int]]) -> list[int]:
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
        elif index in done:
            found.update(dict.fromkeys(done[index]))
        else:
            todo.extend(reversed(ops[index].next))
    return list(found) or [0]


def plain_skip(ops: list[Op]) -> None:
    done: dict[int, list[int]] = {}
    for index, op in enumerate(ops):
        if op.code == NOOP:
            done[index] = plain_walk(ops, list(op.next), done)
    for op in ops:
        if op.code != NOOP:
            op.next = tuple(plain_walk(ops, list(op.next), done)) if op.code != C_END else ()
            op.fail = tuple(plain_walk(ops, list(op.fail), done)) if op.fail else ()


def build(spec: Spec) -> list[Op]:
    return [Op(C_END)] + [Op(code, next=tuple(nexts), fail=tuple(fail)) for code, nexts, fail in spec]


@st.composite
def programs(draw: st.DrawFn) -> Spec:
    size = draw(st.integers(2, 16))
    spec: Spec = []
    for index in range(1, size):
        code = draw(st.sampled_from([NOOP, NOOP, NOOP, C_ACQX]))
        forward = st.integers(index, min(size - 1, index + 3))
        nexts = draw(st.lists(st.one_of(st.integers(0, size - 1), forward), min_size=1, max_size=4))
        fail = draw(st.lists(st.integers(0, size - 1), max_size=2)) if code != NOOP else []
        spec.append((code, nexts, fail))
    return spec


@settings(max_examples=400, deadline=None)
@given(programs())
def test_skip_noops_gives_the_plain_definitions_lists(spec: Spec) -> None:
    fast, plain = build(spec), build(spec)
    skip_noops(fast)
    plain_skip(plain)
    for mine, theirs in zip(fast, plain, strict=True):
        if mine.code != NOOP:
            assert (mine.next, mine.fail) == (theirs.next, theirs.fail)


def test_a_loop_of_noops_with_no_way_out_leads_to_the_end_where_the_plain_walk_does() -> None:
    # 1 takes a lock and goes to the loop 2 <-> 3 (no way out) or to 4, which goes back into it
    spec: Spec = [(C_ACQX, [4, 2], []), (NOOP, [3], []), (NOOP, [2], []), (NOOP, [2, 5], []), (C_ACQX, [0], [])]
    fast, plain = build(spec), build(spec)
    skip_noops(fast)
    plain_skip(plain)
    assert fast[1].next == plain[1].next == (0, 5)  # 4 leads to the loop (the end), then to 5


def test_components_come_after_every_component_they_reach() -> None:
    succ = [[1], [2], [1, 3], [], [0, 3]]
    found = components([0, 1, 2, 3, 4], succ)
    assert sorted(map(sorted, found)) == [[0], [1, 2], [3], [4]]
    place = {node: i for i, component in enumerate(found) for node in component}
    for node, following in enumerate(succ):
        for n in following:
            assert place[n] <= place[node]
