"""``aptool model``: the code model of C sources, as JSON or a per-function summary."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aptool.commands.common import JsonOption
from aptool.errors import AptoolError, RepositoryError
from aptool.git.repo import open_repository
from aptool.terminal import printable

if TYPE_CHECKING:
    from aptool.model import CodeModel, Event, LockEdge


def model(
    paths: list[str] | None = typer.Argument(
        None, help="C files or directories; with --rev, paths in the tree (default: every C file)."
    ),
    rev: str | None = typer.Option(None, "--rev", help="Read the files at this revision, without a checkout."),
    repo: Path | None = typer.Option(None, "--repo", help="The git repository (default: the current directory)."),
    grow: bool = typer.Option(
        False, "--grow/--no-grow", help="Add the files that define the callees and callers of PATHS (git grep)."
    ),
    edges: bool = typer.Option(False, "--edges", help="Also list lock-order edges with their call chains."),
    verbose: bool = typer.Option(False, "--verbose", help="List every region skipped as a parse error."),
    as_json: bool = JsonOption,
) -> None:
    """Build the code model: functions with their lock, wait, flag, call and sleep events."""
    from aptool.model import lock_order_edges

    built = _build(paths or [], rev, repo, grow)
    for line in parse_error_lines(built, verbose):
        typer.echo(printable(line), err=True)
    found = lock_order_edges(built, flags_as_locks=True) if edges else []
    if as_json:
        sys.stdout.flush()
        sys.stdout.buffer.write(built.to_json({"lock_order_edges": found} if edges else None))
        sys.stdout.buffer.flush()
    else:
        typer.echo(printable(render_model(built, found if edges else None)))


def parse_error_lines(built: CodeModel, verbose: bool) -> list[str]:
    """What tree-sitter could not parse: one line per file with its counts, or (``verbose``) every region."""
    if verbose:
        return [f"{e.file}:{e.line}: parse error: {e.message}" for e in built.parse_errors] + [
            f"{f.file}:{f.line}: parse error: function {f.function}() lost: {f.text}" for f in built.lost_functions
        ]
    regions: dict[str, list[int]] = {}
    for error in built.parse_errors:
        regions.setdefault(error.file, [0, 0])[0] += 1
    for lost in built.lost_functions:
        regions.setdefault(lost.file, [0, 0])[1] += 1
    lines = []
    for file, (skipped, lost_count) in sorted(regions.items()):
        parts = [f"{skipped} region{'s' if skipped != 1 else ''} skipped"] if skipped else []
        parts += [f"{lost_count} function{'s' if lost_count != 1 else ''} lost"] if lost_count else []
        lines.append(f"{file}: parse errors: {', '.join(parts)} (--verbose lists them)")
    return lines


def _build(paths: list[str], rev: str | None, repo: Path | None, grow: bool) -> CodeModel:
    from aptool.model import build_model, grow_scope

    if rev is not None:
        top = repo or Path(".")
        files = list(paths)
        if grow and files:
            files = grow_scope(top, rev, files)
        return build_model(repo=top, rev=rev, files=files or None)
    chosen = [Path(p) for p in paths] or [Path(".")]
    missing = [str(p) for p in chosen if not p.exists()]
    if missing:
        raise AptoolError(f"no such file or directory: {missing[0]}")
    if grow:
        top = repo or _toplevel(chosen[0])
        relative = [os.path.relpath(p.resolve(), top.resolve()) for p in chosen]
        chosen = [top / f for f in grow_scope(top, None, relative)]
    return build_model(chosen)


def _toplevel(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    try:
        with open_repository(start) as found:
            top = found.top
    except RepositoryError:
        top = None
    if top is None:
        raise RepositoryError(f"--grow needs a git work tree: {path} is not in one")
    return top


def render_model(built: CodeModel, edges: list[LockEdge] | None = None) -> str:
    """One block per function that does something about locking, then the flags, then the edges."""
    lines = [
        f"{len(built.files)} files, {built.lines} lines, {len(built.functions)} functions, "
        f"{len(built.entries)} entry points, {len(built.flags)} flags, "
        f"{len(built.parse_errors)} parse errors recovered, {len(built.lost_functions)} functions lost"
    ]
    for function in sorted(built.functions.values(), key=lambda f: (f.file, f.line)):
        events = [e for e in function.events() if e.kind != "call" or e.targets]
        if not events and not function.entry and not function.annotations:
            continue
        entry = f"  [entry: {function.entry}]" if function.entry else ""
        lines.append("")
        lines.append(f"{function.name}() {function.file}:{function.line}{entry}")
        for annotation in function.annotations:
            lines.append(f"    {annotation.line:>5}  {annotation.kind}({annotation.lock})")
        for event in events:
            lines.append(f"    {event.line:>5}  {describe(event)}")
    if built.flags:
        lines += ["", "flags (fields and bits waiters sleep on):"]
        for name, flag in sorted(built.flags.items()):
            lines.append(f"  {name}")
            for role in ("setters", "clearers", "testers", "waiters", "wakers"):
                lines += [f"    {role[:-1]:<8} {site}" for site in getattr(flag, role)]
    if edges is not None:
        lines += ["", "lock-order edges (held -> acquired; open-coded locks counted as locks):"]
        for edge in edges:
            hidden = "  [through an open-coded lock]" if edge.through_flag else ""
            hidden += "  [uncertain: a pointer call resolved by field name]" if edge.uncertain else ""
            held = edge.held + (f"/{edge.held_subclass}" if edge.held_subclass else "")
            acquired = edge.acquired + (f"/{edge.acquired_subclass}" if edge.acquired_subclass else "")
            lines.append(f"  {held} -> {acquired}{hidden}")
            lines.append(f"      {edge.held} taken at: {edge.held_at}")
            lines.append(f"      {edge.acquired} taken through:")
            lines += [f"        {site}" for site in edge.chain]
            if edge.entry:
                lines.append("      reached from entry: " + " -> ".join(str(site) for site in edge.entry))
    return "\n".join(lines)


def describe(event: Event) -> str:
    """An event as one short line: what, which class, how."""
    mark = " (unresolved)" if not event.resolved else ""
    if event.kind in ("acquire", "release"):
        extra = [
            x
            for x in (
                event.context,
                f"subclass {event.subclass}" if event.subclass else "",
                "trylock" if event.trylock else "",
                "guard" if event.guard else "",
            )
            if x
        ]
        how = f" [{', '.join(extra)}]" if extra else ""
        return f"{event.kind} {event.lock_kind} {event.lock}{mark}{how}"
    if event.kind == "wait":
        flags = f" until {', '.join(event.flags)}" if event.flags else ""
        return f"wait on {event.lock}{mark}{flags}: {event.condition or event.callee}"
    if event.kind == "call":
        how = f"through .{event.callee}" if event.via_pointer else event.callee or "?"
        return f"call {how} -> {', '.join(t.rsplit(':', 1)[-1] for t in event.targets)}"
    if event.kind == "sleep":
        return f"may sleep: {event.text}"
    if event.kind == "wake":
        return f"wake {event.lock}{mark}"
    return f"{event.kind} {event.lock}{mark}: {event.text}"
