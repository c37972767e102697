#!/usr/bin/env python3
"""Benchmark ``aptool base`` (and b4's base guess) on cases cut from a real repository.

Cases:
  * single commits: the commit as a one-patch series; its true base is its parent;
  * merged topic branches: the topic's commits as a series; the true base is the
    fork point (the merge base of the merge's two parents);
  * where the history has no merged topics (every merge is a whole release
    cycle), runs of 2 to 8 consecutive main-line commits by one author, as a
    series applied straight to the main line: kind "series", the true base is
    the parent of the first.
Each mail's Date is the commit's committer date, as a sent mail would carry it,
and no base-commit trailer is written.  For each case the benchmark runs, in
one go over the same mboxes:
  * ``aptool base --mbox CASE --repo REPO --json`` as a user's first run: no
    ``.git/aptool`` index (the touched paths' history only);
  * the same after ``aptool index`` (timed apart);
  * ``b4 am -g`` when b4 is installed;
taking turns on each case (so that they share the machine's load alike), and
prints, per kind, how many answers are valid (every pre-image blob is at the
named commit), how many are the true base, and the mean wall and CPU seconds
per run (CPU: the tool and the git processes it ran).
Last, ``find_base`` is called on every case in one process (the index in
place), and the series per second are printed.

    python benchmarks/base_bench.py REPO [--singles 60] [--topics 40] [--seed 1]
    python benchmarks/base_bench.py --generate DIR   # a generated repository to run on
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.utils
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aptool.git import run as runner

_INDEX = re.compile(
    r"^diff --git a/(\S+) b/(\S+)\n"
    r"(?:(?:new|deleted) file mode \d+\n|similarity.*\n|rename.*\n|old mode.*\n|new mode.*\n)*"
    r"index ([0-9a-f]+)\.\.([0-9a-f]+)",
    re.MULTILINE,
)


def git(repo: Path, *args: str, stdin: bytes | None = None, check: bool = True) -> str:
    proc = runner.run(repo, *args, input=stdin)
    if check and proc.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="replace")


@dataclass
class Case:
    kind: str
    true_base: str
    tip: str
    count: int
    mbox: Path = field(default=Path())
    msgid: str = ""
    preimages: list[tuple[str, str | None]] = field(default_factory=list)


def pick_cases(repo: Path, singles: int, topics: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    head = git(repo, "symbolic-ref", "--short", "HEAD", check=False).strip() or "HEAD"
    line = git(repo, "rev-list", "--first-parent", "--parents", "-n", "20000", head).splitlines()
    plain = [row.split() for row in line if len(row.split()) == 2]
    merges = [row.split() for row in line if len(row.split()) == 3]
    cases: list[Case] = []
    for oid, parent in rng.sample(plain, min(singles, len(plain))):
        cases.append(Case("single", parent, oid, 1))
    rng.shuffle(merges)
    for _merge, first, second in merges:
        if sum(c.kind == "topic" for c in cases) >= topics:
            break
        fork = git(repo, "merge-base", first, second, check=False).strip()
        if not fork:
            continue
        count = len(git(repo, "rev-list", "--no-merges", f"{fork}..{second}").split())
        merges_inside = git(repo, "rev-list", "--merges", f"{fork}..{second}").split()
        if 1 <= count <= 8 and not merges_inside:
            cases.append(Case("topic", fork, second, count))
    if not any(c.kind == "topic" for c in cases):
        cases += linear_series(repo, plain, topics, rng)
    return cases


def linear_series(repo: Path, plain: list[list[str]], wanted: int, rng: random.Random) -> list[Case]:
    """Runs of 2-8 consecutive main-line commits by one author: series applied straight to the main line."""
    authors = dict(
        line.split(" ", 1) for line in git(repo, "log", "--first-parent", "-n", "20000", "--format=%H %ae").splitlines()
    )
    runs: list[list[str]] = []
    current: list[list[str]] = []
    for oid, parent in reversed(plain):  # oldest first
        if current and current[-1][0] == parent and authors.get(oid) == authors.get(current[-1][0]):
            current.append([oid, parent])
        else:
            if 2 <= len(current) <= 8:
                runs.append([c[0] for c in current])
            current = [[oid, parent]]
    picked = rng.sample(runs, min(wanted, len(runs)))
    return [Case("series", git(repo, "rev-parse", f"{run[0]}^").strip(), run[-1], len(run)) for run in picked]


def write_case(repo: Path, case: Case, directory: Path, number: int) -> None:
    """format-patch the case, with each Date set to the committer date."""
    raw = git(
        repo,
        "-c",
        "format.useAutoBase=false",
        "format-patch",
        "--stdout",
        "--thread=shallow",
        "--no-signature",
        f"{case.true_base}..{case.tip}",
    ).encode()
    commits = git(repo, "rev-list", "--reverse", "--no-merges", f"{case.true_base}..{case.tip}").split()
    dates = {c: git(repo, "log", "-1", "--format=%cD", c).strip() for c in commits}
    chunks = re.split(rb"^From ([0-9a-f]{40}) Mon Sep 17 00:00:00 2001\n", raw, flags=re.MULTILINE)
    mails = []
    for oid, body in zip(chunks[1::2], chunks[2::2], strict=True):
        text = body.decode("utf-8", "replace")
        text = re.sub(r"^Date: .*$", f"Date: {dates.get(oid.decode(), '')}", text, count=1, flags=re.MULTILINE)
        mails.append(f"From {oid.decode()} Mon Sep 17 00:00:00 2001\n" + text)
    case.mbox = directory / f"case-{number:03d}.mbox"
    case.mbox.write_text("".join(mails))
    first = email.message_from_string(mails[0])
    case.msgid = (first["Message-ID"] or "").strip().strip("<>")
    seen: set[str] = set()
    for mail in mails:
        for match in _INDEX.finditer(mail):
            old, _new, pre, _post = match.groups()
            if old not in seen:
                seen.add(old)
                case.preimages.append((old, None if set(pre) == {"0"} else pre))


def valid_at(repo: Path, commit: str | None, case: Case) -> bool:
    if not commit:
        return False
    specs = "".join(f"{commit}:{path}\n" for path, _ in case.preimages)
    answers = git(repo, "cat-file", "--batch-check=%(objectname)", stdin=specs.encode()).splitlines()
    for (_path, blob), answer in zip(case.preimages, answers, strict=True):
        present = not answer.endswith("missing")
        if blob is None and present or blob is not None and (not present or not answer.startswith(blob)):
            return False
    return True


def tool_env() -> dict[str, str]:
    """Both tools run as installed: Python may keep its compiled bytecode."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def startup_seconds(command: list[str], runs: int = 5) -> float:
    """The best of a few runs of a command that does nothing but start (``--version``)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, env=tool_env())
        best = min(best, time.perf_counter() - started)
    return best


def index_seconds(repo: Path) -> float:
    """``aptool index``: the persistent index, built once (kept in .git/aptool/)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aptool", "index", "--repo", str(repo)], capture_output=True, env=tool_env())
    return time.perf_counter() - started


