"""``aptool hook``: install, uninstall and show the git hook; ``run`` is what the installed hook calls."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aptool.commands.common import JsonOption, print_json

if TYPE_CHECKING:
    from aptool.hook.settings import HookSettings

app = typer.Typer(
    name="hook",
    help="The git hook that runs the lock checks during git am, at commit time or before a push.",
    no_args_is_help=True,
    add_completion=False,
)

TypeOption = typer.Option(
    None,
    "--type",
    "-t",
    help="pre-applypatch (git am, the default for install), pre-commit or pre-push; may be repeated.",
)
RepoOption = typer.Option(Path("."), "--repo", help="The git repository (default: the current directory).")


@app.command("install")
def install(types: list[str] | None = TypeOption, repo: Path = RepoOption) -> None:
    """Install the hook; a hook already there is kept and runs first."""
    from aptool.hook import install as do_install

    top = _repository(repo)
    _settings(top)  # a bad aptool.hook.* value is said now, not at the first git am
    for hook_type in types or ["pre-applypatch"]:
        _, said = do_install(top, hook_type)
        typer.echo(said)


@app.command("uninstall")
def uninstall(types: list[str] | None = TypeOption, repo: Path = RepoOption) -> None:
    """Remove the hook (every type installed, by default) and put back what was there before."""
    from aptool.hook import status as hook_status
    from aptool.hook import uninstall as do_uninstall

    top = _repository(repo)
    chosen = types or [s.type for s in hook_status(top) if s.state == "installed"]
    if not chosen:
        typer.echo("no aptool hook is installed: nothing to do")
    for hook_type in chosen:
        typer.echo(do_uninstall(top, hook_type))


@app.command("status")
def status(repo: Path = RepoOption, as_json: bool = JsonOption) -> None:
    """Which hooks are installed, what they chain to, and the settings they run with."""
    from aptool.hook import status as hook_status

    top = _repository(repo)
    states = hook_status(top)
    settings = _settings(top)
    if as_json:
        print_json(
            {
                "hooks": [s.to_dict() for s in states],
                "settings": {"checks": list(settings.checks), "failOn": settings.fail_on},
            }
        )
        return
    for state in states:
        line = f"{state.type:<15} {state.state:<10} {state.path}"
        if state.chained is not None:
            line += f" (runs {state.chained.name} first)"
        if state.python is not None and not Path(state.python).exists():
            line += f" -- {state.python} is gone: install again"
        typer.echo(line)
    checks = ", ".join(settings.checks) or "all"
    typer.echo(f"checks: {checks}; fails on: {settings.fail_on} (git config aptool.hook.checks, aptool.hook.failOn)")


@app.command("run", hidden=True)
def run(
    hook_type: str = typer.Argument(..., help="The hook git runs."),
    args: list[str] | None = typer.Argument(None, help="git's arguments to the hook."),
) -> None:
    """The installed hook's entry point (git runs it; not for people)."""
    from aptool.hook.run import main

    raise typer.Exit(main(hook_type, args or []))


def _settings(top: Path) -> HookSettings:
    """The hook's settings, every check id in ``aptool.hook.checks`` known."""
    from aptool.checks import select_checks
    from aptool.errors import AptoolError
    from aptool.hook.settings import read_settings

    settings = read_settings(top)
    try:
        select_checks(settings.checks)
    except AptoolError as err:
        raise AptoolError(f"git config aptool.hook.checks: {err.message}") from None
    return settings


def _repository(path: Path) -> Path:
    from aptool.errors import RepositoryError
    from aptool.git.run import git, git_ok

    if not path.is_dir() or not git_ok(path, "rev-parse", "--git-dir"):
        raise RepositoryError(f"not a git repository: {path}")
    top = git(path, "rev-parse", "--show-toplevel", check=False).strip()
    return Path(top) if top else path.resolve()
