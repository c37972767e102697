#!/usr/bin/env python3
"""Benchmark ``aptool base`` (and b4's base guess) on cases cut from a real repository.

Cases:
  * single commits: the commit as a one-patch series; its true base is its parent;
  * merged topic branches: the topic's commits as a series; the true base is the
    fork point (the merge base of the merge's two parents).
Each mail's Date is the commit's committer date, as a sent mail would carry it,
and no base-commit trailer is written.  For each case the benchmark runs
``aptool base --mbox CASE --repo REPO --json`` and, when b4 is installed,
``b4 am -g`` on the same mbox, and prints how many answers are valid (every
pre-image blob is at the named commit), how many are the true base, and the
mean seconds per case.  aptool indexes the history on its first run in a repository
(timed apart, once); the cases then use the index.

    python benchmarks/base_bench.py REPO [--singles 40] [--topics 20] [--seed 1]
    python benchmarks/base_bench.py --generate DIR   # a generated repository to run on
"""

from __future__ import annotations

import argparse
import email
import email.utils
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
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
    return cases


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


def first_run_seconds(repo: Path, case: Case) -> float:
    """aptool's first run on a repository: it indexes the history once (kept in .git/aptool/)."""
    from aptool.base.index import index_file

    found = index_file(repo)
    if found is not None:
        found.unlink(missing_ok=True)
    return run_aptool(repo, case)[1]


def run_aptool(repo: Path, case: Case) -> tuple[str | None, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "aptool", "base", case.msgid, "--mbox", str(case.mbox), "--repo", str(repo), "--json"],
        capture_output=True,
        text=True,
        env=tool_env(),
    )
    elapsed = time.perf_counter() - started
    match = re.search(r'"base": "([0-9a-f]{40})"', proc.stdout)
    exact = '"exact": true' in proc.stdout
    return (match.group(1) if match and exact else None), elapsed


def run_b4(repo: Path, case: Case, outdir: Path) -> tuple[str | None, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        ["b4", "--offline-mode", "am", "-g", "-m", str(case.mbox), "-o", str(outdir), case.msgid],
        capture_output=True,
        text=True,
        cwd=repo,
        env=tool_env(),
    )
    elapsed = time.perf_counter() - started
    # b4 names its guess like git describe: "Base: heads/topic-4-g5d82cb8 (exact match)"
    found = re.search(r"Base: (\S+) \((?:exact match|best guess)[^)]*\)", proc.stdout + proc.stderr)
    if not found:
        return None, elapsed
    full = git(repo, "rev-parse", "--verify", "--quiet", f"{found.group(1)}^{{commit}}", check=False).strip()
    return full or None, elapsed


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
    parser.add_argument("--singles", type=int, default=40)
    parser.add_argument("--topics", type=int, default=20)
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
        cases = pick_cases(repo, args.singles, args.topics, args.seed)
        for number, case in enumerate(cases):
            write_case(repo, case, work, number)
        use_b4 = shutil.which("b4") is not None and not args.no_b4
        tools = {"aptool": lambda c: run_aptool(repo, c)}
        if use_b4:
            tools["b4"] = lambda c: run_b4(repo, c, work / "b4-out")
        print(f"repository: {repo}  ({git(repo, 'rev-list', '--all', '--count').strip()} commits)")
        print(
            f"cases: {len(cases)} ({sum(c.kind == 'single' for c in cases)} single commits, "
            f"{sum(c.kind == 'topic' for c in cases)} merged topics)"
        )
        startup = {"aptool": startup_seconds([sys.executable, "-m", "aptool", "--version"])}
        if use_b4:
            startup["b4"] = startup_seconds(["b4", "--version"])
            # aptool assembles threads with b4, so b4's import is part of every aptool run too.
            startup["importing b4"] = startup_seconds([sys.executable, "-c", "import b4"])
        print("start-up alone: " + ", ".join(f"{name} {sec:.3f} s" for name, sec in startup.items()))
        if cases:
            print(f"aptool first run (indexes the history once): {first_run_seconds(repo, cases[0]):.2f} s")
        for name, tool in tools.items():
            valid = true = 0
            seconds = 0.0
            for case in cases:
                answer, elapsed = tool(case)
                seconds += elapsed
                valid += valid_at(repo, answer, case)
                true += answer == case.true_base
            print(
                f"{name:>7}: valid {valid}/{len(cases)}, true base {true}/{len(cases)}, "
                f"{seconds / max(len(cases), 1):.3f} s per case"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
