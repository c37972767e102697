"""Modules loaded on first use (``aptool.deferred``): b4's DKIM library, and the rules on any package."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from aptool.deferred import DeferredModule, defer_import


def test_reading_mail_does_not_load_dkim_until_b4_uses_it() -> None:
    script = textwrap.dedent(
        """
        import sys
        import aptool.series.build, aptool.apply.am
        print(type(sys.modules["dkim"]).__name__, "dns.resolver" in sys.modules)
        import b4
        print(b4.dkim.DKIM.__name__, type(sys.modules["dkim"]).__name__, "dns.resolver" in sys.modules)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert proc.stdout.split("\n")[:2] == ["DeferredModule False", "DKIM module True"]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package ``deferredpkg`` whose ``__init__`` counts its runs, with a submodule ``part``."""
    root = tmp_path / "deferredpkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "import builtins\nbuiltins.deferredpkg_runs = getattr(builtins, 'deferredpkg_runs', 0) + 1\nVALUE = 7\n"
    )
    (root / "part.py").write_text("from deferredpkg import VALUE\nDOUBLE = VALUE * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "deferredpkg"
    for name in [n for n in sys.modules if n.split(".")[0] == "deferredpkg"]:
        del sys.modules[name]
    import builtins

    vars(builtins).pop("deferredpkg_runs", None)


def test_the_first_attribute_read_loads_the_module_once(package: str) -> None:
    import builtins

    defer_import(package)
    stand_in = sys.modules[package]
    assert isinstance(stand_in, DeferredModule)
    assert getattr(builtins, "deferredpkg_runs", 0) == 0
    assert stand_in.VALUE == 7
    assert stand_in.VALUE == 7
    assert builtins.deferredpkg_runs == 1  # type: ignore[attr-defined]
    real = sys.modules[package]
    assert not isinstance(real, DeferredModule) and isinstance(real, types.ModuleType)


def test_a_submodule_import_runs_the_package_init_first(package: str) -> None:
    import builtins

    defer_import(package)
    import deferredpkg.part  # type: ignore[import-not-found]

    assert deferredpkg.part.DOUBLE == 14
    assert builtins.deferredpkg_runs == 1  # type: ignore[attr-defined]
    assert not isinstance(sys.modules[package], DeferredModule)


def test_an_import_error_comes_where_the_module_is_first_used(package: str, tmp_path: Path) -> None:
    (tmp_path / package / "__init__.py").write_text("raise ImportError('broken on purpose')\n")
    defer_import(package)
    with pytest.raises(ImportError, match="broken on purpose"):
        sys.modules[package].VALUE  # noqa: B018
    assert isinstance(sys.modules[package], DeferredModule)  # the stand-in is back: a later use raises again


def test_a_loaded_or_missing_module_is_left_alone() -> None:
    loaded = sys.modules["json"]
    defer_import("json")
    assert sys.modules["json"] is loaded
    defer_import("no_such_module_anywhere")
    assert "no_such_module_anywhere" not in sys.modules
