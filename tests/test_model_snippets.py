"""The code model on small C snippets: every primitive kind, classes, pointers, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from aptool.model import CodeModel, Event, build_model, lock_order_edges

HEADER = """
struct inner { struct mutex m; };
struct outer { struct inner in; spinlock_t s; struct rw_semaphore sem; rwlock_t rw; int busy;
               wait_queue_head_t wq; struct completion done; unsigned long flags; int (*op)(int); };
struct ops { int (*run)(struct outer *o); };
static DEFINE_MUTEX(global_lock);
struct outer *the_outer;
"""


def model_of(tmp_path: Path, code: str) -> CodeModel:
    source = tmp_path / "x.c"
    source.write_text(HEADER + code)
    return build_model([source])


def events(model: CodeModel, name: str) -> list[Event]:
    return next(f for f in model.functions.values() if f.name == name).events()


def kinds(model: CodeModel, name: str) -> list[tuple[str, str | None, str | None]]:
    return [(e.kind, e.lock, e.lock_kind) for e in events(model, name) if e.kind in ("acquire", "release")]


@pytest.mark.parametrize(("call", "kind", "context"), [
    ("mutex_lock(&o->in.m); mutex_unlock(&o->in.m);", "mutex", ""),
    ("spin_lock(&o->s); spin_unlock(&o->s);", "spin", ""),
    ("spin_lock_irq(&o->s); spin_unlock_irq(&o->s);", "spin", "irq"),
    ("spin_lock_irqsave(&o->s, f); spin_unlock_irqrestore(&o->s, f);", "spin", "irq"),
    ("spin_lock_bh(&o->s); spin_unlock_bh(&o->s);", "spin", "bh"),
    ("read_lock(&o->rw); read_unlock(&o->rw);", "rwlock-read", ""),
    ("write_lock_bh(&o->rw); write_unlock_bh(&o->rw);", "rwlock-write", "bh"),
    ("down_read(&o->sem); up_read(&o->sem);", "rwsem-read", ""),
    ("down_write_nested(&o->sem, 1); up_write(&o->sem);", "rwsem-write", ""),
    ("mutex_lock_nested(&o->in.m, 2); mutex_unlock(&o->in.m);", "mutex", ""),
])
def test_every_lock_kind(tmp_path: Path, call: str, kind: str, context: str) -> None:
    model = model_of(tmp_path, f"void f(struct outer *o) {{ unsigned long f; {call} }}")
    taken, released = [e for e in events(model, "f") if e.kind in ("acquire", "release")]
    assert (taken.kind, taken.lock_kind, taken.context, taken.resolved) == ("acquire", kind, context, True)
    assert released.kind == "release" and released.lock == taken.lock
    assert taken.lock in ("inner.m", "outer.s", "outer.rw", "outer.sem")


def test_nested_member_resolves_to_innermost_struct_and_globals_by_name(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
void f(void) { mutex_lock(&the_outer->in.m); mutex_lock(&global_lock); mutex_unlock(&global_lock); mutex_unlock(&the_outer->in.m); }
void g(struct ops *p) { struct mutex *lk = get(); mutex_lock(lk); mutex_unlock(lk); }
""")
    assert kinds(model, "f")[:2] == [("acquire", "inner.m", "mutex"), ("acquire", "global_lock", "mutex")]
    unresolved = events(model, "g")[1]
    assert unresolved.kind == "acquire" and not unresolved.resolved and unresolved.lock == "lk"


def test_container_of_gives_the_type(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
int cb(struct notifier_block *nb) {
	struct outer *o = container_of(nb, struct outer, done);
	struct outer *p;
	p = container_of(nb, struct outer, wq);
	spin_lock(&o->s); spin_unlock(&o->s); down_read(&p->sem); up_read(&p->sem);
	return 0;
}""")
    assert [lock for _, lock, _ in kinds(model, "cb")] == ["outer.s", "outer.s", "outer.sem", "outer.sem"]


def test_trylock_taken_only_on_success(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
int f(struct outer *o) {
	if (!mutex_trylock(&o->in.m))
		return -EBUSY;
	mutex_unlock(&o->in.m);
	if (mutex_lock_interruptible(&o->in.m))
		return -EINTR;
	mutex_unlock(&o->in.m);
	return 0;
}""")
    function = next(f for f in model.functions.values() if f.name == "f")
    first_if, second_if = [n for n in function.body if n.kind == "if"]
    then_arm, else_arm = first_if.branches
    assert [n.kind for n in then_arm] == ["return"]
    assert else_arm[0].event is not None and else_arm[0].event.kind == "acquire"
    then_arm, else_arm = second_if.branches
    assert else_arm[0].event is not None and else_arm[0].event.kind == "acquire"  # zero means taken
    assert lock_order_edges(model) == []


