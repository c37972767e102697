"""Which blob a path holds at a commit, asked of one ``git cat-file --batch-check`` kept open.

One answer asks git this four to eight times (a line's commit, an
application's two sides, the tags, the evidence); a process per question
cost a run more than the questions did.  A :class:`BaseFinder` keeps one
lookup open while it works and closes it with itself.

.. code-block:: python

    with BlobLookup(repo) as lookup:
        lookup.blobs([(commit, "fs/btrfs/inode.c")])  # -> ["3f1c..."] or [""] when absent
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from aptool.git.run import DEVNULL, git, popen

CHUNK = 256  # specs written before their answers are read: well under a pipe's buffer both ways


class BlobLookup:
    """A persistent ``cat-file --batch-check`` of one repository; started on first use."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobLookup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def objects(self, names: list[str]) -> list[tuple[str, str]]:
        """(full id, type) of each object name (``HEAD``, ``v1.0^{}``), ("", "") where git has none."""
        if not all(_one_line(name) and name.strip() == name for name in names):
            return [_object(line) for line in _once(self.repo, names)]
        answers: list[tuple[str, str]] = []
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            found = self._ask(chunk)
            answers += [_object(line) for line in (found if found is not None else _once(self.repo, chunk))]
        return answers

    def blobs(self, specs: list[tuple[str, str]]) -> list[str]:
        """The blob id at each (commit, path), "" where the path is absent or names no blob.

        A path that cannot be written on one line of git's protocol (control
        characters, undecodable bytes from mail) is asked in a ``cat-file`` of
        its own; so is everything when the kept process has died.
        """
        if not specs:
            return []
        if not all(_one_line(path) for _, path in specs):
            return once(self.repo, specs)
        answers: list[str] = []
        for start in range(0, len(specs), CHUNK):
            chunk = specs[start : start + CHUNK]
            found = self._ask([f"{commit}:{path}" for commit, path in chunk])
            answers += [_blob(line) for line in found] if found is not None else once(self.repo, chunk)
        return answers

    def _ask(self, names: list[str]) -> list[str] | None:
        """git's answer line per name from the kept process; None when it has died."""
        if self._proc is None:
            self._proc = popen(self.repo, "cat-file", "--batch-check=%(objectname) %(objecttype)", stderr=DEVNULL)
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write("".join(f"{name}\n" for name in names).encode())
            proc.stdin.flush()
            lines = [proc.stdout.readline() for _ in names]
        except OSError:
            lines = []
        if len(lines) != len(names) or not all(line.endswith(b"\n") for line in lines):
            self.close()  # died: this question goes to a process of its own, the next starts a new one
            return None
        return [line.decode("utf-8", "replace").rstrip("\n") for line in lines]

    def close(self) -> None:
        """Stop the kept process (it ends at the end of its input)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def once(repo: Path, specs: list[tuple[str, str]]) -> list[str]:
    """:meth:`BlobLookup.blobs` in one ``cat-file`` process of its own."""
    return [_blob(line) for line in _once(repo, [f"{commit}:{path}" for commit, path in specs])]


def _once(repo: Path, names: list[str]) -> list[str]:
    """git's answer line per name, in order.

    A path from mail may carry undecodable bytes as surrogates: git is asked
    for those bytes.  git's answers are split at ``\n`` only (a path may hold a
    form feed or U+2028, which :meth:`str.splitlines` would also split at),
    and a name holding a newline, which the protocol cannot carry, is asked
    on its own command line.
    """
    plain = [name for name in names if "\n" not in name]
    text = "".join(f"{name}\n" for name in plain).encode("utf-8", "surrogateescape")
    out = git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype)", input=text) if plain else ""
    answers = iter(out.split("\n"))
    return [next(answers) if "\n" not in name else _alone(repo, name) for name in names]


def _alone(repo: Path, name: str) -> str:
    """``<id> <type>`` for one object name that holds a newline, ``missing`` where git has none."""
    found = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", name, check=False).strip()
    kind = git(repo, "cat-file", "-t", found, check=False).strip() if found else ""
    return f"{found} {kind}" if found and kind else "missing"


def _blob(line: str) -> str:
    return line.split()[0] if line.endswith(" blob") else ""


def _object(line: str) -> tuple[str, str]:
    words = line.split()  # "<id> <type>", or "<name> missing" / "<name> ambiguous"
    if len(words) == 2 and len(words[0]) >= 40 and all(c in "0123456789abcdef" for c in words[0]):
        return words[0], words[1]
    return "", ""


def _one_line(path: str) -> bool:
    """True when ``path`` is plain printable UTF-8 (no surrogates standing for undecodable bytes)."""
    if not path.isprintable():
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
