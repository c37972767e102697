"""The code model on small C snippets: every primitive kind, lock classes, paths, flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aptool.model import CodeModel, Event, Node, build_model, lock_order_edges
from aptool.model.primitives import LOCK_OPS, SLEEPING_CALLS, SYNC_OPS, WAIT_OPS, WAKE_OPS

HEADER = """
struct inner { struct mutex m; };
struct outer {
	struct inner in;
	spinlock_t s;
	struct rw_semaphore sem;
	rwlock_t rw;
	raw_spinlock_t raw;
	int busy;
	wait_queue_head_t wq;
	struct completion done;
	unsigned long flags;
	struct list_head list;
	struct { spinlock_t lock; struct list_head items; } irqfds;
	struct { struct mutex anon_lock; };
	int (*op)(int);
};
typedef struct outer outer_t;
struct ops { int (*run)(struct outer *o); };
static DEFINE_MUTEX(global_lock);
static DEFINE_SPINLOCK(global_spin);
struct outer *the_outer;
static inline struct outer *to_outer(struct inner *in) { return container_of(in, struct outer, in); }
"""


def model_of(tmp_path: Path, code: str, header: str = HEADER) -> CodeModel:
    source = tmp_path / "x.c"
    source.write_text(header + code)
    return build_model([source])


def events(model: CodeModel, name: str) -> list[Event]:
    return model.function(name).events()


def locks(model: CodeModel, name: str) -> list[tuple[str, str | None, str | None]]:
    return [(e.kind, e.lock, e.lock_kind) for e in events(model, name) if e.kind in ("acquire", "release")]


def edges(model: CodeModel, flags: bool = False) -> set[tuple[str, str]]:
    return {(e.held, e.acquired) for e in lock_order_edges(model, flags_as_locks=flags)}


# --- primitives -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "kind", "context", "lock"),
    [
        ("mutex_lock(&o->in.m); mutex_unlock(&o->in.m);", "mutex", "", "inner.m"),
        ("mutex_lock_io(&o->in.m); mutex_unlock(&o->in.m);", "mutex", "", "inner.m"),
        ("spin_lock(&o->s); spin_unlock(&o->s);", "spin", "", "outer.s"),
        ("spin_lock_irq(&o->s); spin_unlock_irq(&o->s);", "spin", "irq", "outer.s"),
        ("spin_lock_irqsave(&o->s, f); spin_unlock_irqrestore(&o->s, f);", "spin", "irq", "outer.s"),
        ("spin_lock_bh(&o->s); spin_unlock_bh(&o->s);", "spin", "bh", "outer.s"),
        ("raw_spin_lock_irqsave(&o->raw, f); raw_spin_unlock_irqrestore(&o->raw, f);", "spin", "irq", "outer.raw"),
        ("read_lock(&o->rw); read_unlock(&o->rw);", "rwlock-read", "", "outer.rw"),
        ("read_lock_irqsave(&o->rw, f); read_unlock_irqrestore(&o->rw, f);", "rwlock-read", "irq", "outer.rw"),
        ("write_lock_bh(&o->rw); write_unlock_bh(&o->rw);", "rwlock-write", "bh", "outer.rw"),
        ("down_read(&o->sem); up_read(&o->sem);", "rwsem-read", "", "outer.sem"),
        ("down_write(&o->sem); up_write(&o->sem);", "rwsem-write", "", "outer.sem"),
    ],
)
def test_every_lock_kind(tmp_path: Path, call: str, kind: str, context: str, lock: str) -> None:
    model = model_of(tmp_path, f"void f(struct outer *o) {{ unsigned long f; {call} }}")
    taken, released = [e for e in events(model, "f") if e.kind in ("acquire", "release")]
    assert (taken.kind, taken.lock_kind, taken.context, taken.lock, taken.resolved) == (
        "acquire",
        kind,
        context,
        lock,
        True,
    )
    assert (released.kind, released.lock, released.lock_kind) == ("release", lock, kind)
    assert taken.file.endswith("x.c") and taken.line > 0 and taken.text.startswith(call.split("(")[0])


def test_every_lock_primitive_in_the_table_is_recognised(tmp_path: Path) -> None:
    calls = "\n".join(f"\t{name}(&o->s, 1, 2);" for name in sorted(LOCK_OPS))
    model = model_of(tmp_path, f"void f(struct outer *o)\n{{\n{calls}\n}}\n")
    seen = {e.text.split("(")[0] for e in events(model, "f") if e.kind in ("acquire", "release")}
    assert seen == set(LOCK_OPS)


def test_nested_subclass_and_downgrade(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
void f(struct outer *o, struct outer *p) {
	mutex_lock(&o->in.m);
	mutex_lock_nested(&p->in.m, SINGLE_DEPTH_NESTING);
	mutex_unlock(&p->in.m);
	mutex_unlock(&o->in.m);
	down_write_nested(&o->sem, 1);
	downgrade_write(&o->sem);
	up_read(&o->sem);
}""",
    )
    found = [(e.kind, e.lock_kind, e.subclass) for e in events(model, "f") if e.kind in ("acquire", "release")]
    assert found == [
        ("acquire", "mutex", None),
        ("acquire", "mutex", "SINGLE_DEPTH_NESTING"),
        ("release", "mutex", None),
        ("release", "mutex", None),
        ("acquire", "rwsem-write", "1"),
        ("release", "rwsem-write", None),
        ("acquire", "rwsem-read", None),
        ("release", "rwsem-read", None),
    ]


