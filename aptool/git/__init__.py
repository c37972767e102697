"""The one git layer: every git process aptool starts, and every repository it opens, go through here.

Repositories (``aptool.git.repo``, on GitPython)
    ``open_repository(path) -> Repository``: the one answer to "is this a
    repository?" (git's own, from one ``rev-parse``); a directory inside a work
    tree, a linked worktree or a bare repository all open; anything else raises
    ``RepositoryError("not a git repository: <path>")`` (exit 2).  A
    ``Repository`` has ``path``, ``top`` (the work tree, None when bare),
    ``git_dir``, ``common_dir``, ``cwd``, ``gitpython`` (the ``git.Repo``, made
    on first use), and:

    - ``read(spec) -> bytes | None`` and ``info(spec) -> (oid, type) | None``
      through GitPython's persistent ``cat-file --batch``: None means git has
      no such object; a cat-file that fails raises ``RepositoryError``;
    - ``config``: every ``git config`` value, read once (keys lower-cased as
      ``git config --list`` prints them; ``config_key("b4.linkMask")`` spells one);
    - ``close()``, or use it as a context manager.

    ``ObjectReader(path_or_repository)`` (``aptool.git.objects``) is the same
    object reading for code that holds only a path.  ``read_config(path)`` is the
    configuration outside a ``Repository`` (also outside any repository).
    ``NOTES_REF`` is ``refs/notes/aptool``, named only here.

The runner (``aptool.git.run``), for commands GitPython has no API for
    ``git(repo, *args, input=, env=, check=True, config=()) -> str``,
    ``git_bytes(...) -> bytes``, ``git_ok(repo, *args) -> bool``,
    ``aptool.git.run.run(repo, *args, ...) -> CompletedProcess`` (whatever the exit code;
    not re-exported, as it would hide the module's name),
    ``popen(repo, *args, ...) -> Popen`` (output read as a stream), and
    ``last_line(proc)``.  ``repo`` None runs git outside any repository;
    ``config`` items become ``-c`` options.  Every child gets ``git_env()``:
    no pager, no prompts, C locale, and without ``GIT_DIR``,
    ``GIT_INDEX_FILE``, ``GIT_WORK_TREE`` (and the other variables a git hook
    sets) unless ``env`` sets them.  A failure with ``check`` raises
    ``RepositoryError("git <cmd> failed: <git's last line>")``.

GitPython is imported only when objects are first read, so commands that need
none start without it.
"""

from aptool.git.objects import ObjectReader
from aptool.git.repo import NOTES_REF, Repository, config_key, open_repository, read_config
from aptool.git.run import commit_id, git, git_bytes, git_env, git_ok, last_line, popen

__all__ = [
    "commit_id",
    "NOTES_REF",
    "ObjectReader",
    "Repository",
    "config_key",
    "git",
    "git_bytes",
    "git_env",
    "git_ok",
    "last_line",
    "open_repository",
    "popen",
    "read_config",
]
