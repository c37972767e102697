"""Shared by the apply tests: a small upstream with patch mails, user checkouts, and exact snapshots.

No tests here.  ``snapshot`` records everything of the user's that
``aptool apply-series`` promises never to change: HEAD, every ref, the index
file byte for byte, ``git status``, the stash, every work-tree file with its
content, mode and mtime, and the state files of an ``am``, rebase or merge in
progress.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aptool.apply import ApplyPlan
from aptool.series import Patch, parse_thread, require_version
from tests.mailmaker import commit_files, format_series, make_repo, reply, run_git, write_mbox

FILES = {
    "drivers/s390/crypto/vfio_ap_ops.c": "".join(f"int ops_{n};\n" for n in range(30)),
    "arch/s390/kvm/priv.c": "".join(f"int priv_{n};\n" for n in range(30)),
    "lib/util.c": "int util;\n",
    "README": "readme\n",
}


def git(repo: Path, *args: str, check: bool = True, input: bytes | None = None) -> str:
    """git as the user would run it (the test session's isolated config)."""
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout.decode()


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@dataclass
class Upstream:
    """An upstream repository, the commit the series was made on, and the series' mails."""

    repo: Path
    base: str
    mails: list[bytes]
    prereq_mails: list[bytes]
    mbox: Path
    mails_tip: str  # upstream's commit after the whole series

    def patches(self, mails: list[bytes] | None = None, root: str = "series-0@example.org") -> list[Patch]:
        return list(require_version(parse_thread(mails or self.mails, root), None).patches)

    def prerequisites(self) -> list[Patch]:
        return self.patches(self.prereq_mails, "pre-1@example.org")


def make_upstream(path: Path) -> Upstream:
    """``master`` with FILES; a list-only prerequisite; a 3-patch series on it, with review replies.

    The user's repository (``clone_user``) has ``base`` but not the
    prerequisite or the series.
    """
    repo = make_repo(path, FILES)
    base = run_git(repo, "rev-parse", "HEAD").strip()
    ops = FILES["drivers/s390/crypto/vfio_ap_ops.c"]
    commit_files(
        repo,
        {"drivers/s390/crypto/vfio_ap_ops.c": edit(ops, "int ops_3;\n", "int ops_3 = 3;\n")},
        "s390/vfio-ap: set ops_3",
    )
    prereq = format_series(repo, 1, msgid_prefix="pre")
    ops = (repo / "drivers/s390/crypto/vfio_ap_ops.c").read_text()
    priv = FILES["arch/s390/kvm/priv.c"]
    commit_files(
        repo,
        {"drivers/s390/crypto/vfio_ap_ops.c": edit(ops, "int ops_10;\n", "long ops_10;\n")},
        "s390/vfio-ap: widen ops_10",
    )
    commit_files(
        repo,
        {
            "arch/s390/kvm/priv.c": edit(priv, "int priv_20;\n", "int priv_20 = 1;\n"),
            "drivers/s390/crypto/new.c": "int fresh;\n",
        },
        "KVM: s390: init priv_20, add new.c",
    )
    ops = (repo / "drivers/s390/crypto/vfio_ap_ops.c").read_text()
    commit_files(
        repo, {"drivers/s390/crypto/vfio_ap_ops.c": edit(ops, "int ops_25;\n", "")}, "s390/vfio-ap: drop ops_25"
    )
    mails = format_series(repo, 3, cover=True, msgid_prefix="series")
    mails.append(
        reply(
            "series-1@example.org", "review-1@example.net", "Looks right.\n\nReviewed-by: Rev Iewer <rev@example.net>\n"
        )
    )
    mails.append(
        reply(
            "series-0@example.org",
            "review-0@example.net",
            "For the series:\n\nAcked-by: Ack Er <ack@example.net>\n",
            author="Ack Er <ack@example.net>",
        )
    )
    mbox = write_mbox(path.parent / f"{path.name}.mbox", prereq + mails)
    return Upstream(repo, base, mails, prereq, mbox, run_git(repo, "rev-parse", "HEAD").strip())


def clone_user(upstream: Upstream, path: Path, *, bare: bool = False) -> Path:
    """The user's repository: master at the series' base, and none of the list-only objects.

    As for a reviewer, the prerequisite and the series exist only as mail:
    their blobs are not in the object store, so a three-way merge cannot
    borrow them.
    """
    git(
        path.parent,
        "clone",
        "-q",
        "--no-local",
        "--single-branch",
        "--no-tags",
        *(["--bare"] if bare else []),
        str(upstream.repo),
        str(path),
    )
    if bare:
        git(path, "update-ref", "refs/heads/master", upstream.base)
    else:
        git(path, "reset", "-q", "--hard", upstream.base)
    git(path, "remote", "remove", "origin")
    git(path, "reflog", "expire", "--expire=now", "--all")
    git(path, "gc", "-q", "--prune=now")
    assert git(path, "cat-file", "-t", upstream.mails_tip, check=False) == ""
    return path


def plan_for(
    upstream: Upstream, user: Path, *, branch: str = "aptool/series-v1", exact: bool = True, base: str | None = None
) -> ApplyPlan:
    """Prerequisite first, then the series, on the base, as ``apply-series`` would plan it."""
    patches = upstream.prerequisites() + upstream.patches()
    return ApplyPlan(
        repo=user,
        base=base or upstream.base,
        patches=patches,
        branch=branch,
        exact=exact,
        prerequisites=1,
        record={"test": True},
    )


# -- snapshots ----------------------------------------------------------------------------------

_STATE_FILES = (
    "HEAD",
    "ORIG_HEAD",
    "MERGE_HEAD",
    "MERGE_MSG",
    "MERGE_MODE",
    "AUTO_MERGE",
    "CHERRY_PICK_HEAD",
    "REBASE_HEAD",
    "rebase-apply",
    "rebase-merge",
    "index",
    "config",
    "info/sparse-checkout",
    "packed-refs",
    "logs/HEAD",
    "logs/refs/stash",
    "FETCH_HEAD",
    "hooks",
    "rr-cache",
)


def _digest(path: Path) -> object:
    if path.is_dir():
        return {str(p.relative_to(path)): _digest(p) for p in sorted(path.rglob("*")) if p.is_file()}
    if path.exists():
        st = path.stat()
        return (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_mode)
    return None


def snapshot(repo: Path, *, new_branch: str | None = None) -> dict[str, object]:
    """Everything of the user's; refs of aptool's own (the new branch, refs/notes/aptool) left out."""
    ignored = {"refs/notes/aptool"} | ({f"refs/heads/{new_branch}"} if new_branch else set())
    refs = [
        line
        for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname) %(symref)").splitlines()
        if line.split()[0] not in ignored
    ]
    gitdir = Path(git(repo, "rev-parse", "--absolute-git-dir").strip())
    files = {}
    for root, dirs, names in os.walk(repo):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            full = Path(root) / name
            st = full.lstat()
            files[str(full.relative_to(repo))] = (
                hashlib.sha256(full.read_bytes()).hexdigest(),
                st.st_mtime_ns,
                st.st_mode,
            )
    return {
        "head": git(repo, "rev-parse", "HEAD").strip(),
        "symbolic_head": git(repo, "symbolic-ref", "-q", "HEAD", check=False).strip(),
        "refs": refs,
        "status": git(
            repo, "--no-optional-locks", "status", "--porcelain=v2", "--branch", "--untracked-files=all", "--ignored"
        ),
        "stash": git(repo, "stash", "list", "--format=%H %gs"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
        "state": {name: _digest(gitdir / name) for name in _STATE_FILES},
        "files": files,
    }


def assert_nothing_left(repo: Path) -> None:
    """No scratch worktree on disk or registered with git."""
    common = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    scratch = common / "aptool" / "worktrees"
    leftovers = [p.name for p in scratch.iterdir() if p.name != "registry.lock"] if scratch.exists() else []
    assert leftovers == []
    admin = common / "worktrees"
    assert not admin.exists() or not [p for p in admin.iterdir() if p.name.startswith("aptool-")]
    assert "aptool-apply-" not in git(repo, "worktree", "list", "--porcelain")


def user_mid_am(user: Path, path: str = "README") -> None:
    """The user's own ``git am``, stopped on a conflict in the main worktree, on a branch of their own."""
    target = user / path
    start = git(user, "symbolic-ref", "--short", "HEAD").strip()
    git(user, "checkout", "-q", "-b", "theirs")
    target.write_text("theirs\n")
    git(user, "add", path)
    git(user, "commit", "-q", "-m", f"{path}: theirs")
    mail = git(user, "format-patch", "--stdout", "-1")
    git(user, "checkout", "-q", "-b", "mine", start)
    target.write_text("mine\n")
    git(user, "add", path)
    git(user, "commit", "-q", "-m", f"{path}: mine")
    proc = subprocess.run(["git", "-C", str(user), "am"], input=mail.encode(), capture_output=True)
    assert proc.returncode != 0
    assert (user / ".git" / "rebase-apply").is_dir()


def user_mid_rebase(user: Path) -> None:
    readme = user / "README"
    git(user, "checkout", "-q", "-b", "topic")
    readme.write_text("topic\n")
    git(user, "commit", "-q", "-am", "README: topic")
    git(user, "checkout", "-q", "master")
    readme.write_text("master\n")
    git(user, "commit", "-q", "-am", "README: master")
    git(user, "checkout", "-q", "topic")
    assert subprocess.run(["git", "-C", str(user), "rebase", "master"], capture_output=True).returncode != 0
    assert (user / ".git" / "rebase-merge").is_dir()


def user_mid_merge(user: Path) -> None:
    readme = user / "README"
    git(user, "checkout", "-q", "-b", "other")
    readme.write_text("other\n")
    git(user, "commit", "-q", "-am", "README: other")
    git(user, "checkout", "-q", "master")
    readme.write_text("master\n")
    git(user, "commit", "-q", "-am", "README: master")
    assert subprocess.run(["git", "-C", str(user), "merge", "other"], capture_output=True).returncode != 0
    assert (user / ".git" / "MERGE_HEAD").exists()


def user_dirty(user: Path) -> None:
    """Edits to the very files the series touches, staged and not, plus untracked and ignored files."""
    ops = user / "drivers/s390/crypto/vfio_ap_ops.c"
    ops.write_text(ops.read_text() + "/* my local hack */\n")
    priv = user / "arch/s390/kvm/priv.c"
    priv.write_text("staged rewrite\n")
    git(user, "add", "arch/s390/kvm/priv.c")
    priv.write_text("staged rewrite, then edited again\n")
    (user / "drivers/s390/crypto/new.c").write_text("untracked file where the series adds one\n")
    (user / ".gitignore").write_text("*.o\n")
    (user / "build.o").write_text("ignored\n")


def user_stash(user: Path) -> None:
    (user / "README").write_text("stashed work\n")
    git(user, "stash", "-q")
    (user / "lib/util.c").write_text("int util; /* unstashed */\n")


def user_sparse(user: Path) -> None:
    git(user, "sparse-checkout", "set", "lib")
    assert not (user / "drivers").exists()


SCENARIOS = {
    "clean": lambda user: None,
    "dirty": user_dirty,
    "stash": user_stash,
    "mid-am": user_mid_am,
    "mid-rebase": user_mid_rebase,
    "mid-merge": user_mid_merge,
    "sparse": user_sparse,
}
