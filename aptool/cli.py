"""The ``aptool`` command line: wires each command module to the typer app."""

from __future__ import annotations

import typer

from aptool import __version__
from aptool.commands import apply_cmd, base_cmd, check_cmd, demo_cmd, hook_cmd, index_cmd, model_cmd, thread_cmd

app = typer.Typer(
    name="aptool",
    help="Find the base of a mailed kernel patch series, apply it, and check its locking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aptool {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Find the base of a mailed kernel patch series, apply it, and check its locking."""


app.command("thread")(thread_cmd.thread)
app.command("base")(base_cmd.base)
app.command("index")(index_cmd.index)
app.command("apply-series")(apply_cmd.apply_series)
app.command("model")(model_cmd.model)
app.command("check")(check_cmd.check)
app.command("hook")(hook_cmd.hook)
app.command("demo")(demo_cmd.demo)


def main() -> None:
    app()