def test_trylock_taken_only_on_its_success_branch(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
int f(struct outer *o) {
	if (!mutex_trylock(&o->in.m))
		return -EBUSY;
	mutex_unlock(&o->in.m);
	if (spin_trylock(&o->s)) {
		spin_unlock(&o->s);
	}
	if (mutex_lock_interruptible(&o->in.m))
		return -EINTR;
	down_read(&o->sem);
	up_read(&o->sem);
	mutex_unlock(&o->in.m);
	return 0;
}""",
    )
    first, second, third = [n for n in model.function("f").body if n.kind == "if"]
    assert [n.kind for n in first.branches[0]] == ["return"]
    taken = first.branches[1][0].event
    assert taken is not None and taken.kind == "acquire" and taken.trylock
    assert [n.event.kind for n in second.branches[0] if n.event] == ["acquire", "release"]
    assert second.branches[1] == []
    interruptible = third.branches[1][0].event  # returns 0 when taken: the else branch holds it
    assert interruptible is not None and interruptible.kind == "acquire" and not interruptible.trylock
    assert edges(model) == {("inner.m", "outer.sem")}  # the trylocks block nothing, so order nothing


def test_guard_and_scoped_guard_release_at_scope_end_and_on_return(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
int f(struct outer *o) {
	guard(mutex)(&o->in.m);
	if (o->busy)
		return -EBUSY;
	spin_lock(&o->s);
	spin_unlock(&o->s);
	return 0;
}
void g(struct outer *o) {
	scoped_guard(spinlock_irqsave, &o->s) {
		down_read(&o->sem);
		up_read(&o->sem);
	}
	scoped_guard(rwsem_write, &o->sem)
		o->busy = 1;
	mutex_lock(&global_lock);
	mutex_unlock(&global_lock);
}""",
    )
    body = model.function("f").body
    early = body[1].branches[0]
    assert [(n.kind, n.event.kind if n.event else None) for n in early] == [("event", "release"), ("return", None)]
    assert early[0].event is not None and early[0].event.guard and early[0].event.lock == "inner.m"
    assert locks(model, "g") == [
        ("acquire", "outer.s", "spin"),
        ("acquire", "outer.sem", "rwsem-read"),
        ("release", "outer.sem", "rwsem-read"),
        ("release", "outer.s", "spin"),
        ("acquire", "outer.sem", "rwsem-write"),
        ("release", "outer.sem", "rwsem-write"),
        ("acquire", "global_lock", "mutex"),
        ("release", "global_lock", "mutex"),
    ]
    found = edges(model)
    assert {("inner.m", "outer.s"), ("outer.s", "outer.sem")} <= found
    assert ("outer.s", "global_lock") not in found and ("outer.sem", "global_lock") not in found


