"""Pausing Python's cyclic garbage collector around allocation-heavy passes.

The model builder, the lockset walk and the simulator make millions of small
objects and almost no reference cycles.  The collector's generational passes
then walk the whole (large, long-lived) model again and again for nothing; on
the kernel benchmark directories they cost more than a tenth of the time.
Reference counting still frees everything; cycles, if any, are collected when
the pass ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is restored (if it was on) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
