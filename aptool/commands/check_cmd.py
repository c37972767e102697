"""``aptool check``: the lock checks, against the series' base, in lockdep's words, JSON and SARIF.

What is checked depends on the arguments (see :mod:`aptool.pipeline`):

- nothing: the current branch against its baseline (the note ``apply-series`` left, else the
  merge base with its upstream, else none);
- ``--rev`` / ``--baseline`` (and PATHS to narrow the scope): those revisions;
- PATHS alone: the C files or directories as they are on disk, no git, no baseline;
- a Message-ID or archive URL: base + apply in a throw-away worktree + check; no branch is left.

``--scenario f,g,h`` runs those functions as the deadlock check's threads (instead of one thread per
edge of each lock-order cycle); ``--max-states N`` bounds each of its searches.

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
    OldVersionOption,
    TimeoutOption,
    UseVersionOption,
    print_json,
    series_version,
)
from aptool.errors import AptoolError

if TYPE_CHECKING:
    from aptool.pipeline import CheckResult


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
    verbose: bool = typer.Option(False, "--verbose", help="List every region that could not be parsed."),
    uncertain: bool = typer.Option(
        False, "--uncertain", help="Also report what rests on a pointer call resolved by field name alone."
    ),
    scenario: str | None = typer.Option(
        None, "--scenario", help="deadlock: run these functions as the threads (comma-separated names or file:name)."
    ),
    max_states: int | None = typer.Option(
        None, "--max-states", help="deadlock: states to search per run before saying 'unknown' (default 200000)."
    ),
    archive: str | None = ArchiveOption,
    use_version: int | None = UseVersionOption,
    old_version: int | None = OldVersionOption,
    closest: bool = typer.Option(False, "--closest", help="With a Message-ID: apply on the closest commit."),
    timeout: float = TimeoutOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Run the lock checks and say what the series fixes, keeps and adds, in lockdep's words."""
    from aptool.checks import CHECKS
    from aptool.checks.deadlock import settings

    if list_checks:
        for entry in CHECKS:
            typer.echo(f"{entry.id:<20} {entry.finding.description}")
        raise typer.Exit(0)
    select = [c for c in (checks or "").split(",") if c.strip()] or None
    if max_states is not None and max_states < 1:
        raise AptoolError(f"--max-states must be at least 1, not {max_states}")
    names = [n.strip() for n in (scenario or "").split(",") if n.strip()]
    if scenario is not None and not names:
        raise AptoolError("--scenario needs at least one function name")
    version = series_version(use_version, old_version)
    with settings(max_states, names):
        result = _run(
            targets,
            rev,
            baseline,
            repo,
            select,
            grow,
            uncertain,
            archive,
            version,
            closest,
            timeout,
            no_cache,
        )
    _warn_parse_errors(result, verbose)
    _write_sarif(result, sarif)
    if as_json:
        print_json(result.to_dict())
    elif sarif is None or str(sarif) != "-":
        _print_text(result, verbose)
    raise typer.Exit(result.exit_code)


def _run(
    targets: list[str] | None,
    rev: str | None,
    baseline: str | None,
    repo: Path,
    select: list[str] | None,
    grow: bool,
    uncertain: bool,
    archive: str | None,
    version: int | None,
    closest: bool,
    timeout: float,
    no_cache: bool,
) -> CheckResult:
    """The pipeline call the arguments ask for (see the module's docstring)."""
    from aptool import pipeline

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
    return result


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
