"""``aptool demo``: the whole path on the bundled fixture story, with no network."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from aptool.errors import AptoolError


def demo(
    workdir: Path | None = typer.Option(
        None, "--workdir", help="Where to build the story (absent or empty; default: a new temporary directory)."
    ),
) -> None:
    """Build the fixture story (a repository and a list archive) and run aptool on it."""
    from aptool.demo import run_demo

    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="aptool-demo-"))
    elif workdir.exists() and any(workdir.iterdir()):
        raise AptoolError(f"--workdir {workdir} is not empty; name a new or empty directory")
    run_demo(workdir, typer.echo)
