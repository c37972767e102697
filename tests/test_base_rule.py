"""The base rule, signal by signal, each on a small repository where that signal decides.

Every test builds a real repository with dated commits, mails a series cut
from it with ``git format-patch`` (the commits are then dropped, as a list
patch is not in the repository) and asks ``find_base``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from aptool.archive import LocalArchive
from aptool.base import BaseFinder, close_finders, find_base
from aptool.base.data import BaseResult
from aptool.base.index import index_file
from aptool.base.lines import has_path_filters
from aptool.series import fetch_thread

DAY = 86400
T0 = 1_600_000_000


class Repo:
    """A repository whose commits carry the dates the test gives."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "master")

    def git(self, *args: str, when: int = T0) -> str:
        env = {
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "HOME": str(self.path),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_AUTHOR_NAME": "Ann Dev",
            "GIT_AUTHOR_EMAIL": "ann@example.org",
            "GIT_COMMITTER_NAME": "Ann Dev",
            "GIT_COMMITTER_EMAIL": "ann@example.org",
            "GIT_AUTHOR_DATE": f"{when} +0000",
            "GIT_COMMITTER_DATE": f"{when} +0000",
        }
        proc = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, check=True, env=env)
        return proc.stdout.decode()

    def commit(self, files: dict[str, str], subject: str, when: int) -> str:
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "--allow-empty", "-m", subject, when=when)
        return self.head()

    def merge(self, branch: str, when: int) -> str:
        self.git("merge", "-q", "--no-ff", "-m", f"Merge branch '{branch}'", branch, when=when)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def mail(
        self, tmp: Path, base: str, files: list[dict[str, str]], dates: list[int], cover: int | None = None
    ) -> Path:
        """A series of one patch per ``files`` entry on ``base``, each mail dated as given; its commits are
        dropped afterwards."""
        self.git("checkout", "-q", "-b", "mailing", base)
        for number, changes in enumerate(files, start=1):
            self.commit(changes, f"series: change {number}", dates[number - 1])
        args = ["format-patch", "--stdout", "--thread=shallow", "--no-signature", f"-{len(files)}"]
        if cover is not None:
            args.append("--cover-letter")
        raw = self.git(*args)
        self.git("checkout", "-q", "master")
        self.git("branch", "-q", "-D", "mailing")
        mails = re.split(r"^(?=From [0-9a-f]{40} )", raw, flags=re.MULTILINE)[1:]
        stamps = ([cover] if cover is not None else []) + dates
        out = []
        for number, (mail, when) in enumerate(zip(mails, stamps, strict=True)):
            stamp = subprocess.run(["date", "-R", "-u", "-d", f"@{when}"], capture_output=True, text=True).stdout
            mail = re.sub(r"^Date: .*$", f"Date: {stamp.strip()}", mail, count=1, flags=re.MULTILINE)
            mail = re.sub(r"^Message-ID: <[^>]+>", f"Message-ID: <rule-{number}@example.org>", mail, flags=re.M | re.I)
            mail = re.sub(r"^(In-Reply-To|References): <[^>]+>", r"\1: <rule-0@example.org>", mail, flags=re.M | re.I)
            out.append(mail)
        path = tmp / "series.mbox"
        path.write_text("".join(out))
        return path


def ask(repo: Repo, mbox: Path, *, applied_tier: bool = True) -> BaseResult:
    archive = LocalArchive(mbox)
    thread = fetch_thread(archive, "rule-0@example.org")
    with BaseFinder(repo.path, applied_tier=applied_tier) as finder:
        return finder.find(thread, archive=archive)


@pytest.fixture()
def repo(tmp_path: Path) -> Repo:
    made = Repo(tmp_path / "repo")
    made.commit({"a.c": "int a;\n", "b.c": "int b;\n"}, "initial import", T0)
    return made


def test_a_merge_on_the_main_line_beats_a_newer_commit_of_another_topic(repo: Repo, tmp_path: Path) -> None:
    repo.git("checkout", "-q", "-b", "early")
    repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + DAY)
    repo.git("checkout", "-q", "master")
    fork = repo.merge("early", T0 + 2 * DAY)  # topics fork from a merge on the main line
    repo.git("checkout", "-q", "-b", "other-topic")
    later = repo.commit({"b.c": "int b = 2;\n"}, "b: two (another topic, not merged)", T0 + 3 * DAY)
    repo.git("checkout", "-q", "master")
    mbox = repo.mail(tmp_path, fork, [{"a.c": "int a = 1;\n"}], [T0 + 4 * DAY])

    found = ask(repo, mbox)
    assert found.exact and found.base == fork != later
    assert found.signal == "release line" and "master" in found.rule
    assert later not in {a["commit"] for a in found.alternatives}  # a topic's commit is no line's answer


