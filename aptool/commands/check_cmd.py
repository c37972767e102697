"""aptool check (the lock checks): not built yet; says so instead of pretending."""

from __future__ import annotations

import typer

from aptool.errors import NotYetAvailable


def check(
    args: list[str] | None = typer.Argument(None, help="Arguments (not yet available)."),
) -> None:
    """aptool check (the lock checks) -- not available in this version yet."""
    raise NotYetAvailable("'aptool check' is not available in this version yet", exit_code=2)
