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
MboxOption = typer.Option(
    None,
    "--mbox",
    help="Read the series from this mbox file (no network); without a Message-ID, "
    "take the newest complete series in it, as b4 am -m does.",
)
AllowIncompleteOption = typer.Option(
    False,
    "--allow-incomplete",
    help="Go on with a series that lacks a patch or a declared dependency (the gap is recorded).",
)


def series_source(
    msgid_text: str | None,
    archive: str | None,
    mbox: Path | None,
    *,
    timeout: float = 30.0,
    no_cache: bool = False,
    repo: Path | None = None,
) -> tuple[str, Archive]:
    """The Message-ID to work on and the archive holding it, from a Message-ID and/or ``--mbox``.

    ``--mbox FILE`` alone names the newest complete series in the file.
    """
    from aptool.archive import LocalArchive, normalize_msgid
    from aptool.errors import AptoolError

    if mbox is None:
        if not msgid_text:
            raise AptoolError("a Message-ID is needed (or --mbox FILE to take the newest series in a file)")
        return open_thread_source(msgid_text, archive, timeout=timeout, no_cache=no_cache, repo=repo)
    if archive is not None:
        raise AptoolError("--mbox and --archive name two sources; give one")
    source = LocalArchive(mbox)
    if msgid_text:
        return normalize_msgid(msgid_text), source
    from aptool.series import newest_series

    return newest_series(source.messages, str(mbox)), source


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