def test_the_newest_tag_beats_an_older_main_line_commit(repo: Repo, tmp_path: Path) -> None:
    main = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + DAY)
    repo.git("checkout", "-q", "-b", "legacy", "HEAD~1")  # not a long-lived branch name
    release = repo.commit({"b.c": "int b = 7;\n"}, "b: seven, for the release", T0 + 2 * DAY)
    repo.git("tag", "-a", "-m", "v1.1", "v1.1", when=T0 + 2 * DAY)
    repo.git("checkout", "-q", "master")
    mbox = repo.mail(tmp_path, main, [{"a.c": "int a = 1;\n"}], [T0 + 3 * DAY])

    found = ask(repo, mbox)
    assert found.base == release and found.signal == "tag" and "v1.1" in found.rule
    repo.git("tag", "-d", "v1.1")
    assert ask(repo, mbox).base == main  # without the tag, the main line decides


def test_the_earliest_mail_date_is_the_cut_off(repo: Repo, tmp_path: Path) -> None:
    first = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + DAY)
    second = repo.commit({"b.c": "int b = 2;\n"}, "b: two", T0 + 3 * DAY)
    # The patches were written on day 2; the cover letter went out on day 4.
    mbox = repo.mail(
        tmp_path, first, [{"a.c": "int a = 1;\n"}, {"a.c": "int a = 2;\n"}], [T0 + 2 * DAY] * 2, T0 + 4 * DAY
    )
    # both commits hold a.c's pre-image; only the first existed when the patches were dated
    found = ask(repo, mbox)
    assert found.base == first != second and found.signal == "release line"


def test_the_tree_maintainers_names_comes_before_a_newer_main_line(repo: Repo, tmp_path: Path) -> None:
    maintainers = (
        "FOO DRIVER\nM:\tAnn Dev <ann@example.org>\nS:\tMaintained\n"
        "T:\tgit git://git.example.org/pub/scm/foo.git next\nF:\tdrivers/foo/\n\n"
        "BAR\nM:\tBob <bob@example.org>\nT:\tgit git://git.example.org/pub/scm/bar.git\nF:\tdrivers/bar/\n"
    )
    repo.commit({"MAINTAINERS": maintainers, "drivers/foo/foo.c": "int foo;\n"}, "foo: new driver", T0 + DAY)
    repo.git("checkout", "-q", "-b", "foo-next")
    tree = repo.commit({"drivers/foo/foo_hw.c": "int hw;\n"}, "foo: hardware part", T0 + 2 * DAY)
    repo.git("checkout", "-q", "master")
    newer = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + 3 * DAY)
    repo.git("remote", "add", "foo", "https://git.example.org/pub/scm/foo.git")
    repo.git("update-ref", "refs/remotes/foo/next", tree)
    repo.git("branch", "-q", "-D", "foo-next")
    mbox = repo.mail(tmp_path, tree, [{"drivers/foo/foo.c": "int foo = 1;\n"}], [T0 + 4 * DAY])

    found = ask(repo, mbox)
    assert found.base == tree and found.signal == "maintainer tree" and "foo/next" in found.rule
    assert newer in {a["commit"] for a in found.alternatives}
    repo.git("remote", "remove", "foo")
    repo.git("update-ref", "refs/remotes/foo/next", tree)  # the same commit, but no remote fetches the tree
    assert ask(repo, mbox).base == newer


def test_a_series_already_in_the_repository_is_based_where_it_was_applied(repo: Repo, tmp_path: Path) -> None:
    fork = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + DAY)
    newer = repo.commit({"c.c": "int c;\n"}, "c: new", T0 + 2 * DAY)  # the main line moves on; a.c stays
    series = [{"a.c": "int a = 1;\n"}, {"a.c": "int a = 2;\n"}]
    mbox = repo.mail(tmp_path, fork, series, [T0 + 3 * DAY] * 2)
    found = ask(repo, mbox)
    assert found.base == newer and found.signal == "release line"  # not in the repository: the line decides
    # The series goes in as a topic forked where its author forked it, and is merged a day later.
    repo.git("checkout", "-q", "-b", "topic", fork)
    first = repo.commit(series[0], "series: change 1", T0 + 3 * DAY)
    repo.commit(series[1], "series: change 2", T0 + 3 * DAY)
    repo.git("checkout", "-q", "master")
    repo.merge("topic", T0 + 4 * DAY)
    repo.git("branch", "-q", "-D", "topic")

    found = ask(repo, mbox)
    assert found.exact and found.base == fork and found.signal == "applied" and first[:12] in found.rule
    assert newer in {a["commit"] for a in found.alternatives}  # what the line alone would have said
    # Without the tier (what the benchmark measures for a series under review) the line decides again.
    unapplied = ask(repo, mbox, applied_tier=False)
    assert unapplied.signal == "release line" and unapplied.base == newer


