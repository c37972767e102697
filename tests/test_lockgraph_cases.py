"""The lock-graph cases: one small C input per kind of defect, with its exact events and edges.

The inputs in ``tests/data/lockgraph/`` are the team's cases (``callee-summary.c`` ...); each kind
has inputs of our own beside them (``own-*.c``), for the same kind in other shapes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aptool.model import CodeModel, build_model
from aptool.model.lockset import HeldEvent, LockSet, analyse, atomic_holder, is_sleeping

DATA = Path(__file__).parent / "data" / "lockgraph"

Edge = tuple[str, str | None, str, str | None]


def model_of(name: str) -> CodeModel:
    return build_model([DATA / name])


def graph(name: str) -> LockSet:
    return analyse(model_of(name), flags_as_locks=True)


def edges(found: LockSet) -> set[Edge]:
    return {(e.held, e.held_subclass, e.acquired, e.acquired_subclass) for e in found.edges}


def fid(found: LockSet, name: str) -> str:
    return found.model.function(name).id


def taken(found: LockSet, name: str) -> list[tuple[str | None, str | None]]:
    """(class, kind) of every acquisition a function does itself, in source order."""
    return [(e.lock, e.lock_kind) for e in found.model.function(name).events() if e.kind == "acquire"]


def sleeps_in_atomic(found: LockSet) -> list[HeldEvent]:
    return [
        e
        for f in found.functions.values()
        for e in f.events
        if is_sleeping(e.event) and atomic_holder(h for h in e.held if h.lock not in e.dropped)
    ]


# --- callee summaries are must-held ---------------------------------------------------------


def test_callee_summary_nothing_held_after_the_calls() -> None:
    found = graph("callee-summary.c")
    assert edges(found) == set()
    for name in ("dev_op", "dev_maybe"):
        effect = found.functions[fid(found, name)].effect
        assert effect.held == () and effect.dropped == frozenset()
    # rc = mutex_lock_interruptible(); if (rc) return rc;  -- the failure exit holds nothing
    exits = found.functions[fid(found, "dev_op")].exits
    assert [sorted(h.lock for h in x.held) for x in exits] == [[], []]
    # if (m) lock ... if (m) unlock: no path takes without releasing, none releases without taking
    maybe = found.functions[fid(found, "dev_maybe")]
    assert all(not x.held for x in maybe.exits) and maybe.releases_unheld == []
    other = [e for e in found.functions[fid(found, "caller")].events if e.event.kind == "acquire"]
    assert [(e.lock, e.held) for e in other] == [("dev.other", frozenset())]


def test_own_callee_summaries() -> None:
    found = graph("own-callee-summary.c")
    assert edges(found) == {
        ("dev.lock", None, "dev.other", None),  # lock_dev() returns holding dev.lock on every path
        ("dev.lock", None, "dev.third", None),  # mutex_trylock succeeded: the caller goes on holding it
    }
    assert found.functions[fid(found, "lock_dev")].effect.held[0].lock == "dev.lock"
    assert found.functions[fid(found, "unlock_dev")].effect.dropped == frozenset({"dev.lock"})
    assert found.functions[fid(found, "sometimes")].effect.held == ()  # held on one exit only
    # ret = mutex_lock_killable(); if (ret) goto out: nothing held at the out: exit
    killable = found.functions[fid(found, "killable")]
    assert [x.held for x in killable.exits] == [frozenset()]  # both paths reach out: holding nothing
    assert killable.releases_unheld == []
    user = found.functions[fid(found, "uses_wrappers")]
    assert [x.held for x in user.exits] == [frozenset()]


# --- function pointers by (struct type, field) ----------------------------------------------


def test_pointer_by_type() -> None:
    found = graph("pointer-by-type.c")
    call = next(e for e in found.model.function("device_release").events() if e.kind == "call")
    assert [t.rsplit(":", 1)[1] for t in call.targets] == ["vfio_dev_release"] and not call.guessed
    assert edges(found) == set()


def test_own_pointer_by_type_and_uncertain_fallback() -> None:
    found = graph("own-pointer-by-type.c")
    typed = next(e for e in found.model.function("typed").events() if e.kind == "call")
    assert [t.rsplit(":", 1)[1] for t in typed.targets] == ["a_open"] and not typed.guessed
    untyped = next(e for e in found.model.function("untyped").events() if e.callee == "open")
    assert sorted(t.rsplit(":", 1)[1] for t in untyped.targets) == ["a_open", "b_open"] and untyped.guessed
    by_pair = {(e.held, e.acquired): e for e in found.edges}
    assert set(by_pair) == {("top.lock", "a.lock"), ("top.lock", "b.lock")}
    assert not by_pair[("top.lock", "a.lock")].uncertain  # reached through typed() too, for certain
    assert by_pair[("top.lock", "b.lock")].uncertain  # only through the field-name guess


# --- open-coded locks: only a flag that guards a region -------------------------------------


def test_state_is_an_event_not_a_lock() -> None:
    found = graph("state-not-lock.c")
    assert edges(found) == set() and found.open_coded == {}
    assert "trans.state" in found.model.flags  # still an event: set, waited for
    kinds = [e.kind for e in found.model.function("set_state").events()]
    assert kinds == ["flag-set", "wake"]


def test_own_open_coded_locks() -> None:
    found = graph("own-open-coded.c")
    assert set(found.open_coded) == {"res.busy", "res.flags[RES_LOCKED]"}
    bit = found.open_coded["res.flags[RES_LOCKED]"]
    assert [s.function for s in bit.setters] == ["bit_lock"] and [s.function for s in bit.clearers] == ["bit_unlock"]
    assert [s.function for s in bit.waiters] == ["bit_lock"] and [s.function for s in bit.wakers] == ["bit_unlock"]
    assert "res.owner" in found.model.flags and "res.owner" not in found.open_coded  # a pointer
    assert "res.users" in found.model.flags and "res.users" not in found.open_coded  # a counter
    assert edges(found) == {
        ("res.busy", None, "res.m", None),  # set, the mutex dropped, then taken again
        ("res.m", None, "res.busy", None),  # waiter_under() waits for it holding the mutex
        ("res.flags[RES_LOCKED]", None, "res.m", None),
    }  # claim() waits with the mutex dropped (wait_event_cmd): no order from there
    assert all(e.through_flag for e in found.edges)


# --- drop and retake -----------------------------------------------------------------------


def test_drop_and_retake() -> None:
    found = graph("drop-and-retake.c")
    assert edges(found) == {("head.mutex", None, "root.lock", None)}
    assert sleeps_in_atomic(found) == []
    lock_head = found.functions[fid(found, "lock_head")]
    assert lock_head.effect.held[0].lock == "head.mutex" and lock_head.effect.dropped == frozenset()


def test_own_drop_and_retake_declared() -> None:
    found = graph("own-drop-and-retake.c")
    assert edges(found) == {("outer.m", None, "outer.s", None), ("outer.m", None, "inner.m", None)}
    assert sleeps_in_atomic(found) == []
    helper = found.functions[fid(found, "sleep_unlocked")]
    assert helper.effect == type(helper.effect)()  # releases and retakes: nothing changes for the caller
    releases = found.functions[fid(found, "release_it")]
    assert releases.effect.dropped == frozenset({"outer.s"})


# --- primitives ----------------------------------------------------------------------------


def test_primitives() -> None:
    found = graph("primitives.c")
    assert taken(found, "f") == [
        ("mm_struct.mmap_lock", "rwsem-read"),
        ("kvm.srcu", "srcu-read"),
        ("kvm.lock", "mutex"),
        ("rcu", "rcu-read"),
    ]
    assert edges(found) == {
        ("mm_struct.mmap_lock", None, "kvm.srcu", None),
        ("mm_struct.mmap_lock", None, "kvm.lock", None),
        ("kvm.srcu", None, "kvm.lock", None),
    }
    (sleep,) = sleeps_in_atomic(found)
    assert sleep.event.callee == "msleep" and holder_kind(sleep) == "rcu-read"


def test_own_primitives() -> None:
    found = graph("own-primitives.c")
    assert taken(found, "fs_things") == [
        ("inode.i_rwsem", "rwsem-write"),
        ("xarray.xa_lock", "spin"),
        ("page.PG_locked", "page-lock"),
        ("inode.i_rwsem", "rwsem-read"),
    ]
    found_edges = edges(found)
    assert ("inode.i_rwsem", None, "xarray.xa_lock", None) in found_edges
    assert ("inode.i_rwsem", None, "page.PG_locked", None) in found_edges
    # flush_work() under dev.lock waits for work_fn, which takes dev.lock: both orders are there
    assert {("dev.lock", None, "dev.work", None), ("dev.work", None, "dev.lock", None)} <= found_edges
    # synchronize_srcu() under dev.lock waits for readers, one of which takes dev.lock
    assert {("dev.lock", None, "dev.srcu", None), ("dev.srcu", None, "dev.lock", None)} <= found_edges
    atomic = {(e.event.kind, e.event.callee or e.lock, holder_kind(e)) for e in sleeps_in_atomic(found)}
    assert atomic == {
        ("sleep", "msleep", "irq-off"),
        ("wait", "wait_for_completion", "bh-off"),
        ("acquire", "dev.lock", "preempt-off"),
    }  # the msleep after preempt_enable() is in no section


def holder_kind(event: HeldEvent) -> str:
    holder = atomic_holder(event.held)
    return holder.kind if holder is not None else ""


def test_pthreads() -> None:
    found = graph("own-pthread.c")
    entries = {f.name: f.entry for f in found.model.functions.values() if f.entry}
    assert entries == {"main": "program start (main)", "worker": "callback (passed to pthread_create)"}
    assert edges(found) == {
        ("a", None, "b", None),
        ("b", None, "a", None),
        ("rw", None, "a", None),
        ("rw", None, "b", None),
    }
    assert taken(found, "try_it") == [("a", "mutex")]
    try_it = found.functions[fid(found, "try_it")]
    assert all(not x.held for x in try_it.exits)  # pthread_mutex_trylock returns 0 when it took the lock


# --- classes as lockdep keys them ------------------------------------------------------------


def test_nested_subclass() -> None:
    found = graph("nested-subclass.c")
    (edge,) = found.edges
    assert (edge.held, edge.held_subclass, edge.acquired, edge.acquired_subclass) == (
        "inode.i_mmap_lock",
        None,
        "inode.i_mmap_lock",
        "1",
    )
    assert not edge.is_self


def test_own_nesting_nest_lock_and_set_class() -> None:
    found = graph("own-nesting.c")
    assert edges(found) == {
        ("node.lock", None, "node.lock", "2"),  # spin_lock_nested(..., 2)
        ("tree.big", None, "node.lock", "nest_lock(tree.big)"),
    }
    assert not any(e.is_self for e in found.edges)  # nest_lock and lockdep_set_class: no recursion


def test_class_resolution() -> None:
    found = graph("class-resolution.c")
    assert taken(found, "arrays") == [("bucket.lock", "spin"), ("table.locks", "spin"), ("bucket.lock", "spin")]
    for name in ("via_macro", "via_return"):
        assert taken(found, name) == [("obj.m", "mutex")]
    reached = [e for e in found.reached(fid(found, "caller_of_helper")) if e.event.kind == "acquire"]
    assert [(e.lock, e.chain[0].function, e.chain[-1].function) for e in reached] == [
        ("obj.m", "caller_of_helper", "via_param_helper")
    ]
    trylocks = found.functions[fid(found, "trylocks")]
    assert taken(found, "trylocks") == [("l", "spin"), ("obj.m", "mutex")]
    assert sorted(x.site.line for x in trylocks.exits if not x.held) == sorted(x.site.line for x in trylocks.exits)
    assert trylocks.releases_unheld == []
    assert edges(found) == set()


def test_own_class_resolution() -> None:
    found = graph("own-class-resolution.c")
    assert edges(found) == {
        ("obj.m", None, "table.locks", None),  # the parameter resolved two calls up
        ("obj.m", None, "bucket.lock", None),
    }


# --- loops and gotos -----------------------------------------------------------------------


def test_loops_carry_locks_into_the_next_iteration() -> None:
    found = graph("own-loops.c")
    assert edges(found) == {
        ("node.lock", None, "node.lock", "1"),
        ("node.lock", "1", "node.lock", "1"),  # only the second round, holding the first round's lock
    }
    assert found.functions[fid(found, "retaken_each_round")].releases_unheld == []


def test_goto_into_a_nested_label() -> None:
    found = graph("own-goto.c")
    assert edges(found) == {("dev.a", None, "dev.b", None)}
    assert all(not x.held for x in found.functions[fid(found, "f")].exits)


# --- no recursion error on any input --------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "void f(int x) {" + "if (x) {" * 3000 + "mutex_lock(&a);" + "}" * 3000 + "}",
        "void f(int x) { x = " + "(" * 3000 + "1" + ")" * 3000 + "; }",
        "void f(int x) { if (x) mutex_lock(&a);" + " else if (x == 1) mutex_lock(&b);" * 1500 + "}",
        "void f(int x) { mutex_lock(" + "a->" * 2000 + "lock); }",
        "void f(int x) {" + "x = x + 1;" * 20000 + "}",
    ],
    ids=["nested-blocks", "nested-parens", "else-if-chain", "field-chain", "long-body"],
)
def test_no_recursion_error(tmp_path: Path, code: str) -> None:
    source = tmp_path / "deep.c"
    source.write_text(code)
    model = build_model([source])
    found = analyse(model)
    assert "f" in {f.name for f in model.functions.values()} and found.functions
    model.to_dict()


# --- constant arguments decide a callee's branches --------------------------------------------


def test_constant_arguments_prune_the_callee_paths_they_rule_out() -> None:
    found = graph("own-constant-arguments.c")
    assert edges(found) == {
        ("fs.devices", None, "fs.chunk", None),
        ("fs.commit", None, "fs.devices", None),
        ("fs.chunk", None, "fs.commit", None),  # write_data: by_mode(fs, 1) commits
        ("fs.chunk", None, "fs.devices", None),
    }  # alloc_chunk: reserve(fs, NO_FLUSH) and by_mode(fs, 0) never reach commit()
    reserve = found.functions[fid(found, "reserve")]
    assert reserve.sensitive == frozenset({1})


def test_a_fresh_object_decides_the_branches_on_its_fields() -> None:
    """A zeroed object (kmem_cache_zalloc through a helper, kcalloc, ``= {}``) reaches ``if (path->need_sem)``
    with the field zero unless something on the way wrote it: no commit_sem under that caller's lock."""
    found = graph("own-fresh-objects.c")
    to_commit = {held for held, _, acquired, _ in edges(found) if acquired == "fs.commit_sem"}
    assert to_commit == {
        "fs.asked",  # a helper asked for it before the walk
        "fs.given",  # the caller's path: anything may have been asked
        "fs.designated",  # = { .need_sem = 1 }
        "fs.built",  # the allocating helper sets it before returning the object
        "fs.escaped",  # handed to a function outside the model first
        "fs.twice",  # the callee asks for it on its way out: the second call takes it
        "fs.linked",  # linked into a list by its embedded node: anyone may write it
    }  # not fs.fresh (twice, through a callee that restores the field), fs.stack, fs.calloc
    assert found.analysis.preserved_of(fid(found, "next_leaf")) == {"path": frozenset({"need_sem"})}  # restored
    assert found.analysis.preserved_of(fid(found, "next_leaf_sticky")) == {}


