"""``aptool index``: build (or bring up to date) the persistent blob index that makes ``aptool base`` instant.

Without it, ``aptool base`` reads only the touched paths' history for each
series; with it, a question costs a few lookups.  The index is written only
here, under ``.git/aptool/``; later runs of ``aptool base`` keep it current.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from aptool.commands.common import JsonOption, print_json


def index(
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository to index (default: the current one)."),
    as_json: bool = JsonOption,
) -> None:
    """Index which blob every path holds at every commit, for fast base searches.

    Exit 0: the index is current; 2: could not run.
    """
    from aptool.base.history import searchable_tips
    from aptool.base.index import BlobIndex, index_file
    from aptool.commands.indexing import IndexProgress
    from aptool.git.repo import open_repository

    with open_repository(repo) as found:
        repo, common_dir = found.cwd, found.common_dir
    started = time.perf_counter()
    progress = IndexProgress()
    try:  # built beside the old index and renamed over it: runs reading it meanwhile read a whole index
        built = BlobIndex(repo, searchable_tips(repo), progress, common_dir=common_dir)
    finally:
        progress.close()
    where = index_file(repo, common_dir)
    size = where.stat().st_size if where is not None and where.exists() else 0
    answer: dict[str, object] = {
        "index": str(where) if where is not None else None,
        "commits": built.size(),
        "paths": built.path_count(),
        "bytes": size,
        "seconds": round(time.perf_counter() - started, 2),
    }
    built.db.close()
    if as_json:
        print_json(answer)
    else:
        typer.echo(
            f"indexed {answer['commits']} commits, {answer['paths']} paths in {answer['seconds']} s: "
            f"{answer['index']} ({size / 1e6:.1f} MB)"
        )
