"""Reading git objects by id: one persistent ``git cat-file --batch`` per repository.

Spawning git per blob costs milliseconds each; the batch process (GitPython's,
kept by :class:`~aptool.git.repo.Repository`) answers in microseconds.
"""

from __future__ import annotations

from pathlib import Path

from aptool.git.repo import Repository, open_repository


class ObjectReader:
    """Reads objects of the repository at ``repo``; use as a context manager.

    ``read``/``info`` return None for an object git does not have and raise
    :class:`~aptool.errors.RepositoryError` when git cannot answer.
    """

    def __init__(self, repo: Path | str | Repository) -> None:
        self._owned = not isinstance(repo, Repository)
        self.repository = repo if isinstance(repo, Repository) else open_repository(repo)

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, spec: str) -> bytes | None:
        """Content of an object (``<oid>`` or ``<rev>:<path>``), None if absent."""
        return self.repository.read(spec)

    def info(self, spec: str) -> tuple[str, str] | None:
        """(full oid, type) of an object, None if absent."""
        return self.repository.info(spec)

    def close(self) -> None:
        if self._owned:
            self.repository.close()
