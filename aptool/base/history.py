"""Which blob every commit holds at a few paths, from one path-limited ``git log``.

Asking git per commit or per ref is what makes base-finding slow.  Instead
one ``git log --all --full-history -m --raw -- PATHS`` names every commit
that changes a path (merges included), and one ``git rev-list --all
--parents`` gives the graph; a commit that does not change a path holds what
its first parent holds.  Git's commit-graph file makes both fast on large
repositories.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aptool.base import graph_cache
from aptool.git.run import git

NO_BLOB = ""  # the path does not exist at that commit
NOTES_REF = "refs/notes/aptool"


def searchable_tips(repo: Path) -> list[str]:
    """Every ref's commit, except notes and the branches aptool itself built.

    A branch made by ``aptool apply-series`` holds the prerequisites it
    applied; searching it would "find" them in the repository.
    """
    built = set()
    for line in git(repo, "notes", f"--ref={NOTES_REF}", "list", check=False).splitlines():
        parts = line.split()
        if len(parts) == 2:
            built.add(parts[1])
    tips = []
    for line in git(repo, "for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname) %(refname)").splitlines():
        oid, kind, peeled, ref = (line.split(" ", 3) + ["", "", "", ""])[:4]
        if ref.startswith("refs/notes/") or ref == "refs/stash":
            continue
        target = peeled if kind == "tag" and peeled else oid
        if target in built:
            continue
        tips.append(target)
    head = git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
    if head and head not in built:
        tips.append(head)
    return sorted(set(tips))


@dataclass
class Commit:
    oid: str
    parents: tuple[str, ...]
    time: int  # committer date, seconds since the epoch


class BlobHistory:
    """Blob ids of ``paths`` at every commit reachable from any ref."""

    def __init__(self, repo: Path, paths: list[str]) -> None:
        self.repo = repo
        self.paths = sorted(set(paths))
        self.commits: dict[str, Commit] = {}
        self.order: list[str] = []  # parents before children
        self.blobs: dict[str, dict[str, str]] = {}  # path -> commit -> full blob id (or NO_BLOB)
        self._load_graph()
        self._load_changes(self.paths)

    def _load_graph(self) -> None:
        self.tips = searchable_tips(self.repo)
        if not self.tips:
            return
        rows = graph_cache.load(self.repo, self.tips)
        if rows is None:
            out = git(self.repo, "rev-list", "--stdin", "--topo-order", "--reverse", "--parents", "--timestamp",
                      input="\n".join(self.tips).encode() + b"\n")
            rows = [(f[1], tuple(f[2:]), int(f[0])) for f in (line.split() for line in out.splitlines()) if len(f) >= 2]
            graph_cache.store(self.repo, self.tips, rows)
        for oid, parents, time in rows:
            self.commits[oid] = Commit(oid, parents, time)
            self.order.append(oid)

    def _load_changes(self, paths: list[str]) -> None:
        changed: dict[str, dict[str, str]] = {path: {} for path in paths}
        if paths and self.commits:
            out = git(
                self.repo, "log", "--stdin", "--full-history", "--raw", "--no-abbrev", "--no-renames",
                "--format=C %H %P", "--", *paths, input="\n".join(self.tips).encode() + b"\n",
            )
            current = ""
            merges: list[str] = []  # git shows no diff for merges: ask for their blobs directly
            for line in out.splitlines():
                if line.startswith("C "):
                    fields = line.split()
                    current = fields[1]
                    if len(fields) > 3:
                        merges.append(current)
                elif line.startswith(":") and current:
                    meta, path = line.split("\t", 1)
                    if path in changed:
                        new = meta.split()[3]
                        changed[path][current] = NO_BLOB if set(new) == {"0"} else new
            self._merge_blobs(merges, paths, changed)
        for path in paths:
            held: dict[str, str] = {}
            for oid in self.order:
                if oid in changed[path]:
                    held[oid] = changed[path][oid]
                else:
                    parents = self.commits[oid].parents
                    held[oid] = held.get(parents[0], NO_BLOB) if parents else NO_BLOB
            self.blobs[path] = held

    def _merge_blobs(self, merges: list[str], paths: list[str], changed: dict[str, dict[str, str]]) -> None:
        if not merges:
            return
        specs = [(merge, path) for merge in merges for path in paths]
        answer = git(self.repo, "cat-file", "--batch-check=%(objectname)",
                     input="".join(f"{m}:{p}\n" for m, p in specs).encode()).splitlines()
        for (merge, path), line in zip(specs, answer):
            changed[path][merge] = NO_BLOB if line.endswith("missing") else line.strip()

    def holds(self, oid: str, path: str, blob: str | None) -> bool:
        """Does ``oid`` hold ``blob`` (abbreviated) at ``path``; None means "absent"."""
        if path not in self.blobs:  # a prerequisite touches a path the series does not
            self._load_changes([path])
        have = self.blobs[path].get(oid, NO_BLOB)
        if blob is None:
            return have == NO_BLOB
        return have != NO_BLOB and have.startswith(blob)

    def holders(self, path: str, blob: str | None) -> set[str]:
        return {oid for oid in self.order if self.holds(oid, path, blob)}