def test_waits_wakes_and_sleeps(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
void waiter(struct outer *o) {
	mutex_lock(&global_lock);
	wait_event_cmd(o->wq, !o->busy, mutex_unlock(&global_lock), mutex_lock(&global_lock));
	mutex_unlock(&global_lock);
	spin_lock_irq(&o->s);
	wait_event_lock_irq(o->wq, READ_ONCE(o->busy) == 0, o->s);
	spin_unlock_irq(&o->s);
	wait_for_completion(&o->done);
	wait_event_interruptible(o->wq, helper(o->in.m));
}
void waker(struct outer *o, void __user *arg) {
	msleep(10);
	p = kzalloc(8, GFP_KERNEL);
	q = kzalloc(8, GFP_ATOMIC);
	copy_from_user(&x, arg, 8);
	cancel_work_sync(&o->work);
	flush_work(&o->work);
	wake_up_all(&o->wq);
	complete(&o->done);
}""",
    )
    w = [(e.kind, e.lock) for e in events(model, "waiter")]
    assert w == [
        ("acquire", "global_lock"),
        ("release", "global_lock"),
        ("wait", "outer.wq"),
        ("acquire", "global_lock"),
        ("release", "global_lock"),
        ("acquire", "outer.s"),
        ("release", "outer.s"),
        ("wait", "outer.wq"),
        ("acquire", "outer.s"),
        ("release", "outer.s"),
        ("wait", "outer.done"),
        ("wait", "outer.wq"),
    ]
    cmd_wait, irq_wait, completion, helper_wait = [e for e in events(model, "waiter") if e.kind == "wait"]
    assert cmd_wait.flags == ["outer.busy"] and cmd_wait.condition == "!o->busy" and cmd_wait.callee == "wait_event_cmd"
    assert irq_wait.flags == ["outer.busy"]  # read through READ_ONCE
    assert completion.flags == [] and completion.condition is None
    assert helper_wait.flags == []  # a field handed to a helper is not a flag read here
    s = [(e.kind, e.callee) for e in events(model, "waker") if e.kind != "call"]
    assert s == [
        ("sleep", "msleep"),
        ("sleep", "kzalloc"),
        ("sleep", "copy_from_user"),
        ("wait", "cancel_work_sync"),  # a wait for the work function
        ("wait", "flush_work"),
        ("wake", "wake_up_all"),
        ("wake", "complete"),
    ]
    assert [e.lock for e in events(model, "waker") if e.kind == "wake"] == ["outer.wq", "outer.done"]


def test_primitive_tables_are_data() -> None:
    assert {"wait_event_cmd", "wait_for_completion", "wait_on_bit"} <= set(WAIT_OPS)
    assert {"wake_up", "wake_up_all", "complete", "complete_all", "wake_up_bit"} <= set(WAKE_OPS)
    assert {"msleep", "copy_from_user"} <= SLEEPING_CALLS
    assert SYNC_OPS["cancel_work_sync"] == SYNC_OPS["flush_work"] == "work"
    assert WAIT_OPS["wait_event_cmd"].before_arg == 2 and WAIT_OPS["wait_event_cmd"].after_arg == 3


# --- flags ------------------------------------------------------------------------------


def test_flags_set_clear_test_wait_and_wake(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
void waiter(struct outer *o) {
	wait_event(o->wq, !o->busy);
	wait_on_bit(&o->flags, OUTER_RUNNING, TASK_UNINTERRUPTIBLE);
}
void owner(struct outer *o) {
	if (o->busy)
		return;
	o->busy = true;
	set_bit(OUTER_RUNNING, &o->flags);
	do_work(o);
	clear_bit(OUTER_RUNNING, &o->flags);
	wake_up_bit(&o->flags, OUTER_RUNNING);
	WRITE_ONCE(o->busy, false);
	wake_up_all(&o->wq);
	set_bit(OUTER_OTHER, &o->flags);
	o->op = NULL;
}
int reader(struct outer *o) { return test_bit(OUTER_RUNNING, &o->flags); }
""",
    )
    owner = [(e.kind, e.lock) for e in events(model, "owner") if e.kind.startswith("flag") or e.kind == "wake"]
    assert owner == [
        ("flag-test", "outer.busy"),
        ("flag-set", "outer.busy"),
        ("flag-set", "outer.flags[OUTER_RUNNING]"),
        ("flag-clear", "outer.flags[OUTER_RUNNING]"),
        ("wake", "outer.flags[OUTER_RUNNING]"),
        ("flag-clear", "outer.busy"),
        ("wake", "outer.wq"),
    ]  # OUTER_OTHER and op: nobody waits for them
    assert set(model.flags) == {"outer.busy", "outer.flags[OUTER_RUNNING]"}
    busy = model.flags["outer.busy"]
    assert [s.function for s in busy.setters] == ["owner"] and [s.function for s in busy.clearers] == ["owner"]
    assert [s.function for s in busy.waiters] == ["waiter"] and [s.function for s in busy.wakers] == ["owner"]
    assert [s.function for s in busy.testers] == ["owner"] and busy.queues == ["outer.wq"]
    bit = model.flags["outer.flags[OUTER_RUNNING]"]
    assert [s.function for s in bit.testers] == ["reader"] and [s.function for s in bit.wakers] == ["owner"]


