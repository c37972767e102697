"""The lines a series is most likely based on: long-lived branches, maintainer trees, tags.

Authors fork from a release tag or from the tip of the tree they send to,
and maintainers merge topics that forked from a merge or a tag on their
main line.  So the first places to look for a base are the first-parent
lines of long-lived branches (``aptool.baseBranch``, glob patterns over
branch names), the trees that MAINTAINERS names (``T:`` lines) for the
touched files when a remote fetches them, and the tags.

``first_holder_walk`` finds where a line last held every pre-image by a
path-limited first-parent walk back from a commit, which reads only the
touched paths' history (git's changed-path Bloom filters make it faster
when the repository has them); it stops at the answer.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aptool.base.index import BlobIndex
from aptool.base.objects import BlobLookup, once
from aptool.git.repo import Repository
from aptool.git.run import DEVNULL, git, git_bytes, popen

PER_PATH_WALKS = 16  # with Bloom filters, up to this many touched paths get a walk each; more share one walk
DEFAULT_BRANCHES = ["master", "main", "maint", "next", "stable", "for-next", "*.x", "*.y", "maint-*", "stable-*"]
Pair = tuple[str, "str | None"]  # (path, abbreviated blob; None: the path must be absent; "": any blob)


@dataclass(frozen=True)
class Line:
    """A first-parent line: the ref, its commit, and why it is searched first."""

    ref: str
    tip: str
    source: str  # "long-lived branch" or "maintainer tree"


def branch_patterns(repo: Path) -> list[str]:
    """``aptool.baseBranch`` values (glob patterns over branch names), else the usual long-lived names."""
    configured = git(repo, "config", "--get-all", "aptool.baseBranch", check=False).split()
    return configured or DEFAULT_BRANCHES


def long_lived_lines(repo: Path, refs: dict[str, str], patterns: list[str]) -> list[Line]:
    """Local and remote-tracking branches whose name matches ``patterns``, in ref order."""
    lines = []
    for ref, oid in sorted(refs.items()):
        name = _branch_name(ref)
        if name is not None and name != "HEAD" and any(fnmatch.fnmatchcase(name, p) for p in patterns):
            lines.append(Line(ref, oid, "long-lived branch"))
    return lines


def _branch_name(ref: str) -> str | None:
    if ref.startswith("refs/heads/"):
        return ref.removeprefix("refs/heads/")
    if ref.startswith("refs/remotes/"):
        parts = ref.split("/", 3)
        return parts[3] if len(parts) == 4 else None
    return None


# -- maintainer trees -------------------------------------------------------------


def maintainer_lines(repo: Path, maintainers: str, paths: list[str], refs: dict[str, str]) -> list[Line]:
    """Remote-tracking branches of the trees MAINTAINERS names (``T: git URL [branch]``) for ``paths``.

    ``maintainers`` is the file's text.  A tree counts only when a remote
    fetches its URL; its branch is the one the ``T:`` line names, else the
    remote's default branch.
    """
    remotes = _remote_urls(repo)
    lines: list[Line] = []
    for files, trees in _sections(maintainers):
        if not any(_covers(pattern, path) for pattern in files for path in paths):
            continue
        for url, branch in trees:
            for remote, remote_url in remotes:
                if _same_url(url, remote_url):
                    ref = f"refs/remotes/{remote}/{branch}" if branch else _remote_head(refs, remote)
                    if ref and ref in refs and all(line.ref != ref for line in lines):
                        lines.append(Line(ref, refs[ref], "maintainer tree"))
    return lines


def _sections(text: str) -> Iterator[tuple[list[str], list[tuple[str, str | None]]]]:
    files: list[str] = []
    trees: list[tuple[str, str | None]] = []
    for raw in text.splitlines() + [""]:
        if not raw.strip():
            if files and trees:
                yield files, trees
            files, trees = [], []
            continue
        tag, _, value = raw.partition(":")
        value = value.strip()
        if tag == "F" and value:
            files.append(value)
        elif tag == "T" and value.startswith("git "):
            parts = value.split()
            if len(parts) >= 2:
                trees.append((parts[1], parts[2] if len(parts) > 2 else None))


def _covers(pattern: str, path: str) -> bool:
    """MAINTAINERS ``F:`` semantics: a directory covers everything below it; globs match."""
    if pattern.endswith("/"):
        return path.startswith(pattern)
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.rstrip("/") + "/*")
    return path == pattern or path.startswith(pattern + "/")


def _remote_urls(repo: Path) -> list[tuple[str, str]]:
    out = git(repo, "config", "--get-regexp", r"^remote\..*\.url$", check=False)
    found = []
    for line in out.splitlines():
        key, _, url = line.partition(" ")
        found.append((key.removeprefix("remote.").removesuffix(".url"), url.strip()))
    return sorted(found)


def _same_url(one: str, two: str) -> bool:
    """The same repository whatever the scheme and host alias: compare the path, without ``.git``."""

    def key(url: str) -> str:
        url = re.sub(r"^[a-z+]+://[^/]+/", "", url.strip())
        url = re.sub(r"^[^/:]+@[^:]+:", "", url)
        return url.rstrip("/").removesuffix(".git").lstrip("/")

    return bool(key(one)) and key(one) == key(two)


def _remote_head(refs: dict[str, str], remote: str) -> str | None:
    for name in ("HEAD", "master", "main"):
        ref = f"refs/remotes/{remote}/{name}"
        if ref in refs:
            return ref
    return None


# -- holding every pre-image --------------------------------------------------------


_READERS: dict[Path, Repository] = {}  # repositories whose persistent object reader a finder lends
_LOOKUPS: dict[Path, BlobLookup] = {}  # repositories whose kept ``cat-file --batch-check`` a finder lends


def lend_reader(repo: Path, reader: Repository | None) -> None:
    """Let commit lookups in ``repo`` use ``reader``'s persistent ``cat-file`` (None: stop)."""
    if reader is None:
        _READERS.pop(repo, None)
    else:
        _READERS[repo] = reader


