"""``aptool check``: the lock checks, against the series' base, in lockdep's words, JSON and SARIF.

What is checked depends on the arguments (see :mod:`aptool.pipeline`):

- nothing: the current branch against its baseline (the note ``apply-series`` left, else the
  merge base with its upstream, else none);
- ``--rev`` / ``--baseline`` (and PATHS to narrow the scope): those revisions;
- PATHS alone: the C files or directories as they are on disk, no git, no baseline;
- a Message-ID or archive URL: base + apply in a throw-away worktree + check; no branch is left.

Exit 0: nothing new (without a baseline: nothing found); 1: findings; 2: could not run.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aptool.commands.common import (
    ArchiveOption,
    JsonOption,
    NoCacheOption,
    TimeoutOption,
    print_json,
    reports_errors,
)
from aptool.errors import AptoolError

if TYPE_CHECKING:
    from aptool.pipeline import CheckResult


@reports_errors
def check(
    targets: list[str] | None = typer.Argument(
        None, help="C files or directories (with --rev: paths in the tree), or one Message-ID / archive URL."
    ),
    rev: str | None = typer.Option(None, "--rev", help="Check this revision (default: HEAD, or the work tree)."),
    baseline: str | None = typer.Option(
        None, "--baseline", help="Compare with this revision (default: the series base apply-series recorded)."
    ),
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository (default: the current directory)."),
    checks: str | None = typer.Option(
        None, "--checks", help="Comma-separated check ids (default: all). See --list-checks."
    ),
    list_checks: bool = typer.Option(False, "--list-checks", help="List the checks and exit."),
    grow: bool = typer.Option(
        True, "--grow/--no-grow", help="Add the call neighbourhood of the changed files (default: on)."
    ),
    sarif: Path | None = typer.Option(None, "--sarif", help="Also write a SARIF 2.1.0 log to FILE ('-': stdout)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every region that could not be parsed."),
    uncertain: bool = typer.Option(
        False, "--uncertain", help="Also report what rests on a pointer call resolved by field name alone."
    ),
    archive: str | None = ArchiveOption,
    version: int | None = typer.Option(None, "--version", help="With a Message-ID: the series version."),
    closest: bool = typer.Option(False, "--closest", help="With a Message-ID: apply on the closest commit."),
    timeout: float = TimeoutOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Run the lock checks and say what the series fixes, keeps and adds, in lockdep's words."""
    from aptool import pipeline
    from aptool.checks import CHECKS

    if list_checks:
        for entry in CHECKS:
            typer.echo(f"{entry.id:<20} {entry.finding.description}")
        raise typer.Exit(0)
    select = [c for c in (checks or "").split(",") if c.strip()] or None
    pipeline_select = select
    targets = list(targets or [])
    if len(targets) == 1 and _is_message_id(targets[0]) and rev is None and baseline is None:
        from aptool.apply.progress import reporter_for

        series = pipeline.open_series(targets[0], archive, repo=repo, timeout=timeout, use_cache=not no_cache)
        result = pipeline.check_thread(
            repo, series, version=version, closest=closest, grow=grow, select=pipeline_select,
            reporter=reporter_for(sys.stderr), uncertain=uncertain,
        )  # fmt: skip
    elif rev is not None or baseline is not None:
        paths = [_in_repo(repo, t) for t in targets] or None
        if rev is None:  # --baseline alone: the work tree against it
            result = pipeline.check_revisions(
                repo, None, baseline, paths, grow=grow, select=pipeline_select,
                baseline_reason=f"--baseline {baseline}", uncertain=uncertain,
            )  # fmt: skip
        else:
            result = pipeline.check_branch(
                repo, rev, baseline=baseline, paths=paths, grow=grow, select=pipeline_select, uncertain=uncertain
            )
    elif targets:
        result = pipeline.check_paths([Path(t) for t in targets], select=pipeline_select, uncertain=uncertain)
    else:
        result = pipeline.check_branch(repo, "HEAD", grow=grow, select=pipeline_select, uncertain=uncertain)
    _warn_parse_errors(result, verbose)
    _write_sarif(result, sarif)
    if as_json:
        print_json(result.to_dict())
    elif sarif is None or str(sarif) != "-":
        _print_text(result, verbose)
    raise typer.Exit(result.exit_code)


def _is_message_id(text: str) -> bool:
    """A Message-ID (``<a@b>``, ``a@b``, ``id:a@b``) or an archive URL, and not a file that exists."""
    if Path(text).exists():
        return False
    return text.startswith(("http://", "https://", "id:", "<")) or "@" in text


def _in_repo(repo: Path, target: str) -> str:
    """A path as given, made relative to the repository's top when it names a file on disk."""
    import os

    from aptool.git.run import git, git_ok

    path = Path(target)
    if path.exists() and git_ok(repo, "rev-parse", "--show-toplevel"):
        top = Path(git(repo, "rev-parse", "--show-toplevel").strip())
        return os.path.relpath(path.resolve(), top.resolve())
    return target


def _warn_parse_errors(result: CheckResult, verbose: bool) -> None:
    """One line per file that did not parse completely, then a count; ``--verbose``: every region."""
    per_file = Counter(error.file for error in result.parse_errors)
    lost = Counter(site.file for site in result.lost_functions)
    for file in sorted(set(per_file) | set(lost)):
        parts = []
        if per_file[file]:
            parts.append(f"{per_file[file]} region{'s' * (per_file[file] != 1)} could not be parsed and were skipped")
        if lost[file]:
            parts.append(f"{lost[file]} function{'s' * (lost[file] != 1)} lost")
        typer.echo(f"aptool: warning: {file}: {'; '.join(parts)}; the rest of the file is checked", err=True)
        if verbose:
            for error in result.parse_errors:
                if error.file == file:
                    typer.echo(f"  {error.file}:{error.line}: {error.message}", err=True)
            for site in result.lost_functions:
                if site.file == file:
                    typer.echo(f"  {site.file}:{site.line}: function {site.function}() lost: {site.text}", err=True)
    if per_file or lost:
        total = len(set(per_file) | set(lost))
        hint = "" if verbose else " (--verbose lists the regions)"
        typer.echo(
            f"aptool: warning: {total} file{'s' * (total != 1)} only partly parsed, "
            f"{sum(per_file.values())} regions skipped{hint}",
            err=True,
        )


def _write_sarif(result: CheckResult, sarif: Path | None) -> None:
    if sarif is None:
        return
    import json

    from aptool.report.sarif import document

    text = json.dumps(document(result), indent=2) + "\n"
    if str(sarif) == "-":
        sys.stdout.write(text)
        return
    try:
        sarif.write_text(text)
    except OSError as err:
        raise AptoolError(f"cannot write {sarif}: {err.strerror}") from None


def _print_text(result: CheckResult, verbose: bool) -> None:
    from rich.console import Console

    from aptool.report.lockdep import render

    console = Console(highlight=False, soft_wrap=True)
    console.print(render(result, verbose=verbose), end="")
