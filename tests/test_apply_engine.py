"""The apply engine on real repositories and ``git format-patch`` mails: a verified branch, nothing else touched."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from aptool.apply import ApplyFailure, ApplyPlan, apply_plan, read_record
from aptool.apply.thread import linkmask_for
from aptool.apply.worktree import open_repository, remove_stale
from aptool.errors import AptoolError, RepositoryError
from tests.mailmaker import format_series, make_repo, reply, run_git
from tests.test_apply_support import (
    SCENARIOS,
    Upstream,
    assert_nothing_left,
    clone_user,
    edit,
    git,
    make_upstream,
    plan_for,
    snapshot,
)

BRANCH = "aptool/series-v1"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    return make_upstream(tmp_path_factory.mktemp("upstream") / "upstream")


@pytest.fixture()
def user(upstream: Upstream, tmp_path: Path) -> Path:
    return clone_user(upstream, tmp_path / "user")


def log_of(repo: Path, rev: str, count: int) -> list[dict[str, str]]:
    out = git(repo, "log", f"-{count}", "--reverse", "--format=%an%x00%ae%x00%aI%x00%T%x00%B%x1e", rev)
    entries = []
    for chunk in out.split("\x1e")[:-1]:
        name, email, date, tree, body = chunk.lstrip("\n").split("\x00")
        entries.append({"author": f"{name} <{email}>", "date": date, "tree": tree, "body": body})
    return entries


def test_branch_is_the_series_with_trailers_and_links(upstream: Upstream, user: Path) -> None:
    result = apply_plan(plan_for(upstream, user))

    assert result.status == "built" and result.exact
    assert [p.method for p in result.patches] == ["exact"] * 4
    assert [p.postimage for p in result.patches] == ["match"] * 4
    assert [p.prerequisite for p in result.patches] == [True, False, False, False]
    assert git(user, "rev-parse", BRANCH).strip() == result.tip
    # Same trees, authors and author dates as the commits the mails were made from.
    built, made = log_of(user, BRANCH, 4), log_of(upstream.repo, upstream.mails_tip, 4)
    assert [(c["tree"], c["author"], c["date"]) for c in built] == [(c["tree"], c["author"], c["date"]) for c in made]
    bodies = [c["body"] for c in built]
    assert bodies[0].startswith("s390/vfio-ap: set ops_3\n")
    assert "Link: https://lore.kernel.org/r/pre-1@example.org" in bodies[0]
    assert "Acked-by" not in bodies[0] and "Reviewed-by" not in bodies[0]
    assert bodies[1].splitlines()[-3:] == [
        "Reviewed-by: Rev Iewer <rev@example.net>",  # given to 1/3
        "Acked-by: Ack Er <ack@example.net>",  # given to the cover: every patch
        "Link: https://lore.kernel.org/r/series-1@example.org",
    ]
    assert bodies[3].splitlines()[-2:] == [
        "Acked-by: Ack Er <ack@example.net>",
        "Link: https://lore.kernel.org/r/series-3@example.org",
    ]
    assert_nothing_left(user)


def test_record_gives_base_and_prerequisites(upstream: Upstream, user: Path) -> None:
    result = apply_plan(plan_for(upstream, user))
    found = read_record(user, BRANCH)
    assert found is not None
    annotated, record = found
    assert annotated == result.tip
    assert record["base"] == upstream.base and record["exact"] is True
    assert record["series_base"] == result.patches[0].commit == result.series_base
    assert [p["message_id"] for p in record["patches"]] == [
        "pre-1@example.org",
        "series-1@example.org",
        "series-2@example.org",
        "series-3@example.org",
    ]
    assert record["test"] is True  # the plan's own record travels along
    # Commits added on the branch later do not hide the record.
    git(user, "worktree", "add", "-q", str(user.parent / "later"), BRANCH)
    (user.parent / "later" / "README").write_text("later\n")
    git(user.parent / "later", "commit", "-q", "-am", "later")
    assert read_record(user, BRANCH)[0] == result.tip  # type: ignore[index]
    assert "series_base" in git(user, "log", "--notes=aptool", "-1", "--format=%N", result.tip)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_user_checkout_is_never_touched(upstream: Upstream, user: Path, scenario: str) -> None:
    SCENARIOS[scenario](user)
    before = snapshot(user, new_branch=BRANCH)
    result = apply_plan(plan_for(upstream, user))
    assert snapshot(user, new_branch=BRANCH) == before
    assert (
        git(user, "rev-parse", f"{BRANCH}^{{tree}}").strip()
        == git(upstream.repo, "rev-parse", f"{upstream.mails_tip}^{{tree}}").strip()
    )
    assert result.status == "built"
    assert_nothing_left(user)


def test_rerun_is_up_to_date_and_a_changed_thread_is_refused(upstream: Upstream, user: Path, tmp_path: Path) -> None:
    first = apply_plan(plan_for(upstream, user))
    again = apply_plan(plan_for(upstream, user))
    assert again.status == "up-to-date" and again.tip == first.tip
    assert [p.commit for p in again.patches] == [p.commit for p in first.patches]

    # A new Tested-by on the list: the branch is out of date; refuse without --force.
    mails = upstream.mails + [
        reply(
            "series-2@example.org",
            "test-2@example.net",
            "Tested-by: Tess Ter <tess@example.net>\n",
            author="Tess Ter <tess@example.net>",
        )
    ]
    plan = plan_for(upstream, user)
    plan.patches = upstream.prerequisites() + upstream.patches(mails)
    before = snapshot(user)
    with pytest.raises(AptoolError) as refused:
        apply_plan(plan)
    assert refused.value.exit_code == 2 and "--force" in refused.value.message
    assert snapshot(user) == before

    rebuilt = apply_plan(plan, force=True)
    assert rebuilt.status == "rebuilt" and rebuilt.tip != first.tip
    assert "Tested-by: Tess Ter <tess@example.net>" in git(user, "log", "-1", "--format=%B", f"{BRANCH}~1")
    assert read_record(user, BRANCH)[0] == rebuilt.tip  # type: ignore[index]
    assert_nothing_left(user)


def test_a_branch_not_built_by_aptool_is_refused(upstream: Upstream, user: Path) -> None:
    git(user, "branch", BRANCH, "master")
    with pytest.raises(AptoolError, match="not built by aptool"):
        apply_plan(plan_for(upstream, user))


def test_force_never_moves_a_checked_out_branch(upstream: Upstream, user: Path) -> None:
    apply_plan(plan_for(upstream, user))
    git(user, "checkout", "-q", BRANCH)
    before = snapshot(user)
    with pytest.raises(AptoolError, match="checked out in"):
        apply_plan(plan_for(upstream, user), force=True)
    assert snapshot(user) == before


def side_commits(user: Path, *commits: list[tuple[str, str]]) -> str:
    """Commits on a side branch from the base, each replacing lines of vfio_ap_ops.c; the last one."""
    git(user, "checkout", "-q", "-b", "elsewhere")
    ops = user / "drivers/s390/crypto/vfio_ap_ops.c"
    for number, edits in enumerate(commits):
        text = ops.read_text()
        for before, after in edits:
            text = edit(text, before, after)
        ops.write_text(text)
        git(user, "commit", "-q", "-am", f"elsewhere {number}")
    commit = git(user, "rev-parse", "HEAD").strip()
    git(user, "checkout", "-q", "master")
    return commit


def test_conflict_names_the_patch_and_leaves_nothing(upstream: Upstream, user: Path) -> None:
    # The prerequisite is in this tree, so the three-way merge has its ancestor, and conflicts.
    base = side_commits(user, [("int ops_3;\n", "int ops_3 = 3;\n")], [("int ops_10;\n", "short ops_10;\n")])
    plan = plan_for(upstream, user, base=base)
    plan.patches, plan.prerequisites = plan.patches[1:], 0
    before = snapshot(user)
    with pytest.raises(ApplyFailure) as failed:
        apply_plan(plan)
    err = failed.value
    assert err.exit_code == 1
    assert err.patch is not None and err.patch.message_id == "series-1@example.org"
    assert err.files == ["drivers/s390/crypto/vfio_ap_ops.c"]
    assert "CONFLICT (content): Merge conflict in drivers/s390/crypto/vfio_ap_ops.c" in err.git_message
    assert "hint:" not in err.git_message
    assert "s390/vfio-ap: widen ops_10" in err.message and "<series-1@example.org>" in err.message
    assert snapshot(user) == before
    assert git(user, "rev-parse", "-q", "--verify", BRANCH, check=False) == ""
    assert git(user, "rev-parse", "-q", "--verify", "refs/notes/aptool", check=False) == ""
    assert_nothing_left(user)


def test_postimage_mismatch_is_a_failure(upstream: Upstream, user: Path) -> None:
    # The patches apply cleanly here, but the files are not the ones the mails were made on.
    base = side_commits(user, [("int ops_20;\n", "int ops_20; /* elsewhere */\n")])
    before = snapshot(user)
    with pytest.raises(ApplyFailure) as failed:
        apply_plan(plan_for(upstream, user, base=base))
    err = failed.value
    assert err.exit_code == 1 and err.patch is not None and err.patch.message_id == "pre-1@example.org"
    assert "not its post-image" in err.message
    assert err.files == ["drivers/s390/crypto/vfio_ap_ops.c"]
    assert snapshot(user) == before
    assert_nothing_left(user)


@pytest.mark.parametrize(
    ("changed", "methods"),
    [
        # ops_6 is in the prerequisite's context: plain apply fails, git am -3 finds the pre-image
        # blob (the base's, which we have) and merges.
        # The others apply where the mail puts them: "clean", never "exact" on an inexact base.
        (["int ops_6;\n"], ["three-way", "clean", "clean", "clean"]),
        # ops_7 is in 1/3's context, and 1/3's pre-image blob exists only on the list: the three-way
        # merge has no ancestor, so it applies with reduced context.
        (["int ops_7;\n", "int ops_20;\n"], ["clean", "fuzz", "clean", "clean"]),
    ],
)
def test_closest_reports_how_each_patch_applied(
    upstream: Upstream, user: Path, changed: list[str], methods: list[str]
) -> None:
    base = side_commits(user, [(line, line.replace(";", "; /* here */")) for line in changed])
    before = snapshot(user, new_branch=BRANCH)
    result = apply_plan(plan_for(upstream, user, base=base, exact=False))
    assert [p.method for p in result.patches] == methods
    assert [p.postimage for p in result.patches] == ["differs", "differs", "match", "differs"]
    assert not result.exact and read_record(user, BRANCH)[1]["exact"] is False  # type: ignore[index]
    text = git(user, "show", f"{BRANCH}:drivers/s390/crypto/vfio_ap_ops.c")
    for line in ["int ops_3 = 3;", "long ops_10;"] + [line.replace(";", "; /* here */").strip() for line in changed]:
        assert line in text
    assert "int ops_25;" not in text
    assert snapshot(user, new_branch=BRANCH) == before
    assert_nothing_left(user)


def test_closest_gives_up_where_nothing_fits(upstream: Upstream, user: Path) -> None:
    base = side_commits(user, [("int ops_10;\n", "short ops_10;\n")])
    with pytest.raises(ApplyFailure, match="not even with reduced context") as failed:
        apply_plan(plan_for(upstream, user, base=base, exact=False))
    assert failed.value.patch.message_id == "series-1@example.org"  # type: ignore[union-attr]
    assert_nothing_left(user)


def test_worktree_of_the_result_is_kept(upstream: Upstream, user: Path, tmp_path: Path) -> None:
    before = snapshot(user, new_branch=BRANCH)
    keep = tmp_path / "review"
    result = apply_plan(plan_for(upstream, user), worktree=keep)
    assert result.worktree == str(keep)
    assert git(keep, "symbolic-ref", "HEAD").strip() == f"refs/heads/{BRANCH}"
    assert git(keep, "status", "--porcelain") == ""
    assert (keep / "drivers/s390/crypto/new.c").read_text() == "int fresh;\n"
    after = snapshot(user, new_branch=BRANCH)
    assert str(keep) in after.pop("worktrees")  # type: ignore[operator]
    before.pop("worktrees")
    assert after == before
    # Asked again: up to date, and the worktree is where it was.
    again = apply_plan(plan_for(upstream, user), worktree=tmp_path / "elsewhere")
    assert again.status == "up-to-date" and again.worktree == str(keep) and again.notes
    with pytest.raises(AptoolError, match="not an empty directory"):
        apply_plan(plan_for(upstream, user, branch="other"), worktree=keep)


def test_user_hooks_and_git_environment_stay_out(upstream: Upstream, user: Path, monkeypatch) -> None:
    marker = user.parent / "hook-ran"
    for hook in (
        "post-checkout",
        "applypatch-msg",
        "pre-applypatch",
        "post-applypatch",
        "post-commit",
        "post-rewrite",
        "pre-commit",
    ):
        path = user / ".git" / "hooks" / hook
        path.write_text(f"#!/bin/sh\necho {hook} >> {marker}\n")
        path.chmod(0o755)
    git(user, "config", "rerere.enabled", "true")
    git(user, "config", "apply.whitespace", "fix")
    git(user, "config", "am.messageid", "true")
    # As when run from inside a git hook: git's variables point at the user's checkout.
    monkeypatch.setenv("GIT_DIR", str(user / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(user / ".git" / "index"))
    monkeypatch.setenv("GIT_WORK_TREE", str(user))
    before = snapshot(user, new_branch=BRANCH)
    result = apply_plan(plan_for(upstream, user))
    assert not marker.exists()
    assert [p.postimage for p in result.patches] == ["match"] * 4
    assert "Message-Id" not in git(user, "log", "-1", "--format=%B", BRANCH)
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_INDEX_FILE")
    monkeypatch.delenv("GIT_WORK_TREE")
    assert snapshot(user, new_branch=BRANCH) == before
    assert not (user / ".git" / "rr-cache").exists()


def test_without_a_committer_identity(upstream: Upstream, user: Path, monkeypatch, tmp_path: Path) -> None:
    anonymous = tmp_path / "anonymous.gitconfig"
    anonymous.write_text("[user]\n\tuseConfigOnly = true\n")  # no guessing from the host name either
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(anonymous))
    for name in ("EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    result = apply_plan(plan_for(upstream, user))
    people = git(user, "log", "-4", "--format=%an <%ae>|%cn <%ce>", result.tip).splitlines()
    assert people == ["Ann Dev <ann@example.org>|aptool <aptool@localhost.invalid>"] * 4
    assert read_record(user, BRANCH) is not None


def test_bare_repository(upstream: Upstream, tmp_path: Path) -> None:
    bare = clone_user(upstream, tmp_path / "bare.git", bare=True)
    result = apply_plan(plan_for(upstream, bare))
    assert (
        git(bare, "rev-parse", f"{BRANCH}^{{tree}}").strip()
        == git(upstream.repo, "rev-parse", f"{upstream.mails_tip}^{{tree}}").strip()
    )
    assert result.status == "built"
    assert_nothing_left(bare)


def test_bad_input_is_a_one_line_error(upstream: Upstream, user: Path, tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="not a commit"):
        apply_plan(plan_for(upstream, user, base="0123456789abcdef0123456789abcdef01234567"))
    with pytest.raises(RepositoryError, match="not a valid branch name"):
        apply_plan(plan_for(upstream, user, branch="bad..name"))
    with pytest.raises(RepositoryError, match="not a git repository"):
        apply_plan(plan_for(upstream, tmp_path))
    empty = plan_for(upstream, user)
    empty.patches = []
    with pytest.raises(AptoolError, match="nothing to apply"):
        apply_plan(empty)
    assert_nothing_left(user)


def test_renames_deletions_and_new_files_verify(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "up", {"a.c": "a\n" * 20, "b.c": "b\n" * 20, "gone.c": "gone\n"})
    base = run_git(repo, "rev-parse", "HEAD").strip()
    run_git(repo, "mv", "b.c", "c.c")
    run_git(repo, "rm", "-q", "gone.c")
    (repo / "a.c").write_text("a\n" * 19 + "A\n")
    (repo / "new.c").write_text("new\n")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "shuffle files")
    mails = format_series(repo, 1, msgid_prefix="shuffle")
    from aptool.series import parse_thread, require_version

    patch = require_version(parse_thread(mails, "shuffle-1@example.org"), None).patches[0]
    result = apply_plan(ApplyPlan(repo=repo, base=base, patches=[patch], branch="shuffled"))
    checks = {(c.path, c.status) for c in result.patches[0].files}
    assert checks == {("a.c", "match"), ("c.c", "match"), ("b.c", "match"), ("gone.c", "match"), ("new.c", "match")}
    assert git(repo, "rev-parse", "shuffled^{tree}") == git(repo, "rev-parse", "master^{tree}")


def test_linkmask_from_config_and_archive(upstream: Upstream, user: Path) -> None:
    assert linkmask_for(user, "/some/local/mbox") == "https://lore.kernel.org/r/%s"
    assert linkmask_for(user, "http://127.0.0.1:8080/linux-s390/") == "http://127.0.0.1:8080/linux-s390/%s"
    git(user, "config", "aptool.linkmask", "https://msgid.example.org/%s")
    assert linkmask_for(user, "https://lore.kernel.org/all") == "https://msgid.example.org/%s"
    plan = plan_for(upstream, user)
    plan.linkmask = linkmask_for(user, "x")
    apply_plan(plan)
    assert "Link: https://msgid.example.org/series-3@example.org" in git(user, "log", "-1", "--format=%B", BRANCH)


def test_stale_scratch_worktrees_go_live_ones_stay(upstream: Upstream, user: Path) -> None:
    repo = open_repository(user)
    root = repo.scratch_root
    root.mkdir(parents=True)
    for name in ("aptool-apply-1-dead", "aptool-apply-2-live"):
        git(user, "worktree", "add", "-q", "--detach", str(root / name), "HEAD")
        (root / f"{name}.lock").write_text("")
    held = os.open(root / "aptool-apply-2-live.lock", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        apply_plan(plan_for(upstream, user))
        names = git(user, "worktree", "list", "--porcelain")
        assert "aptool-apply-1-dead" not in names and "aptool-apply-2-live" in names
        assert not (root / "aptool-apply-1-dead").exists() and (root / "aptool-apply-2-live").exists()
    finally:
        os.close(held)
    assert remove_stale(repo) == ["aptool-apply-2-live"]
    assert_nothing_left(user)
    # The user's own worktrees, even one whose directory is gone, are none of our business.
    git(user, "worktree", "add", "-q", "--detach", str(user.parent / "mine"), "HEAD")
    shutil.rmtree(user.parent / "mine")
    apply_plan(plan_for(upstream, user, branch="again"))
    assert str(user.parent / "mine") in git(user, "worktree", "list", "--porcelain")


@pytest.mark.parametrize("odd", ["bad\udcffbyte.c", "new\nline.c"], ids=["undecodable", "newline"])
def test_a_scratch_worktree_takes_any_path_a_mail_names(tmp_path: Path, odd: str) -> None:
    # The paths come from a patch's headers: undecodable bytes arrive as surrogates, and a quoted
    # git path may hold a newline, which no sparse-checkout line can match; the worktree still has
    # the patch's files, and nothing is left behind.
    from aptool.apply.worktree import ScratchWorktree

    repo_path = make_repo(tmp_path / "repo", {"a.c": "int a;\n", "b.c": "int b;\n"})
    repo = open_repository(repo_path)
    head = run_git(repo_path, "rev-parse", "HEAD").strip()
    with ScratchWorktree(repo, head, ["a.c", odd]) as scratch:
        assert (scratch.path / "a.c").read_text() == "int a;\n"
        where = scratch.path
    assert not where.exists()
