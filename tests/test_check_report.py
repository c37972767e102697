"""The report formats of ``aptool check``: the JSON document, SARIF 2.1.0 against the official schema, the table.

``tests/data/sarif-schema-2.1.0.json`` is the OASIS SARIF 2.1.0 schema (errata 01), unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from aptool.checks import CHECKS
from aptool.checks.findings import Step
from aptool.cli import app
from aptool.report.lockdep import scenario
from aptool.story import Story

runner = CliRunner()
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def sarif_of(args: list[str], tmp_path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    target = tmp_path / "out.sarif"
    out = runner.invoke(app, ["check", *args, "--sarif", str(target)])
    return out.exit_code, json.loads(target.read_text())


def test_the_schema_is_the_official_one() -> None:
    assert SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert "result" in SCHEMA["definitions"] and "reportingDescriptor" in SCHEMA["definitions"]


@pytest.mark.parametrize("step", ["cycle", "open-coded"])
def test_sarif_validates_with_one_rule_per_check(story: Story, step: str, tmp_path: Path) -> None:
    code, log = sarif_of(["--repo", str(story.repo), "--rev", story.commits[step]], tmp_path)
    assert code == 1
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CHECKS]
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".c")
        assert "baselineState" not in result  # no baseline: nothing to compare with
    cycle = next(r for r in run["results"] if r["ruleId"] == "circular-locking")
    assert len(cycle["codeFlows"]) == 3  # one thread flow per dependency of the cycle
    assert cycle["partialFingerprints"]["aptoolKey/v1"].startswith("circular-locking:")


def test_sarif_against_a_baseline_marks_new_unchanged_absent(story: Story, tmp_path: Path) -> None:
    args = ["--repo", str(story.repo), "--rev", story.commits["open-coded"], "--baseline", story.commits["cycle"]]
    code, log = sarif_of(args, tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    states = {(r["ruleId"], r["baselineState"]) for r in log["runs"][0]["results"]}
    # the real cycle is gone, the open-coded lock and the cycle it hides are new; the simulator's
    # verdicts ride on the cycles, not as results of their own
    assert states == {("circular-locking", "absent"), ("circular-locking", "new"), ("open-coded-lock", "new")}
    absent = next(r for r in log["runs"][0]["results"] if r["baselineState"] == "absent")
    assert absent["kind"] == "pass" and absent["level"] == "none"
    assert code == 1


def test_json_document_shape(story: Story) -> None:
    out = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", story.commits["open-coded"], "--json"])
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert set(data) == {"findings", "stats"}
    for finding in data["findings"]:
        assert {"check", "locks", "status", "message", "locations", "chains", "schedule"} <= set(finding)
        assert finding["status"] == "new"
        for location in finding["locations"]:
            assert {"path", "line", "function"} <= set(location)
    stats = data["stats"]
    assert stats["new"] == len(data["findings"]) == 2 and stats["baseline"] is None
    # the deadlock check's run: states explored, states per second, a verdict per cycle
    deadlock = stats["deadlock"]
    assert deadlock["confirmed"] == 1 and deadlock["refuted"] == deadlock["unknown"] == 0
    assert deadlock["states"] > 0 and deadlock["states_per_second"] > 0
    assert not [f for f in data["findings"] if f["check"] == "deadlock"]  # folded into the cycle's finding
    (found,) = [f for f in data["findings"] if f["check"] == "circular-locking"]
    assert found["verdict"] == "confirmed" and found["simulation"]["kind"] == "deadlock"
    assert len(found["schedule"]) == 7 and {"thread", "action", "location"} <= set(found["schedule"][0])
    assert len(found["scenario"]) == 4 and found["simulation"]["states"] > 0
    assert stats["files"] > 0 and stats["lines"] > 0 and stats["checks"] == [c.id for c in CHECKS]


def test_checks_option_selects_and_rejects(story: Story) -> None:
    rev = story.commits["open-coded"]
    out = runner.invoke(
        app, ["check", "--repo", str(story.repo), "--rev", rev, "--checks", "open-coded-lock", "--json"]
    )
    assert [f["check"] for f in json.loads(out.stdout)["findings"]] == ["open-coded-lock"]
    bad = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", rev, "--checks", "no-such-check"])
    assert bad.exit_code == 2 and "unknown check 'no-such-check'" in bad.output
    listed = runner.invoke(app, ["check", "--list-checks"])
    assert listed.exit_code == 0 and [line.split()[0] for line in listed.stdout.splitlines()] == [c.id for c in CHECKS]


def test_scenario_table_uses_lockdeps_columns() -> None:
    table = scenario(
        [Step("CPU0", "lock(A)"), Step("CPU1", "lock(B)"), Step("CPU1", "lock(A)"), Step("CPU0", "lock(B)")]
    )
    assert table.plain.splitlines()[2:8] == [
        "       CPU0                    CPU1",
        "       ----                    ----",
        "  lock(A);",
        "                               lock(B);",
        "                               lock(A);",
        "  lock(B);",
    ]


@pytest.mark.parametrize("terminal", [False, True])
def test_colour_only_on_a_terminal(story: Story, terminal: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TERM")}
    if terminal:
        env["FORCE_COLOR"] = "1"  # what rich sees on a terminal
    out = subprocess.run(
        [sys.executable, "-m", "aptool", "check", "--repo", str(story.repo), "--rev", story.commits["cycle"]],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    assert out.returncode == 1 and ("\x1b[" in out.stdout) == terminal


def test_a_cycle_through_a_call_resolved_by_field_name_alone_needs_uncertain() -> None:
    source = str(Path(__file__).parent / "data" / "check" / "pointer-by-field-name.c")
    plain = runner.invoke(app, ["check", source, "--json"])
    assert plain.exit_code == 0 and json.loads(plain.stdout)["findings"] == []
    out = runner.invoke(app, ["check", source, "--uncertain", "--json"])
    assert out.exit_code == 1
    (finding,) = json.loads(out.stdout)["findings"]  # the simulator's verdict rides on the cycle
    assert (finding["check"], finding["locks"]) == ("circular-locking", ["dev.a", "dev.b"])
    assert finding["verdict"] == "confirmed" and finding["schedule"]
    notes = [chain.get("note", "") for chain in finding["chains"]]
    assert "uncertain: a pointer call resolved by field name only" in notes
