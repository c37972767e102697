"""Modules loaded when first used, not when imported: start-up time for what a run never needs.

``import b4`` imports ``dkim`` (and through it ``dns.resolver``) for DKIM
attestation, which aptool never asks b4 for: a third of b4's import time and
a seventh of a short ``aptool base`` run.  A module named to :func:`defer_import`
before its importer runs is a stand-in in ``sys.modules``; ``import dkim``
binds the stand-in, and the first attribute read from it imports the real
module, which then takes its place.

The standard library's ``importlib.util.LazyLoader`` does not serve here: on
Python 3.11 the import statement itself reads ``__spec__`` from a module
already in ``sys.modules``, and that read loads a lazy module at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_LOCK = threading.RLock()


class DeferredModule(types.ModuleType):
    """A stand-in that imports the module it stands for on the first attribute read."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(_load(self), attribute)


def defer_import(name: str) -> None:
    """Put a stand-in for top-level module ``name`` into ``sys.modules``.

    Does nothing when ``name`` is loaded already or is not installed (an
    import of it then fails as it would have).  Errors of the real import are
    raised where the module is first used.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = DeferredModule(name)
    stand_in.__spec__ = spec
    stand_in.__loader__ = spec.loader
    stand_in.__file__ = spec.origin
    # No ``__path__``: ``import dkim.util`` reads it, and so loads the package's ``__init__`` first.
    sys.modules[name] = stand_in


def _load(stand_in: DeferredModule) -> types.ModuleType:
    """The real module for ``stand_in``, imported on first use."""
    name = stand_in.__name__
    with _LOCK:
        current = sys.modules.get(name)
        if current is not None and current is not stand_in:
            return current
        sys.modules.pop(name, None)
        try:
            return importlib.import_module(name)
        except BaseException:
            sys.modules[name] = stand_in
            raise
