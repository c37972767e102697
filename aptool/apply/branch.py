"""The branch and its record: one atomic ref transaction, and a note ``aptool check`` can read.

The record is a JSON git note on the branch tip under ``refs/notes/aptool``
(``git log --notes=aptool`` shows it).  The branch and the notes ref move in
one ``git update-ref --stdin`` transaction with old-value checks: both or
neither, and never over a ref someone else moved meanwhile.  The notes
commit is built with a private index file, so neither the user's index nor
any other ref is touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aptool.apply import isolation
from aptool.apply.worktree import Repository
from aptool.errors import RepositoryError
from aptool.git.repo import NOTES_REF

RECORD_KIND = "aptool apply-series"
_ZERO = "0" * 40


def branch_ref(branch: str) -> str:
    return branch if branch.startswith("refs/") else f"refs/heads/{branch}"


def check_branch_name(repo: Repository, branch: str) -> str:
    """``refs/heads/<branch>``, or a one-line error when git would refuse the name."""
    ref = branch_ref(branch)
    if isolation.run(repo.cwd, "check-ref-format", ref, scratch=False).returncode != 0:
        raise RepositoryError(f"not a valid branch name: {branch!r}")
    return ref


def ref_value(repo: Repository, ref: str) -> str | None:
    """What ``ref`` points at, or None when it does not exist."""
    proc = isolation.run(repo.cwd, "rev-parse", "-q", "--verify", ref, scratch=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def checked_out_in(repo: Repository, ref: str) -> str | None:
    """The worktree that has ``ref`` checked out, or None."""
    proc = isolation.run(repo.cwd, "worktree", "list", "--porcelain", scratch=False)
    where = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("worktree "):
            where = line[len("worktree ") :]
        elif line == f"branch {ref}":
            return where
    return None


def _notes_map(repo: Repository) -> dict[str, str]:
    """Annotated commit -> note blob, for every aptool note."""
    proc = isolation.run(repo.cwd, "notes", f"--ref={NOTES_REF}", "list", scratch=False)
    if proc.returncode != 0:
        return {}
    found = {}
    for line in proc.stdout.decode().splitlines():
        parts = line.split()
        if len(parts) == 2:
            found[parts[1]] = parts[0]
    return found


def _load(repo: Repository, blob: str) -> dict[str, Any] | None:
    proc = isolation.run(repo.cwd, "cat-file", "blob", blob, scratch=False)
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("kind") == RECORD_KIND else None


def read_note(repo: Repository, commit: str) -> dict[str, Any] | None:
    """The aptool record attached to exactly ``commit``, or None."""
    blob = _notes_map(repo).get(commit)
    return _load(repo, blob) if blob else None


def read_record(repo_path: Path | str, rev: str = "HEAD", *, depth: int = 1000) -> tuple[str, dict[str, Any]] | None:
    """The nearest aptool record at ``rev`` or below it on the first-parent line.

    Returns (annotated commit, record).  ``aptool check`` uses it to find a
    branch's baseline (``record["series_base"]``) without being told; commits
    added on top of the branch later do not hide it.
    """
    from aptool.apply.worktree import open_repository

    repo = open_repository(repo_path)
    notes = _notes_map(repo)
    if not notes:
        return None
    proc = isolation.run(repo.cwd, "rev-list", "--first-parent", f"--max-count={depth}", rev, scratch=False)
    if proc.returncode != 0:
        raise RepositoryError(f"unknown revision: {rev}")
    for commit in proc.stdout.decode().split():
        if commit in notes:
            record = _load(repo, notes[commit])
            if record is not None:
                return commit, record
    return None


def make_notes_commit(
    repo: Repository, commit: str, record: Mapping[str, Any], env: Mapping[str, str], index_file: Path
) -> tuple[str, str | None]:
    """A new notes commit with ``record`` attached to ``commit``: (new, old value of the notes ref).

    ``index_file`` is a scratch index path of our own (in the scratch
    worktree's git dir, so a killed run leaves nothing elsewhere).
    """
    old = ref_value(repo, NOTES_REF)
    cwd = repo.common_dir
    index_env = {**env, "GIT_INDEX_FILE": str(index_file), "GIT_DIR": str(repo.common_dir)}
    if "GIT_COMMITTER_NAME" in env:  # no identity configured: the stand-in writes the notes commit too
        index_env.setdefault("GIT_AUTHOR_NAME", env["GIT_COMMITTER_NAME"])
        index_env.setdefault("GIT_AUTHOR_EMAIL", env.get("GIT_COMMITTER_EMAIL", ""))
    try:
        text = json.dumps(record, indent=2, sort_keys=False) + "\n"
        blob = isolation.check(cwd, "hash-object", "-w", "--stdin", input=text.encode(), env=index_env).strip()
        if old:
            isolation.check(cwd, "read-tree", old, env=index_env)
        else:
            isolation.check(cwd, "read-tree", "--empty", env=index_env)
        listed = isolation.check(cwd, "ls-files", "-z", env=index_env)
        stale = [p for p in listed.split("\0") if p and p.replace("/", "") == commit]
        if stale:
            isolation.check(
                cwd,
                "update-index",
                "--force-remove",
                "-z",
                "--stdin",
                input=b"".join(p.encode() + b"\0" for p in stale),
                env=index_env,
            )
        isolation.check(cwd, "update-index", "--add", "--cacheinfo", f"100644,{blob},{commit}", env=index_env)
        tree = isolation.check(cwd, "write-tree", env=index_env).strip()
        args = ["commit-tree", tree, "-m", f"Notes added by '{RECORD_KIND}'"]
        if old:
            args[2:2] = ["-p", old]
        new = isolation.check(cwd, *args, env=index_env).strip()
    finally:
        index_file.unlink(missing_ok=True)
    return new, old


def update_refs(
    repo: Repository,
    ref: str,
    new: str,
    old: str | None,
    notes: tuple[str, str | None],
    message: str,
) -> None:
    """Move ``ref`` (from ``old``; None: it must not exist) and the notes ref in one transaction."""
    notes_new, notes_old = notes
    lines = [
        f"update {ref} {new} {old or _ZERO}",
        f"update {NOTES_REF} {notes_new} {notes_old or _ZERO}",
    ]
    proc = isolation.run(
        repo.cwd, "update-ref", "-m", message, "--stdin", scratch=False, input=("\n".join(lines) + "\n").encode()
    )
    if proc.returncode != 0:
        raise RepositoryError(f"cannot write {ref}: {isolation.last_line(proc)}")