def lend_lookup(repo: Path, lookup: BlobLookup, lend: bool = True) -> None:
    """Let blob lookups in ``repo`` go through ``lookup`` (``lend`` False: stop, if it is still the one lent)."""
    if lend:
        _LOOKUPS[repo] = lookup
    elif _LOOKUPS.get(repo) is lookup:
        del _LOOKUPS[repo]


def blobs_at(repo: Path, specs: list[tuple[str, str]]) -> list[str]:
    """The blob id at each (commit, path), "" where the path is absent or not a blob.

    Through the lent kept ``cat-file`` when a finder is working, else one ``cat-file`` for them all.
    """
    if not specs:
        return []
    lookup = _LOOKUPS.get(repo)
    return lookup.blobs(specs) if lookup is not None else once(repo, specs)


def matches(held: str, blob: str | None) -> bool:
    if blob is None:
        return held == ""
    return held != "" and held.startswith(blob)


def holding(repo: Path, commits: list[str], pairs: list[Pair]) -> list[bool]:
    """For each commit, whether it holds every pre-image."""
    specs = [(c, path) for c in commits for path, _ in pairs]
    held = blobs_at(repo, specs)
    n = len(pairs)
    return [all(matches(held[i * n + j], blob) for j, (_, blob) in enumerate(pairs)) for i in range(len(commits))]