def test_fresh_objects_as_the_model_records_them() -> None:
    model = model_of("own-fresh-objects.c")
    assert model.function("walk_fresh").assigned_from["path"] == ["null", "call:alloc_path"]
    assert model.function("alloc_path").returns == ["call:kmem_cache_zalloc"]
    assert model.function("alloc_asking_path").returns == ["call:ERR_PTR", "var:path"]
    assert model.function("walk_designated").field_stores["path"] == ["need_sem"]  # .keep = 0 writes no value
    assert model.function("next_item").field_updates["path"] == ["slot"]  # path->slot++
    assert model.function("next_leaf").field_stores["path"] == ["keep", "need_sem"]
    calls = [e for e in model.function("walk_stack").events() if e.kind == "call"]
    assert [e.objects for e in calls] == [("fs", "path")]  # &path


def test_the_same_answer_on_every_run(tmp_path: Path) -> None:
    """Sets iterate in a different order under each hash seed; the edges and their chains must not."""
    script = (
        "import json, sys; from pathlib import Path; from aptool.model import build_model; "
        "from aptool.model.lockset import analyse; "
        "g = analyse(build_model([Path(p) for p in sys.argv[1:]])); "
        "print(json.dumps([e.to_dict() for e in g.edges]))"
    )
    inputs = [str(p) for p in sorted(DATA.glob("*.c"))]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, *inputs],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) > 10


