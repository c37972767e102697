"""The mail cases in ``tests/data/mail/``, run as a newcomer runs them: the real command line.

Each case folder holds the mails as sent and the repository as a git bundle.
Every command goes through ``python -m aptool`` (so ``main()`` and its error
handling are what a user gets), in a fresh clone of the bundle; each test
states the right answer of its case: output, exit code, the branch built.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "mail"


class Case:
    """One case folder copied to a temporary directory, with its repository cloned as ``repo``."""

    def __init__(self, name: str, tmp: Path) -> None:
        self.dir = tmp / name
        shutil.copytree(DATA / name, self.dir)
        self.repo = self.dir / "repo"
        self.git("clone", "-q", str(self.dir / "repo.bundle"), str(self.repo), cwd=self.dir)
        self.git("config", "user.name", "Max Maintainer")
        self.git("config", "user.email", "max@example.org")

    def git(self, *args: str, cwd: Path | None = None) -> str:
        where = ["-C", str(self.repo)] if cwd is None else []
        proc = subprocess.run(["git", *where, *args], cwd=cwd, capture_output=True, text=True, check=True)
        return proc.stdout

    def aptool(self, *args: str, code: int) -> subprocess.CompletedProcess[str]:
        """Run aptool in the case folder; assert its exit code and that it printed no traceback."""
        proc = subprocess.run(
            [sys.executable, "-m", "aptool", *args],
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
        assert proc.returncode == code, f"aptool {' '.join(args)}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
        return proc

    def subjects(self, branch: str) -> list[str]:
        return self.git("log", "--reverse", "--format=%s", f"master..{branch}").splitlines()


@pytest.fixture()
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Case:
    return Case(request.param, tmp_path)


def cases(name: str):  # type: ignore[no-untyped-def]
    return pytest.mark.parametrize("case", [name], indirect=True)


@cases("01-comma-version-prefix")
def test_comma_between_version_and_counter(case: Case) -> None:
    out = case.aptool("thread", "cover-v6@example.org", "--archive", "archive.mbox", code=0).stdout
    assert "1 series version" in out and "v6: demo: three small fixes" in out
    assert "3/3 patches, complete" in out
    base = case.aptool("base", "v6-2@example.org", "--repo", "repo", "--archive", "archive.mbox", code=0).stdout
    assert base.startswith("Series: v6 demo: three small fixes (3 of 3 patches)")
    for path in ("drivers/demo/core.c", "drivers/demo/util.c", "drivers/demo/Kconfig"):
        assert any(line.split()[:1] == [path] and line.endswith("base") for line in base.splitlines())
    case.aptool(
        "apply-series", "cover-v6@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=0
    )
    assert case.subjects("try") == [
        "demo: core: return early in core_3",
        "demo: util: bump util_5",
        "demo: Kconfig: depend on OF",
    ]


@cases("04-numbering-gap")
def test_numbering_gap_is_never_applied_silently(case: Case) -> None:
    out = case.aptool("thread", "gap-0@example.org", "--archive", "archive.mbox", code=0).stdout
    assert "2/3 patches, missing 2" in out
    base = case.aptool("base", "gap-0@example.org", "--repo", "repo", "--archive", "archive.mbox", code=1).stdout
    assert "The series is incomplete (patch 2/3 missing)" in base
    answer = json.loads(
        case.aptool("base", "gap-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--json", code=1).stdout
    )
    assert answer["series"]["complete"] is False and answer["series"]["missing"] == ["2/3"]
    assert answer["gaps"] == ["the series is incomplete (patch 2/3 missing)"]
    refused = case.aptool(
        "apply-series", "gap-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--json", code=1
    )
    assert "patch 2/3 missing" in json.loads(refused.stdout)["error"]
    assert "--allow-incomplete" in refused.stderr
    assert case.git("branch", "--list", "aptool/*") == ""
    built = case.aptool(
        "apply-series", "gap-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--allow-incomplete", code=0
    )
    assert "warning: the series is incomplete (patch 2/3 missing); built anyway (--allow-incomplete)" in built.stdout
    note = json.loads(case.git("notes", "--ref=aptool", "show", "aptool/demo-three-small-fixes-v1"))
    assert note["incomplete"] == ["the series is incomplete (patch 2/3 missing)"]
    assert len(case.subjects("aptool/demo-three-small-fixes-v1")) == 2


@cases("05-tracker-prefix-partial-reroll")
def test_partial_reroll_with_a_tracker_prefix(case: Case) -> None:
    by_cover = case.aptool("thread", "trk-0@example.org", "--archive", "archive.mbox", code=0).stdout
    by_v2 = case.aptool("thread", "trk-v2-2@example.org", "--archive", "archive.mbox", code=0).stdout
    assert by_cover.splitlines()[1:] == by_v2.splitlines()[1:]  # the same answer, whichever message is named
    assert "v1: demo: three small fixes" in by_cover and "3/3 patches, complete\n" in by_cover
    assert "complete as a partial re-roll (1/3, 3/3 from earlier versions)" in by_cover
    assert "<trk-1@example.org>  (v1's)" in by_cover and "<trk-v2-2@example.org>\n" in by_cover
    built = case.aptool(
        "apply-series", "trk-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=0
    )
    assert "v2 is a partial re-roll; taken from earlier versions: 1/3 (v1, <trk-1@example.org>)" in built.stdout
    assert case.git("rev-parse", "try:drivers/demo/util.c").startswith("c222f0f")  # v2's 2/3


@cases("05-tracker-prefix-partial-reroll")
def test_partial_reroll_plain_and_incomplete_v2(case: Case) -> None:
    out = case.aptool("thread", "pl-0@example.org", "--archive", "plain.mbox", code=0).stdout
    assert "v2: demo: three small fixes" in out and "partial re-roll" in out
    base = case.aptool("base", "pl-1@example.org", "--repo", "repo", "--archive", "plain.mbox", code=0).stdout
    assert base.startswith("Series: v2 demo: three small fixes (3 of 3 patches)")
    assert "v2 is a partial re-roll; from earlier versions: 1/3 (v1), 3/3 (v1)" in base
    inc = case.aptool("thread", "inc-0@example.org", "--archive", "incomplete-v2.mbox", code=0).stdout
    assert "2/3 patches, missing 3" in inc
    # v1's cover names the complete v1; the incomplete v2 is said.
    built = case.aptool(
        "apply-series",
        "inc-0@example.org",
        "--repo",
        "repo",
        "--archive",
        "incomplete-v2.mbox",
        "--branch",
        "try-inc",
        code=0,
    )
    assert "the thread also has v2 (2 of 3 patches, patch 3/3 missing)" in built.stdout
    refused = case.aptool(
        "apply-series", "inc-v2-0@example.org", "--repo", "repo", "--archive", "incomplete-v2.mbox", code=1
    )
    assert "the series is incomplete (patch 3/3 missing)" in refused.stderr


@cases("08-trailer-with-comment")
def test_trailer_comments_are_kept(case: Case) -> None:
    out = case.aptool("thread", "tc-0@example.org", "--archive", "archive.mbox", code=0).stdout
    assert "+ Acked-by: Dana Docs <dana@example.org> (Kconfig part)" in out
    assert "+ Approved-by: Gus Gate <gus@example.org> (build)" in out
    case.aptool(
        "apply-series", "tc-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=0
    )
    message = case.git("log", "-1", "--format=%B", "try")
    assert (
        "Acked-by: Dana Docs <dana@example.org> (Kconfig part)\nApproved-by: Gus Gate <gus@example.org> (build)\n"
        in message
    )


@cases("11-out-of-order-delivery")
def test_out_of_order_delivery(case: Case) -> None:
    out = case.aptool("thread", "ooo-3@example.org", "--archive", "archive.mbox", code=0).stdout
    assert "1 series version" in out and "3/3 patches, complete" in out
    base = case.aptool("base", "ooo-0@example.org", "--repo", "repo", "--archive", "archive.mbox", code=0).stdout
    assert "Prerequisites" not in base
    assert "series patch 2/3 <ooo-2@example.org>" in base
    case.aptool(
        "apply-series", "ooo-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=0
    )
    assert case.subjects("try") == [
        "demo: core: return early in core_3",
        "demo: util: bump util_5",
        "demo: util: bump util_6",
    ]


@cases("12-base64-transfer-encoding")
@pytest.mark.parametrize("mbox", ["control.mbox", "archive.mbox", "mixed.mbox"])
def test_base64_prerequisite_found_by_its_blob(case: Case, mbox: str) -> None:
    base = case.aptool("base", "b64-series@example.org", "--repo", "repo", "--archive", mbox, "--json", code=0)
    answer = json.loads(base.stdout)
    assert answer["describe"] == "master"
    assert [p["message_id"] for p in answer["prerequisites"]] == ["b64-prereq@example.org"]
    assert answer["prerequisites"][0]["found_by"] == "blob chain: drivers/demo/util.c 7c67969"
    case.aptool(
        "apply-series", "b64-series@example.org", "--repo", "repo", "--archive", mbox, "--branch", "try", code=0
    )
    assert case.subjects("try") == ["demo: util: add util_21", "demo: util: use util_21 in util_5"]


@cases("15-crlf")
@pytest.mark.parametrize(
    ("msgid", "mbox"), [("cr-1@example.org", "quoted-cr.mbox"), ("cr-2@example.org", "crlf-file.mbox")]
)
def test_carriage_returns_are_transport_damage(case: Case, msgid: str, mbox: str) -> None:
    out = case.aptool("thread", msgid, "--archive", mbox, code=0).stdout
    assert "      drivers/demo/util.c  91b860a..bf64a29  +1/-1" in out
    assert "renamed" not in out and "\r" not in out
    built = case.aptool("apply-series", msgid, "--repo", "repo", "--archive", mbox, "--branch", "try", code=0)
    assert "post-image ok" in built.stdout
    assert case.git("rev-parse", "try:drivers/demo/util.c").startswith("bf64a29")


@cases("16-depends-on-patchwork-id")
def test_depends_on_below_the_cut_line(case: Case) -> None:
    base = case.aptool("base", "dep-series@example.org", "--repo", "repo", "--archive", "control.mbox", code=0).stdout
    assert (
        "1. [PATCH] demo: util: add util_21\n     <dep-prereq@example.org>\n     found by: declared: Depends-on" in base
    )
    case.aptool(
        "apply-series",
        "dep-series@example.org",
        "--repo",
        "repo",
        "--archive",
        "control.mbox",
        "--branch",
        "try",
        code=0,
    )
    assert case.git("grep", "-c", "util_21", "try", "--", "drivers/demo/util.c").strip() == "try:drivers/demo/util.c:1"
    thread = json.loads(
        case.aptool("thread", "dep-series@example.org", "--archive", "archive.mbox", "--json", code=0).stdout
    )
    assert thread["versions"]["1"]["dependencies"][0]["value"] == 'series-30001 ("demo: util: add util_21")'
    text = case.aptool("base", "dep-series@example.org", "--repo", "repo", "--archive", "archive.mbox", code=1).stdout
    assert (
        'declared dependency depends-on series-30001 ("demo: util: add util_21") could not be resolved' in text.lower()
    )
    answer = json.loads(
        case.aptool(
            "base", "dep-series@example.org", "--repo", "repo", "--archive", "archive.mbox", "--json", code=1
        ).stdout
    )
    assert answer["unresolved"] == ['depends-on series-30001 ("demo: util: add util_21")']
    case.aptool("apply-series", "dep-series@example.org", "--repo", "repo", "--archive", "archive.mbox", code=1)


@cases("17-b4-prep-prerequisites")
def test_b4_prep_prerequisites_in_the_order_listed(case: Case) -> None:
    answer = json.loads(
        case.aptool("base", "s-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--json", code=0).stdout
    )
    assert [p["message_id"] for p in answer["prerequisites"]] == ["x2-1@example.org", "x2-2@example.org"]
    assert {p["found_by"] for p in answer["prerequisites"]} == {"declared: prerequisite-patch-id"}
    assert not any("change-id" in note for note in answer["notes"])
    case.aptool(
        "apply-series", "s-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=0
    )
    assert case.subjects("try") == ["demo: util: add util_21", "demo: Kconfig: add DEMO_UTIL21", "demo: use util_21"]


@cases("19-rename-and-mode-change")
def test_rename_and_mode_changes(case: Case) -> None:
    out = case.aptool("thread", "mv-0@example.org", "--archive", "archive.mbox", code=0).stdout
    assert "scripts/demo.sh (mode 100644 => 100755)  no index line" in out
    assert "scripts/tools/other.sh (renamed from scripts/other.sh) (mode 100644 => 100755)" in out
    base = case.aptool("base", "mv-0@example.org", "--repo", "repo", "--archive", "archive.mbox", code=0).stdout
    assert "(master)" in base.splitlines()[1]
    case.aptool(
        "apply-series", "mv-0@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=0
    )
    summary = case.git("diff", "--summary", "master", "try")
    assert "mode change 100644 => 100755 scripts/demo.sh" in summary
    assert "rename Documentation/{ => driver-api}/demo.rst (100%)" in summary
    assert "rename scripts/{ => tools}/other.sh (100%)" in summary
    assert len(case.subjects("try")) == 3


@cases("23-base-not-fetched-closest")
def test_base_not_fetched_and_closest(case: Case) -> None:
    base = case.aptool("base", "nf-1@example.org", "--repo", "repo", "--archive", "archive.mbox", code=1).stdout
    assert "drivers/demo/core.c  6e046ff       NOT FOUND" in base
    assert "base-commit 8dbcbba8fb571fd520f90786cce5d3d0a79a4168 is not in this repository: fetch" in base
    refused = case.aptool(
        "apply-series", "nf-1@example.org", "--repo", "repo", "--archive", "archive.mbox", "--branch", "try", code=1
    )
    assert "--closest" in refused.stderr and "three-way merge" not in refused.stderr
    built = case.aptool(
        "apply-series",
        "nf-1@example.org",
        "--repo",
        "repo",
        "--archive",
        "archive.mbox",
        "--branch",
        "try",
        "--closest",
        code=0,
    ).stdout
    assert "[1/1] offset    post-image differs demo: core: return early in core_17" in built
    assert "Hunk #1 succeeded at" in built and "(offset" in built
    assert "marked inexact" in built and "] exact " not in built
    note = json.loads(case.git("notes", "--ref=aptool", "show", "try"))
    assert note["exact"] is False and note["patches"][0]["method"] == "offset"
