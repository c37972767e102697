"""b4's settings for one repository, for the length of one call, and never the network.

b4 keeps its configuration in module globals (``b4.MAIN_CONFIG``) and reaches
for lore.kernel.org whenever ``b4.can_network`` allows (a partial re-roll asks
for code-review trailers).  aptool asks its own archive, so every call into b4
runs inside :func:`b4_settings`: b4's configuration read from the repository
at hand (``b4.trailer-order``, ``b4.trailers-ignore-from``, ...) or b4's
defaults, the network off, and whatever was there before put back afterwards.

This is the one module that imports b4; the others take ``b4`` from here, so that b4's
DKIM library (which aptool never asks b4 to use) loads only if something uses it.
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aptool.deferred import defer_import

defer_import("dkim")
import b4  # noqa: E402  (after the deferral)

_GLOBALS = ("MAIN_CONFIG", "USER_CONFIG", "SENDEMAIL_CONFIG", "can_network")


@contextmanager
def b4_settings(repo: Path | str | None = None) -> Iterator[None]:
    """Run the body with b4 configured for ``repo`` (None: b4's defaults) and offline."""
    saved = {name: copy.copy(getattr(b4, name)) for name in _GLOBALS}
    try:
        if repo is not None:
            b4.setup_config(argparse.Namespace(config={}), topdir=str(repo))
        else:
            b4.MAIN_CONFIG = dict(b4.DEFAULT_CONFIG)
            b4.USER_CONFIG = {}
            b4.SENDEMAIL_CONFIG = {}
        b4.can_network = False
        yield
    finally:
        for name, value in saved.items():
            setattr(b4, name, value)