# --- correlations kept where paths meet ----------------------------------------------------


def test_own_correlations_survive_merges() -> None:
    found = graph("own-correlations.c")
    assert edges(found) == set()
    for name in ("relocate_all", "run_ordered", "remove_chunk", "signs"):
        locks = found.functions[fid(found, name)]
        # no path releases a lock it does not hold, none returns holding one
        assert locks.releases_unheld == [], name
        assert all(not x.held for x in locks.exits), name
    # while (1) / for (;;): the only ways out are the breaks and the goto
    relocate = found.functions[fid(found, "relocate_all")]
    assert len(relocate.exits) == 2


# --- a function pointer set on the caller's stack -------------------------------------------


def test_own_local_pointer_initialisers_decide_the_target() -> None:
    found = graph("own-local-pointer.c")
    model = found.model
    assert model.function("free_tree").local_stores == {"walk_control.process": ["pin_one"]}
    assert model.function("replay_tree").local_stores == {"walk_control.process": ["pin_one", "replay_one"]}
    # the call itself still reaches both stored functions
    call = next(e for e in model.function("walk_down").events() if e.kind == "call")
    assert sorted(t.rsplit(":", 1)[1] for t in call.targets) == ["pin_one", "replay_one"]
    # only walk_any, whose object comes from its caller, orders inode_lock under commit
    chains = {e.chain[0].function for e in found.edges if (e.held, e.acquired) == ("fs.commit", "fs.inode_lock")}
    assert edges(found) == {("fs.commit", None, "fs.inode_lock", None)}
    assert chains == {"walk_any"}


