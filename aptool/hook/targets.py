"""What a hook checks: the change each hook type is about, as two commits and the C files between them.

- ``pre-applypatch`` and ``pre-commit``: the index (the patch ``git am`` has
  just applied, or the staged changes) against ``HEAD``.  The index is
  written as a tree from a copy of the index file and wrapped in a commit
  that no ref points to (as ``git stash create`` does), so the checks read
  blobs at two commits like everywhere else; the index, the work tree and
  the refs stay as they are.  At the last patch of a series, ``git am``'s
  index is checked against the commit the ``am`` started from, so that the
  series is judged as a whole (:func:`am_change`).
- ``pre-push``: each pushed ref's new tip against the remote's tip (or,
  for a new branch, against the newest commit the remote already has).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from aptool.git.run import commit_id, git, git_ok

C_SUFFIXES = (".c", ".h")
ZERO = "0" * 40
IDENTITY = {
    "GIT_AUTHOR_NAME": "aptool",
    "GIT_AUTHOR_EMAIL": "aptool@localhost.invalid",
    "GIT_AUTHOR_DATE": "@0 +0000",
    "GIT_COMMITTER_NAME": "aptool",
    "GIT_COMMITTER_EMAIL": "aptool@localhost.invalid",
    "GIT_COMMITTER_DATE": "@0 +0000",
}


@dataclass
class Change:
    """One thing to check: ``after`` against ``before`` (None: nothing before, an unborn branch),
    for ``paths``, the C files that differ."""

    label: str
    before: str | None
    after: str
    paths: list[str] = field(default_factory=list)
    advisory: str | None = None  # why findings here are reported but stop nothing


@dataclass(frozen=True)
class Locations:
    """Where git keeps what the hook reads: this worktree's git directory, the common one, the default
    index, ``git am``'s state directory and the hooks directory (``core.hooksPath`` respected)."""

    git_dir: Path
    common_dir: Path
    index: Path
    rebase_apply: Path
    hooks: Path


@functools.lru_cache(maxsize=8)
def locations(repo: Path) -> Locations:
    """:class:`Locations` of ``repo``, from one ``git rev-parse``."""
    out = git(
        repo,
        "rev-parse",
        "--path-format=absolute",
        "--git-dir",
        "--git-common-dir",
        *("--git-path", "index"),
        *("--git-path", "rebase-apply"),
        *("--git-path", "hooks"),
    ).splitlines()
    return Locations(*(Path(line) for line in out[:5]))


def changed_c_files(repo: Path, before: str | None, after: str) -> list[str]:
    """The C files (``.c``, ``.h``) that differ between two commits, renames as delete + add."""
    if before is None:
        out = git(repo, "ls-tree", "-r", "-z", "--name-only", "--full-tree", after)
    else:
        out = git(repo, "diff-tree", "-r", "-z", "--name-only", "--no-renames", before, after)
    return [p for p in out.split("\0") if p.endswith(C_SUFFIXES)]


def head_commit(repo: Path) -> str | None:
    """``HEAD``'s commit id, or None on an unborn branch."""
    return commit_id(repo, "HEAD")


def index_file(repo: Path, hook_env: dict[str, str]) -> Path:
    """The index git told the hook to use (``GIT_INDEX_FILE``, relative to where the hook runs), else the default."""
    named = hook_env.get("GIT_INDEX_FILE")
    if named:
        return Path(named) if os.path.isabs(named) else Path.cwd() / named
    return locations(repo).index


def snapshot_index(repo: Path, index: Path, head: str | None, message: str) -> str:
    """A commit (on no ref) whose tree is ``index``'s content and whose parent is ``head``.

    ``git write-tree`` runs on a copy of the index file: on the index itself it
    would rewrite its cache-tree, and during ``git commit`` the index is locked.
    """
    copy = locations(repo).git_dir / f"aptool-index-{os.getpid()}.tmp"
    try:
        copy.write_bytes(index.read_bytes())
        tree = git(repo, "write-tree", env={"GIT_INDEX_FILE": str(copy)}).strip()
    finally:
        copy.unlink(missing_ok=True)
    parents = ["-p", head] if head else []
    return git(repo, "commit-tree", tree, *parents, "-m", message, env=IDENTITY).strip()


