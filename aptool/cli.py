"""The ``aptool`` command line: wires each command module to the typer app.

Errors are reported here, once for every command: a usage error (a bad
option value, a missing argument, an unknown option) and any
:class:`~aptool.errors.AptoolError` reach the user as one line,
``aptool: ...``, with the exit code (2: could not run), never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # typer bundles click
from typer.core import TyperGroup

from aptool import __version__
from aptool.errors import AptoolError
from aptool.terminal import printable


def report(message: str, details: Sequence[str] = ()) -> None:
    """``aptool: message`` on stderr, then the data lines that go with it (indented)."""
    first, *rest = message.splitlines() or [""]
    typer.echo(f"aptool: {printable(first)}", err=True)
    for line in [*rest, *details]:
        typer.echo(f"  {printable(line, one_line=True)}", err=True)  # git's output quotes mail: escaped


def usage_line(err: ClickException) -> str:
    """A usage error in one line, naming the command it is about."""
    text = " ".join(err.format_message().split()).rstrip(".")
    text = text[:1].lower() + text[1:]  # git's style: "aptool: missing argument 'msgid'"
    ctx = getattr(err, "ctx", None)
    if ctx is not None and ctx.command_path:
        text += f" (see '{ctx.command_path} --help')"
    return text


# Each command's module, loaded when the command runs (or help lists it): ``aptool base`` starts
# without the option tables and imports of the other commands.  In the order help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "thread": ("aptool.commands.thread_cmd", "thread"),
    "base": ("aptool.commands.base_cmd", "base"),
    "index": ("aptool.commands.index_cmd", "index"),
    "apply-series": ("aptool.commands.apply_cmd", "apply_series"),
    "model": ("aptool.commands.model_cmd", "model"),
    "check": ("aptool.commands.check_cmd", "check"),
    "demo": ("aptool.commands.demo_cmd", "demo"),
    "hook": ("aptool.commands.hook_cmd", "app"),  # a group of its own
}


class LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name, each made from its module on first use."""

    def __init__(self, made: MutableMapping[str, Any]) -> None:
        self._made = dict(made)

    def __getitem__(self, name: str) -> Any:
        if name not in self._made:
            if name not in COMMANDS:
                raise KeyError(name)
            self._made[name] = _command(name)
        return self._made[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        del self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*COMMANDS, *(name for name in self._made if name not in COMMANDS)])

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._made))


def _command(name: str) -> Any:
    """The click command ``name`` from its module, made as typer makes a registered command."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    holder.callback()(_root_help)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return typer.main.get_command(holder).get_command(None, name)  # type: ignore[attr-defined]


def _root_help() -> None:
    """(holds one command while it is made)"""


class AptoolGroup(TyperGroup):
    """The root command; its ``main`` turns every error into one line and an exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AptoolError as err:
            report(err.message, err.details)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            report("interrupted")
            raise typer.Exit(130) from None

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name or "aptool", standalone_mode=False, **extra)
        except NoArgsIsHelpError as err:  # plain "aptool": the help (rich has printed it already)
            if err.format_message().strip():
                typer.echo(err.format_message(), err=True)
            code = err.exit_code
        except ClickException as err:  # a bad option value, a missing argument, an unknown option
            report(usage_line(err))
            code = err.exit_code
        except typer.Abort:
            report("interrupted")
            code = 130
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="aptool",
    cls=AptoolGroup,
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


def main() -> None:
    """The ``aptool`` entry point: logging set up here, not when a module is imported."""
    # b4 and liblore report through the "b4" logger (liblore's is its child);
    # aptool says what matters in its own words, so theirs stay quiet.
    logging.getLogger("b4").setLevel(logging.CRITICAL + 1)
    logging.getLogger("liblore").setLevel(logging.CRITICAL + 1)
    typer.main.get_command(app).main(prog_name="aptool")