# --- lock classes keyed by the init site ----------------------------------------------------


def test_own_init_site_classes() -> None:
    found = graph("own-init-site-classes.c")
    assert edges(found) == {
        ("io_tree.lock", None, "inode_info.lock", None),  # clear_bits -> delalloc_hook
        ("inode_info.lock", None, "inode_info.extent_tree.lock", None),  # re-keyed by io_tree_init
        ("inode_info.lock", None, "io_tree.lock", None),  # size_write_io: the shared class
    }
    by_edge = {(e.held, e.acquired): e for e in found.edges}
    assert by_edge[("inode_info.lock", "inode_info.extent_tree.lock")].chain[0].function == "size_write"
    assert by_edge[("inode_info.lock", "io_tree.lock")].chain[0].function == "size_write_io"


def test_own_variants_of_every_kind() -> None:
    found = graph("own-variants.c")
    assert edges(found) == {
        ("obj.m", None, "obj.m", "1"),  # mutex_lock_nested(.., SINGLE_DEPTH_NESTING): a documented nesting
        ("obj.m", None, "obj.other", None),  # d->ops->release: obj_ops.release is obj_release only
    }
    for name in ("take_killable", "maybe_locked"):
        locks = found.functions[fid(found, name)]
        assert locks.effect.held == () and locks.releases_unheld == [], name
    assert sleeps_in_atomic(found) == []  # sleepy() drops the caller's spinlock before the mutex
    assert "obj.state" not in found.open_coded  # a state compared in a wait is no lock