class FirstParents:
    """Committer time and parents of the commits on first-parent lines, read in one walk.

    Long-lived lines share most of their history (a maintenance branch
    forks from the main line), so one ``rev-list`` over all their tips
    reads each commit once, however many lines there are.  With the
    persistent index (``index``), which keeps every commit's first parent
    and time, the lines are read from it instead, without git, and only the
    other parents of the merges looked at are asked of git.  A finder keeps
    one across a batch (``whole``: each line read whole, once); otherwise
    lines are read down to the time asked about.
    """

    def __init__(self, whole: bool = False, index: BlobIndex | None = None) -> None:
        self.known: dict[str, tuple[int, str | None]] = {}
        self._merged: dict[str, list[str]] = {}  # a merge on a line: its other parents
        self._parents_read: set[str] = set()  # commits whose other parents are known (all, from git)
        self.whole = whole
        self.index = index
        self._read: dict[str, int] = {}  # tip -> the time its line has been read down to (0: whole)

    def read(self, repo: Path, tips: list[str], since: int) -> None:
        """Read the lines of ``tips``: their commits newer than ``since`` (every commit when ``whole``).

        A line is read down to its first commit no newer than ``since``, as
        ``rev-list --since`` stops a line there.
        """
        bound = 0 if self.whole else max(since, 0)
        wanted = [t for t in tips if self._read.get(t, 2**62) > bound]
        if not wanted:
            return
        if self.index is not None:
            for oid, time, parent in self.index.first_parent_lines(wanted, bound):
                self.known[oid] = (time, parent)
        else:
            args = ["rev-list", "--first-parent", "--parents", "--timestamp"]
            args += [f"--since={bound + 1}"] if bound else []
            for row in git(repo, *args, *wanted, check=False).splitlines():
                words = row.split()
                if len(words) >= 2:
                    self.known[words[1]] = (int(words[0]), words[2] if len(words) > 2 else None)
                    self._parents_read.add(words[1])
                    if len(words) > 3:
                        self._merged[words[1]] = words[3:]
        for tip in wanted:
            self._read[tip] = bound

    def merged(self, repo: Path, commits: list[str]) -> dict[str, list[str]]:
        """The merges among ``commits`` (read by the walk), with their other parents."""
        ask = [c for c in commits if c not in self._parents_read]
        if ask:
            spec = ("\n".join(ask) + "\n").encode()
            for row in git(repo, "rev-list", "--no-walk=unsorted", "--parents", "--stdin", input=spec).splitlines():
                words = row.split()
                if len(words) > 2:
                    self._merged[words[0]] = words[2:]
            self._parents_read.update(ask)
        return {c: self._merged[c] for c in commits if c in self._merged}

    def at(self, tips: list[str], cutoff: int) -> dict[str, str | None]:
        """Per tip, the first commit on its first-parent line committed no later than ``cutoff``.

        Lines that meet share the rest of the walk: each commit is visited once.
        """
        found: dict[str, str | None] = {}
        for tip in tips:
            path: list[str] = []
            oid: str | None = tip
            answer: str | None = None
            while oid is not None:
                if oid in found:
                    answer = found[oid]
                    break
                entry = self.known.get(oid)
                if entry is None or entry[0] <= cutoff:  # not read: older than the walk's cut-off
                    answer = oid
                    break
                path.append(oid)
                oid = entry[1]
            for step in path:
                found[step] = answer
            found[tip] = answer
        return {tip: found[tip] for tip in tips}

    def between(self, tips: list[str], low: int, high: int) -> list[tuple[str, int, str | None]]:
        """(commit, time, first parent) of each commit on the lines of ``tips`` committed after ``low``
        and no later than ``high``, once each (the lines must have been read down to ``low``)."""
        seen: set[str] = set()
        found = []
        for tip in tips:
            oid: str | None = tip
            while oid is not None and oid not in seen:
                entry = self.known.get(oid)
                if entry is None or entry[0] <= low:
                    break
                seen.add(oid)
                if entry[0] <= high:
                    found.append((oid, entry[0], entry[1]))
                oid = entry[1]
        return found


def lines_at(repo: Path, tips: list[str], cutoff: int, known: FirstParents | None = None) -> dict[str, str | None]:
    """Per tip, the first commit on its first-parent line committed no later than ``cutoff``.

    One walk over every line at once, down to the cut-off; with ``known``
    (kept by a finder) what it has read already is not read again.
    """
    if not tips:
        return {}
    known = known if known is not None else FirstParents()
    known.read(repo, tips, cutoff)
    return known.at(tips, cutoff)


