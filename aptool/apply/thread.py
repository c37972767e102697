"""From a Message-ID to a branch: ``aptool apply-series``'s entry, over :mod:`aptool.pipeline`.

The composition (thread, base, plan, apply) lives in the pipeline; this
module keeps the plan built from a base and the ``Link:`` mask.  The engine
itself (:func:`aptool.apply.engine.apply_plan`) knows nothing of threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aptool.apply.plan import DEFAULT_LINKMASK, ApplyPlan, ApplyResult, default_branch
from aptool.apply.progress import Reporter
from aptool.apply.worktree import open_repository
from aptool.archive import Archive, open_archive
from aptool.git.repo import read_config

if TYPE_CHECKING:
    from aptool.base import BaseResult


def apply_thread(
    repo: Path | str,
    msgid: str,
    *,
    archive: Archive | str | Path | None = None,
    version: int | None = None,
    branch: str | None = None,
    worktree: Path | str | None = None,
    force: bool = False,
    closest: bool = False,
    reporter: Reporter | None = None,
    timeout: float = 30.0,
    use_cache: bool = True,
) -> ApplyResult:
    """Find the base of the series in ``msgid``'s thread and build its branch in ``repo``.

    ``archive`` is an open archive, or a URL or path as ``--archive`` takes
    (None: the configured one).  Without ``closest``, a series that has no
    exact base fails (exit 1) naming the file and blob that could not be found.
    """
    from aptool.pipeline import apply_series, open_series

    repo = Path(repo)
    open_repository(repo)  # a wrong --repo fails before the archive is asked anything
    series = open_series(msgid, _archive(archive, repo, timeout, use_cache), repo=repo)
    return apply_series(
        repo, series, version=version, branch=branch, worktree=worktree, force=force, closest=closest, reporter=reporter
    )


def plan_from_base(
    repo: Path, found: BaseResult, *, branch: str | None = None, linkmask: str = DEFAULT_LINKMASK
) -> ApplyPlan:
    """The plan for a :class:`~aptool.base.BaseResult`: prerequisites first, then the series."""
    series = found.series
    record: dict[str, Any] = {
        "base_describe": found.describe,
        "series": {
            "version": series.version,
            "subject": series.subject,
            "cover": series.cover.message_id if series.cover else None,
            "message_ids": [p.message_id for p in series.patches],
        },
        "prerequisites": [
            {"message_id": p.message_id, "subject": p.subject, "found_by": p.found_by} for p in found.prerequisites
        ],
    }
    if not found.exact:
        record["unmet"] = [
            {"path": e.path, "preimage": e.preimage, "satisfied_by": e.satisfied_by} for e in found.unmet
        ]
    return ApplyPlan(
        repo=repo,
        base=found.base,
        patches=found.patches_in_order(),
        branch=branch or default_branch(series.subject, series.version),
        exact=found.exact,
        record=record,
        prerequisites=len(found.prerequisites),
        linkmask=linkmask,
    )


def linkmask_for(repo: Path, archive_location: str) -> str:
    """``aptool.linkmask``, else ``b4.linkmask``, else the archive's URL, else lore's ``/r/``."""
    settings = read_config(repo)
    for key in ("aptool.linkmask", "b4.linkmask"):
        configured = settings.get(key)
        if configured:
            return configured
    if "://" in archive_location:
        return archive_location.rstrip("/") + "/%s"
    return DEFAULT_LINKMASK


def _archive(archive: Archive | str | Path | None, repo: Path, timeout: float, use_cache: bool) -> Archive:
    if archive is None or isinstance(archive, (str, Path)):
        return open_archive(
            str(archive) if archive is not None else None, repo=repo, timeout=timeout, use_cache=use_cache
        )
    return archive


def no_exact_base(found: BaseResult, root: str) -> str:
    lines = [f"no commit holds the pre-images of <{root}>, so there is no exact base to apply it on"]
    for evidence in found.unmet:
        blob = evidence.preimage or "(absent)"
        lines.append(f"  {evidence.path}: blob {blob} is in no commit of the repository or the archive")
    lines.append(f"  closest commit: {found.describe} ({found.base[:12]})")
    lines.append("  use --closest to apply there with a three-way merge")
    return "\n".join(lines)