# --- the same lock at both ends: places of one class ----------------------------------------


def cycles_of(name: str) -> list[tuple[str, ...]]:
    """The lock classes of each circular-locking finding on one input."""
    from aptool.checks import circular_locking
    from aptool.checks.context import CheckContext

    return [finding.locks for finding in circular_locking.check(CheckContext(model_of(name)))]


def test_own_instances_distinct_members_are_distinct_locks() -> None:
    found = graph("own-instances-distinct.c")
    # lockdep's class graph has the cycle: one class for both queues
    assert {("dev.lock", None, "queue.lock", None), ("queue.lock", None, "dev.lock", None)} <= edges(found)
    assert cycles_of("own-instances-distinct.c") == []  # tx taken under dev.lock, rx held over it


def test_own_instances_the_same_member_is_a_cycle() -> None:
    assert cycles_of("own-instances-same.c") == [("dev.lock", "queue.lock")]


def test_own_instances_an_unknown_object_joins_any() -> None:
    assert cycles_of("own-instances-unknown.c") == [("dev.lock", "queue.lock")]  # d->cur may be d->rx


def test_own_instances_places_in_the_model() -> None:
    model = model_of("own-instances-distinct.c")
    send = {e.text: e.places for e in model.function("dev_send").events() if e.kind == "call"}
    assert send["queue_add(q)"] == ["dev.tx"]  # q = &d->tx, its only value besides NULL
    receive = [e.places for e in model.function("dev_receive").events() if e.kind == "acquire"]
    assert receive == [["dev.rx"]]
    assert [e.places for e in model.function("queue_add").events() if e.kind == "acquire"] == [["=q"]]


