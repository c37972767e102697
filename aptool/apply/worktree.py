"""aptool's scratch worktrees: made under ``.git/aptool/worktrees/``, locked while in use, never left behind.

Each run holds an ``flock`` on ``<name>.lock`` for as long as its worktree
lives.  The kernel drops that lock when the process dies, however it dies,
so a worktree whose lock can be taken belongs to a dead run and is removed
by the next one.  Only aptool's own worktrees are touched: ``git worktree
prune`` would also drop the user's worktrees whose directories are merely
unmounted, so we remove our entries the way prune does, one by one.

The scratch worktree is sparse: only the files the patches touch are
written, so a kernel-sized tree costs no more than a toy one.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aptool import git as git_layer
from aptool.apply import isolation
from aptool.errors import RepositoryError

PREFIX = "aptool-apply-"


@dataclass(frozen=True)
class Repository:
    """Where a repository keeps its things: the work tree (None when bare) and the common git dir."""

    path: Path  # what the user named
    top: Path | None
    common_dir: Path

    @property
    def cwd(self) -> Path:
        """A directory to run repository-wide git commands from."""
        return self.top or self.common_dir

    @property
    def scratch_root(self) -> Path:
        return self.common_dir / "aptool" / "worktrees"


def open_repository(path: Path | str) -> Repository:
    path = Path(path).expanduser()
    if not path.exists():
        raise RepositoryError(f"no such directory: {path}")
    with git_layer.open_repository(path) as found:
        return Repository(path=path, top=found.top, common_dir=found.common_dir)


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on ``path``, or None when a live process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextmanager
def _registry_lock(root: Path) -> Iterator[None]:
    """Held briefly while a run registers its worktree or removes stale ones."""
    fd = os.open(root / "registry.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _admin_entries(repo: Repository) -> dict[str, Path]:
    """Our scratch names -> their entries under ``.git/worktrees/``."""
    found: dict[str, Path] = {}
    admin_root = repo.common_dir / "worktrees"
    if not admin_root.is_dir():
        return found
    for admin in admin_root.iterdir():
        if not admin.name.startswith(PREFIX):
            continue
        try:
            target = Path((admin / "gitdir").read_text().strip()).parent
        except OSError:
            found.setdefault(admin.name, admin)  # killed inside "git worktree add"
            continue
        if target.parent == repo.scratch_root:
            found[target.name] = admin
    return found


def remove_stale(repo: Repository, *, keep: Iterable[str] = ()) -> list[str]:
    """Remove the scratch worktrees of runs that died; the names removed.

    Call with the registry lock held.
    """
    root = repo.scratch_root
    if not root.is_dir():
        return []
    keep = set(keep)
    admins = _admin_entries(repo)
    names = set(admins)
    for entry in root.iterdir():
        if entry.name.startswith(PREFIX):
            names.add(entry.name[: -len(".lock")] if entry.name.endswith(".lock") else entry.name)
    removed = []
    for name in sorted(names - keep):
        lock_path = root / f"{name}.lock"
        fd = _try_lock(lock_path)
        if fd is None:
            continue  # a live run's
        try:
            shutil.rmtree(root / name, ignore_errors=True)
            if name in admins:
                shutil.rmtree(admins[name], ignore_errors=True)
            lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)
        removed.append(name)
    return removed


def clean_stale(repo: Repository) -> list[str]:
    """Remove dead runs' scratch worktrees (the registry lock taken); the names removed."""
    root = repo.scratch_root
    if not root.is_dir():
        return []
    with _registry_lock(root):
        return remove_stale(repo)


def _sparse_pattern(path: str) -> str:
    """A non-cone sparse-checkout pattern that matches exactly ``path``."""
    escaped = "".join("\\" + ch if ch in "\\*?[" else ch for ch in path)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped


class ScratchWorktree:
    """A detached, sparse worktree at ``base`` under ``.git/aptool/worktrees/``; removed on exit."""

    def __init__(self, repo: Repository, base: str, paths: Iterable[str], env: Mapping[str, str] | None = None):
        self.repo = repo
        self.base = base
        self.paths = sorted({p for p in paths if p and p != "/dev/null"})
        self.env = dict(env or {})
        self.name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        self.path = repo.scratch_root / self.name
        self.admin: Path | None = None
        self.full = False
        self.stale_removed: list[str] = []
        self._lock_fd: int | None = None

    # -- lifetime -------------------------------------------------------------

    def __enter__(self) -> ScratchWorktree:
        root = self.repo.scratch_root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise RepositoryError(f"cannot create {root}: {err.strerror}") from None
        with _registry_lock(root):
            self._lock_fd = _try_lock(root / f"{self.name}.lock")
            self.stale_removed = remove_stale(self.repo, keep=[self.name])
        try:
            self._create()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _create(self) -> None:
        proc = isolation.run(
            self.repo.cwd, "worktree", "add", "--detach", "--no-checkout", str(self.path), self.base, env=self.env
        )
        if proc.returncode != 0:
            raise RepositoryError(f"cannot create a worktree at {self.base[:12]}: {isolation.last_line(proc)}")
        self.admin = Path(isolation.check(self.path, "rev-parse", "--path-format=absolute", "--git-dir").strip())
        self._checkout(self.paths)

    def _checkout(self, paths: list[str] | None) -> None:
        """Write the index and the files named (every file when None) for HEAD."""
        assert self.admin is not None
        info = self.admin / "info"
        info.mkdir(exist_ok=True)
        # A pattern is one line of the file: a path holding a line break cannot be one, so its
        # worktree has every file.  Undecodable bytes from mail are written back as those bytes.
        whole = paths is None or any("\n" in p or "\r" in p for p in paths)
        patterns = ["/*"] if whole or paths is None else [_sparse_pattern(p) for p in paths]
        (info / "sparse-checkout").write_bytes(("\n".join(patterns) + "\n").encode("utf-8", "surrogateescape"))
        isolation.check(self.path, "read-tree", "-m", "-u", "HEAD", env=self.env)

    def widen(self) -> None:
        """Write every file, for a merge that needs paths the patches do not name."""
        if not self.full:
            self.git("reset", "-q", "--hard")
            self._checkout(None)
            self.full = True

    def remove(self) -> None:
        """Remove the worktree and its entry in ``.git/worktrees``, then drop our lock."""
        if self._lock_fd is None:
            return
        if self.path.exists():
            proc = isolation.run(self.repo.cwd, "worktree", "remove", "--force", "--force", str(self.path))
            if proc.returncode != 0:
                shutil.rmtree(self.path, ignore_errors=True)
        if self.admin is not None and self.admin.exists():
            shutil.rmtree(self.admin, ignore_errors=True)
        for name, admin in _admin_entries(self.repo).items():
            if name == self.name:
                shutil.rmtree(admin, ignore_errors=True)
        (self.repo.scratch_root / f"{self.name}.lock").unlink(missing_ok=True)
        os.close(self._lock_fd)
        self._lock_fd = None

    # -- running git in it ----------------------------------------------------

    def git(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return isolation.run(self.path, *args, input=input, env=self.env)

    def check(self, *args: str, input: bytes | None = None) -> str:
        return isolation.check(self.path, *args, input=input, env=self.env)

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        return git_layer.popen(self.path, *args, env=self.env, config=isolation.SCRATCH_CONFIG)

    def head(self) -> str:
        return self.check("rev-parse", "HEAD").strip()

    def state_path(self, name: str) -> Path:
        """A file in this worktree's own git dir (``rebase-apply/patch``, ...)."""
        assert self.admin is not None
        return self.admin / name
