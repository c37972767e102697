"""How the base search reads history: walks read as git writes them, the lines from the index the
same as from git, the refs in one listing, and a start-up that loads only what ``base`` needs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aptool.base.index import BlobIndex
from aptool.base.lines import FirstParents, commit_lines
from aptool.base.objects import BlobLookup
from aptool.base.refs import read_refs
from tests.mailmaker import commit_files, format_series, make_repo, run_git, write_mbox
from tests.test_base_rule import DAY, T0, Repo


def test_a_walk_gets_each_change_as_git_writes_it() -> None:
    """A change is read when it arrives, not when a buffer fills: a walk stops at its answer."""
    read_end, write_end = os.pipe()
    answered = threading.Event()
    in_time: list[bool] = []

    def git_writing() -> None:
        os.write(write_end, b"a" * 40 + b" 1600000000 " + b"b" * 40 + b"\n")
        in_time.append(answered.wait(10))  # git goes on walking; the rest comes only after the answer
        os.write(write_end, b"c" * 40 + b" 1500000000\n")
        os.close(write_end)

    writer = threading.Thread(target=git_writing)
    writer.start()
    with os.fdopen(read_end, "rb") as stream:
        changes = commit_lines(stream)
        first = next(changes)
        answered.set()
        rest = list(changes)
    writer.join()
    assert (
        in_time == [True] and first == ("a" * 40, 1_600_000_000, "b" * 40) and rest == [("c" * 40, 1_500_000_000, None)]
    )


def test_the_lines_read_from_the_index_are_the_lines_git_walks(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    when = T0
    repo.commit({"a.c": "int a;\n"}, "initial import", when)
    for number in range(12):
        when += DAY
        repo.git("checkout", "-q", "-b", f"topic{number}", "master")
        repo.commit({f"t{number}.c": "int t;\n"}, f"t{number}", when)
        repo.git("checkout", "-q", "master")
        skew = -3 * DAY if number == 5 else 0  # a clock set wrong: the line's walk stops there, as rev-list's does
        repo.commit({"a.c": f"int a = {number};\n"}, f"a: {number}", when + 60 + skew)
        if number % 2:
            repo.merge(f"topic{number}", when + 120)
        if number == 6:
            repo.git("branch", "maint")
    repo.git("checkout", "-q", "maint")
    repo.commit({"a.c": "int fix;\n"}, "a: fix", when + DAY)
    repo.git("checkout", "-q", "master")
    tips = sorted({repo.git("rev-parse", ref).strip() for ref in ("master", "maint", "topic4", "topic11")})
    index = BlobIndex(repo.path, tips)
    times = sorted({int(t) for t in repo.git("log", "--all", "--format=%ct").split()})
    for since in [0, times[0], times[3], times[len(times) // 2], times[-2], times[-1]]:
        by_git, by_index = FirstParents(), FirstParents(index=index)
        by_git.read(repo.path, tips, since)
        by_index.read(repo.path, tips, since)
        assert by_index.known == by_git.known and (bool(by_git.known) or since == times[-1])
        on_lines = list(by_git.known)
        assert by_index.merged(repo.path, on_lines) == by_git.merged(repo.path, on_lines)
        assert any(by_git.merged(repo.path, on_lines).values()) or since >= times[-2]


# Paths a mail may name: a form feed and U+2028 (str.splitlines() splits at both), a newline
# (git's --batch-check protocol cannot carry it), and undecodable bytes.
ODD_PATHS = ["form\x0cfeed.c", "line\u2028sep.c", "new\nline.c"]


def test_odd_paths_get_one_answer_each(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {name: f"/* {index} */\n" for index, name in enumerate(ODD_PATHS)})
    head = run_git(repo, "rev-parse", "HEAD").strip()
    present = [run_git(repo, "rev-parse", f"HEAD:{name}").strip() for name in ODD_PATHS]
    asked = ODD_PATHS + ["absent\x0cfile.c", "absent\nfile.c", "plain.c", "bad\udcffbyte.c"]
    specs = [(head, path) for path in asked]
    with BlobLookup(repo) as lookup:
        found = lookup.blobs(specs)
    assert found == present + ["", "", "", ""]
    assert BlobLookup(repo).objects([f"{head}:{name}" for name in ODD_PATHS]) == [(b, "blob") for b in present]


def test_the_refs_are_read_in_one_listing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.c": "int a;\n"})
    first = run_git(repo, "rev-parse", "HEAD").strip()
    run_git(repo, "tag", "-a", "-m", "inner", "v1", first)
    run_git(repo, "tag", "-a", "-m", "outer", "v1-signed", "v1")  # a tag of a tag
    run_git(repo, "tag", "a-blob", "HEAD:a.c")
    second = commit_files(repo, {"a.c": "int a = 2;\n"}, "a: two")
    (repo / "a.c").write_text("int a = 3;\n")
    run_git(repo, "stash", "-q")
    stash = run_git(repo, "rev-parse", "refs/stash").strip()
    run_git(repo, "checkout", "-q", "--detach", first)
    with BlobLookup(repo) as lookup:
        refs = read_refs(repo, lookup)
    assert refs.commits == {
        "HEAD": first,
        "refs/heads/master": second,
        "refs/tags/v1": first,
        "refs/tags/v1-signed": first,
    }
    assert stash not in refs.tips and [(t.name, t.commit) for t in refs.tags] == [("v1", first)] and refs.tagged
    assert refs.times[second] == int(run_git(repo, "log", "-1", "--format=%ct", second))


def test_aptool_base_loads_only_what_it_needs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.c": "int a;\n"})
    commit_files(repo, {"a.c": "int a = 1;\n"}, "a: one")
    mbox = write_mbox(tmp_path / "s.mbox", format_series(repo, 1, msgid_prefix="load"))
    code = (
        "import sys\n"
        "from aptool.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print(code, *sorted(m for m in sys.modules if m.startswith('aptool.')), file=sys.stderr)\n"
    )
    args = ["base", "load-1@example.org", "--mbox", str(mbox), "--repo", str(repo)]
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    code_seen, *loaded = run.stderr.split()
    assert code_seen == "0" and "Base: " in run.stdout
    assert [m for m in loaded if m.startswith("aptool.commands.")] == [
        "aptool.commands.base_cmd",
        "aptool.commands.common",
        "aptool.commands.indexing",
    ]
    stacks = ("aptool.checks", "aptool.model", "aptool.simulate", "aptool.apply", "aptool.hook", "aptool.report")
    assert not [m for m in loaded if m.startswith(stacks)]


@pytest.mark.parametrize("command", [["--help"], ["hook", "--help"], ["bse"]])
def test_help_and_usage_still_name_every_command(command: list[str]) -> None:
    run = subprocess.run([sys.executable, "-m", "aptool", *command], capture_output=True, text=True)
    if command == ["bse"]:
        assert run.returncode == 2 and run.stderr.startswith("aptool: no such command 'bse'. Did you mean 'base'?")
    elif command[0] == "hook":
        assert run.returncode == 0 and all(name in run.stdout for name in ("install", "uninstall", "status"))
    else:
        names = ("thread", "base", "index", "apply-series", "model", "check", "demo", "hook")
        assert run.returncode == 0 and all(f" {name} " in run.stdout for name in names)