def test_own_instances_a_null_field_rules_out_the_hook() -> None:
    found = graph("own-instances-null-field.c")
    assert {("ctl.lock", "tree.lock"), ("tree.lock", "space.lock"), ("space.lock", "ctl.lock")} <= {
        (e.held, e.acquired) for e in found.edges
    }
    assert cycles_of("own-instances-null-field.c") == []  # the pinned tree has no private_data
    model = model_of("own-instances-null-field.c")
    assert model.function("tree_init").field_writes == [("tree.private_data", "=tree", "=private_data")]


def test_own_instances_the_same_tree_with_its_owner_is_a_cycle() -> None:
    assert cycles_of("own-instances-null-field-same.c") == [("ctl.lock", "tree.lock", "space.lock")]


def test_own_instances_a_stack_object_is_its_own_lock() -> None:
    assert cycles_of("own-instances-stack.c") == []
    # the same helper, with a caller that passes the rx queue: every caller's object counts
    assert cycles_of("own-instances-stack-passed.c") == [("dev.lock", "queue.lock")]
    model = model_of("own-instances-stack-passed.c")
    places = [e.places for e in model.function("dev_send_local").events() if e.kind == "call"]
    assert places == [["=d", "&dev_send_local:scratch"]]


def test_own_instances_a_local_whose_address_escapes_is_not_known(tmp_path: Path) -> None:
    source = tmp_path / "escape.c"
    source.write_text(
        "struct q { spinlock_t lock; };\nstruct d { struct q a; struct q b; };\nvoid take(struct q *x);\n"
        "void f(struct d *d) { struct q *p = &d->a; struct q **pp = &p; *pp = &d->b; take(p); }\n"
        "void g(struct d *d) { struct q *p = &d->a; struct q *o = &d->b; swap(p, o); take(p); }\n"
        "void h(struct d *d) { struct q *p = &d->a; take(p); }\n"
    )
    model = build_model([source])
    passed = {name: [e.places for e in model.function(name).events() if e.callee == "take"] for name in "fgh"}
    assert passed == {"f": [[""]], "g": [[""]], "h": [["d.a"]]}


# --- bits never set on the objects of a container (containers.py, predicates.py) -------------------


def test_a_bit_never_set_on_a_containers_objects_decides_the_branch() -> None:
    found = graph("own-container-bits.c")
    to_refs = {held for held, _, acquired, _ in edges(found) if acquired == "fs.refs"}
    assert to_refs == {
        "fs.shared",  # marked shared before it went into the tree
        "fs.later",  # marked shared through the variable that inserted it, after
        "fs.handed",  # the tree's address went to a function outside the model
        "fs.beside",  # a shared root went into the list next to one of its elements
        "fs.says_nothing",  # the predicate may return 1 without the bit
        "fs.fresh_set",  # a zeroed root, the bit set before the call
        "fs.moved",  # the callee tests another root (the parent of the one passed)
    }  # not fs.global, fs.direct (the global tree), fs.slot (a pointer field), fs.fresh (zeroed, untouched)


def test_a_global_root_that_may_reach_the_setter_may_be_shared(tmp_path: Path) -> None:
    # get_root() returns a global root before it marks one: without that early return, the global roots
    # reach init_fs_root() too, and the bit may be set on them
    text = (DATA / "own-container-bits.c").read_text()
    early = "\troot = lookup_global(fs, id);\n\tif (root)\n\t\treturn root;\n"
    assert early in text
    changed = tmp_path / "own-container-bits.c"
    changed.write_text(text.replace(early, "\troot = lookup_global(fs, id);\n\tif (!root)\n"))
    found = analyse(build_model([changed]), flags_as_locks=True)
    to_refs = {held for held, _, acquired, _ in edges(found) if acquired == "fs.refs"}
    # the setter's root now comes from a container as well: from anywhere, as far as the origins tell,
    # so no container's roots are known to be without the bit
    assert {"fs.global", "fs.direct", "fs.slot"} <= to_refs


