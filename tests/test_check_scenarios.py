"""The scenario corpus, in the spirit of lockdep's selftests and goblint's annotated regression files.

Each scenario under ``tests/data/scenarios/{kernel,pthread}/`` is a C file, or a directory of C
files, whose comments carry the verdict: one ``// expect: CHECK LOCK...`` line per finding (lock
classes in the finding's order), or ``// expect: nothing``.  Every shape comes as ``*-bad`` and
``*-ok``.  The test checks the scenario as plain files and compares the exact set of findings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aptool.pipeline import check_paths

ROOT = Path(__file__).parent / "data" / "scenarios"
EXPECT = re.compile(r"^//\s*expect:\s*(.+?)\s*$", re.MULTILINE)


def scenarios() -> list[Path]:
    return sorted(p for flavour in ("kernel", "pthread") for p in (ROOT / flavour).iterdir())


def expected(scenario: Path) -> set[tuple[str, tuple[str, ...]]]:
    files = sorted(scenario.glob("*.c")) if scenario.is_dir() else [scenario]
    lines = [m.group(1) for f in files for m in EXPECT.finditer(f.read_text())]
    assert lines, f"{scenario} has no '// expect:' line"
    if lines == ["nothing"]:
        return set()
    found = set()
    for line in lines:
        check, *locks = line.split()
        found.add((check, tuple(locks)))
    return found


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scenario(scenario: Path) -> None:
    result = check_paths([scenario])
    assert result.parse_errors == [] and result.lost_functions == []
    assert {f.key() for f in result.findings} == expected(scenario)
    assert result.exit_code == (1 if expected(scenario) else 0)


def test_every_shape_has_a_bad_and_an_ok_variant() -> None:
    for flavour in ("kernel", "pthread"):
        names = {p.name.removesuffix(".c") for p in (ROOT / flavour).iterdir()}
        shapes = {re.sub(r"-(bad|ok)$", "", n) for n in names}
        assert all(f"{s}-bad" in names and f"{s}-ok" in names for s in shapes), flavour
