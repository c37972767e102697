"""A human name for a commit, like ``git describe``, also where there are no tags."""

from __future__ import annotations

from pathlib import Path

from aptool.git.run import git


def describe(repo: Path, oid: str, tags: bool = True) -> str:
    """``v5.13-rc1-6-g9f881d9419e0`` with tags; ``master~2`` from branches; else the short id.

    ``tags`` False: the caller knows the repository has none (``git describe`` is not asked).
    """
    tagged = git(repo, "describe", "--tags", "--abbrev=12", oid, check=False).strip() if tags else ""
    if tagged:
        return tagged
    for refs in ("refs/heads/*", "refs/remotes/*", "refs/*"):
        named = git(repo, "name-rev", "--name-only", "--no-undefined", f"--refs={refs}", oid, check=False).strip()
        if named:
            return named
    return oid[:12]
