"""What every command shares: one-line errors, JSON output, archive options."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from aptool.errors import AptoolError

if TYPE_CHECKING:
    from aptool.archive import Archive

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn an :class:`AptoolError` into ``aptool: message`` and its exit code.

    Users see one line and a non-zero exit, never a traceback, for anything
    they can cause; a genuine bug still shows its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AptoolError as err:
            typer.echo(f"aptool: {err.message}", err=True)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("aptool: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """Print one JSON document on stdout, keys in a stable order."""
    json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


ArchiveOption = typer.Option(
    None,
    "--archive",
    help="public-inbox URL, or a local mbox file, maildir or directory of mbox files "
    "(default: git config aptool.archive, then b4.midmask, then lore.kernel.org/all).",
)
TimeoutOption = typer.Option(30.0, "--timeout", help="Seconds to wait for the archive.")
NoCacheOption = typer.Option(False, "--no-cache", help="Do not read or write the thread cache.")
JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")


def open_thread_source(
    msgid_text: str,
    archive: str | None,
    *,
    timeout: float = 30.0,
    no_cache: bool = False,
    repo: Path | None = None,
) -> tuple[str, Archive]:
    """The Message-ID the user named and the archive to ask for it.

    ``--archive`` wins; else a message URL names its own archive (as b4
    does); else the configured one.
    """
    from aptool.archive import normalize_msgid, open_archive
    from aptool.archive.msgid import archive_from_url

    msgid = normalize_msgid(msgid_text)
    location = archive or archive_from_url(msgid_text)
    return msgid, open_archive(location, repo=repo, timeout=timeout, use_cache=not no_cache)
