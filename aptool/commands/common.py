"""What every command shares: JSON output and the archive options (errors are reported in ``aptool.cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from aptool.archive import Archive


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
UseVersionOption = typer.Option(
    None, "-v", "--use-version", min=1, help="The series version to use, as b4 names it (default: the newest)."
)
# The old spelling, beside ``aptool --version``: still accepted for this release, no longer shown.
OldVersionOption = typer.Option(None, "--version", min=1, hidden=True)


def series_version(use_version: int | None, old_spelling: int | None) -> int | None:
    """The version ``-v/--use-version`` names, or the old ``--version``; both given must agree."""
    if use_version is not None and old_spelling is not None and use_version != old_spelling:
        from aptool.errors import AptoolError

        raise AptoolError(f"-v/--use-version {use_version} and --version {old_spelling} disagree; give one")
    return use_version if use_version is not None else old_spelling


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
