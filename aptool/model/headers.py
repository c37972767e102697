"""The headers a set of C files includes, for their struct and function declarations.

Lock classes need struct definitions, and those live in headers
(``struct kvm`` in ``include/linux/kvm_host.h``).  ``#include "x.h"`` is
looked up beside the file, ``#include <x/y.h>`` under the tree's
``include/`` and ``arch/*/include/`` directories.  Headers add declarations
only; their functions are not part of the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

_INCLUDE = re.compile(rb'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
MAX_HEADERS = 400
MAX_NAME = 1024  # longer than any header path a tree has; a longer name is not looked up


def included_headers(
    sources: dict[str, bytes],
    exists: Callable[[str], bool],
    read: Callable[[str], bytes],
    roots: list[str],
    depth: int = 2,
) -> dict[str, bytes]:
    """Headers reachable from ``sources`` within ``depth`` include levels, by path."""
    found: dict[str, bytes] = {}
    frontier = dict(sources)
    for _ in range(depth):
        wanted: list[str] = []
        for path, data in frontier.items():
            for kind, name in _INCLUDE.findall(data):
                if len(name) > MAX_NAME or not name.isascii() or b"\0" in name or b"\n" in name:
                    continue  # not a header name any tree has (a fuzzed or binary file)
                target = _locate(path, kind.decode(), name.decode(), exists, roots)
                if target and target not in sources and target not in found and target not in wanted:
                    wanted.append(target)
        frontier = {}
        for target in wanted[: MAX_HEADERS - len(found)]:
            frontier[target] = found[target] = read(target)
        if not frontier:
            break
    return found


def _locate(source: str, kind: str, name: str, exists: Callable[[str], bool], roots: list[str]) -> str | None:
    candidates = []
    if kind == '"':
        candidates.append(str(PurePosixPath(source).parent / name))
    candidates += [f"{root}/{name}" if root else name for root in _prefer_arch(source, roots)]
    for candidate in candidates:
        normal = _normalise(candidate)
        if exists(normal):
            return normal
    return None


def _prefer_arch(source: str, roots: list[str]) -> list[str]:
    """``<asm/kvm_host.h>`` from ``arch/s390/kvm/x.c`` or ``drivers/s390/crypto/y.c`` is s390's:
    the include directories of an architecture named in the source's path come first, then x86's."""
    parts = set(PurePosixPath(source).parts)

    def rank(root: str) -> int:
        match = re.search(r"(?:^|/)arch/([^/]+)/include", root)
        if match is None:
            return 0
        return 1 if match.group(1) in parts else 2 if match.group(1) == "x86" else 3

    return sorted(roots, key=rank)


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts) if not path.startswith("/") else "/" + "/".join(parts[1:])


def include_roots(top: str, directories: list[str]) -> list[str]:
    """``include`` and every ``arch/*/include`` (and their uapi) that exist under ``top``."""
    roots = []
    for candidate in ["include", "include/uapi"] + sorted(
        d for d in directories if re.fullmatch(r"arch/[^/]+/include(/uapi)?", d)
    ):
        if candidate in directories:
            roots.append(f"{top}/{candidate}" if top else candidate)
    return roots


def tree_top(path: Path) -> Path | None:
    """The nearest ancestor that looks like the top of a kernel-shaped tree."""
    for parent in [path, *path.parents][:8]:
        if (parent / "include" / "linux").is_dir() or (parent / "arch").is_dir():
            return parent  # not arch/s390, whose include/ holds only that architecture's headers
    return None