@contextlib.contextmanager
def index_hidden(repo: Path) -> Iterator[None]:
    """The index moved aside for a run, as in a repository where ``aptool index`` never ran."""
    from aptool.base.index import index_file

    found = index_file(repo)
    aside = found.with_suffix(".aside") if found is not None else None
    if found is not None and aside is not None and found.exists():
        found.rename(aside)
    try:
        yield
    finally:
        if found is not None and aside is not None and aside.exists():
            aside.rename(found)


def drop_index(repo: Path) -> None:
    from aptool.base.index import index_file

    found = index_file(repo)
    if found is not None:
        found.unlink(missing_ok=True)


def in_process(repo: Path, cases: list[Case], *, applied_tier: bool = True) -> tuple[float, int, list[str | None]]:
    """One :class:`BaseFinder` (what ``find_base`` keeps per repository) on every case in one process:
    seconds, how many answered, and the answers.  ``applied_tier=False``: as for series under review."""
    from aptool.archive import LocalArchive
    from aptool.base.finder import BaseFinder
    from aptool.errors import AptoolError
    from aptool.series import fetch_thread

    threads = [fetch_thread(LocalArchive(case.mbox), case.msgid) for case in cases]  # parsing only: no errors yet
    answers: list[str | None] = []
    with BaseFinder(repo, applied_tier=applied_tier) as finder:
        started = time.perf_counter()
        for case, thread in zip(cases, threads, strict=True):
            try:
                found = finder.find(thread, archive=LocalArchive(case.mbox))
            except AptoolError:  # a mail aptool cannot read: no answer, as the command exits 2
                answers.append(None)
                continue
            answers.append(found.base if found.exact else None)
        seconds = time.perf_counter() - started
    return seconds, sum(a is not None for a in answers), answers


