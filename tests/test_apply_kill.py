"""SIGKILL at any step of an apply run: nothing of the user's changes, and the next run cleans up and succeeds.

The run is a real process (``python -c``) that kills itself at a named step
(``APTOOL_TEST_KILL_AT``, see ``aptool.apply.steps``).  The user's checkout
is in the middle of its own ``git am``, with uncommitted changes, while it
happens.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aptool.apply.steps import KILL_ENV
from tests.test_apply_support import (
    Upstream,
    assert_nothing_left,
    clone_user,
    edit,
    git,
    make_upstream,
    snapshot,
    user_dirty,
    user_mid_am,
)

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "aptool/series-v1"

RUNNER = """
import json, sys
from pathlib import Path
from aptool.apply import ApplyFailure, ApplyPlan, apply_plan
from aptool.apply.progress import PlainLines
from aptool.archive.local import LocalArchive
from aptool.series import parse_thread, require_version

args = json.loads(sys.argv[1])
archive = LocalArchive(Path(args["mbox"]))
def patches(root):
    return list(require_version(parse_thread(archive.thread(root), root), None).patches)
plan = ApplyPlan(repo=Path(args["repo"]), base=args["base"], branch=args["branch"], exact=args["exact"],
                 patches=patches("pre-1@example.org") + patches("series-0@example.org"), prerequisites=1)
try:
    result = apply_plan(plan, reporter=PlainLines(sys.stdout))
except ApplyFailure as err:
    print(err.message)
    sys.exit(1)
print("STATUS", result.status)
"""


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    return make_upstream(tmp_path_factory.mktemp("upstream") / "upstream")


@pytest.fixture()
def user(upstream: Upstream, tmp_path: Path) -> Path:
    user = clone_user(upstream, tmp_path / "user")
    user_mid_am(user)  # the user's own git am, stopped on a conflict
    user_dirty(user)
    return user


def run(
    upstream: Upstream, user: Path, *, kill_at: str | None = None, base: str | None = None, exact: bool = True
) -> subprocess.CompletedProcess[str]:
    """One apply run in its own process group; waits until every process of the group is gone."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    args = {
        "repo": str(user),
        "base": base or upstream.base,
        "mbox": str(upstream.mbox),
        "branch": BRANCH,
        "exact": exact,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(args)],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = proc.communicate(timeout=120)
    # A git process the run started may outlive it (SIGKILL does not reach children): let it finish.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def without_worktree_list(state: dict[str, object]) -> dict[str, object]:
    """A snapshot minus ``git worktree list``, which shows a dead run's scratch worktree until the next run."""
    return {key: value for key, value in state.items() if key != "worktrees"}


def scratch_entries(user: Path) -> list[str]:
    root = user / ".git" / "aptool" / "worktrees"
    return sorted(p.name for p in root.iterdir() if p.name != "registry.lock") if root.exists() else []


def ref(user: Path, name: str) -> str:
    return git(user, "rev-parse", "-q", "--verify", name, check=False).strip()


@pytest.mark.parametrize("kill_at", ["worktree", "am-running:2", "am:1", "am:3", "applied", "ref-updated"])
def test_killed_run_touches_nothing_and_the_next_run_succeeds(upstream: Upstream, user: Path, kill_at: str) -> None:
    before = snapshot(user, new_branch=BRANCH)
    killed = run(upstream, user, kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert without_worktree_list(snapshot(user, new_branch=BRANCH)) == without_worktree_list(before)
    # It really died half-way: its scratch worktree is still there, registered with git.
    assert len([n for n in scratch_entries(user) if not n.endswith(".lock")]) == 1
    assert "aptool-apply-" in git(user, "worktree", "list", "--porcelain")
    if kill_at == "ref-updated":
        assert ref(user, BRANCH) and ref(user, "refs/notes/aptool")
    else:
        assert not ref(user, BRANCH) and not ref(user, "refs/notes/aptool")

    again = run(upstream, user)
    assert again.returncode == 0, again.stderr + again.stdout
    assert ("STATUS up-to-date" if kill_at == "ref-updated" else "STATUS built") in again.stdout
    assert_nothing_left(user)
    assert snapshot(user, new_branch=BRANCH) == before
    assert (
        git(user, "rev-parse", f"{BRANCH}^{{tree}}").strip()
        == git(upstream.repo, "rev-parse", f"{upstream.mails_tip}^{{tree}}").strip()
    )


def test_killed_while_git_am_is_stopped_on_a_conflict(upstream: Upstream, user: Path) -> None:
    """``--closest`` on a tree where 1/3's context differs: the scratch ``git am`` stops, state on disk."""
    git(user, "stash", "-q", "--include-untracked")  # the side commit needs a clean tree; the stash is user state too
    git(user, "checkout", "-q", "-b", "elsewhere", upstream.base)
    ops = user / "drivers/s390/crypto/vfio_ap_ops.c"
    ops.write_text(edit(ops.read_text(), "int ops_7;\n", "int ops_7; /* here */\n"))
    git(user, "commit", "-q", "-am", "elsewhere")
    base = git(user, "rev-parse", "HEAD").strip()
    git(user, "checkout", "-q", "master")
    before = snapshot(user, new_branch=BRANCH)

    killed = run(upstream, user, kill_at="am-stopped", base=base, exact=False)
    assert killed.returncode == -signal.SIGKILL
    (name,) = [n for n in scratch_entries(user) if not n.endswith(".lock")]
    assert (user / ".git" / "worktrees" / name / "rebase-apply").is_dir()  # the scratch am's own state
    assert without_worktree_list(snapshot(user, new_branch=BRANCH)) == without_worktree_list(before)

    again = run(upstream, user, base=base, exact=False)
    assert again.returncode == 0, again.stderr + again.stdout
    assert "fuzz" in again.stdout
    assert_nothing_left(user)
    assert snapshot(user, new_branch=BRANCH) == before


def test_several_dead_runs_are_all_cleaned_up(upstream: Upstream, user: Path) -> None:
    before = snapshot(user, new_branch=BRANCH)
    left = []
    for step in ("worktree", "am:2", "applied"):
        assert run(upstream, user, kill_at=step).returncode == -signal.SIGKILL
        left.append([n for n in scratch_entries(user) if not n.endswith(".lock")])
    # Each run removed the one before it left behind; only the last dead run's remains.
    assert [len(names) for names in left] == [1, 1, 1] and len({names[0] for names in left}) == 3
    assert run(upstream, user).returncode == 0
    assert_nothing_left(user)
    assert snapshot(user, new_branch=BRANCH) == before


def test_a_failing_run_exits_1_and_leaves_nothing(upstream: Upstream, user: Path) -> None:
    git(user, "stash", "-q", "--include-untracked")
    git(user, "checkout", "-q", "-b", "elsewhere", upstream.base)
    ops = user / "drivers/s390/crypto/vfio_ap_ops.c"
    ops.write_text(edit(ops.read_text(), "int ops_10;\n", "short ops_10;\n"))
    git(user, "commit", "-q", "-am", "elsewhere")
    base = git(user, "rev-parse", "HEAD").strip()
    git(user, "checkout", "-q", "master")
    before = snapshot(user)
    failed = run(upstream, user, base=base, exact=False)
    assert failed.returncode == 1
    assert "s390/vfio-ap: widen ops_10" in failed.stdout and "<series-1@example.org>" in failed.stdout
    assert_nothing_left(user)
    assert snapshot(user) == before and not ref(user, "refs/notes/aptool")
