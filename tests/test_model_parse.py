"""Parsing kernel C: the macro rewrites, error recovery, salvage, and never a crash."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from aptool.model import build_model
from aptool.model.load import build_from_sources
from aptool.model.parse import error_lines, parse, parse_file, recover


@pytest.mark.parametrize(
    "code",
    [
        "static void __iomem *base;\nint __must_check f(void __user *p) { return 0; }\n",
        "size_t __attribute_const__ csums(void)\n{\n\treturn 1;\n}\n",
        "static inline __printf(2, 3) __cold\nvoid pr(const char *fmt, ...)\n{\n}\n",
        "void f(struct kvm *kvm)\n\t__acquires(&kvm->lock)\n{\n\tmutex_lock(&kvm->lock);\n}\n",
        "void f(struct notifier_block *nb)\n{\n\tstruct x *o = container_of(nb, struct x, nb);\n}\n",
        "void f(void)\n{\n\tlist_for_each_entry(p, &head, node) {\n\t\tg(p);\n\t}\n}\n",
        "void f(void)\n{\n\tkvm_for_each_vcpu(i, vcpu, kvm)\n\t\tg(vcpu);\n}\n",
        "void f(void)\n{\n\trbtree_postorder(a, b, c) {\n\t\tg(a);\n\t}\n}\n",
        "void f(void)\n{\n\tscoped_guard(mutex, &x->lock)\n\t\tg(x);\n}\n",
        "void f(int c)\n{\n\tswitch (c) {\n\tcase 1 ... 5:\n\t\tbreak;\n\tcase 'a'...'z':\n\t\tbreak;\n\t}\n}\n",
        "static DEFINE_MUTEX(lk);\nstruct s {\n\tDECLARE_BITMAP(map, 64);\n\tunsigned long : 2;\n};\n",
        "static DEFINE_PER_CPU(struct foo, bar);\nstatic LIST_HEAD(all);\n",
        "void f(void)\n{\n\tx = min_t(unsigned int, a, b);\n}\n",
        "static const struct file_operations fops = {\n\t.read = r,\n"
        "#ifdef CONFIG_COMPAT\n\t.compat_ioctl = c,\n#endif\n\t.open = o,\n};\n",
        "void f(void)\n{\n\tif (a)\n\t\tb();\n#ifdef CONFIG_X\n\telse if (c)\n\t\td();\n#endif\n}\n",
        "#define pr(fmt, args...) \\\n\tprintk(fmt, ##args)\n",
    ],
)
def test_recovered_source_parses_and_keeps_every_offset(code: str) -> None:
    source = code.encode()
    assert parse(source).root_node.has_error  # tree-sitter alone cannot
    cleaned, _ = recover(source)
    assert len(cleaned) == len(source) and cleaned.count(b"\n") == source.count(b"\n")
    assert error_lines(parse(cleaned).root_node) == []


def test_rewrites_leave_ordinary_code_alone() -> None:
    code = b"""int f(struct a *p, int cond)
{
	struct b v = (struct b){ .x = 1 };
	int t = cond ? 1 : 2;
	idr_for_each(&idr, cb, NULL);
	unsigned int busy : 1;
	return sizeof(struct a) + g(p, v);
}
"""
    cleaned, annotations = recover(code)
    assert annotations == []
    assert cleaned.replace(b"sizeof(       a)", b"sizeof(struct a)") == code


def test_annotations_are_kept_with_their_offsets() -> None:
    code = b"static void f(struct kvm *kvm) __must_hold(&kvm->lock) __releases(RCU)\n{\n}\n"
    _, annotations = recover(code)
    assert [(a.kind, a.argument) for a in annotations] == [("__must_hold", "&kvm->lock"), ("__releases", "RCU")]
    assert code[annotations[0].offset :].startswith(b"__must_hold")


def test_unparsable_code_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    source = tmp_path / "x.c"
    source.write_text("""struct outer { spinlock_t s; struct mutex m; };
void good_before(struct outer *o) { mutex_lock(&o->m); mutex_unlock(&o->m); }
static int weird(( ;
void good_after(struct outer *o) {
	list_for_each_entry(x, &o->list, node) {
		spin_lock(&o->s);
		spin_unlock(&o->s);
	}
}
void half(struct outer *o)
{
	spin_lock(&o->s);
	x = = 3;
	spin_unlock(&o->s);
}
""")
    model = build_model([source])
    assert {f.name for f in model.functions.values()} == {"good_before", "good_after", "half"}
    assert [(e.kind, e.lock) for e in model.function("good_after").events()] == [
        ("acquire", "outer.s"),
        ("release", "outer.s"),
    ]
    assert model.function("good_after").body[0].kind == "loop"
    assert [e.kind for e in model.function("half").events()] == ["acquire", "release"]
    lines = {(e.line, e.function) for e in model.parse_errors}
    assert (3, None) in lines and (13, "half") in lines
    assert all(e.file == str(source) for e in model.parse_errors) and model.lost_functions == []


def test_lost_functions_are_counted_not_hidden(tmp_path: Path) -> None:
    source = tmp_path / "x.c"
    source.write_text(
        "void ok(void)\n{\n}\n#define BODY(name) \\\nvoid name(void) \\\n{ \\\n}\n"
        "int broken(int a, ]]\n{\n\treturn a;\n}\n"
    )
    model = build_model([source])
    assert "ok" in {f.name for f in model.functions.values()}
    assert [(s.function, s.line) for s in model.lost_functions] == [("broken", 9)]  # not the macro's template


@pytest.mark.parametrize("seed", range(6))
def test_garbage_never_crashes(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [
        "{",
        "}",
        "(",
        ")",
        ";",
        "mutex_lock(&x->l)",
        "if (a)",
        "else",
        "#ifdef X\n",
        "#endif\n",
        "case 1:",
        "goto out;",
        "out:",
        "struct s {",
        "wait_event_cmd(q, c,",
        "\x00",
        "\xff",
        "'",
        '"',
        "/*",
        "\\\n",
        "list_for_each_entry(a, b, c) {",
        "guard(mutex)(&m);",
        "scoped_guard(spinlock, &s)",
        "__acquires(x)",
    ]
    text = " ".join(rng.choice(pieces) for _ in range(400))
    model = build_from_sources({"junk.c": text.encode("utf-8", "surrogateescape"), "empty.c": b""})
    assert model.files == ["empty.c", "junk.c"]


def test_rev_reads_blobs_without_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.c").write_text("void f(void) { mutex_lock(&global_lock); mutex_unlock(&global_lock); }\n")
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "a.c"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "a"], check=True)
    (repo / "a.c").write_text("void g(void) {}\n")  # the work tree differs; --rev must not read it
    model = build_model(repo=repo, rev="HEAD", files=["a.c"])
    assert [f.name for f in model.functions.values()] == ["f"] and model.files == ["a.c"]
    assert [f.name for f in build_model(repo=repo, rev="HEAD").functions.values()] == ["f"]


def test_parse_file_keeps_the_source_as_written() -> None:
    unit = parse_file(b"void f(void __iomem *p) { }\n")
    assert unit.source == b"void f(void __iomem *p) { }\n" and b"__iomem" not in unit.cleaned
