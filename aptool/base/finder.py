"""``BaseFinder``: one repository kept open across many series.

A finder reads the refs, tags, branch patterns and MAINTAINERS once per
state of the refs, keeps the persistent index open when ``aptool index``
has built it, and otherwise reads the touched paths' history only (a
path-limited ``git log``), growing an in-memory history as later series
touch more paths.  Nothing is written outside ``.git/aptool``, and that
only by ``aptool index`` or when the index already exists.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aptool.archive.base import Archive
from aptool.base.applied import applied_bases
from aptool.base.data import BaseResult, FileEvidence, Prerequisite
from aptool.base.describe import describe
from aptool.base.history import BlobHistory, count
from aptool.base.index import BlobIndex, IndexUnusable, Progress
from aptool.base.lines import (
    FirstParents,
    Line,
    Pair,
    blobs_at,
    branch_patterns,
    commit_times,
    has_path_filters,
    holders_above,
    lend_lookup,
    lend_reader,
    long_lived_lines,
    maintainer_lines,
    matches,
)
from aptool.base.objects import BlobLookup
from aptool.base.prerequisites import find_prerequisites
from aptool.base.refs import Tag, read_refs
from aptool.base.requirements import Requirement, requirements
from aptool.base.select import Choice, any_commit, best, closest, cutoff_of, newest_tag, on_lines
from aptool.base.sources import Offer, PatchFinder, declared_offers, mentioned_offers, required_declared
from aptool.errors import RepositoryError
from aptool.git.repo import open_repository
from aptool.git.run import commit_id, git, git_ok
from aptool.series import Patch, SeriesVersion, Thread, require_version


class BaseFinder:
    """Finds bases in one repository; use as a context manager, or call ``close``."""

    def __init__(self, repo: Path | str, progress: Progress | None = None, *, applied_tier: bool = True) -> None:
        """``applied_tier=False`` leaves out the ``applied`` tier: the answer for a series as if it were
        not yet in the repository (a series under review), which is what the benchmark's true-base
        figure must measure when its cases are cut from history."""
        self.repository = open_repository(repo)
        self.applied_tier = applied_tier
        self.repo = self.repository.cwd
        self._calls = 0  # the persistent object reader is lent from the second series on
        self._lookup = BlobLookup(self.repo)  # blob lookups: one kept cat-file from the first series on
        self._names: dict[str, str] = {}  # describe() per commit
        self._known = FirstParents(whole=True)  # first-parent lines read whole, in a batch
        self.progress = progress
        self._state = ""  # the refs the cached values below belong to
        self._refs: dict[str, str] = {}
        self._tips: list[str] = []
        self._tags: list[Tag] = []
        self._tagged = True
        self._lines: list[Line] = []
        self._index: BlobHistory | None = None
        self._paths: BlobHistory | None = None
        self._times: dict[str, int] = {}
        self._maintainers: str | None = None
        self._bloom = False
        self._index_note = ""  # why an index that is there is not used

    def __enter__(self) -> BaseFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        lend_reader(self.repo, None)
        lend_lookup(self.repo, self._lookup, lend=False)
        self._lookup.close()
        self.repository.close()
        for history in (self._index, self._paths):
            if history is not None:
                history.index.db.close()
        self._index = self._paths = None
        self._state = ""

    # -- the answer --------------------------------------------------------------------

    def find(
        self,
        thread: Thread,
        *,
        version: int | None = None,
        archive: Archive | None = None,
    ) -> BaseResult:
        """The base of the thread's series (the newest version unless ``version`` is given).

        An index that fails while it is read (a damaged file) is left out, and the answer is
        looked for again without it, with a note saying so.
        """
        try:
            return self._find(thread, version, archive)
        except sqlite3.DatabaseError as err:
            if self._index is None:
                raise
            self._index.index.db.close()
            self._index = None
            self._known = FirstParents(whole=True)
            self._index_note = f"the history index cannot be read ({err})"
            return self._find(thread, version, archive)

    def _find(self, thread: Thread, version: int | None, archive: Archive | None) -> BaseResult:
        series = require_version(thread, version)
        self._calls += 1
        if self._calls == 2:  # a batch: lookups through the persistent reader from now on
            lend_reader(self.repo, self.repository)
        lend_lookup(self.repo, self._lookup)
        self._refresh()
        if not self._tips:
            raise RepositoryError(f"{self.repo} has no commits")
        notes: list[str] = []
        if self._index_note:
            notes.append(f"{self._index_note}; searched without it (aptool index rebuilds it)")
        needed, _ = requirements(series.patches)
        cutoff, sent = cutoff_of([p.date for p in series.patches] + ([series.cover.date] if series.cover else []))
        prerequisites: list[Prerequisite] = []
        unmet_pairs: list[tuple[str, str]] = []

        finder = PatchFinder(archive, notes)
        unresolved: list[str] = []
        # Declared dependencies are applied whatever files they touch, so they are looked for first.
        declared_found = declared_offers(series, finder, unresolved, self._is_commit) if series.dependencies else []
        history: BlobHistory | None = None
        declared: list[Offer] = []
        if declared_found:
            paths = [r.path for r in needed] + [f.path for o in declared_found for f in o.patch.files]
            history = self._history(sorted(set(paths)))
            declared = required_declared(series, declared_found, history, notes)
        choice, others = (None, []) if declared else self._on_lines(series, needed, cutoff, notes)
        candidates: list[tuple[int, int]] = []
        if choice is None:
            history = history or self._history([r.path for r in needed])
            missing = [
                (r.path, r.blob) for r in needed if r.blob is not None and not history.has_holder(r.path, r.blob)
            ]
            if missing or declared:
                offers = declared + (mentioned_offers(thread, finder) if missing else [])
                prerequisites, unmet_pairs = find_prerequisites(missing, offers, history, finder, required=declared)
                if prerequisites:
                    needed, _ = requirements([p.patch for p in prerequisites] + series.patches)
                    choice, others = self._on_lines(series, needed, cutoff, notes)
        pairs: list[Pair] = [(r.path, r.blob) for r in needed]
        exact = True
        if choice is None:
            history = history or self._history([p for p, _ in pairs])
            history.cover([p for p, _ in pairs])
            candidates = history.holding_all(pairs)
            if candidates:
                choice = any_commit(history, candidates, cutoff, sent)
            else:
                base, held = closest(pairs, history, cutoff, sent)
                rule = f"no commit holds every pre-image; the closest holds {held} of {len(pairs)}"
                choice = Choice(base, "closest", rule, 0)
                exact = False
                if git(self.repo, "rev-parse", "--is-shallow-repository").strip() == "true":
                    notes.append("this repository is a shallow clone: fetch more history (git fetch --unshallow)")

        files = self._evidence(needed, choice.commit)
        unmet = [f for f in files if f.satisfied_by == "nothing"]
        unmet += [FileEvidence(p, b, "nothing") for p, b in unmet_pairs if all(u.path != p for u in unmet)]
        alternatives = [c for c in others if c.commit != choice.commit]
        total = count(candidates) if candidates else self._line_count(choice, pairs)
        return BaseResult(
            base=choice.commit,
            describe=self._describe(choice.commit),
            exact=exact and not unmet,
            candidates=total if exact else 0,
            series=series,
            prerequisites=prerequisites,
            files=files + _later_touches(prerequisites, series.patches),
            unmet=unmet,
            notes=notes,
            rule=choice.rule,
            signal=choice.signal,
            alternatives=[c.to_dict() for c in alternatives],
            unresolved=unresolved,
        )

    # -- tiers -------------------------------------------------------------------------

    def _on_lines(
        self, series: SeriesVersion, needed: list[Requirement], cutoff: float, notes: list[str]
    ) -> tuple[Choice | None, list[Choice]]:
        """The declared base-commit when it holds every pre-image; else the maintainer trees, then the
        release lines and tags.  Returns the choice and the other tiers' answers."""
        pairs: list[Pair] = [(r.path, r.blob) for r in needed]
        declared = self._verify_base_commit(series.base_commit, pairs, notes)
        trees = self._maintainer_lines([p for p, _ in pairs])
        walk = self._known if self._calls > 1 else FirstParents(index=self._index_of_commits())  # the lines' walk
        tips = sorted({line.tip for line in trees + self._lines})
        applied = self._applied(series, walk, tips, pairs, cutoff) if declared is None and self.applied_tier else None
        on_trees = on_lines(self.repo, trees, pairs, cutoff, self._index, self._times, 0, self._bloom, walk)
        tag = newest_tag(self.repo, self._tags, pairs, cutoff)
        floor = tag.time if tag else 0
        on_release = on_lines(self.repo, self._lines, pairs, cutoff, self._index, self._times, floor, self._bloom, walk)
        others = _distinct(on_trees + on_release + ([tag] if tag else []))
        if declared is not None:
            return Choice(declared, "base-commit", f"base-commit {declared[:12]} holds every pre-image", 0), others
        if applied is not None:
            return applied, others
        if on_trees:
            return _worded(best(on_trees), "maintainer tree"), others
        release = best(on_release + ([tag] if tag else []))
        if release is not None:
            return _worded(release, "release line"), others
        return None, others

    def _applied(
        self, series: SeriesVersion, walk: FirstParents, tips: list[str], pairs: list[Pair], cutoff: float
    ) -> Choice | None:
        """The parent of the first patch's commit when the series is already in the repository."""
        if not series.patches:
            return None
        found = applied_bases(self.repo, walk, tips, series.patches[0], pairs, cutoff)
        if not found:
            return None
        first = found[0]
        if first.parent_time is not None:
            self._times.setdefault(first.parent, first.parent_time)
        if first.parent not in self._times:
            self._times.update(commit_times(self.repo, [first.parent]))
        times = self._times.get(first.parent, 0)
        rule = f"the first patch is already commit {first.commit[:12]}; its parent holds every pre-image"
        return Choice(first.parent, "applied", rule, times)

    def _index_of_commits(self) -> BlobIndex | None:
        """The persistent index, which also knows every commit's first parent and time."""
        return self._index.index if self._index is not None else None

    def _is_commit(self, rev: str) -> bool:
        return commit_id(self.repo, rev) is not None

    def _describe(self, oid: str) -> str:
        if oid not in self._names:
            self._names[oid] = describe(self.repo, oid, self._tagged)
        return self._names[oid]

    def _line_count(self, choice: Choice, pairs: list[Pair]) -> int:
        """The candidates on the chosen line: the base and the commits above it up to the next change.

        Below the line's commit at the cut-off, the commit above the base is
        the change the walk crossed; only a base at that commit can have more.
        """
        tip = self._refs.get(choice.ref)
        if tip is None or choice.signal in ("base-commit", "tag") or choice.commit != choice.start:
            return 1
        return holders_above(self.repo, choice.commit, tip, pairs)

    def _verify_base_commit(self, declared: str | None, pairs: list[Pair], notes: list[str]) -> str | None:
        """The declared base-commit when it holds every pre-image; otherwise say why not (once)."""
        if not declared:
            return None
        full = commit_id(self.repo, declared)
        said = set(notes)

        def say(text: str) -> None:
            if text not in said:
                notes.append(text)

        if not full:
            say(f"base-commit {declared} is not in this repository")
            return None
        if not self._reachable(full):
            say(f"base-commit {declared} is not reachable from any ref")
            return None
        held = blobs_at(self.repo, [(full, path) for path, _ in pairs])
        wrong = [path for (path, blob), found in zip(pairs, held, strict=True) if not matches(found, blob)]
        if wrong:
            for path in wrong:
                say(f"base-commit {declared} does not hold the pre-image of {path}")
            return None
        say(f"base-commit {declared} verified: it holds every pre-image")
        return full

    def _reachable(self, oid: str) -> bool:
        if self._index is not None:
            return self._index.contains(oid)
        for line in self._lines:  # a declared base is usually on a long-lived branch: cheap to ask there first
            if git_ok(self.repo, "merge-base", "--is-ancestor", oid, line.tip):
                return True
        out = git(self.repo, "for-each-ref", f"--contains={oid}", "--format=%(objectname)", check=False)
        return any(line in self._tips for line in out.split())

    def _evidence(self, needed: list[Requirement], base: str) -> list[FileEvidence]:
        """What satisfies each first-touch pre-image: the base, a new file, or nothing."""
        held = blobs_at(self.repo, [(base, r.path) for r in needed])
        files = []
        for req, found in zip(needed, held, strict=True):
            if req.blob is None:
                files.append(FileEvidence(req.path, None, "new file" if found == "" else "nothing"))
            else:
                files.append(FileEvidence(req.path, req.blob, "base" if matches(found, req.blob) else "nothing"))
        return files

    # -- repository state --------------------------------------------------------------

    def _refresh(self) -> None:
        """Read the refs; when they moved since the last series, the derived state is read again."""
        refs = read_refs(self.repo, self._lookup)
        if refs.state == self._state and self._tips:
            return
        self._refs = refs.commits
        self._tips = refs.tips
        self._times.update(refs.times)
        self._tags = refs.tags
        self._tagged = refs.tagged
        self._lines = long_lived_lines(self.repo, self._refs, branch_patterns(self.repo))
        self._maintainers = None
        self._names = {}
        self._known = FirstParents(whole=True)
        self._bloom = has_path_filters(self.repo, self.repository.common_dir / "objects")
        for history in (self._paths, self._index):
            if history is not None:
                history.index.db.close()
        self._paths = self._index = None
        self._index_note = ""
        try:
            index = BlobIndex.existing(self.repo, self._tips, self.progress, common_dir=self.repository.common_dir)
        except IndexUnusable as err:
            index, self._index_note = None, str(err)
        if index is not None:
            self._index = BlobHistory(self.repo, tips=self._tips, index=index)
            self._known = FirstParents(whole=True, index=index)
        self._state = refs.state

    def _history(self, paths: list[str]) -> BlobHistory:
        """The full index when it exists; else the path-limited history, grown to cover ``paths``."""
        if self._index is not None:
            return self._index
        if self._paths is None:
            self._paths = BlobHistory.path_limited(self.repo, self._tips, paths)
        else:
            self._paths.cover(paths)
        return self._paths

    def _maintainer_lines(self, paths: list[str]) -> list[Line]:
        if self._maintainers is None:
            head = self._refs.get("HEAD") or (self._lines[0].tip if self._lines else "")
            spec = f"{head}:MAINTAINERS"
            if head and not blobs_at(self.repo, [(head, "MAINTAINERS")])[0]:
                head = ""  # most trees have none: asked of the kept cat-file, no process of its own
            found = git(self.repo, "cat-file", "-p", spec, check=False) if head and self._calls == 1 else None
            if head and self._calls > 1:
                data = self.repository.read(spec)
                found = data.decode("utf-8", "replace") if data else ""
            self._maintainers = found or ""
        if not self._maintainers:
            return []
        return maintainer_lines(self.repo, self._maintainers, paths, self._refs)


def _distinct(choices: list[Choice]) -> list[Choice]:
    """One choice per commit, the first found."""
    kept: dict[str, Choice] = {}
    for choice in choices:
        kept.setdefault(choice.commit, choice)
    return list(kept.values())


def _worded(choice: Choice | None, tier: str) -> Choice:
    assert choice is not None
    return Choice(choice.commit, choice.signal, f"{tier}: {choice.rule}", choice.time, choice.ref, choice.start)


def _later_touches(prerequisites: list[Prerequisite], series_patches: list[Patch]) -> list[FileEvidence]:
    """Pre-images that an earlier patch (a prerequisite or the series' own) provides."""
    _, produced = requirements([p.patch for p in prerequisites] + list(series_patches))
    return [FileEvidence(path, blob, patch.message_id) for (path, blob), patch in produced.items()]


__all__ = ["BaseFinder"]
