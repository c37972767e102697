"""``python -m aptool.hook TYPE [ARGS]``: what the installed hook script runs.

The same as ``aptool hook run TYPE [ARGS]`` without the command line's
start-up (typer and its option parsing), which would be paid on every
``git am`` patch and every commit.
"""

from __future__ import annotations

import gc
import sys

from aptool.errors import AptoolError


def _main(argv: list[str]) -> int:
    from aptool.hook.run import main

    # A short process of millions of small objects and few cycles: a full collection costs more than a
    # tenth of a kernel patch's check, and the exit frees everything anyway.
    gc.disable()

    if not argv:
        sys.stderr.write("aptool: usage: python -m aptool.hook pre-applypatch|pre-commit|pre-push [ARGS]\n")
        return 2
    try:
        return main(argv[0], argv[1:])
    except AptoolError as err:
        sys.stderr.write(f"aptool: {err.message}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("aptool: interrupted\n")
        return 130


sys.exit(_main(sys.argv[1:]))
