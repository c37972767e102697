"""``python -m aptool`` and the ``aptool`` command: the command line, started with the cyclic
garbage collector paused while its modules load.

Loading modules makes tens of thousands of long-lived objects and no garbage, and the collector's
passes over them were a tenth of a short command's start-up (``aptool base``).  What was loaded is
then frozen out of later collections; the collector runs as usual for the command's own work.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Run the command line (``aptool.cli.main``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from aptool.cli import main as run
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    run()


if __name__ == "__main__":
    main()
