#!/usr/bin/env python3
"""A kernel-shaped repository for ``aptool base``: cold start, full index, warm answer.

The repository is written with ``git fast-import``: about 70,000 files in a
kernel-like tree, about a million commits, most of them on topic branches
that fork from a release tag or from the main line's tip and come back
through merge commits, as maintainer trees do.  Every 2,000th main-line
commit is tagged (``vN.M-rcK``, then ``vN.M``).

Then, on a few merged topics cut into mboxes (as ``base_bench`` does):

* the first answer from a cold start: no ``.git/aptool`` index (and once more
  with a commit-graph holding changed-path Bloom filters, with ``--commit-graph``);
* ``aptool index``: its time and the size of the index file;
* a warm answer, with the index in place.

    python benchmarks/bigrepo.py DIR [--commits 1000000] [--files 70000] [--cases 3]
    python benchmarks/bigrepo.py DIR --reuse   # the commit-graph and index already there, not rebuilt
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import base_bench  # noqa: E402

from aptool.git import run as runner  # noqa: E402

_TOP = ["drivers", "fs", "net", "arch", "kernel", "mm", "sound", "include", "tools", "lib"]
_EPOCH = 1_500_000_000


def file_names(count: int, rng: random.Random) -> list[str]:
    """``count`` paths three to four levels deep, grouped by subsystem directory."""
    names: list[str] = []
    subsystem = 0
    while len(names) < count:
        top = _TOP[subsystem % len(_TOP)]
        base = f"{top}/sub{subsystem:04d}"
        for leaf in range(rng.randint(10, 60)):
            names.append(f"{base}/part{leaf % 4}/file{leaf:03d}.c")
        subsystem += 1
    return names[:count]


def stream(commits: int, files: int, seed: int) -> Iterator[bytes]:
    """The fast-import stream: an initial tree, then main-line commits and merged topic branches."""
    rng = random.Random(seed)
    names = file_names(files, rng)
    groups = [names[i : i + 40] for i in range(0, len(names), 40)]  # a topic stays in one subsystem
    clock = _EPOCH
    mark = 0
    version = [0] * len(names)

    def blob_line(index: int) -> bytes:
        version[index] += 1
        body = f"/* {names[index]} */\nint version = {version[index]};\nint body{index}_{version[index]};\n".encode()
        return b"M 100644 inline " + names[index].encode() + b"\ndata " + str(len(body)).encode() + b"\n" + body + b"\n"

    def commit(ref: str, message: str, changes: list[int], parents: list[int]) -> bytes:
        nonlocal clock, mark
        clock += rng.randint(20, 400)
        mark += 1
        who = f"Dev {rng.randint(1, 3000)} <dev@example.org> {clock} +0000"
        msg = message.encode()
        head = [
            f"commit {ref}\nmark :{mark}\nauthor {who}\ncommitter {who}\n".encode(),
            b"data " + str(len(msg)).encode() + b"\n" + msg + b"\n",
        ]
        if parents:
            head.append(f"from :{parents[0]}\n".encode())
        head += [f"merge :{p}\n".encode() for p in parents[1:]]
        return b"".join(head) + b"".join(blob_line(i) for i in changes) + b"\n"

    initial = [f"M 100644 inline {name}\ndata 4\nv0;\n\n".encode() for name in names]
    mark += 1
    who = f"Dev 0 <dev@example.org> {clock} +0000"
    yield f"commit refs/heads/master\nmark :{mark}\nauthor {who}\ncommitter {who}\ndata 8\ninitial\n".encode()
    yield b"".join(initial) + b"\n"
    tip, made, release, rc, since_tag = mark, 1, 1, 1, 0
    last_tag = tip
    while made < commits:
        if rng.random() < 0.2:  # a single commit on the main line
            yield commit("refs/heads/master", f"main: change {made}\n", [rng.randrange(len(names))], [tip])
            tip = mark
            made += 1
            since_tag += 1
        else:  # a topic branch from the last tag or the tip, merged back
            group = rng.randrange(len(groups))
            fork = last_tag if rng.random() < 0.4 else tip
            at = fork
            for n in range(rng.randint(1, 8)):
                picks = rng.sample(range(len(groups[group])), rng.randint(1, 3))
                index = [group * 40 + p for p in picks]
                yield commit("refs/heads/topic", f"sub{group}: topic change {made} part {n}\n", index, [at])
                at = mark
                made += 1
            yield commit("refs/heads/master", f"Merge branch 'topic-{made}'\n", [], [tip, at])
            tip = mark
            made += 1
            since_tag += 1
        if since_tag >= 2000:
            since_tag = 0
            name = f"v{release // 10}.{release % 10}" + (f"-rc{rc}" if rc <= 7 else "")
            yield f"reset refs/tags/{name}\nfrom :{tip}\n\n".encode()
            last_tag = tip
            rc += 1
            if rc > 8:
                rc, release = 1, release + 1
    yield b"reset refs/heads/topic\nfrom :1\n\n"
    yield b"checkpoint\n"


def generate(directory: Path, commits: int, files: int, seed: int) -> Path:
    repo = directory / "bigrepo"
    runner.git(None, "init", "-q", "-b", "master", str(repo))
    proc = runner.popen(repo, "fast-import", "--quiet", "--depth=10", stderr=sys.stderr.fileno())
    assert proc.stdin is not None
    for chunk in stream(commits, files, seed):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    runner.git(repo, "update-ref", "-d", "refs/heads/topic", check=False)
    return repo


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=base_bench.tool_env())
    return time.perf_counter() - started, proc.stdout + proc.stderr


def timed_git(repo: Path, *args: str) -> float:
    started = time.perf_counter()
    runner.git(repo, *args)
    return time.perf_counter() - started


def answer(repo: Path, case: base_bench.Case) -> str:
    seconds, out = timed(
        [sys.executable, "-m", "aptool", "base", case.msgid, "--mbox", str(case.mbox), "--repo", str(repo), "--json"]
    )
    found = base_bench.re.search(r'"base": "([0-9a-f]{40})"', out)
    base = found.group(1) if found else None
    verdict = (
        "true base" if base == case.true_base else "valid" if base_bench.valid_at(repo, base, case) else "NOT VALID"
    )
    return f"{seconds:.2f} s ({case.kind}, {verdict})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, help="where the repository is (or is made, as DIR/bigrepo)")
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=70_000)
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--commit-graph", action="store_true", help="also answer cold with changed-path Bloom filters")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the commit-graph and the index already there (moved aside for the cold answers) "
        "instead of writing them again",
    )
    args = parser.parse_args()
    repo = args.directory / "bigrepo"
    if not repo.exists():
        started = time.perf_counter()
        generate(args.directory, args.commits, args.files, args.seed)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    count = base_bench.git(repo, "rev-list", "--all", "--count").strip()
    paths = len(base_bench.git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines())
    print(f"repository: {count} commits, {paths} files")
    from aptool.base.index import index_file

    index = index_file(repo)
    assert index is not None
    work = Path(tempfile.mkdtemp(prefix="aptool-bigrepo-"))
    cases = base_bench.pick_cases(repo, 1, args.cases - 1, args.seed)
    for number, case in enumerate(cases):
        base_bench.write_case(repo, case, work, number)
    graph = repo / ".git" / "objects" / "info" / "commit-graph"
    if args.reuse:
        reuse(repo, cases, index, graph)
        return 0
    index.unlink(missing_ok=True)
    graph.unlink(missing_ok=True)
    for case in cases:
        print(f"cold answer, no commit-graph: {answer(repo, case)}")
    if args.commit_graph:
        seconds = timed_git(repo, "commit-graph", "write", "--reachable", "--changed-paths")
        print(f"git commit-graph write --reachable --changed-paths: {seconds:.1f} s")
        for case in cases:
            print(f"cold answer, changed-path Bloom filters: {answer(repo, case)}")
    seconds, out = timed([sys.executable, "-m", "aptool", "index", "--repo", str(repo)])
    size = index.stat().st_size / 1e6 if index.exists() else 0.0
    print(f"aptool index: {seconds:.1f} s, {size:.0f} MB")
    for case in cases:
        print(f"warm answer: {answer(repo, case)}")
    return 0


def reuse(repo: Path, cases: list[base_bench.Case], index: Path, graph: Path) -> None:
    """The cold answers with the index and the commit-graph already there moved aside, then the warm ones."""
    aside = [(path, path.with_name(path.name + ".aside")) for path in (index, graph) if path.exists()]
    try:
        for path, moved in aside:
            path.rename(moved)
        for case in cases:
            print(f"cold answer, no commit-graph: {answer(repo, case)}")
        for path, moved in aside:
            if path == graph:
                moved.rename(path)
        if graph.exists():
            for case in cases:
                print(f"cold answer, changed-path Bloom filters: {answer(repo, case)}")
    finally:
        for path, moved in aside:
            if moved.exists():
                moved.rename(path)
    if index.exists():
        for case in cases:
            print(f"warm answer: {answer(repo, case)}")


if __name__ == "__main__":
    sys.exit(main())
