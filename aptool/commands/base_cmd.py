"""``aptool base``: the exact commit a series applies to, its prerequisites, and the evidence.

The stages are imported when the command runs, so that ``aptool`` starts
without loading what other commands need.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aptool.commands.common import (
    AllowIncompleteOption,
    ArchiveOption,
    JsonOption,
    MboxOption,
    NoCacheOption,
    OldVersionOption,
    TimeoutOption,
    UseVersionOption,
    print_json,
    series_source,
    series_version,
)
from aptool.gcpause import paused
from aptool.terminal import printable

if TYPE_CHECKING:
    from aptool.base import BaseResult


def base(
    msgid: str | None = typer.Argument(
        None, help="Message-ID of any message of the series' thread, or its archive URL (optional with --mbox)."
    ),
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository to search (default: the current one)."),
    archive: str | None = ArchiveOption,
    mbox: Path | None = MboxOption,
    use_version: int | None = UseVersionOption,
    old_version: int | None = OldVersionOption,
    allow_incomplete: bool = AllowIncompleteOption,
    timeout: float = TimeoutOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Find the exact base commit of a series and the prerequisite patches it needs.

    Exit 0: an exact base; 1: no commit holds every pre-image (the closest
    one is named), or the series lacks a patch or a declared dependency
    (unless --allow-incomplete); 2: could not run.
    """
    # One answer makes few objects and no cycles worth collecting; the collector's passes over what the
    # stages' modules (b4 and its mail parsing) load were a tenth of a run.
    with paused():
        code = _answer(
            msgid,
            repo,
            archive,
            mbox,
            series_version(use_version, old_version),
            allow_incomplete,
            timeout,
            no_cache,
            as_json,
        )
    raise typer.Exit(code)


def _answer(
    msgid: str | None,
    repo: Path,
    archive: str | None,
    mbox: Path | None,
    version: int | None,
    allow_incomplete: bool,
    timeout: float,
    no_cache: bool,
    as_json: bool,
) -> int:
    """Print the answer; its exit code."""
    from aptool.commands.indexing import IndexProgress
    from aptool.pipeline import open_series, series_base
    from aptool.series import newer_versions, series_gaps

    wanted, source = series_source(msgid, archive, mbox, timeout=timeout, no_cache=no_cache, repo=repo)
    series = open_series(wanted, source, repo=repo)
    progress = IndexProgress()
    try:
        result = series_base(repo, series, version=version, progress=progress)
    finally:
        progress.close()
    result.notes += newer_versions(series.thread, result.series)
    gaps = series_gaps(result.series, result.unresolved)
    if as_json:
        print_json(result.to_dict() | {"gaps": gaps})
    else:
        typer.echo(printable(render_base(result)))
    return 0 if result.exact and (allow_incomplete or not gaps) else 1


def render_base(result: BaseResult) -> str:
    """The answer as a reviewer reads it: base, prerequisites in order, evidence per file."""
    from aptool.series import series_gaps

    series = result.series
    count = f"{len(series.patches)} of {series.total} patch{'es' * (series.total != 1)}"
    lines = [f"Series: v{series.version} {series.subject} ({count})"]
    lines += [f"  {gap.upper()[:1]}{gap[1:]}" for gap in series_gaps(series, result.unresolved)]
    taken = [p for p in series.patches if p.from_version is not None]
    if taken:
        lines.append(
            f"  v{series.version} is a partial re-roll; from earlier versions: "
            + ", ".join(f"{p.counter}/{p.total} (v{p.from_version})" for p in taken)
        )
    if result.exact:
        lines.append(f"Base: {result.base} ({result.describe})")
        lines.append(f"  {result.rule}")
    else:
        lines.append(f"No exact base. Closest commit: {result.base} ({result.describe})")
        lines.append(f"  {result.rule}")
    if result.prerequisites:
        lines.append("Prerequisites, in the order they apply:")
        for number, prereq in enumerate(result.prerequisites, start=1):
            lines.append(f"  {number}. {prereq.patch.full_subject}")
            lines.append(f"     <{prereq.message_id}>")
            lines.append(f"     found by: {prereq.found_by}")
    lines.append("Pre-images:")
    width = max((len(f.path) for f in result.files), default=0)
    own = {p.message_id: p for p in series.patches}
    for evidence in result.files:
        blob = "(new file)" if evidence.preimage is None else evidence.preimage or "(any blob)"
        source = evidence.satisfied_by
        where = "base" if source == "base" else "NOT FOUND" if source == "nothing" else source
        if source in own:
            where = f"series patch {own[source].counter}/{own[source].total} <{source}>"
        elif source not in ("base", "nothing", "new file"):
            where = f"prerequisite <{source}>"
        lines.append(f"  {evidence.path:<{width}}  {blob:<12}  {where}")
    for evidence in result.unmet:
        if evidence not in result.files:
            lines.append(f"  {evidence.path:<{width}}  {evidence.preimage or '':<12}  NOT FOUND")
    if result.unmet:
        lines.append("Unmet pre-images (no commit and no patch in the archive has them):")
        lines += [f"  {u.path} {u.preimage}" for u in result.unmet]
    if result.notes:
        lines.append("Notes:")
        lines += [f"  {note}{_advice(note)}" for note in result.notes]
    return "\n".join(lines)


def _advice(note: str) -> str:
    """What to do about a note, where there is something to do."""
    if note.startswith("base-commit ") and note.endswith(" is not in this repository"):
        return ": fetch the tree that has it"
    return ""
