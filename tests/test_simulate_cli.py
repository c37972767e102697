"""``aptool check --scenario f,g,h --max-states N``: the deadlock check from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.cli import app

DATA = Path(__file__).parent / "data" / "deadlock"
runner = CliRunner()


def check(*args: str) -> tuple[int, str, str]:
    out = runner.invoke(app, ["check", *args])
    return out.exit_code, out.stdout, out.stderr


def test_scenario_confirmed_as_json() -> None:
    code, out, _ = check(
        str(DATA / "abba.c"), "--checks", "deadlock", "--scenario", "pair_forward,pair_backward", "--json"
    )
    assert code == 1
    data = json.loads(out)
    (finding,) = data["findings"]
    assert (finding["check"], finding["verdict"], finding["kind"]) == ("deadlock", "confirmed", "deadlock")
    assert finding["locks"] == ["pair.a", "pair.b"]
    assert [(s["thread"], s["action"]) for s in finding["schedule"]] == [("T0", "lock(pair.a)"), ("T1", "lock(pair.b)")]
    assert finding["schedule"][0]["location"]["line"] == 10
    assert finding["schedule"][0]["location"]["note"] == "holds pair.a"
    assert [t["function"] for t in finding["threads"]] == ["pair_forward", "pair_backward"]
    assert data["stats"]["deadlock"]["confirmed"] == 1 and data["stats"]["deadlock"]["states"] == finding["states"]


def test_scenario_refuted_is_a_note_and_exits_0() -> None:
    code, out, _ = check(str(DATA / "outer_lock.c"), "--checks", "deadlock", "--scenario", "dev_ioctl_ab,dev_ioctl_ba")
    assert code == 0
    assert "INFO: circular locking dependency refuted by the simulator" in out
    assert "every edge is taken under dev.outer, a common outer lock that serialises them" in out


def test_scenario_text_is_the_concrete_table() -> None:
    code, out, _ = check(str(DATA / "three_cycle.c"), "--scenario", "ring_work_a,ring_work_b,ring_work_c")
    assert code == 1
    assert "WARNING: deadlock reached by a schedule" in out
    assert " Concrete unsafe locking scenario (3 steps, a shortest schedule):" in out
    assert "  T0 waits for ring.b (held by T1) at take_b+" in out


def test_max_states_reached_is_unknown() -> None:
    args = [str(DATA / "three_cycle.c"), "--checks", "deadlock", "--json"]
    code, out, _ = check(*args, "--scenario", "ring_work_a,ring_work_b,ring_work_c", "--max-states", "4")
    data = json.loads(out)
    (finding,) = data["findings"]
    assert finding["verdict"] == "unknown"
    assert finding["reason"] == f"search incomplete after {finding['states']} states"
    assert data["stats"]["deadlock"]["unknown"] == 1
    assert code == 1  # not shown safe: reported as a warning


def test_cycles_of_the_files_without_a_scenario() -> None:
    code, out, _ = check(str(DATA / "busy_flag.c"), "--checks", "deadlock", "--json")
    data = json.loads(out)
    verdicts = {tuple(f["locks"]): f["verdict"] for f in data["findings"]}
    assert verdicts == {("box.busy", "box.inner"): "confirmed"}
    assert code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--scenario", "no_such_function"],
            "aptool: no function 'no_such_function' in the model to start a thread in",
        ),
        (["--scenario", ","], "aptool: --scenario needs at least one function name"),
        (["--max-states", "0"], "aptool: --max-states must be at least 1, not 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = check(str(DATA / "abba.c"), "--checks", "deadlock", *args)
    assert code == 2
    assert err.strip() == message
    assert "Traceback" not in out + err