def test_open_coded_lock_edges_only_with_flags_as_locks(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
void setter(struct outer *o) {
	mutex_lock(&global_lock);
	o->busy = 1;
	mutex_unlock(&global_lock);
	spin_lock(&o->s);
	spin_unlock(&o->s);
	mutex_lock(&global_lock);
	o->busy = 0;
	wake_up_all(&o->wq);
	mutex_unlock(&global_lock);
}
void sleeper(struct outer *o) {
	spin_lock(&o->s);
	wait_event(o->wq, !o->busy);
	spin_unlock(&o->s);
}""",
    )
    assert edges(model) == set()
    hidden = {(e.held, e.acquired): e for e in lock_order_edges(model, flags_as_locks=True)}
    assert set(hidden) == {("outer.busy", "outer.s"), ("outer.busy", "global_lock"), ("outer.s", "outer.busy")}
    assert all(e.through_flag for e in hidden.values())
    assert hidden[("outer.s", "outer.busy")].acquired_kind == "flag-wait"


# --- lock classes -----------------------------------------------------------------------


def test_lock_classes_from_declarations(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
void f(outer_t *t, struct inner *in) {
	struct outer *local = the_outer;
	spinlock_t *alias = &t->s;
	mutex_lock(&the_outer->in.m);
	mutex_lock(&global_lock);
	spin_lock(&global_spin);
	spin_lock(&t->irqfds.lock);
	mutex_lock(&local->anon_lock);
	spin_lock(alias);
	spin_lock(&to_outer(in)->s);
}
void g(struct mutex *lk, struct ops *p) {
	mutex_lock(lk);
	mutex_lock(&p->mystery->m);
}""",
    )
    assert [(lock, kind) for _, lock, kind in locks(model, "f")] == [
        ("inner.m", "mutex"),
        ("global_lock", "mutex"),
        ("global_spin", "spin"),
        ("outer.irqfds.lock", "spin"),
        ("outer.anon_lock", "mutex"),
        ("outer.s", "spin"),
        ("outer.s", "spin"),
    ]
    first, second = events(model, "g")[:2]
    assert (first.lock, first.resolved) == ("lk", False)  # a pointer parameter: only its text is known
    assert (second.lock, second.resolved) == ("inner.m", True)  # m is declared by one struct only
    assert "outer" in model.structs and model.structs["outer.irqfds"]["lock"] == "spinlock_t"
    assert model.globals["global_lock"] == "DEFINE_MUTEX"


def test_container_of_and_list_entry_give_the_type(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
int cb(struct notifier_block *nb, struct list_head *head) {
	struct outer *o = container_of(nb, struct outer, done);
	struct outer *p;
	struct outer *q = list_first_entry(head, struct outer, list);
	p = container_of(nb, struct outer, wq);
	spin_lock(&o->s); down_read(&p->sem); write_lock(&q->rw);
	return 0;
}""",
    )
    assert [lock for kind, lock, _ in locks(model, "cb")] == ["outer.s", "outer.sem", "outer.rw"]
    assert model.function("cb").locals == {"o": "outer", "p": "outer", "q": "outer"}
    assert model.function("cb").params == {"nb": "notifier_block", "head": "list_head"}


def test_struct_from_an_included_header(tmp_path: Path) -> None:
    (tmp_path / "dev.h").write_text("struct dev { struct mutex cfg_lock; };\n")
    source = tmp_path / "dev.c"
    source.write_text(
        '#include "dev.h"\nvoid f(struct dev *d) { mutex_lock(&d->cfg_lock); mutex_unlock(&d->cfg_lock); }\n'
    )
    model = build_model([source])
    assert [e.lock for e in model.function("f").events()] == ["dev.cfg_lock", "dev.cfg_lock"]
    assert model.headers == [str((tmp_path / "dev.h").resolve())] and "f" in [f.name for f in model.functions.values()]


def test_annotations_are_resolved_and_start_the_walk_held(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
static void locked_part(struct outer *o)
	__must_hold(&o->s)
{
	down_write(&o->sem);
	up_write(&o->sem);
}
static void drop(struct outer *o) __releases(&o->s) __acquires(RCU)
{
	spin_unlock(&o->s);
}""",
    )
    annotations = model.function("locked_part").annotations
    assert [(a.kind, a.lock, a.resolved) for a in annotations] == [("__must_hold", "outer.s", True)]
    assert annotations[0].line == model.function("locked_part").line + 1
    assert [(a.kind, a.lock) for a in model.function("drop").annotations] == [
        ("__releases", "outer.s"),
        ("__acquires", "RCU"),
    ]
    edge = next(e for e in lock_order_edges(model) if e.held == "outer.s")
    assert (edge.acquired, edge.held_kind) == ("outer.sem", "annotation")


