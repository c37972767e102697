"""The repository object: "is this a repository?" answered once, its objects and its configuration.

git itself answers whether a directory is in a repository (one ``rev-parse``,
so that ceilings, ``safe.directory`` and worktrees count as they do for git).
GitPython's ``Repo`` keeps one persistent ``git cat-file --batch`` process
for reading objects; it is imported only when objects are first read, so
commands that read none (``--help``, ``base``) start without paying for it.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from aptool.errors import RepositoryError
from aptool.git.run import REDIRECTING, git_bytes, last_line, run

if TYPE_CHECKING:
    import git as gitpython

NOTES_REF = "refs/notes/aptool"
"""Where apply-series records base and prerequisites; base leaves the branches it names out of the search."""


class Repository:
    """An opened git repository; use :func:`open_repository` to make one.

    ``top`` is the work tree (None when bare), ``git_dir`` this worktree's git
    directory, ``common_dir`` the one shared by all worktrees (objects, refs,
    configuration).
    """

    def __init__(self, path: Path, top: Path | None, git_dir: Path, common_dir: Path) -> None:
        self.path = path
        self.top = top
        self.git_dir = git_dir
        self.common_dir = common_dir
        self._handle: gitpython.Repo | None = None
        self._lock = threading.Lock()

    @property
    def cwd(self) -> Path:
        """A directory to run repository-wide git commands from."""
        return self.top or self.common_dir

    @property
    def bare(self) -> bool:
        return self.top is None

    @property
    def gitpython(self) -> gitpython.Repo:
        """The GitPython ``Repo`` of this repository, made on first use."""
        if self._handle is None:
            import git as gitpython  # tens of milliseconds to import: only when objects are read

            handle = gitpython.Repo(self.top or self.git_dir)
            if any(name in os.environ for name in REDIRECTING):
                # A git hook's GIT_DIR, GIT_INDEX_FILE, GIT_WORK_TREE would redirect
                # GitPython's own git processes; point them back at this repository.
                handle.git.update_environment(
                    GIT_DIR=str(self.git_dir),
                    GIT_COMMON_DIR=str(self.common_dir),
                    GIT_INDEX_FILE=str(self.git_dir / "index"),
                    GIT_WORK_TREE=str(self.top) if self.top else None,
                )
            self._handle = handle
        return self._handle

    # -- objects ---------------------------------------------------------------

    def _object(self, spec: str) -> tuple[str, str, bytes] | None:
        """(oid, type, content) of ``spec`` from the persistent ``cat-file``; None when git has no such object."""
        with self._lock:
            handle = self.gitpython
            try:
                oid, kind, size, data = handle.git.get_object_data(spec)
            except ValueError as err:
                if "could not be resolved" in str(err):  # "<spec> missing" or "<spec> ambiguous"
                    return None
                raise RepositoryError(f"git cat-file failed on {spec}: {_first_line(err)}") from None
            except (OSError, AttributeError) as err:  # the process died: a broken pipe or a closed stream
                handle.git.clear_cache()
                raise RepositoryError(f"git cat-file failed on {spec}: {_first_line(err)}") from None
            if len(data) != size:
                handle.git.clear_cache()
                raise RepositoryError(f"git cat-file failed on {spec}: the object was cut short")
            return _text(oid), _text(kind), data

    def read(self, spec: str) -> bytes | None:
        """Content of an object (``<oid>`` or ``<rev>:<path>``); None when absent.

        Raises :class:`RepositoryError` when git cannot answer (the process died),
        which is not the same as "absent".
        """
        answer = self._object(spec)
        return answer[2] if answer else None

    def info(self, spec: str) -> tuple[str, str] | None:
        """(full oid, type) of an object; None when absent; raises like :meth:`read`."""
        answer = self._object(spec)
        return (answer[0], answer[1]) if answer else None

    # -- configuration ---------------------------------------------------------

    @cached_property
    def config(self) -> dict[str, str]:
        """Every configuration value git sees here (last one wins), read once."""
        return read_config(self.cwd)

    def close(self) -> None:
        """Stop the persistent git processes."""
        if self._handle is not None:
            self._handle.git.clear_cache()
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text(value: str | bytes) -> str:
    """GitPython hands the header back as bytes."""
    return value.decode("ascii") if isinstance(value, bytes) else value


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def open_repository(path: Path | str) -> Repository:
    """The repository that holds ``path`` (a work tree, any directory in it, or a bare repository).

    Raises :class:`RepositoryError` ``not a git repository: <path>`` otherwise;
    this is the one place that question is answered.
    """
    path = Path(path).expanduser()
    if not path.is_dir():
        raise RepositoryError(f"not a git repository: {path.resolve()} does not exist")
    asked = ("rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--is-bare-repository")
    proc = run(path, *asked, "--show-toplevel")  # in a work tree, the usual case: one process
    answer = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode == 0 and len(answer) == 4 and answer[2] != "true" and answer[3]:
        return Repository(path, Path(answer[3]), Path(answer[0]), Path(answer[1]))
    proc = run(path, *asked)  # bare, inside the .git directory, or no repository
    if proc.returncode != 0:
        said = last_line(proc)
        why = "" if "not a git repository" in said else f" ({said.removeprefix('fatal: ')})"
        raise RepositoryError(f"not a git repository: {path.resolve()}{why}")
    git_dir, common_dir, bare = proc.stdout.decode("utf-8", "replace").splitlines()[:3]
    top = None
    if bare != "true":
        inside = run(path, "rev-parse", "--show-toplevel")  # fails inside the .git directory itself
        if inside.returncode == 0 and inside.stdout.strip():
            top = Path(inside.stdout.decode("utf-8", "replace").strip())
    return Repository(path, top, Path(git_dir), Path(common_dir))


def read_config(repo: Path | str | None = None) -> dict[str, str]:
    """Every configuration value git sees from ``repo`` (or outside any repository), in one ``git config``.

    Keys are as git prints them (section and name lower-cased).  git itself
    reads the files, so ``GIT_CONFIG_GLOBAL``, includes and ``includeIf`` count
    as they do for git (GitPython's reader knows none of them).
    """
    out = git_bytes(repo, "config", "--list", "-z", check=False)
    values: dict[str, str] = {}
    for item in out.split(b"\0"):
        if item:
            key, _, value = item.decode("utf-8", "replace").partition("\n")
            values[key] = value
    return values


def config_key(key: str) -> str:
    """``key`` as ``git config --list`` prints it: section and name lower-cased, a subsection kept."""
    section, _, rest = key.partition(".")
    subsection, _, name = rest.rpartition(".")
    return ".".join(p for p in (section.lower(), subsection, name.lower()) if p)
