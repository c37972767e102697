"""aptool base (the exact base commit and prerequisites): not built yet; says so instead of pretending."""

from __future__ import annotations

from typing import List, Optional

import typer

from aptool.commands.common import reports_errors
from aptool.errors import NotYetAvailable


@reports_errors
def base(
    args: Optional[List[str]] = typer.Argument(None, help="Arguments (not yet available)."),
) -> None:
    """aptool base (the exact base commit and prerequisites) -- not available in this version yet."""
    raise NotYetAvailable("'aptool base' is not available in this version yet", exit_code=2)
