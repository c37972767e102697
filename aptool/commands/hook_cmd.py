"""aptool hook (the git hook): not built yet; says so instead of pretending."""

from __future__ import annotations

import typer

from aptool.errors import NotYetAvailable


def hook(
    args: list[str] | None = typer.Argument(None, help="Arguments (not yet available)."),
) -> None:
    """aptool hook (the git hook) -- not available in this version yet."""
    raise NotYetAvailable("'aptool hook' is not available in this version yet", exit_code=2)