def index_change(repo: Path, hook_env: dict[str, str], label: str) -> Change:
    """The index against ``HEAD``: what ``git am`` just applied, or what is staged."""
    head = head_commit(repo)
    after = snapshot_index(repo, index_file(repo, hook_env), head, f"aptool: {label}")
    return Change(label, head, after, changed_c_files(repo, head, after))


@dataclass
class AmState:
    """Where ``git am`` is: patch ``number`` of ``last``, its subject, and the commit the session started
    from (``ORIG_HEAD``, which ``git am`` sets when it starts), when that is still below ``HEAD``."""

    number: int
    last: int
    subject: str
    start: str | None

    @property
    def label(self) -> str:
        where = f"patch {self.number}/{self.last}" if self.number and self.last else "the patch"
        return f"{where}: {self.subject}" if self.subject else where


def am_state(repo: Path, head: str | None) -> AmState:
    """The state ``git am`` keeps in ``rebase-apply``, as far as the hook needs it."""
    state = locations(repo).rebase_apply
    subject = ""
    for name in ("final-commit", "msg"):
        text = _read(state / name)
        if text:
            subject = text.splitlines()[0]
            break
    number, last = (int(t) if t.isdigit() else 0 for t in (_read(state / "next"), _read(state / "last")))
    start = commit_id(repo, "ORIG_HEAD")
    if start is not None and (head is None or not git_ok(repo, "merge-base", "--is-ancestor", start, head)):
        start = None
    return AmState(number, last, subject, start)


def am_change(repo: Path, hook_env: dict[str, str], by_series: bool) -> Change:
    """The patch ``git am`` just applied, against ``HEAD``; with ``by_series``, a series is judged whole:
    before its last patch findings are reported only, and the last patch is checked with every patch of
    the series against the commit the ``git am`` started from."""
    head = head_commit(repo)
    state = am_state(repo, head)
    after = snapshot_index(repo, index_file(repo, hook_env), head, f"aptool: {state.label}")
    if not by_series or state.last <= 1 or not state.number:
        return Change(state.label, head, after, changed_c_files(repo, head, after))
    if state.number < state.last:
        why = f"the series is checked as a whole at patch {state.last}/{state.last}"
        return Change(state.label, head, after, changed_c_files(repo, head, after), advisory=why)
    start = state.start or head
    label = f"{state.label} (with patches 1-{state.last - 1} of the series)"
    return Change(label, start, after, changed_c_files(repo, start, after))


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def push_changes(repo: Path, remote: str, lines: str) -> list[Change]:
    """One :class:`Change` per ref in pre-push's standard input (``<local ref> <local oid> <remote ref>
    <remote oid>`` lines); deletions, and tags of anything but commits, need no check."""
    changes = []
    for line in lines.splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        local_ref, local_oid, remote_ref, remote_oid = parts
        if set(local_oid) == {"0"}:
            continue
        after = commit_id(repo, local_oid)
        if after is None:
            continue
        before = _pushed_onto(repo, remote, after, remote_oid)
        label = f"{local_ref} -> {remote} {remote_ref}"
        changes.append(Change(label, before, after, changed_c_files(repo, before, after)))
    return changes


def _pushed_onto(repo: Path, remote: str, after: str, remote_oid: str) -> str | None:
    """What the remote has that ``after`` builds on: the merge base with the remote's tip when this
    repository has that commit, else the newest commit of ``after``'s history on any of the remote's refs."""
    if set(remote_oid) != {"0"} and commit_id(repo, remote_oid) is not None:
        base = git(repo, "merge-base", after, remote_oid, check=False).strip()
        if base:
            return base
    out = git(repo, "rev-list", "--boundary", after, "--not", f"--remotes={remote}", check=False)
    boundary = [line[1:] for line in out.splitlines() if line.startswith("-")]
    if boundary:
        return boundary[0]
    if not out.strip():  # ``after`` is a commit: push_changes resolved it
        return after  # every commit is on the remote already
    return None
