"""Stage 3 of the data flow: the exact commit a series applies to, and its prerequisites.

``find_base`` verifies a ``base-commit:`` trailer, matches every pre-image
blob against all history reachable from any ref, and when no commit holds
them all, finds the list patches that produce the missing blobs.
"""

from __future__ import annotations

from pathlib import Path

from aptool.archive.base import Archive
from aptool.base.data import BaseResult, FileEvidence, Prerequisite
from aptool.base.describe import describe
from aptool.base.history import BlobHistory, count
from aptool.base.index import Progress
from aptool.base.prerequisites import find_prerequisites
from aptool.base.requirements import Requirement, requirements
from aptool.base.select import choose, closest
from aptool.base.sources import PatchFinder, declared_offers, mentioned_offers, required_declared
from aptool.errors import RepositoryError
from aptool.git.repo import open_repository
from aptool.git.run import git
from aptool.series import Patch, Thread, require_version

__all__ = ["BaseResult", "FileEvidence", "Prerequisite", "find_base"]


def find_base(
    repo: Path,
    thread: Thread,
    *,
    version: int | None = None,
    archive: Archive | None = None,
    progress: Progress | None = None,
) -> BaseResult:
    """The base of the thread's series (the newest version unless ``version`` is given).

    ``progress`` hears how far indexing the repository's history has got
    (the first run on a repository, and after fetches).
    """
    repo = _repository(repo)
    series = require_version(thread, version)
    notes: list[str] = []
    needed, _ = requirements(series.patches)
    history = BlobHistory(repo, progress)
    if not history.size:
        raise RepositoryError(f"{repo} has no commits")

    prerequisites: list[Prerequisite] = []
    unmet_pairs: list[tuple[str, str]] = []
    missing = [(r.path, r.blob) for r in needed if r.blob is not None and not history.has_holder(r.path, r.blob)]
    finder = PatchFinder(archive, notes)
    unresolved: list[str] = []
    offers = declared_offers(series, finder, unresolved, lambda rev: _is_commit(repo, rev))
    declared = required_declared(series, offers, history, notes)
    if missing or declared:
        offers = declared + (mentioned_offers(thread, finder) if missing else [])
        prerequisites, unmet_pairs = find_prerequisites(missing, offers, history, finder, required=declared)
        if prerequisites:
            needed, _ = requirements([p.patch for p in prerequisites] + series.patches)
    verified = _verify_base_commit(repo, series.base_commit, needed, history, notes)

    pairs = [(r.path, r.blob) for r in needed]
    candidates = history.holding_all(pairs)

    if verified is not None:
        base, rule, exact = verified, f"base-commit {verified[:12]} holds every pre-image", True
    elif candidates:
        base, rule = choose(history, candidates, series.date)
        exact = True
    else:
        base, held = closest(pairs, history, series.date)
        rule = f"no commit holds every pre-image; the closest holds {held} of {len(pairs)}"
        exact = False
        if git(repo, "rev-parse", "--is-shallow-repository").strip() == "true":
            notes.append("this repository is a shallow clone: fetch more history (git fetch --unshallow)")

    files = [_evidence(r, history, base) for r in needed]
    unmet = [f for f in files if f.satisfied_by == "nothing"]
    unmet += [FileEvidence(p, b, "nothing") for p, b in unmet_pairs if all(u.path != p for u in unmet)]
    return BaseResult(
        base=base,
        describe=describe(repo, base),
        exact=exact and not unmet,
        candidates=count(candidates),
        series=series,
        prerequisites=prerequisites,
        files=files + _later_touches(prerequisites, series.patches),
        unmet=unmet,
        notes=notes,
        rule=rule,
        unresolved=unresolved,
    )


def _repository(repo: Path) -> Path:
    with open_repository(repo) as found:
        return found.top or Path(repo)


def _is_commit(repo: Path, rev: str) -> bool:
    return bool(git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).strip())


def _verify_base_commit(
    repo: Path, declared: str | None, needed: list[Requirement], history: BlobHistory, notes: list[str]
) -> str | None:
    """The declared base-commit when it holds every pre-image; otherwise say why not."""
    if not declared:
        return None
    full = git(repo, "rev-parse", "--verify", "--quiet", f"{declared}^{{commit}}", check=False).strip()
    if not full:
        notes.append(f"base-commit {declared} is not in this repository")
        return None
    if not history.contains(full):
        notes.append(f"base-commit {declared} is not reachable from any ref")
        return None
    wrong = [r.path for r in needed if not history.holds(full, r.path, r.blob)]
    if wrong:
        notes += [f"base-commit {declared} does not hold the pre-image of {path}" for path in wrong]
        return None
    notes.append(f"base-commit {declared} verified: it holds every pre-image")
    return full


def _evidence(req: Requirement, history: BlobHistory, base: str) -> FileEvidence:
    """What satisfies a first-touch pre-image: the base, or nothing."""
    if req.blob is None:
        return FileEvidence(req.path, None, "new file" if history.holds(base, req.path, None) else "nothing")
    if history.holds(base, req.path, req.blob):
        return FileEvidence(req.path, req.blob, "base")
    return FileEvidence(req.path, req.blob, "nothing")


def _later_touches(prerequisites: list[Prerequisite], series_patches: list[Patch]) -> list[FileEvidence]:
    """Pre-images that an earlier patch (a prerequisite or the series' own) provides."""
    _, produced = requirements([p.patch for p in prerequisites] + list(series_patches))
    return [FileEvidence(path, blob, patch.message_id) for (path, blob), patch in produced.items()]
