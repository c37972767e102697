"""``recursive-locking`` and the done-once guard (README, "Check semantics").

A callee that takes the held lock only past ``if (x->f ...) return`` on a field its locked region
writes is not reported; the same shape without the guard, a guard on a field nothing writes, and a
test that does not return still are.  The scenario pair is ``tests/data/scenarios/kernel/done-once-*.c``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aptool.pipeline import check_paths

HEAD = """
struct mutex { int owner; };
struct fs { struct mutex reloc; };
struct root { struct fs *fs; unsigned long last_trans; unsigned long state; int depth; };
struct trans { unsigned long transid; };
"""


def recursions(tmp_path: Path, body: str) -> set[tuple[str, tuple[str, ...]]]:
    source = tmp_path / "case.c"
    source.write_text(HEAD + body)
    result = check_paths([source], select=["recursive-locking"])
    assert result.parse_errors == []
    return {f.key() for f in result.findings}


RELOC = ("recursive-locking", ("fs.reloc",))


def test_a_bit_set_in_the_region_is_a_guard_too(tmp_path: Path) -> None:
    body = """
static void record(struct root *root)
{
	if (test_bit(1, &root->state))
		return;
	mutex_lock(&root->fs->reloc);
	set_bit(1, &root->state);
	mutex_unlock(&root->fs->reloc);
}

void commit(struct root *root)
{
	mutex_lock(&root->fs->reloc);
	record(root);
	mutex_unlock(&root->fs->reloc);
}
"""
    assert recursions(tmp_path, body) == set()


def test_a_guard_on_a_field_nothing_writes_is_no_guard(tmp_path: Path) -> None:
    body = """
static void record(struct trans *trans, struct root *root)
{
	if (root->last_trans == trans->transid)
		return;
	mutex_lock(&root->fs->reloc);
	root->depth = 1;
	mutex_unlock(&root->fs->reloc);
}

void commit(struct trans *trans, struct root *root)
{
	mutex_lock(&root->fs->reloc);
	record(trans, root);
	mutex_unlock(&root->fs->reloc);
}
"""
    assert recursions(tmp_path, body) == {RELOC}


def test_a_test_that_does_not_return_is_no_guard(tmp_path: Path) -> None:
    body = """
static void record(struct trans *trans, struct root *root)
{
	if (root->last_trans == trans->transid)
		root->depth++;
	mutex_lock(&root->fs->reloc);
	root->last_trans = trans->transid;
	mutex_unlock(&root->fs->reloc);
}

void commit(struct trans *trans, struct root *root)
{
	mutex_lock(&root->fs->reloc);
	record(trans, root);
	mutex_unlock(&root->fs->reloc);
}
"""
    assert recursions(tmp_path, body) == {RELOC}


@pytest.mark.parametrize("guard", ["", "if (root->last_trans == trans->transid)\n\t\treturn;"])
def test_the_guard_decides_in_an_intermediate_function_too(tmp_path: Path, guard: str) -> None:
    body = f"""
static void mark(struct trans *trans, struct root *root)
{{
	root->last_trans = trans->transid;
}}

static void take(struct trans *trans, struct root *root)
{{
	mutex_lock(&root->fs->reloc);
	mark(trans, root);
	mutex_unlock(&root->fs->reloc);
}}

static void record(struct trans *trans, struct root *root)
{{
	{guard}
	take(trans, root);
}}

void commit(struct trans *trans, struct root *root)
{{
	mutex_lock(&root->fs->reloc);
	record(trans, root);
	mutex_unlock(&root->fs->reloc);
}}
"""
    assert recursions(tmp_path, body) == (set() if guard else {RELOC})
