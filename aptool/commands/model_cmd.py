"""``aptool model``: the code model of C sources, as JSON or a per-function summary."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from aptool.commands.common import JsonOption, print_json, reports_errors
from aptool.model import CodeModel, build_model, grow_scope, lock_order_edges


@reports_errors
def model(
    paths: Optional[List[str]] = typer.Argument(None, help="C files or directories (with --rev: paths in the tree)."),
    rev: Optional[str] = typer.Option(None, "--rev", help="Read the files at this revision, without a checkout."),
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository for --rev."),
    grow: bool = typer.Option(False, "--grow/--no-grow", help="With --rev: add the files that define callees and callers."),
    edges: bool = typer.Option(False, "--edges", help="Also list lock-order edges with their call chains."),
    as_json: bool = JsonOption,
) -> None:
    """Build the code model: functions with their lock, wait, flag and call events."""
    if rev is not None:
        files = list(paths or [])
        if grow and files:
            files = grow_scope(repo, rev, files)
        built = build_model(repo=repo, rev=rev, files=files or None)
    else:
        built = build_model([Path(p) for p in paths or ["."]])
    for error in built.parse_errors:
        typer.echo(f"{error.file}:{error.line}: parse error: {error.message}", err=True)
    if as_json:
        data = built.to_dict()
        if edges:
            data["lock_order_edges"] = [_edge_dict(e) for e in lock_order_edges(built, flags_as_locks=True)]
        print_json(data)
    else:
        typer.echo(render_model(built, edges))


def _edge_dict(edge) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "held": edge.held, "acquired": edge.acquired, "held_kind": edge.held_kind,
        "acquired_kind": edge.acquired_kind, "held_at": str(edge.held_at),
        "chain": [str(s) for s in edge.chain], "entry": [str(s) for s in edge.entry],
        "through_flag": edge.through_flag,
    }


def render_model(built: CodeModel, edges: bool) -> str:
    """One block per function: where it is, why it is an entry, and its events."""
    lines = [f"{len(built.files)} files, {built.lines} lines, {len(built.functions)} functions, "
             f"{len(built.entries)} entry points, {len(built.parse_errors)} parse errors recovered"]
    for function in sorted(built.functions.values(), key=lambda f: (f.file, f.line)):
        events = [e for e in function.events() if e.kind != "call" or e.targets]
        if not events and not function.entry:
            continue
        entry = f"  [entry: {function.entry}]" if function.entry else ""
        lines.append(f"{function.file}:{function.line}: {function.name}(){entry}")
        for event in events:
            lines.append(f"    {event.line:>5}  {_describe(event)}")
    flags = built.flags()
    if flags:
        lines.append("flags (open-coded locks):")
        for name, roles in flags.items():
            lines.append(f"  {name}")
            for role, where in roles.items():
                lines += [f"    {role[:-1]}: {w}" for w in where]
    if edges:
        lines.append("lock-order edges (flags counted as locks):")
        for edge in lock_order_edges(built, flags_as_locks=True):
            lines.append(f"  {edge.held} -> {edge.acquired}")
            lines += [f"      at {site}" for site in [edge.held_at, *edge.chain]]
    return "\n".join(lines)


def _describe(event) -> str:  # type: ignore[no-untyped-def]
    mark = "" if event.resolved else " (unresolved)"
    if event.kind in ("acquire", "release"):
        return f"{event.kind} {event.lock_kind} {event.lock}{mark}{' [guard]' if event.guard else ''}"
    if event.kind == "wait":
        flags = f" for {', '.join(event.flags)}" if event.flags else ""
        return f"wait on {event.lock}{flags}: {event.condition or ''}"
    if event.kind == "call":
        how = "through pointer ." + event.callee if event.via_pointer else event.callee
        return f"call {how} -> {', '.join(t.split(':')[-1] for t in event.targets)}"
    if event.kind == "sleep":
        return f"may sleep: {event.callee}"
    return f"{event.kind} {event.lock}{mark}"
