"""aptool demo: placeholder until the fixture story lands."""

from __future__ import annotations

from aptool.commands.common import reports_errors
from aptool.errors import NotYetAvailable


@reports_errors
def demo() -> None:
    """Run the whole path on the bundled fixture story (no network)."""
    raise NotYetAvailable("'aptool demo' is not available in this version yet")