def test_containers_as_the_model_records_them() -> None:
    from aptool.model.containers import Containers
    from aptool.model.lockset import _facts
    from aptool.model.predicates import Predicates

    model = model_of("own-container-bits.c")
    lookup = model.function("lookup_global")
    assert lookup.assigned_from == {"root": ["null", "entry:node"], "node": ["in:fs.global_tree"]}
    assert model.function("use_slot").assigned_from["root"] == ["in:fs.chunk_root"]
    assert model.function("use_shared").assigned_from["root"] == ["in:fs.shared_tree"]  # rb_entry(rb_first(..))
    assert ("fs.global_tree", "insert", "root", "root.rb_node", 0) in model.function("insert_global").field_uses
    assert ("fs.chunk_root", "insert", "chunk_root", "", 0) in model.function("load_chunk_root").field_uses
    assert ("fs.handed_tree", "write", "fs", "", 0) in model.function("load_handed").field_uses
    assert ("root.list", "insert", "root", "root.list", 0) in model.function("add_next").field_uses
    (set_bit,) = [u for u in model.function("init_fs_root").field_uses if u[1] == "set-bit"]
    assert set_bit[:4] == ("root.state", "set-bit", "root", "ROOT_SHARED")
    assert [n.label for n in model.function("root_shared").body if n.kind == "return"] == ["0"]

    predicates = Predicates(model, _facts)
    here = model.function("root_shared").file
    assert predicates.summary("root_shared") == ((0, "state:ROOT_SHARED"),)
    assert predicates.summary("root_maybe_shared") == ()  # `||`: a 1 says nothing of the bit
    shared = [("r->state:ROOT_SHARED", "0", False)]
    assert predicates.implied("(root_shared(r) && x)", True, {"r"}, here) == shared
    assert predicates.implied("!root_shared(r)", False, {"r"}, here) == shared
    assert predicates.implied("!root_shared(r)", True, {"r"}, here) == []  # it returned 0: says nothing
    assert predicates.implied("root_shared(r)", True, {"r"}, "other.c") == []  # static: another file's name

    containers = Containers(model, {f.id: f.events() for f in model.functions.values()})
    assert containers.container_of(model.function("use_global").id, "root") == "fs.global_tree"
    verdicts = {
        tree: containers.never_set(tree, "root.state", "ROOT_SHARED")
        for tree in ("fs.global_tree", "fs.chunk_root", "fs.shared_tree", "fs.later_tree", "fs.handed_tree")
    }
    assert verdicts == {
        "fs.global_tree": True,
        "fs.chunk_root": True,
        "fs.shared_tree": False,
        "fs.later_tree": False,
        "fs.handed_tree": False,  # its address went elsewhere: its objects are not known
    }
    assert containers.never_set("fs.shared_tree", "root.state", "ROOT_DIRTY") is True  # set on global roots only
    assert containers.never_set("fs.global_tree", "root.state", "ROOT_DIRTY") is False
    assert containers.elements("fs.beside_list") is None  # an insertion next to an element


