"""Bad input on the command line: one line ``aptool: ...`` on stderr and the exit code, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["base", "x@example.org", "--version", "abc"],
            "aptool: invalid value for '--version': 'abc' is not a valid int range (see 'aptool base --help')",
        ),
        (
            ["apply-series", "x@example.org", "-v", "abc"],
            "aptool: invalid value for '-v' / '--use-version': 'abc' is not a valid int range"
            " (see 'aptool apply-series --help')",
        ),
        (
            ["base", "x@example.org", "--use-version", "0"],
            "aptool: invalid value for '-v' / '--use-version': 0 is not in the range x>=1 (see 'aptool base --help')",
        ),
        (
            ["base", "x@example.org", "--timeout", "soon"],
            "aptool: invalid value for '--timeout': 'soon' is not a valid float (see 'aptool base --help')",
        ),
        (["base"], "aptool: a Message-ID is needed (or --mbox FILE to take the newest series in a file)"),
        (["thread"], "aptool: missing argument 'msgid' (see 'aptool thread --help')"),
        (
            ["base", "x@example.org", "--frob"],
            "aptool: no such option: --frob (Possible options: --repo) (see 'aptool base --help')",
        ),
        (["model", "--xyzzy"], "aptool: no such option: --xyzzy (see 'aptool model --help')"),
        (["frob"], "aptool: no such command 'frob' (see 'aptool --help')"),
        (
            ["base", "x@example.org", "-v", "2", "--version", "3"],
            "aptool: -v/--use-version 2 and --version 3 disagree; give one",
        ),
        (["base", "not-a-message-id"], "aptool: not a Message-ID (no '@'): 'not-a-message-id'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], line: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


def test_not_a_repository_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    result = runner.invoke(app, ["model", "--rev", "HEAD", "--repo", str(tmp_path / "plain")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"aptool: not a git repository: {tmp_path / 'plain'}"]


def test_the_entry_point_reports_usage_errors_itself() -> None:
    """The wrapper sits in ``main``: the real program, not only the test runner, prints one line."""
    proc = subprocess.run(
        [sys.executable, "-m", "aptool", "apply-series", "x@example.org", "--version", "abc"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "aptool: invalid value for '--version': 'abc' is not a valid int range (see 'aptool apply-series --help')"
    ]


def test_old_version_spelling_still_selects_the_version(story) -> None:  # type: ignore[no-untyped-def]
    versions = story.threads["versions"]
    for spelling in (["--version", "2"], ["-v", "2"], ["--use-version", "2"]):
        result = runner.invoke(
            app, ["base", versions[0], "--repo", str(story.repo), "--archive", str(story.archive), "--json", *spelling]
        )
        assert result.exit_code == 0, result.stderr
        assert '"version": 2' in result.stdout


def test_no_exact_base_is_one_line_then_the_data(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = tmp_path / "user"
    subprocess.run(["git", "clone", "-q", str(story.repo), str(user)], check=True)
    root = story.threads["applies-nowhere"][0]
    result = runner.invoke(app, ["apply-series", root, "--repo", str(user), "--archive", str(story.archive)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("aptool: ")]
    assert len(errors) == 1
    assert re.fullmatch(
        rf"aptool: no exact base for <{re.escape(root)}>: no commit holds every pre-image; closest commit: "
        rf"\S+ \({story.commits['master'][:12]}\); fetch the tree that has them, or use --closest "
        r"to build the branch there \(marked inexact\)",
        errors[0],
    ), errors[0]
    after = result.stderr.split(errors[0] + "\n", 1)[1].splitlines()
    assert after == [
        "  drivers/s390/crypto/ap_bus.c: blob 9a1647e8fe50 is in no commit of the repository or the archive"
    ]


def test_no_command_prints_the_help_and_exits_2() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Usage: " in result.stdout and "apply-series" in result.stdout
    assert result.stderr == ""