Run = tuple[str | None, float, float]  # (the commit named, wall seconds, CPU seconds of the tool and its git)


def measured(command: list[str], cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a tool; wall time, and the CPU time it and the processes it waited for used (robust to load)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=tool_env(), cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_aptool(repo: Path, case: Case) -> Run:
    proc, wall, cpu = measured(
        [sys.executable, "-m", "aptool", "base", case.msgid, "--mbox", str(case.mbox), "--repo", str(repo), "--json"]
    )
    match = re.search(r'"base": "([0-9a-f]{40})"', proc.stdout)
    exact = '"exact": true' in proc.stdout
    return (match.group(1) if match and exact else None), wall, cpu


def run_b4(repo: Path, case: Case, outdir: Path) -> Run:
    proc, wall, cpu = measured(
        ["b4", "--offline-mode", "am", "-g", "-m", str(case.mbox), "-o", str(outdir), case.msgid], cwd=repo
    )
    # b4 names its guess like git describe: "Base: heads/topic-4-g5d82cb8 (exact match)"
    found = re.search(r"Base: (\S+) \((?:exact match|best guess)[^)]*\)", proc.stdout + proc.stderr)
    if not found:
        return None, wall, cpu
    full = git(repo, "rev-parse", "--verify", "--quiet", f"{found.group(1)}^{{commit}}", check=False).strip()
    return full or None, wall, cpu


def generate(directory: Path, commits: int = 400, seed: int = 7) -> Path:
    """A generated repository: a main line with topic branches merged into it."""
    rng = random.Random(seed)
    repo = directory / "generated"
    repo.mkdir(parents=True)
    env_base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_AUTHOR_NAME": "Gen",
        "GIT_AUTHOR_EMAIL": "gen@example.org",
        "GIT_COMMITTER_NAME": "Gen",
        "GIT_COMMITTER_EMAIL": "gen@example.org",
    }
    clock = 1_600_000_000

    def run(*args: str) -> None:
        nonlocal clock
        clock += rng.randint(60, 7200)
        env = dict(env_base, GIT_AUTHOR_DATE=f"{clock} +0000", GIT_COMMITTER_DATE=f"{clock} +0000")
        proc = runner.run(repo, *args, env=env, inherit=False)
        if proc.returncode:
            raise RuntimeError(f"git {' '.join(args)}: {runner.last_line(proc)}")

    run("init", "-q", "-b", "master")
    files = [f"src/file{n:02d}.c" for n in range(30)]
    for name in files:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("".join(f"int v{n};\n" for n in range(40)))
    run("add", "-A")
    run("commit", "-q", "-m", "initial")
    made = 1
    while made < commits:
        if rng.random() < 0.25:
            branch = f"topic{made}"
            run("checkout", "-q", "-b", branch)
            for _ in range(rng.randint(1, 4)):
                _edit(repo, rng, files[:15])  # topics and the main line edit disjoint files
                run("commit", "-q", "-am", f"{branch}: change {made}")
                made += 1
            run("checkout", "-q", "master")
            for _ in range(rng.randint(0, 3)):
                _edit(repo, rng, files[15:])
                run("commit", "-q", "-am", f"main: change {made}")
                made += 1
            run("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch)
        else:
            _edit(repo, rng, files)
            run("commit", "-q", "-am", f"main: change {made}")
            made += 1
    return repo


def _edit(repo: Path, rng: random.Random, files: list[str]) -> None:
    path = repo / rng.choice(files)
    lines = path.read_text().splitlines(keepends=True)
    lines[rng.randrange(len(lines))] = f"int x{rng.randrange(10**9)};\n"
    path.write_text("".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--singles", type=int, default=60)
    parser.add_argument("--topics", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generate", type=Path, help="make a generated repository in this directory and use it")
    parser.add_argument("--no-b4", action="store_true")
    parser.add_argument(
        "--commit-graph",
        action="store_true",
        help="first write git's commit-graph with changed-path Bloom filters, as maintained repositories have",
    )
    args = parser.parse_args()
    repo = generate(args.generate) if args.generate else args.repo
    if repo is None:
        parser.error("name a repository or --generate DIR")
    if args.commit_graph:
        git(repo, "commit-graph", "write", "--reachable", "--changed-paths")
    work = Path(tempfile.mkdtemp(prefix="aptool-base-bench-"))
    try:
        run(repo, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run(repo: Path, args: argparse.Namespace, work: Path) -> None:
    cases = pick_cases(repo, args.singles, args.topics, args.seed)
    for number, case in enumerate(cases):
        write_case(repo, case, work, number)
    kinds = sorted({c.kind for c in cases}, key=["single", "topic", "series"].index)
    use_b4 = shutil.which("b4") is not None and not args.no_b4
    print(f"repository: {repo}  ({git(repo, 'rev-list', '--all', '--count').strip()} commits)")
    print("cases: " + ", ".join(f"{sum(c.kind == k for c in cases)} {k}" for k in kinds))
    startup = {"aptool": startup_seconds([sys.executable, "-m", "aptool", "--version"])}
    if use_b4:
        startup["b4"] = startup_seconds(["b4", "--version"])
    print("start-up alone: " + ", ".join(f"{name} {sec:.3f} s" for name, sec in startup.items()))
    drop_index(repo)
    print(f"aptool index: {index_seconds(repo):.1f} s (once)")
    names = ["aptool (first run, no index)", "aptool (index)"] + (["b4"] if use_b4 else [])
    results: dict[str, list[Run]] = {name: [] for name in names}
    for case in cases:  # the tools take turns on each case, so that they share the machine's load alike
        with index_hidden(repo):
            results[names[0]].append(run_aptool(repo, case))
        results[names[1]].append(run_aptool(repo, case))
        if use_b4:
            results["b4"].append(run_b4(repo, case, work / "b4-out"))
    print(f"{'':30} {'kind':>7} {'valid':>7} {'true base':>10} {'wall s/run':>11} {'CPU s/run':>10}")
    for name, answers in results.items():
        for kind in kinds:
            picked = [(c, r) for c, r in zip(cases, answers, strict=True) if c.kind == kind]
            valid = sum(valid_at(repo, r[0], c) for c, r in picked)
            true = sum(r[0] == c.true_base for c, r in picked)
            wall = sum(r[1] for _, r in picked) / max(len(picked), 1)
            cpu = sum(r[2] for _, r in picked) / max(len(picked), 1)
            print(
                f"{name:30} {kind:>7} {valid:>3}/{len(picked):<3} {true:>5}/{len(picked):<4} {wall:>11.3f} {cpu:>10.3f}"
            )
    cold = [r[0] for r in results["aptool (first run, no index)"]]
    warm = [r[0] for r in results["aptool (index)"]]
    print(f"answers that differ with and without the index: {sum(x != y for x, y in zip(cold, warm, strict=True))}")
    seconds, answered, answers = in_process(repo, cases)
    rate = len(cases) / seconds if seconds else float("inf")
    print(f"find_base in one process (index): {len(cases)} series in {seconds:.2f} s = {rate:.1f} series/s")
    if use_b4:
        b4_mean = sum(r[1] for r in results["b4"]) / max(len(cases), 1)
        print(f"  b4 per case: {b4_mean:.3f} s = {1 / b4_mean:.2f} series/s; ratio {rate * b4_mean:.1f}x")
    print(f"  same answers as the command: {sum(x == y for x, y in zip(answers, warm, strict=True))}/{len(cases)}")
    drop_index(repo)
    seconds, _, _ = in_process(repo, cases)
    print(f"find_base in one process (no index): {len(cases) / seconds:.1f} series/s")
    # Every case is cut from history, so the series is already in the repository and the `applied`
    # tier can find it.  A series under review is not: this is the rule's answer for that case.
    _, _, answers = in_process(repo, cases, applied_tier=False)
    for kind in kinds:
        picked = [(c, a) for c, a in zip(cases, answers, strict=True) if c.kind == kind]
        valid = sum(valid_at(repo, a, c) for c, a in picked)
        true = sum(a == c.true_base for c, a in picked)
        print(f"{'aptool, applied tier off':30} {kind:>7} {valid:>3}/{len(picked):<3} {true:>5}/{len(picked):<4}")


if __name__ == "__main__":
    sys.exit(main())
