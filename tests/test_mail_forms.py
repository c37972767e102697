"""Every patch form git accepts, declared dependencies always honoured, and an honest apply status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.cli import app
from aptool.series import parse_thread, require_version
from tests.mailmaker import commit_files, format_series, make_repo, run_git, write_mbox

runner = CliRunner()
TEXT = "".join(f"line {n}\n" for n in range(1, 31))


def clone(author: Path, tmp: Path, at: str = "base") -> Path:
    user = tmp / "user"
    run_git(tmp, "clone", "-q", str(author), str(user))
    run_git(user, "reset", "-q", "--hard", at)
    run_git(user, "remote", "remove", "origin")  # the maintainer has none of the author's later commits
    return user


def apply(user: Path, mbox: Path, msgid: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["apply-series", msgid, "--repo", str(user), "--archive", str(mbox), *args])


# -- every patch form git accepts ---------------------------------------------------------------


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    """Six patches, one per form: mode only, rename with a mode change, new and deleted empty files,
    symlinks, binary files."""
    repo = make_repo(
        tmp_path_factory.mktemp("forms") / "author",
        {"scripts/run.sh": "echo run\n", "tools/a.sh": "echo a\n", "old/empty.txt": "", "lib/util.c": TEXT},
    )
    (repo / "fw.bin").write_bytes(bytes(range(256)) * 4)
    (repo / "cur").symlink_to("lib/util.c")
    run_git(repo, "add", "fw.bin", "cur")
    run_git(repo, "commit", "-q", "-m", "binary and symlink")
    run_git(repo, "tag", "base")
    steps = [
        ("scripts: make run.sh executable", [("chmod", "scripts/run.sh")]),
        ("tools: move a.sh to bin/ and make it executable", [("mv", "tools/a.sh", "tools/bin/a.sh")]),
        ("include: add an empty header", [("write", "include/empty.h", "")]),
        ("old: drop the empty file", [("rm", "old/empty.txt")]),
        ("links: point cur at the header, add next", [("link", "cur", "include/empty.h"), ("link", "next", "tools")]),
        ("fw: new firmware", [("binary", "fw.bin"), ("binary", "fw2.bin")]),
    ]
    for subject, actions in steps:
        for action in actions:
            _do(repo, *action)
        run_git(repo, "commit", "-q", "-m", subject)
    mails = format_series(repo, len(steps), cover=True, msgid_prefix="form", extra=("--binary",))
    return repo, mails


def _do(repo: Path, action: str, path: str, arg: str = "") -> None:
    target = repo / path
    if action == "chmod":
        target.chmod(0o755)
        run_git(repo, "add", path)
    elif action == "mv":
        target.chmod(0o755)
        (repo / arg).parent.mkdir(parents=True, exist_ok=True)
        run_git(repo, "add", path)
        run_git(repo, "mv", path, arg)
    elif action == "write":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(arg)
        run_git(repo, "add", path)
    elif action == "rm":
        run_git(repo, "rm", "-q", path)
    elif action == "link":
        if target.is_symlink():
            target.unlink()
        target.symlink_to(arg)
        run_git(repo, "add", path)
    elif action == "binary":
        target.write_bytes(bytes(reversed(range(256))) * 3 + path.encode())
        run_git(repo, "add", path)


def test_every_patch_form_is_read(forms: tuple[Path, list[bytes]]) -> None:
    _, mails = forms
    version = require_version(parse_thread(mails, "form-0@example.org"), None)
    by_counter = {p.counter: {f.path: f for f in p.files} for p in version.patches}
    mode = by_counter[1]["scripts/run.sh"]
    assert mode.mode_only and (mode.old_mode, mode.new_mode) == ("100644", "100755")
    moved = by_counter[2]["tools/bin/a.sh"]
    assert moved.is_rename and moved.old_path == "tools/a.sh" and moved.new_mode == "100755"
    assert by_counter[3]["include/empty.h"].is_new and by_counter[3]["include/empty.h"].postimage == "e69de29"
    assert by_counter[4]["old/empty.txt"].is_deleted
    assert by_counter[5]["next"].new_mode == "120000" and by_counter[5]["cur"].preimage
    assert by_counter[6]["fw.bin"].is_binary and by_counter[6]["fw2.bin"].is_new


def test_every_patch_form_applies_to_the_authors_tree(forms: tuple[Path, list[bytes]], tmp_path: Path) -> None:
    author, mails = forms
    user = clone(author, tmp_path)
    mbox = write_mbox(tmp_path / "forms.mbox", mails)
    base = runner.invoke(app, ["base", "form-0@example.org", "--repo", str(user), "--archive", str(mbox)])
    assert base.exit_code == 0, base.output
    built = apply(user, mbox, "form-0@example.org", "--branch", "forms")
    assert built.exit_code == 0, built.output
    assert "post-image differs" not in built.stdout
    assert run_git(user, "rev-parse", "forms^{tree}") == run_git(author, "rev-parse", "HEAD^{tree}")


# -- declared dependencies ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes], list[bytes]]:
    """A list-only prerequisite P (x.c; cover with a change-id) and a series S (y.c) that shares no file with it."""
    repo = make_repo(tmp_path_factory.mktemp("deps") / "author", {"x.c": TEXT, "y.c": TEXT})
    run_git(repo, "tag", "base")
    commit_files(repo, {"x.c": TEXT.replace("line 3\n", "line three\n")}, "x: spell three")
    prereq = format_series(repo, 1, cover=True, msgid_prefix="p")
    prereq[0] = prereq[0].replace(b"*** BLURB HERE ***", b"change-id: 20240301-x-three-1234")
    commit_files(repo, {"y.c": TEXT.replace("line 7\n", "line seven\n")}, "y: spell seven")
    commit_files(repo, {"y.c": TEXT.replace("line 7\n", "line seven\n").replace("line 9\n", "line nine\n")}, "y: nine")
    series = format_series(repo, 2, cover=True, msgid_prefix="s")
    return repo, prereq, series


def declare(series: list[bytes], where: int, line: str) -> list[bytes]:
    """``line`` in the cover letter's blurb (0) or below the ``---`` of patch ``where``."""
    out = list(series)
    if where == 0:
        out[0] = out[0].replace(b"*** BLURB HERE ***", line.encode())
    else:
        out[where] = out[where].replace(b"\n---\n", f"\n---\n{line}\n".encode(), 1)
    return out