def first_holder_walk(repo: Path, start: str, pairs: list[Pair], floor: int = 0, bloom: bool = False) -> str | None:
    """The first commit at or below ``start`` on its first-parent line that holds every pre-image.

    Reads ``git log --first-parent -- PATHS`` from ``start``: the commits
    that change a touched path.  Between two of them the paths hold the same
    blobs, so crossing a change back to its first parent is the only place
    the answer can start: each change's first parent is asked (through the
    kept ``cat-file``) as git finds the change, and the walk stops at the
    answer, or at a change committed before ``floor`` (an answer below it
    could not be chosen).  With changed-path Bloom filters (``bloom``), git
    uses them for one path at a time only, so each path gets its own walk
    and the changes are put back in line order.
    """
    paths = [p for p, _ in pairs]
    state = dict(zip(paths, blobs_at(repo, [(start, p) for p in paths]), strict=True))
    if all(matches(state[p], b) for p, b in pairs):
        return start
    if bloom and 1 < len(pairs) <= PER_PATH_WALKS:
        for time, parent, old in _changes_per_path(repo, start, paths, floor):
            if time < floor:
                return None
            state.update(old)
            if parent is None:
                return None
            if all(matches(state[p], b) for p, b in pairs):
                return parent
        return None
    proc = _log_changes(repo, start, paths, floor)
    assert proc.stdout is not None
    try:
        for _, time, parent in commit_lines(proc.stdout):
            if time < floor or parent is None:
                return None
            held = blobs_at(repo, [(parent, p) for p in paths])
            if all(matches(found, blob) for found, (_, blob) in zip(held, pairs, strict=True)):
                return parent
        return None
    finally:
        proc.kill()
        proc.wait()


def _log_changes(repo: Path, start: str, paths: list[str], since: int = 0) -> subprocess.Popen[bytes]:
    """``git log --first-parent`` of the commits changing ``paths``: one line ``%H %ct %P`` each."""
    args = ["log", "--first-parent", "--no-patch", "--format=%H %ct %P"]
    args += [*([f"--since={since}"] if since else []), start, "--", *paths]
    # GIT_FLUSH: each commit reaches us as git finds it, not when git's output buffer fills (for a
    # rarely touched path that is near the root): the walk stops at its answer, and git with it.
    proc = popen(repo, *args, env={"GIT_LITERAL_PATHSPECS": "1", "GIT_FLUSH": "1"}, stderr=DEVNULL)
    assert proc.stdin is not None
    proc.stdin.close()
    return proc


def commit_lines(stream: IO[bytes]) -> Iterator[tuple[str, int, str | None]]:
    """(commit, committer time, first parent) per ``%H %ct %P`` line, each as soon as git has written it."""
    for line in iter(stream.readline, b""):
        words = line.split()
        if len(words) >= 2:
            yield words[0].decode(), int(words[1]), words[2].decode() if len(words) > 2 else None


