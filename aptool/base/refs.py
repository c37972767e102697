"""The refs a base search reads once per state of the repository: the searched commits, their
committer times, and the tags.

One ``for-each-ref`` gives every ref's object, type and committer time (a
tag's commit's too), so tags, tips and the lines' times cost no more git
processes; ``HEAD`` (which may be detached) is asked of the kept
``cat-file``.  Notes and the stash are not searched, and neither are the
branches ``aptool apply-series`` built (their commits carry an
``refs/notes/aptool`` note): they hold prerequisites applied from mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aptool.base.objects import BlobLookup
from aptool.git.repo import NOTES_REF
from aptool.git.run import git

FORMAT = (
    "%(objectname) %(objecttype) %(committerdate:unix) %(*objectname) %(*objecttype) %(*committerdate:unix) %(refname)"
)


@dataclass(frozen=True)
class Tag:
    name: str
    commit: str
    time: int


@dataclass
class Refs:
    """What the refs name, read together."""

    state: str = ""  # the refs as git listed them: a change means the derived state is stale
    commits: dict[str, str] = field(default_factory=dict)  # searched ref (and HEAD) -> its commit
    times: dict[str, int] = field(default_factory=dict)  # a searched ref's commit -> its committer time
    tags: list[Tag] = field(default_factory=list)  # newest first, then by name
    tagged: bool = False  # whether there is any tag at all (of a commit or not)

    @property
    def tips(self) -> list[str]:
        return sorted(set(self.commits.values()))


def read_refs(repo: Path, lookup: BlobLookup) -> Refs:
    """Every searched ref's commit, the commits' times and the tags of commits (see the module)."""
    out = git(repo, "for-each-ref", f"--format={FORMAT}", check=False)
    head = lookup.objects(["HEAD"])[0]
    found = Refs(state=f"{out}HEAD {head[0]}\n")
    nested: list[str] = []  # a tag of a tag: peeled the whole way below (searched, but not a tag)
    noted = False
    for line in out.splitlines():
        words = line.split(" ", 6)
        if len(words) < 7:
            continue
        oid, kind, time, peeled, peeled_kind, peeled_time, ref = words
        noted = noted or ref == NOTES_REF
        found.tagged = found.tagged or ref.startswith("refs/tags/")
        if ref.startswith("refs/notes/") or ref == "refs/stash":
            continue
        if kind == "commit" and time:
            found.commits[ref] = oid
            found.times[oid] = int(time)
        elif kind == "tag" and peeled_kind == "commit" and peeled_time:
            found.commits[ref] = peeled
            found.times[peeled] = int(peeled_time)
        elif kind == "tag" and peeled_kind == "tag":
            nested.append(ref)
    if nested:
        for ref, (oid, kind) in zip(nested, lookup.objects([f"{r}^{{}}" for r in nested]), strict=True):
            if kind == "commit":
                found.commits[ref] = oid
    if head[1] == "commit":
        found.commits["HEAD"] = head[0]
    if noted:
        built = set()
        for line in git(repo, "notes", f"--ref={NOTES_REF}", "list", check=False).splitlines():
            parts = line.split()
            if len(parts) == 2:
                built.add(parts[1])
        found.commits = {ref: oid for ref, oid in found.commits.items() if oid not in built}
    found.tags = sorted(
        (
            Tag(ref.removeprefix("refs/tags/"), oid, found.times[oid])
            for ref, oid in found.commits.items()
            if ref.startswith("refs/tags/") and oid in found.times and ref not in nested
        ),
        key=lambda t: (-t.time, t.name),
    )
    return found