def _patch_id(prereq: list[bytes]) -> str:
    return require_version(parse_thread(prereq, "p-1@example.org"), None).patches[0].patch_id or ""


@pytest.mark.parametrize(
    ("where", "line", "found_by"),
    [
        (1, "Depends-on: <p-1@example.org>", "declared: Depends-on"),
        (0, "prerequisite-message-id: <p-1@example.org>", "declared: prerequisite-message-id"),
        (0, "Based-on: <p-0@example.org>", "declared: Based-on"),
        (0, "prerequisite-change-id: 20240301-x-three-1234:v1", "declared: prerequisite-change-id"),
        (0, "prerequisite-patch-id: {patch_id}", "declared: prerequisite-patch-id"),
    ],
)
def test_a_declared_dependency_is_applied_without_a_shared_file(
    deps: tuple[Path, list[bytes], list[bytes]], tmp_path: Path, where: int, line: str, found_by: str
) -> None:
    author, prereq, series = deps
    mails = declare(series, where, line.format(patch_id=_patch_id(prereq)))
    mbox = write_mbox(tmp_path / "list.mbox", prereq + mails)
    user = clone(author, tmp_path)
    base = runner.invoke(app, ["base", "s-0@example.org", "--repo", str(user), "--archive", str(mbox), "--json"])
    assert base.exit_code == 0, base.output
    answer = json.loads(base.stdout)
    assert [(p["message_id"], p["found_by"]) for p in answer["prerequisites"]] == [("p-1@example.org", found_by)]
    built = apply(user, mbox, "s-0@example.org", "--branch", "dep")
    assert built.exit_code == 0, built.output
    assert run_git(user, "log", "--reverse", "--format=%s", "master..dep").splitlines() == [
        "x: spell three",
        "y: spell seven",
        "y: nine",
    ]


def test_an_unresolvable_dependency_is_reported(deps: tuple[Path, list[bytes], list[bytes]], tmp_path: Path) -> None:
    author, prereq, series = deps
    mails = declare(series, 1, "Depends-on: <nowhere@example.org>")
    mbox = write_mbox(tmp_path / "list.mbox", prereq + mails)
    user = clone(author, tmp_path)
    base = runner.invoke(app, ["base", "s-1@example.org", "--repo", str(user), "--archive", str(mbox), "--json"])
    assert base.exit_code == 1
    assert json.loads(base.stdout)["unresolved"] == ["depends-on <nowhere@example.org>"]
    refused = apply(user, mbox, "s-1@example.org")
    assert (
        refused.exit_code == 1
        and "declared dependency depends-on <nowhere@example.org> could not be resolved" in refused.stderr
    )
    assert apply(user, mbox, "s-1@example.org", "--allow-incomplete", "--branch", "anyway").exit_code == 0