# --- calls, pointers, entries -----------------------------------------------------------


def test_calls_through_pointers_and_loaded_locals(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
static int run_a(struct outer *o) { mutex_lock(&global_lock); mutex_unlock(&global_lock); return 0; }
static int run_b(struct outer *o) { return 0; }
static const struct ops table = { .run = run_a };
void setup(struct ops *p) { p->run = &run_b; }
int direct(struct outer *o, struct ops *p) { spin_lock(&o->s); p->run(o); spin_unlock(&o->s); return 0; }
int loaded(struct outer *o, struct ops *p) {
	int (*fn)(struct outer *o);
	fn = *p->run;
	down_write(&o->sem); fn(o); up_write(&o->sem);
	return 0;
}
int star(struct outer *o, struct ops *p) { read_lock(&o->rw); (*p->run)(o); read_unlock(&o->rw); return 0; }
""",
    )
    for name in ("direct", "loaded", "star"):
        call = next(e for e in events(model, name) if e.kind == "call")
        assert call.via_pointer and call.callee == "run"
        assert sorted(t.split(":")[-1] for t in call.targets) == ["run_a", "run_b"]
    assert model.pointer_targets["run"] == [f"{tmp_path / 'x.c'}:run_a", f"{tmp_path / 'x.c'}:run_b"]
    chains = {(e.held, e.acquired): e for e in lock_order_edges(model)}
    assert [s.function for s in chains[("outer.sem", "global_lock")].chain] == ["loaded", "run_a"]
    assert set(chains) == {("outer.s", "global_lock"), ("outer.sem", "global_lock"), ("outer.rw", "global_lock")}


def test_entry_points(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
static long dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg) { return helper(); }
static int helper(void) { return 0; }
static int on_event(struct notifier_block *nb, unsigned long action, void *data) { return 0; }
static void work_fn(struct work_struct *w) { }
static const struct file_operations fops = { .unlocked_ioctl = dev_ioctl };
static struct notifier_block nb = { .notifier_call = on_event };
int init(struct outer *o) { INIT_WORK(&o->work, work_fn); return 0; }
""",
    )
    entries = {f.name: f.entry for f in model.functions.values()}
    assert entries["dev_ioctl"] == "ops table (.unlocked_ioctl)"
    assert entries["on_event"] == "notifier (notifier_call)"
    assert entries["work_fn"] == "callback (passed to INIT_WORK)"
    assert entries["init"] == "not called in scope"
    assert entries["helper"] is None and entries["to_outer"] == "not called in scope"


def test_static_functions_resolve_within_their_file(tmp_path: Path) -> None:
    (tmp_path / "a.c").write_text(
        "static void helper(void) { mutex_lock(&a_lock); mutex_unlock(&a_lock); }\nvoid a(void) { helper(); }\n"
    )
    (tmp_path / "b.c").write_text(
        "static void helper(void) { mutex_lock(&b_lock); mutex_unlock(&b_lock); }\n"
        "void b(void) { mutex_lock(&outer_lock); helper(); a(); mutex_unlock(&outer_lock); }\n"
    )
    model = build_model([tmp_path])
    call = next(e for e in model.functions[f"{tmp_path / 'b.c'}:b"].events() if e.callee == "helper")
    assert call.targets == [f"{tmp_path / 'b.c'}:helper"]
    assert edges(model) == {("outer_lock", "b_lock"), ("outer_lock", "a_lock")}


# --- control flow -----------------------------------------------------------------------


