"""A check on plain files leaves nothing behind: the model and the held-lock walk are freed by
reference counting when the check returns, with the cyclic collector off (no reference cycle, and
no cache, keeps them)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

import aptool.model
from aptool.pipeline import check_paths

DATA = Path(__file__).parent / "data" / "deadlock"


def test_check_paths_frees_the_model_without_the_cyclic_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[weakref.ref[aptool.model.CodeModel]] = []
    build = aptool.model.build_model

    def keep(*args: object, **options: object) -> aptool.model.CodeModel:
        model = build(*args, **options)  # type: ignore[arg-type]
        built.append(weakref.ref(model))
        return model

    monkeypatch.setattr(aptool.model, "build_model", keep)
    enabled = gc.isenabled()
    gc.disable()
    try:
        result = check_paths([DATA / "abba.c"])
        assert result.functions > 0 and built
        assert built[0]() is None
    finally:
        if enabled:
            gc.enable()