def _log_raw(repo: Path, start: str, paths: list[str], since: int = 0) -> subprocess.Popen[bytes]:
    args = ["log", "--first-parent", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-merges=first-parent"]
    args += ["--format=%x01%H %ct %P", *([f"--since={since}"] if since else []), start, "--", *paths]
    proc = popen(repo, *args, env={"GIT_LITERAL_PATHSPECS": "1"}, stderr=DEVNULL)
    assert proc.stdin is not None
    proc.stdin.close()
    return proc


def _changes_per_path(
    repo: Path, start: str, paths: list[str], floor: int
) -> Iterator[tuple[int, str | None, dict[str, str]]]:
    """The changes of ``_changes``, from one walk per path (all at once), in first-parent order."""
    procs = [_log_raw(repo, start, [path], floor) for path in paths]
    by_commit: dict[str, tuple[int, str | None, dict[str, str]]] = {}
    for proc in procs:
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait()
        for record in out.split(b"\x01"):
            if record.strip():
                commit, time, parent, old, _ = _raw_record(record)
                known = by_commit.get(commit)
                by_commit[commit] = (time, parent, {**(known[2] if known else {}), **old})
    if not by_commit:
        return
    args = ["rev-list", "--first-parent"] + ([f"--since={floor}"] if floor else []) + [start]
    for commit in git(repo, *args).split():
        if commit in by_commit:
            yield by_commit.pop(commit)
            if not by_commit:
                return


def has_path_filters(repo: Path, objects: Path | None = None) -> bool:
    """Whether the repository's commit-graph carries changed-path Bloom filters (``BIDX`` chunk).

    ``objects``: the object directory when the caller knows it (no git process is run then).
    """
    if objects is None or "GIT_OBJECT_DIRECTORY" in os.environ:
        names = git(repo, "rev-parse", "--git-path", "objects/info/commit-graph", check=False).split()
        chain = git(repo, "rev-parse", "--git-path", "objects/info/commit-graphs", check=False).split()
    else:
        names, chain = [str(objects / "info" / "commit-graph")], [str(objects / "info" / "commit-graphs")]
    files = [Path(repo, n) for n in names] + (sorted(Path(repo, chain[0]).glob("*.graph")) if chain else [])
    for file in files:
        try:
            with open(file, "rb") as handle:
                head = handle.read(8)
                if head[:4] != b"CGPH":
                    continue
                table = handle.read(12 * (head[6] + 1))
        except OSError:
            continue
        if any(table[i : i + 4] == b"BIDX" for i in range(0, len(table), 12)):
            return True
    return False


def _raw_record(record: bytes) -> tuple[str, int, str | None, dict[str, str], dict[str, str]]:
    """(commit, time, first parent, {path: blob before}, {path: blob after}) of one record
    formatted ``%H %ct %P`` with ``--raw -z``."""
    fields = record.split(b"\0")
    head = fields[0].split()
    parent = head[2].decode() if len(head) > 2 else None
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    items = fields[1:]
    for meta, path in zip(items[0::2], items[1::2], strict=False):
        meta = meta.lstrip(b"\n")
        if meta.startswith(b":"):
            parts = meta.split()
            name = path.decode("utf-8", "replace")
            old[name] = "" if parts[2].strip(b"0") == b"" else parts[2].decode()
            new[name] = "" if parts[3].strip(b"0") == b"" else parts[3].decode()
    return head[0].decode(), int(head[1]), parent, old, new


def holders_above(repo: Path, holder: str, tip: str, pairs: list[Pair], window: int = 200) -> int:
    """How many commits hold every pre-image on ``tip``'s first-parent line from ``holder`` up to the
    first later change of a touched path (at most ``window`` commits are looked at)."""
    line = git(repo, "rev-list", "--first-parent", "--reverse", f"{holder}..{tip}", check=False).split()[:window]
    if not line:
        return 1
    out = git_bytes(
        repo,
        "log",
        "--first-parent",
        "--format=%H",
        f"{holder}..{line[-1]}",
        "--",
        *[p for p, _ in pairs],
        env={"GIT_LITERAL_PATHSPECS": "1"},
    ).split()
    changed = {oid.decode() for oid in out}
    total = 1
    for commit in line:
        if commit in changed:
            break
        total += 1
    return total


def commit_times(repo: Path, commits: list[str]) -> dict[str, int]:
    """Committer time of each commit (from the lent reader when there is one)."""
    reader = _READERS.get(repo)
    if reader is not None:
        found = {}
        for oid in commits:
            data = reader.read(oid) or b""
            for line in data.split(b"\n"):
                if line.startswith(b"committer "):
                    found[oid] = int(line.rsplit(b" ", 2)[1])
                    break
                if not line:
                    break
        return found
    if not commits:
        return {}
    out = git_bytes(repo, "show", "-s", "--format=%H %ct", *commits).decode()
    return {oid: int(time) for oid, time in (line.split() for line in out.splitlines() if line)}
