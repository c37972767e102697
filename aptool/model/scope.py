"""Grow a scope of files: add the files that define what they call and what calls them.

A series touches a few files; the lock chain that matters (an ioctl in one
file, a callback in another, the hook in a third) crosses more.  Each round
asks ``git grep`` once for three things: where the functions the scope
calls but does not define are defined, where the scope's non-static
functions are called, and where the function-pointer fields the scope
stores into or calls through are used (``pqap_hook``: the R path of the
fixture).  A bounded number of rounds, a bounded number of files.
"""

from __future__ import annotations

import re
from pathlib import Path

from aptool.git.repo import open_repository
from aptool.git.run import git
from aptool.model.data import CodeModel
from aptool.model.load import build_from_sources, read_sources

MAX_FILES = 200
DEPTH = 2
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")


def grow_scope(repo: Path, rev: str | None, files: list[str], depth: int = DEPTH) -> list[str]:
    """``files`` (paths in the repository) plus definers of their callees, callers of their
    functions and users of their function-pointer fields, ``depth`` rounds.  ``rev`` None:
    the work tree."""
    open_repository(repo).close()  # "not a git repository: ..." otherwise
    scope = list(dict.fromkeys(files))
    for _ in range(depth):
        model = _model(repo, rev, scope)
        found = _grep(repo, rev, _patterns(model))
        new = [f for f in sorted(found) if f.endswith((".c", ".h")) and f not in scope]
        if not new:
            break
        scope += new[: MAX_FILES - len(scope)]
        if len(scope) >= MAX_FILES:
            break
    return scope


def _model(repo: Path, rev: str | None, scope: list[str]) -> CodeModel:
    if rev is not None:
        return build_from_sources(*read_sources(None, repo, rev, scope))
    return build_from_sources(*read_sources([repo / f for f in scope], None, None, None))


def _patterns(model: CodeModel) -> list[str]:
    defined = {f.name for f in model.functions.values()}
    public = sorted({f.name for f in model.functions.values() if not f.static})
    calls = [e for f in model.functions.values() for e in f.events() if e.kind == "call" and e.callee]
    undefined = sorted({e.callee for e in calls if e.callee and not e.via_pointer and e.callee not in defined})
    stored = {field for field in model.pointer_targets if "." not in field}  # STRUCT.field keys repeat them
    fields = sorted({e.callee for e in calls if e.callee and e.via_pointer} | stored)
    patterns = []
    if undefined:
        patterns.append(rf"^[A-Za-z_].*\b({_alternatives(undefined)})\(")  # a definition starts in column 0
    if public:
        patterns.append(rf"\b({_alternatives(public)})\s*\(")
    if fields:
        patterns.append(rf"\b({_alternatives(fields)})\b")
    return patterns


def _alternatives(names: list[str]) -> str:
    return "|".join(n for n in names if _IDENTIFIER.match(n))


def _grep(repo: Path, rev: str | None, patterns: list[str]) -> set[str]:
    if not patterns:
        return set()
    args = ["grep", "-l", "-E"]
    for pattern in patterns:
        args += ["-e", pattern]
    out = git(repo, *args, *([rev] if rev is not None else []), "--", "*.c", "*.h", check=False)
    if rev is None:
        return set(out.splitlines())
    return {line.split(":", 1)[1] for line in out.splitlines() if ":" in line}
