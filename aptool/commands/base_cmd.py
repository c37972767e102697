"""``aptool base``: the exact commit a series applies to, its prerequisites, and the evidence.

The stages are imported when the command runs, so that ``aptool`` starts
without loading what other commands need.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aptool.commands.common import (
    ArchiveOption,
    JsonOption,
    NoCacheOption,
    OldVersionOption,
    TimeoutOption,
    UseVersionOption,
    open_thread_source,
    print_json,
    series_version,
)

if TYPE_CHECKING:
    from aptool.archive import Archive
    from aptool.base import BaseResult


def base(
    msgid: str = typer.Argument(..., help="Message-ID of any message of the series' thread, or its archive URL."),
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository to search (default: the current one)."),
    archive: str | None = ArchiveOption,
    mbox: Path | None = typer.Option(
        None, "--mbox", help="Read the thread from this mbox file; prerequisites then come only from it."
    ),
    use_version: int | None = UseVersionOption,
    old_version: int | None = OldVersionOption,
    timeout: float = TimeoutOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Find the exact base commit of a series and the prerequisite patches it needs.

    Exit 0: an exact base; 1: no commit holds every pre-image (the closest
    one is named); 2: could not run.
    """
    from aptool.archive import LocalArchive, normalize_msgid
    from aptool.base import find_base
    from aptool.commands.indexing import IndexProgress
    from aptool.series import fetch_thread

    version = series_version(use_version, old_version)
    source: Archive
    if mbox is not None:
        wanted, source = normalize_msgid(msgid), LocalArchive(mbox)
    else:
        wanted, source = open_thread_source(msgid, archive, timeout=timeout, no_cache=no_cache, repo=repo)
    thread = fetch_thread(source, wanted)
    if wanted in thread.problems:
        from aptool.errors import MailError

        raise MailError(thread.problems[wanted])
    progress = IndexProgress()
    try:
        result = find_base(repo, thread, version=version, archive=source, progress=progress)
    finally:
        progress.close()
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(render_base(result))
    raise typer.Exit(0 if result.exact else 1)


def render_base(result: BaseResult) -> str:
    """The answer as a reviewer reads it: base, prerequisites in order, evidence per file."""
    series = result.series
    lines = [
        f"Series: v{series.version} {series.subject} ({len(series.patches)} patch{'es' * (len(series.patches) != 1)})"
    ]
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
    for evidence in result.files:
        blob = evidence.preimage or "(new file)"
        source = evidence.satisfied_by
        where = "base" if source == "base" else "NOT FOUND" if source == "nothing" else source
        if source not in ("base", "nothing", "new file"):
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
        lines += [f"  {note}" for note in result.notes]
    return "\n".join(lines)
