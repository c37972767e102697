"""Scope growth by (struct, field): only the files the lock walk can reach through a pointer are added,
and the findings are those of the whole tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aptool.model import cache as model_cache
from aptool.model import grow_scope
from aptool.pipeline import apply_series, check_revisions, open_series

HEADER = """\
struct mutex { int owner; };
struct foo_ops { void (*release)(void); };
struct bar_ops { void (*release)(void); };
struct dev { struct mutex lock; struct foo_ops *ops; };
"""
DRIVER = """\
#include "ops.h"
static struct mutex drv_lock;
static void drv_release(void)
{
	mutex_lock(&drv_lock);
	mutex_unlock(&drv_lock);
}
static struct foo_ops drv_ops = { .release = drv_release };
"""
CALLER = """\
#include "ops.h"
void dev_close(struct dev *d)
{
	mutex_lock(&d->lock);
	d->ops->release();
	mutex_unlock(&d->lock);
}
"""
OTHER = """\
#include "ops.h"
void bar_close(struct bar_ops *ops)
{
	ops->release();
}
"""
UNTYPED = """\
void any_close(struct thing *t)
{
	t->inner->release();
}
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def ops_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in {
        "ops.h": HEADER,
        "driver.c": DRIVER,
        "caller.c": CALLER,
        "other.c": OTHER,
        "untyped.c": UNTYPED,
    }.items():
        (repo / name).write_text(text)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "ops")
    return repo


def test_a_pointer_field_reaches_only_the_files_of_its_struct(ops_repo: Path) -> None:
    scope = grow_scope(ops_repo, "HEAD", ["driver.c"])
    assert "caller.c" in scope  # calls through foo_ops.release, which driver.c stores into
    assert "other.c" not in scope  # a release of bar_ops: the field name alone does not reach it
    assert "untyped.c" in scope  # a struct that cannot be told: reached by the field name, as the walk does
    edges = check_revisions(ops_repo, "HEAD", None, scope, grow=False)
    assert edges.files == sorted(scope)


def test_the_grown_scope_is_the_same_with_the_grep_kept_by_tree(ops_repo: Path, tmp_path: Path) -> None:
    plain = grow_scope(ops_repo, "HEAD", ["driver.c"])
    (ops_repo / "driver.c").write_text(DRIVER + "static int unused;\n")
    _git(ops_repo, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-a", "-m", "more")
    with model_cache.using(tmp_path / "cache") as cache:
        assert grow_scope(ops_repo, "HEAD~1", ["driver.c"]) == plain
        assert len(list((tmp_path / "cache").glob("*/grep/*/*"))) > 0
        cache.hits = 0
        assert grow_scope(ops_repo, "HEAD", ["driver.c"]) == plain  # the parent's answers, driver.c grepped again
        assert cache.hits > 0


@pytest.mark.parametrize("name", ["new-deadlock", "seed", "prereq-v6", "open-coded-fix"])
def test_the_story_patches_find_what_the_whole_tree_finds(story, name: str) -> None:  # type: ignore[no-untyped-def]
    series = open_series(story.messages[name], story.archive, repo=story.repo)
    applied = apply_series(story.repo, series, detached=True, closest=True, allow_incomplete=True)
    grown = check_revisions(story.repo, applied.tip, applied.series_base, None)
    listed = _git(story.repo, "ls-tree", "-r", "--name-only", applied.tip).splitlines()
    everything = check_revisions(
        story.repo, applied.tip, applied.series_base, [p for p in listed if p.endswith((".c", ".h"))], grow=False
    )
    changed = {"new", "fixed"}
    assert len(grown.files) < len(everything.files)
    assert sorted(f.key() for f in grown.findings if f.status in changed) == sorted(
        f.key() for f in everything.findings if f.status in changed
    )
    assert any(f.status in changed for f in grown.findings)
