"""``aptool apply-series``: build a verified branch of a mailed series, never touching the checkout."""

from __future__ import annotations

import signal
import sys
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
    series_version,
)
from aptool.terminal import printable

if TYPE_CHECKING:
    from aptool.apply.plan import ApplyResult
    from aptool.archive import Archive


def apply_series(
    msgid: str | None = typer.Argument(
        None, help="Message-ID, <Message-ID>, id:Message-ID or an archive URL (optional with --mbox)."
    ),
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository to make the branch in."),
    archive: str | None = ArchiveOption,
    mbox: Path | None = MboxOption,
    allow_incomplete: bool = AllowIncompleteOption,
    use_version: int | None = UseVersionOption,
    old_version: int | None = OldVersionOption,
    branch: str | None = typer.Option(None, "--branch", help="Branch to create (default: aptool/<subject-slug>-v<N>)."),
    worktree: Path | None = typer.Option(None, "--worktree", help="Keep a worktree of the branch at PATH."),
    force: bool = typer.Option(False, "--force", help="Rebuild the branch when it exists."),
    closest: bool = typer.Option(
        False, "--closest", help="With no exact base, apply on the closest commit (three-way, then reduced context)."
    ),
    timeout: float = TimeoutOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Apply a series (and its prerequisites) on its base into a new branch, verified blob by blob.

    The work happens in a scratch worktree under .git/aptool/; your HEAD, index,
    work tree, stash and other refs are never touched.  Exit 0: built or up to
    date; 1: a patch did not apply or verify, no exact base without --closest,
    or the series lacks a patch or a declared dependency without
    --allow-incomplete; 2: could not run.
    """
    from aptool.apply.plan import ApplyFailure
    from aptool.apply.progress import reporter_for
    from aptool.apply.thread import apply_thread

    version = series_version(use_version, old_version)
    # SIGTERM and SIGHUP end the run through its cleanup (SIGKILL cannot; the next run cleans up).
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _exit_on_signal)
    source: Archive | str | None = archive
    wanted = msgid or ""
    if mbox is not None or not msgid:
        from aptool.commands.common import series_source

        wanted, source = series_source(msgid, archive, mbox, timeout=timeout, no_cache=no_cache, repo=repo)
    try:
        result = apply_thread(
            repo,
            wanted,
            archive=source,
            allow_incomplete=allow_incomplete,
            version=version,
            branch=branch,
            worktree=worktree,
            force=force,
            closest=closest,
            reporter=reporter_for(sys.stderr),
            timeout=timeout,
            use_cache=not no_cache,
        )
    except ApplyFailure as failure:
        if as_json:
            print_json(failure.to_dict())
        raise
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(printable(render_result(result)))


def _exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def render_result(result: ApplyResult) -> str:
    """The outcome in a few lines: base, each patch and how it applied, the branch."""
    kind = "exact base" if result.exact else "closest commit (no exact base)"
    describe = result.record.get("base_describe")
    where = f"{describe} ({result.base[:12]})" if describe and describe != result.base else result.base[:12]
    lines = [f"Base: {where}, {kind}"]
    total = len(result.patches)
    width = len(str(total))
    for number, patch in enumerate(result.patches, start=1):
        role = "  (prerequisite)" if patch.prerequisite else ""
        check = {"match": "post-image ok", "differs": "post-image differs", "unchecked": "not checked"}.get(
            patch.postimage, patch.postimage
        )
        lines.append(f"  [{number:>{width}}/{total}] {patch.method:<9} {check:<18} {patch.subject}{role}")
        lines.append(f"  {' ' * (2 * width + 3)} <{patch.message_id}>")
        lines += [f"  {' ' * (2 * width + 3)} {moved}" for moved in patch.offsets]
    if result.status == "up-to-date":
        lines.append(f"Branch {result.branch} is up to date ({result.tip[:12]})")
    else:
        verb = "Rebuilt" if result.status == "rebuilt" else "Built"
        inexact = "; marked inexact" if not result.exact else ""
        lines.append(
            f"{verb} {result.branch} at {result.tip[:12]}: {total} commit{'s' if total != 1 else ''} "
            f"in {result.seconds:.1f} s{inexact}"
        )
    from aptool.apply.branch import NOTES_REF

    lines.append(f"Recorded base and prerequisites in {NOTES_REF} (git log --notes=aptool -1 {result.branch})")
    if result.worktree:
        lines.append(f"Worktree: {result.worktree}")
    lines += result.notes
    return "\n".join(lines)
