"""Deterministic git for the story: a fixed environment and ``git fast-import``.

The whole history goes in through one fast-import stream, so building is
quick and every commit id depends only on the story's data.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from aptool.git import run as runner
from aptool.story.data import Person


def story_env(home: Path) -> dict[str, str]:
    """git with no user or system configuration, hooks or signing."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "TZ": "UTC",
    }


def run(repo: Path, *args: str, stdin: bytes | None = None, home: Path | None = None) -> bytes:
    """Run git in ``repo``; a failure is a bug in the story, so it raises loudly."""
    proc = runner.run(
        repo, *args, input=stdin, env=story_env(home or repo), config=("core.hooksPath=/dev/null",), inherit=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def git_date(when: datetime) -> str:
    """fast-import's raw date: seconds since the epoch and the zone offset."""
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"{int(when.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


class FastImport:
    """Builds one fast-import stream: blobs (deduplicated), commits, refs."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._next_mark = 1
        self._blob_marks: dict[bytes, int] = {}

    def _mark(self) -> int:
        mark = self._next_mark
        self._next_mark += 1
        return mark

    def blob(self, data: bytes) -> int:
        if data in self._blob_marks:
            return self._blob_marks[data]
        mark = self._mark()
        self._chunks.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        self._blob_marks[data] = mark
        return mark

    def commit(
        self,
        ref: str,
        author: Person,
        when: datetime,
        message: str,
        tree: dict[str, bytes],
        parents: list[str],
    ) -> int:
        """A commit whose tree is exactly ``tree``; parents are ``:mark`` or full ids."""
        blobs = {path: self.blob(data) for path, data in sorted(tree.items())}
        mark = self._mark()
        who = f"{author.name} <{author.email}> {git_date(when)}"
        text = message.encode()
        lines = [
            f"commit {ref}".encode(),
            b"mark :%d" % mark,
            f"author {who}".encode(),
            f"committer {who}".encode(),
            b"data %d" % len(text),
            text,
        ]
        if parents:
            lines.append(f"from {parents[0]}".encode())
        lines += [f"merge {p}".encode() for p in parents[1:]]
        lines.append(b"deleteall")
        lines += [f"M 100644 :{blob} {path}".encode() for path, blob in blobs.items()]
        self._chunks.append(b"\n".join(lines) + b"\n\n")
        return mark

    def ref(self, ref: str, target: str) -> None:
        self._chunks.append(f"reset {ref}\nfrom {target}\n\n".encode())

    def run(self, repo: Path) -> dict[int, str]:
        """Feed the stream to ``repo``; return commit marks -> full ids."""
        marks_file = repo / ".git" / "story-marks"
        stream = b"".join(self._chunks) + b"done\n"
        run(repo, "fast-import", "--quiet", "--done", f"--export-marks={marks_file}", stdin=stream)
        marks: dict[int, str] = {}
        for line in marks_file.read_text().splitlines():
            mark, oid = line.split()
            marks[int(mark[1:])] = oid
        marks_file.unlink()
        return marks


def message_for(subject: str, body: str, author: Person, signed: bool = True) -> str:
    """A kernel-style commit message with the author's sign-off."""
    text = subject + "\n"
    if body:
        text += "\n" + body + "\n"
    if signed:
        text += f"\nSigned-off-by: {author.address}\n"
    return text