def test_guard_and_scoped_guard_release_at_scope_end(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
void f(struct outer *o) {
	guard(mutex)(&o->in.m);
	spin_lock(&o->s);
	spin_unlock(&o->s);
}
void g(struct outer *o) {
	scoped_guard(spinlock_irqsave, &o->s) {
		down_read(&o->sem);
		up_read(&o->sem);
	}
	mutex_lock(&global_lock);
	mutex_unlock(&global_lock);
}""")
    assert kinds(model, "f")[-1] == ("release", "inner.m", "mutex")
    g = kinds(model, "g")
    assert g[0] == ("acquire", "outer.s", "spin") and g.index(("release", "outer.s", "spin")) < g.index(("acquire", "global_lock", "mutex"))
    edges = {(e.held, e.acquired) for e in lock_order_edges(model)}
    assert ("inner.m", "outer.s") in edges and ("outer.s", "outer.sem") in edges
    assert ("outer.s", "global_lock") not in edges


def test_waits_wakes_flags_and_sleeps(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
void waiter(struct outer *o) {
	mutex_lock(&global_lock);
	wait_event_cmd(o->wq, !o->busy, mutex_unlock(&global_lock), mutex_lock(&global_lock));
	mutex_unlock(&global_lock);
	wait_for_completion(&o->done);
	wait_on_bit(&o->flags, 1, TASK_UNINTERRUPTIBLE);
}
void setter(struct outer *o) {
	o->busy = true;
	msleep(10);
	p = kzalloc(8, GFP_KERNEL);
	q = kzalloc(8, GFP_ATOMIC);
	o->busy = false;
	wake_up_all(&o->wq);
	complete(&o->done);
	clear_bit(1, &o->flags);
	wake_up_bit(&o->flags, 1);
}""")
    w = [(e.kind, e.lock) for e in events(model, "waiter")]
    assert w[:4] == [("acquire", "global_lock"), ("release", "global_lock"), ("wait", "outer.wq"), ("acquire", "global_lock")]
    wait = events(model, "waiter")[2]
    assert wait.flags == ["outer.busy"] and wait.condition == "!o->busy"
    s = [(e.kind, e.lock or e.callee) for e in events(model, "setter") if e.kind != "call"]  # GFP_ATOMIC: a plain call
    assert s == [("flag-set", "outer.busy"), ("sleep", "msleep"), ("sleep", "kzalloc"), ("flag-clear", "outer.busy"),
                 ("wake", "outer.wq"), ("wake", "outer.done"), ("flag-clear", "outer.flags"), ("wake", "outer.flags")]
    flags = model.flags()
    assert set(flags) == {"outer.busy", "outer.flags"}
    assert flags["outer.busy"]["wakers"] and flags["outer.busy"]["setters"] and flags["outer.busy"]["waiters"]


def test_calls_through_pointers_and_loaded_locals(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
static int run_a(struct outer *o) { mutex_lock(&global_lock); mutex_unlock(&global_lock); return 0; }
static int run_b(struct outer *o) { return 0; }
static const struct ops table = { .run = run_a };
void setup(struct ops *p) { p->run = run_b; }
int direct(struct outer *o, struct ops *p) { spin_lock(&o->s); p->run(o); spin_unlock(&o->s); return 0; }
int loaded(struct outer *o, struct ops *p) {
	int (*fn)(struct outer *o);
	fn = *p->run;
	down_write(&o->sem); fn(o); up_write(&o->sem);
	return 0;
}""")
    call = next(e for e in events(model, "direct") if e.kind == "call")
    assert call.via_pointer and sorted(t.split(":")[-1] for t in call.targets) == ["run_a", "run_b"]
    call = next(e for e in events(model, "loaded") if e.kind == "call")
    assert call.callee == "run" and sorted(t.split(":")[-1] for t in call.targets) == ["run_a", "run_b"]
    edges = {(e.held, e.acquired): e for e in lock_order_edges(model)}
    assert [s.function for s in edges[("outer.sem", "global_lock")].chain] == ["loaded", "run_a"]
    entry = next(f for f in model.functions.values() if f.name == "run_a").entry
    assert entry == "ops table (.run)"


def test_goto_error_paths(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
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
}""")
    function = next(f for f in model.functions.values() if f.name == "f")
    assert [n.kind for n in function.body if n.kind in ("if", "label", "return")] == ["if", "label", "return"]
    assert function.body[1].branches[0][0].kind == "goto"
    edges = {(e.held, e.acquired) for e in lock_order_edges(model)}
    assert edges == {("global_lock", "outer.s"), ("global_lock", "outer.sem")}


def test_unparsable_code_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    model = model_of(tmp_path, """
void good_before(struct outer *o) { mutex_lock(&o->in.m); mutex_unlock(&o->in.m); }
static int __iomem weird(( ;
void good_after(struct outer *o) {
	list_for_each_entry(x, &o->list, node) {
		spin_lock(&o->s);
		spin_unlock(&o->s);
	}
}""")
    names = {f.name for f in model.functions.values()}
    assert {"good_before", "good_after"} <= names
    assert model.parse_errors and all(e.file.endswith("x.c") and e.line > 0 for e in model.parse_errors)
    assert kinds(model, "good_after") == [("acquire", "outer.s", "spin"), ("release", "outer.s", "spin")]


def test_rev_reads_blobs_without_checkout(tmp_path: Path) -> None:
    import subprocess
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.c").write_text("void f(void) { mutex_lock(&global_lock); mutex_unlock(&global_lock); }\n")
    env = ["-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "a.c"], check=True)
    subprocess.run(["git", *env, "-C", str(repo), "commit", "-qm", "a"], check=True)
    (repo / "a.c").write_text("void g(void) {}\n")  # the work tree differs; --rev must not read it
    model = build_model(repo=repo, rev="HEAD", files=["a.c"])
    assert [f.name for f in model.functions.values()] == ["f"]