HOLES = DATA / "container-holes"
# Each case sets ROOT_SHARED on a root that can come out of the global tree (or hides that a test is of
# another root, or of a bit the name does not tell) in one of the ways a container or a bit can be
# reached unseen; the edge must stay.  A case is appended to prelude.c; a "whole-" case stands alone; a
# "pair-" case is a second file beside prelude.c.  The cases that take ga and gb keep the prelude's own
# use -> refs edge from hiding theirs.
USE, GAGB = ("fs.use", "fs.refs"), ("ga", "gb")
HOLE_CASES = {
    "bitvar": ("the bit passed in a variable", USE),
    "bitnum": ("the bit by its number", USE),
    "cast": ("the word's address under a cast", USE),
    "writeonce": ("WRITE_ONCE of the whole word", USE),
    "rcuassign": ("a pointer field given a shared root by rcu_assign_pointer", USE),
    "wonceptr": ("a pointer field given a shared root by WRITE_ONCE", USE),
    "voidp2": ("the root reached through a cast of a void pointer", USE),
    "listcast": ("a list reached through a cast of a void pointer", USE),
    "pp": ("the variable changed through a pointer to it", USE),
    "whilecond": ("test_and_set_bit in a loop condition, the variable changed in the body", USE),
    "nodeloop": ("container_of of a node that a later round takes from another tree", USE),
    "nodelater": ("the same, through a goto back", USE),
    "starslot": ("a pointer field written through a dereference", USE),
    "derefslotpar": ("a pointer field written through a subscript", USE),
    "fptrset2": ("the setter also called through a function pointer parameter", USE),
    "listpos": ("a list insertion next to a position taken from the head", USE),
    "listpos2": ("the same, the position read in the call", USE),
    "listprev": ("the same, before an element", USE),
    "listunk": ("the same, next to an element of unknown type", USE),
    "lookunk": ("a lookup in a list of unknown type", USE),
    "wrap1": ("a parameter given another root, then passed on", USE),
    "wrap2": ("the same, through its address", USE),
    "whole-paddr2": ("a predicate whose parameter is changed through its address", USE),
    "whole-daddr": ("the same, the bit tested in the callee", USE),
    "whole-daddr-paren": ("the same, the address in parentheses", USE),
    "whole-constfwd": ("a constant parameter given another value, then passed on", USE),
    "notnot": ("a NULL test written !!root", USE),
    "notnot-iserr": ("an error test written !!IS_ERR(root)", USE),
    "static-local": ("a made function that hands out one static root", USE),
    "initaddr": ("&root kept in a struct initialiser", USE),
    "addr-paren": ("&(root) handed on", USE),
    "addr-tern": ("&root in a conditional expression", USE),
    "addr-complit": ("&root in a compound literal", USE),
    "addr-arrinit": ("&root in an array initialiser", USE),
    "addr-ret": ("&root out of a statement expression", USE),
    "addr-plus": ("&root + 0", USE),
    "fld-init": ("a pointer field's address in a struct initialiser", USE),
    "fld-tern": ("a pointer field's address in a conditional expression", USE),
    "word-tern": ("the bit word's address in a conditional expression", USE),
    "word-init": ("the bit word's address in a struct initialiser", USE),
    "lfe-setter3": ("list_for_each_entry assigns the setter's variable", USE),
    "rbpost": ("rbtree_postorder_for_each_entry_safe assigns it", USE),
    "lfe-callee": ("list_for_each_entry assigns a callee's parameter", USE),
    "swapvar": ("swap() of the setter's variable", USE),
    "callee-swap": ("swap() of a callee's parameter", GAGB),
    "swapfield": ("swap() of a pointer field", USE),
    "rcureplace": ("rcu_replace_pointer of a pointer field", USE),
    "typeof-setter": ("a variable declared with typeof", USE),
    "autotype": ("a variable declared with __auto_type", USE),
    "shadow2": ("a shadowing declaration in an inner block", USE),
    "shadowtype": ("the same, with another struct type", USE),
    "shadowtype2": ("the same, the container's owner shadowed", USE),
    "testbitvar-g": ("a predicate testing a bit passed in a variable", GAGB),
    "testbitvar2-g": ("test_bit of a variable bit in the callee", GAGB),
    "testbitnum-g": ("test_bit of a bit by its number", GAGB),
    "strcomma": ("a comma inside a string argument of a predicate", USE),
    "fp-local": ("the setter's address in a local function pointer", USE),
    "fp-assign": ("the same, assigned", USE),
    "fp-global": ("the same, a file-scope pointer's initialiser", USE),
    "fp-ret": ("the setter's address returned", USE),
    "fp-array": ("the setter's address in a file-scope array", USE),
    "pair-macro-name": ("a macro of the name of another file's static predicate", GAGB),
}


@pytest.mark.parametrize("name", sorted(HOLE_CASES))
def test_a_bit_or_an_object_reached_unseen_keeps_the_edge(name: str, tmp_path: Path) -> None:
    what, edge = HOLE_CASES[name]
    body = (HOLES / f"{name}.c").read_text()
    prelude = (HOLES / "prelude.c").read_text()
    sources = [tmp_path / f"{name}.c"]
    if name.startswith("whole-"):
        sources[0].write_text(body)
    elif name.startswith("pair-"):
        sources[0].write_text(body)
        sources.append(tmp_path / "prelude.c")
        sources[1].write_text(prelude)
    else:
        sources[0].write_text(prelude + "\n" + body)
    found = analyse(build_model(sources), flags_as_locks=True)
    assert edge in {(e.held, e.acquired) for e in found.edges}, what


def test_the_holes_prelude_alone_has_no_edge(tmp_path: Path) -> None:
    source = tmp_path / "prelude.c"
    source.write_text((HOLES / "prelude.c").read_text())
    assert analyse(build_model([source]), flags_as_locks=True).edges == []
    assert set(HOLE_CASES) == {p.stem for p in HOLES.glob("*.c")} - {"prelude"}