def test_a_base_only_a_side_branch_holds_is_found_in_the_touched_paths_history(repo: Repo, tmp_path: Path) -> None:
    repo.git("checkout", "-q", "-b", "topic")
    side = repo.commit({"a.c": "int a = 5;\n"}, "a: five (unmerged topic)", T0 + DAY)
    repo.git("checkout", "-q", "master")
    repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + 2 * DAY)
    mbox = repo.mail(tmp_path, side, [{"a.c": "int a = 6;\n"}], [T0 + 3 * DAY])

    found = ask(repo, mbox)
    assert found.base == side and found.signal == "any commit" and found.candidates == 1
    assert index_file(repo.path) is not None and not index_file(repo.path).exists()  # type: ignore[union-attr]


def test_when_every_candidate_is_newer_than_the_mail_the_oldest_is_chosen(repo: Repo, tmp_path: Path) -> None:
    first = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + 5 * DAY)
    repo.commit({"b.c": "int b = 2;\n"}, "b: two", T0 + 6 * DAY)
    mbox = repo.mail(tmp_path, first, [{"a.c": "int a = 1;\n"}], [T0 - DAY])  # a clock set wrong

    found = ask(repo, mbox)
    assert found.signal == "oldest" and found.base == repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    assert found.base != first


def test_answers_are_the_same_with_and_without_the_index(repo: Repo, tmp_path: Path) -> None:
    when = T0
    cases: list[tuple[str, int, str]] = []  # (the commit the series is cut on, mail date, file it changes)
    for number in range(10):
        when += DAY
        repo.git("checkout", "-q", "-b", f"topic{number}", "master")
        tip = repo.commit({f"f{number}.c": f"int f = {number};\n"}, f"f{number}: new", when)
        repo.git("checkout", "-q", "master")
        main = repo.commit({"b.c": f"int b = {number};\n"}, f"b: {number}", when + 60)
        if number % 2:
            repo.merge(f"topic{number}", when + 120)
        if number % 3 == 0:
            repo.git("tag", f"v0.{number}", when=when)
        cases += [(tip, when + 200, f"f{number}.c"), (main, when + 90, "a.c")]
    answers: dict[int, list[tuple[str, str]]] = {}
    for mode in ("no index", "changed-path filters", "index"):
        if mode == "changed-path filters":  # the walks go one path at a time, git skipping what the filters rule out
            repo.git("commit-graph", "write", "--reachable", "--changed-paths")
            assert has_path_filters(repo.path)
        if mode == "index":
            run = subprocess.run(
                [sys.executable, "-m", "aptool", "index", "--repo", str(repo.path)], capture_output=True, text=True
            )
            assert run.returncode == 0 and index_file(repo.path).exists()  # type: ignore[union-attr]
        for number, (base, date, name) in enumerate(cases):
            folder = tmp_path / f"{mode}-{number}"
            folder.mkdir()
            mbox = repo.mail(folder, base, [{name: f"int changed = {number};\n", "b.c": f"int b{number};\n"}], [date])
            found = ask(repo, mbox)
            assert found.exact
            answers.setdefault(number, []).append((found.base, found.signal))
    assert all(cold == bloom == warm for cold, bloom, warm in answers.values())
    assert {signal for pair in answers.values() for _, signal in pair} >= {"release line", "any commit"}


def test_find_base_keeps_the_repository_open_and_follows_its_refs(repo: Repo, tmp_path: Path) -> None:
    from aptool.base import _FINDERS

    close_finders()
    first = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + DAY)
    mbox = repo.mail(tmp_path, first, [{"a.c": "int a = 1;\n"}], [T0 + 9 * DAY])
    archive = LocalArchive(mbox)
    thread = fetch_thread(archive, "rule-0@example.org")
    assert find_base(repo.path, thread, archive=archive).base == first
    finder = _FINDERS[repo.path.resolve()]
    second = repo.commit({"b.c": "int b = 2;\n"}, "b: two", T0 + 2 * DAY)
    assert find_base(repo.path, thread, archive=archive).base == second  # the moved ref is seen
    assert _FINDERS[repo.path.resolve()] is finder
    close_finders()
    assert not _FINDERS


def test_the_command_names_the_rule_and_the_other_candidates(repo: Repo, tmp_path: Path) -> None:
    import json

    main = repo.commit({"b.c": "int b = 1;\n"}, "b: one", T0 + DAY)
    repo.git("tag", "v1.0", "HEAD~1")
    mbox = repo.mail(tmp_path, main, [{"a.c": "int a = 1;\n"}], [T0 + 2 * DAY])
    command = [
        sys.executable,
        "-m",
        "aptool",
        "base",
        "rule-0@example.org",
        "--mbox",
        str(mbox),
        "--repo",
        str(repo.path),
    ]
    text = subprocess.run(command, capture_output=True, text=True)
    assert text.returncode == 0 and f"Base: {main}" in text.stdout
    assert "release line: master at the series' date, or below it on its line" in text.stdout
    answer = json.loads(subprocess.run([*command, "--json"], capture_output=True, text=True).stdout)
    assert answer["base"] == main and answer["signal"] == "release line"
    tagged = repo.git("rev-parse", "v1.0^{commit}").strip()
    assert {"commit": tagged, "signal": "tag", "ref": "refs/tags/v1.0", "committed": T0} in answer["alternatives"]