def kinds(nodes: list[Node]) -> list[str]:
    return [n.kind if n.kind != "event" else n.event.kind for n in nodes]  # type: ignore[union-attr]


def test_goto_error_paths(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
int f(struct outer *o) {
	mutex_lock(&global_lock);
	if (o->busy)
		goto out_unlock;
	spin_lock(&o->s);
	spin_unlock(&o->s);
out_unlock:
	down_read(&o->sem);
	up_read(&o->sem);
	mutex_unlock(&global_lock);
	return 0;
}""",
    )
    body = model.function("f").body
    assert kinds(body) == ["acquire", "if", "acquire", "release", "label", "acquire", "release", "release", "return"]
    assert kinds(body[1].branches[0]) == ["goto"] and body[1].branches[0][0].label == "out_unlock"
    assert edges(model) == {("global_lock", "outer.s"), ("global_lock", "outer.sem")}


def test_switch_loops_and_config_arms(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        """
void f(struct outer *o, int cmd) {
	switch (cmd) {
	case 1:
		mutex_lock(&global_lock);
	case 2:
		spin_lock(&o->s);
		spin_unlock(&o->s);
		break;
	default:
		return;
	}
	for (i = 0; i < 3; i++) {
		if (i == 1)
			continue;
		if (i == 2)
			break;
		down_read(&o->sem);
		up_read(&o->sem);
	}
	do {
		read_lock(&o->rw);
	} while (0);
#ifdef CONFIG_X
	write_lock(&o->rw);
#else
	raw_spin_lock(&o->raw);
#endif
}""",
    )
    body = model.function("f").body
    switch = body[0]
    assert switch.kind == "switch" and [arm[0].label for arm in switch.branches] == ["1", "2", "default"]
    assert kinds(switch.branches[1]) == ["case", "acquire", "release", "break"]
    loop = next(n for n in body if n.kind == "loop")
    assert kinds(loop.body) == ["if", "if", "acquire", "release"] and loop.condition == "i < 3"
    assert kinds(loop.body[0].branches[0]) == ["continue"] and kinds(loop.body[1].branches[0]) == ["break"]
    assert next(n for n in body if n.kind == "do").body[0].event.lock == "outer.rw"  # type: ignore[union-attr]
    config = body[-1]
    assert config.kind == "if" and config.condition == "#if CONFIG_X"
    assert kinds(config.branches[0]) == ["acquire"] and kinds(config.branches[1]) == ["acquire"]
    # case 1 falls through into case 2 holding global_lock; the loop and the do-while run holding it
    assert edges(model) == {
        ("global_lock", "outer.s"),
        ("global_lock", "outer.sem"),
        ("global_lock", "outer.rw"),
        ("global_lock", "outer.raw"),
        ("outer.rw", "outer.rw"),
        ("outer.rw", "outer.raw"),
    }


# --- output -----------------------------------------------------------------------------


def test_json_is_the_dataclasses(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        "void f(struct outer *o) { spin_lock(&o->s); wait_event(o->wq, !o->busy); spin_unlock(&o->s); }\n"
        "void g(struct outer *o) { o->busy = 1; msleep(1); o->busy = 0; wake_up(&o->wq); }",
    )
    data = json.loads(json.dumps(model.to_dict()))
    assert set(data) == {
        "files",
        "headers",
        "lines",
        "functions",
        "entries",
        "structs",
        "globals",
        "pointer_targets",
        "flags",
        "parse_errors",
        "lost_functions",
    }
    function = data["functions"][f"{tmp_path / 'x.c'}:f"]
    assert set(function) == {
        "id",
        "name",
        "file",
        "line",
        "end_line",
        "static",
        "params",
        "locals",
        "body",
        "annotations",
        "entry",
        "local_stores",
        "field_writes",
        "field_stores",
        "field_updates",
        "assigned_from",
        "returns",
        "field_uses",
    }
    event = function["body"][0]["event"]
    assert event["kind"] == "acquire" and event["lock"] == "outer.s" and event["lock_kind"] == "spin"
    assert event["places"] == ["=o"]  # the lock of whatever the caller passes for o
    assert set(event) == set(Event.__dataclass_fields__)
    assert set(function["body"][0]) == set(Node.__dataclass_fields__)
    edge = lock_order_edges(model, flags_as_locks=True)[0].to_dict()
    assert edge["held"] == "outer.s" and edge["chain"][0]["function"] == "f" and json.dumps(edge)