def test_the_series_own_patch_is_never_its_prerequisite(
    deps: tuple[Path, list[bytes], list[bytes]], tmp_path: Path
) -> None:
    author, prereq, series = deps
    mails = declare(series, 2, "Depends-on: <s-1@example.org>")
    mbox = write_mbox(tmp_path / "list.mbox", prereq + mails)
    user = clone(author, tmp_path)
    base = runner.invoke(app, ["base", "s-0@example.org", "--repo", str(user), "--archive", str(mbox), "--json"])
    assert base.exit_code == 0, base.output
    answer = json.loads(base.stdout)
    assert answer["prerequisites"] == [] and answer["unresolved"] == []
    assert {"path": "y.c", "preimage": answer["files"][-1]["preimage"], "satisfied_by": "s-1@example.org"} in answer[
        "files"
    ]


def test_a_declared_dependency_already_merged_is_not_applied_again(
    deps: tuple[Path, list[bytes], list[bytes]], tmp_path: Path
) -> None:
    author, prereq, series = deps
    mails = declare(series, 1, "Depends-on: <p-1@example.org>")
    mbox = write_mbox(tmp_path / "list.mbox", prereq + mails)
    user = clone(author, tmp_path, at="base")
    run_git(user, "fetch", "-q", str(author), "master")
    run_git(user, "cherry-pick", "base..FETCH_HEAD~2")  # P is merged
    answer = json.loads(
        runner.invoke(app, ["base", "s-0@example.org", "--repo", str(user), "--archive", str(mbox), "--json"]).stdout
    )
    assert answer["prerequisites"] == []
    assert "declared prerequisite <p-1@example.org> is already in the repository" in answer["notes"]


# -- an honest apply status ---------------------------------------------------------------------


def test_offsets_on_an_inexact_base_are_reported(deps: tuple[Path, list[bytes], list[bytes]], tmp_path: Path) -> None:
    author, prereq, series = deps
    mbox = write_mbox(tmp_path / "list.mbox", prereq + series)
    user = clone(author, tmp_path)
    # The maintainer's tree never held the series' pre-image: its only commit has two more lines in y.c.
    (user / "y.c").write_text("/* header */\n/* more */\n" + TEXT)
    run_git(user, "commit", "-q", "-a", "--amend", "-m", "a tree of the maintainer's own")
    run_git(user, "tag", "-d", "base")
    refused = apply(user, mbox, "s-0@example.org")
    assert refused.exit_code == 1
    assert "--closest" in refused.stderr and "three-way merge" not in refused.stderr
    built = apply(user, mbox, "s-0@example.org", "--closest", "--branch", "near", "--json")
    assert built.exit_code == 0, built.output
    result = json.loads(built.stdout)
    assert [p["method"] for p in result["patches"]] == ["offset", "offset"]
    assert result["patches"][0]["offsets"] == ["Hunk #1 succeeded at 6 (offset 2 lines)."]
    assert result["patches"][1]["offsets"] == ["Hunk #1 succeeded at 8 (offset 2 lines)."]
    assert not result["exact"] and all(p["method"] != "exact" for p in result["patches"])


def test_based_on_a_commit_is_resolved_by_the_repository(
    deps: tuple[Path, list[bytes], list[bytes]], tmp_path: Path
) -> None:
    author, prereq, series = deps
    user = clone(author, tmp_path)
    head = run_git(user, "rev-parse", "HEAD").strip()
    for value, code in ((head[:12], 0), ("0123456789abcdef", 1)):
        mbox = write_mbox(tmp_path / f"{value}.mbox", prereq + declare(series, 0, f"Based-on: {value}"))
        result = runner.invoke(app, ["base", "s-0@example.org", "--repo", str(user), "--archive", str(mbox), "--json"])
        assert result.exit_code == code, result.output
        answer = json.loads(result.stdout)
        assert answer["prerequisites"] == []
        assert answer["unresolved"] == ([] if code == 0 else [f"based-on {value}"])
