"""One long-lived ``git cat-file --batch`` process per repository.

Spawning git per blob costs milliseconds each; a batch process answers in
microseconds.  This is the only place that reads git objects by id.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from aptool.git.run import git_env


class ObjectReader:
    """Reads objects through ``git cat-file --batch``; use as a context manager."""

    def __init__(self, repo: Path | str) -> None:
        self.repo = Path(repo)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _process(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._proc = subprocess.Popen(
                ["git", "-C", str(self.repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=git_env(),
            )
        return self._proc

    def _ask(self, spec: str) -> tuple[str, str, bytes] | None:
        """(oid, type, content) of ``spec``, or None when git has no such object."""
        with self._lock:
            proc = self._process()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(spec.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().decode().split()
            if len(header) != 3:  # "<spec> missing" or "<spec> ambiguous"
                return None
            oid, kind, size = header
            data = proc.stdout.read(int(size))
            proc.stdout.read(1)  # the newline after the content
            return oid, kind, data

    def read(self, spec: str) -> bytes | None:
        """Content of an object (``<oid>`` or ``<rev>:<path>``), None if absent."""
        answer = self._ask(spec)
        return answer[2] if answer else None

    def info(self, spec: str) -> tuple[str, str] | None:
        """(full oid, type) of an object, None if absent."""
        answer = self._ask(spec)
        return (answer[0], answer[1]) if answer else None

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait()
            self._proc = None
