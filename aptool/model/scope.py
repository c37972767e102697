"""Grow a scope of files: add the files that define what they call and what calls them.

A series touches a few files; the lock chain that matters (an ioctl in one
file, a callback in another) crosses more.  ``git grep`` finds the files
that define the callees and the files that call the functions defined in
scope, a bounded number of rounds.
"""

from __future__ import annotations

import re
from pathlib import Path

from aptool.git.run import git
from aptool.model.load import build_from_sources, read_sources

MAX_FILES = 200


def grow_scope(repo: Path, rev: str, files: list[str], depth: int = 2) -> list[str]:
    """``files`` plus definers of their callees and callers of their functions, ``depth`` rounds."""
    scope = list(dict.fromkeys(files))
    for _ in range(depth):
        model = build_from_sources(*read_sources(None, repo, rev, scope))
        defined = {f.name for f in model.functions.values()}
        called = {e.callee for f in model.functions.values() for e in f.events()
                  if e.kind == "call" and e.callee and not e.via_pointer}
        pointers = {e.callee for f in model.functions.values() for e in f.events() if e.kind == "call" and e.via_pointer}
        wanted = sorted((called - defined) | pointers)
        found: set[str] = set()
        if wanted:
            found |= _grep(repo, rev, [rf"^[a-z].*\b({'|'.join(map(re.escape, wanted))})\(" ,
                                       rf"\.({'|'.join(map(re.escape, pointers or {'x'}))})\s*="])
        if defined:
            found |= _grep(repo, rev, [rf"\b({'|'.join(map(re.escape, sorted(defined)))})\s*\("])
        new = [f for f in sorted(found) if f.endswith((".c", ".h")) and f not in scope]
        if not new:
            break
        scope += new[: MAX_FILES - len(scope)]
        if len(scope) >= MAX_FILES:
            break
    return scope


def _grep(repo: Path, rev: str, patterns: list[str]) -> set[str]:
    args = ["grep", "-l", "-E"]
    for pattern in patterns:
        args += ["-e", pattern]
    out = git(repo, *args, rev, "--", "*.c", "*.h", check=False)
    return {line.split(":", 1)[1] for line in out.splitlines() if ":" in line}
