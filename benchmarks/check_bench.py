#!/usr/bin/env python3
"""Benchmark ``aptool check`` end to end: real kernel directories, and the fixture story's branch.

Kernel: for each directory, ``check_paths`` (parse, model, held-lock walk, every check), with
lines per second on one core (process time) and wall time, and the findings by check.  The
tree is ``--tree``, else ``$APTOOL_KERNEL_SRC``, else the directories are extracted from
Debian's ``linux-source-6.1`` tarball as ``model_bench.py`` does.

Fixture: the story is built in a temporary directory, the seed series applied with
``apply-series``, then ``aptool check`` run on that branch against its recorded base, as a user
runs it (a new process, start-up included), best of ``--repeat``: wall time, and the CPU time of
the process and the git commands it runs (what the wall time is on an idle machine).

    python benchmarks/check_bench.py [--tree DIR] [--repeat N] [--breakdown] [DIR ...]

Goals: 20,000 lines/s or more end to end on the five default directories; the fixture check
under 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from model_bench import DEFAULT_DIRS, DEFAULT_TARBALL, ensure_sources

from aptool.pipeline import check_paths

GOAL_LINES_PER_SECOND = 20_000
GOAL_FIXTURE_SECONDS = 2.0


def kernel(tree: Path, dirs: list[str]) -> float:
    """Check each directory; print a row each and the total; return lines per second."""
    print(f"{'directory':<22}{'lines':>9}{'funcs':>8}{'cpu s':>8}{'wall s':>8}{'lines/s':>10}  findings")
    total_lines = 0
    total_cpu = total_wall = 0.0
    for directory in dirs:
        started, wall = time.process_time(), time.monotonic()
        result = check_paths([tree / directory])
        cpu, elapsed = time.process_time() - started, time.monotonic() - wall
        total_lines += result.lines
        total_cpu += cpu
        total_wall += elapsed
        counts = Counter(f.check for f in result.findings)
        found = ", ".join(f"{n} {check}" for check, n in sorted(counts.items())) or "none"
        print(
            f"{directory:<22}{result.lines:>9}{result.functions:>8}{cpu:>8.1f}{elapsed:>8.1f}"
            f"{result.lines / cpu:>10.0f}  {found}"
        )
    rate = total_lines / total_cpu
    print(f"{'total':<22}{total_lines:>9}{'':>8}{total_cpu:>8.1f}{total_wall:>8.1f}{rate:>10.0f}")
    verdict = "ok" if rate >= GOAL_LINES_PER_SECOND else "BELOW GOAL"
    print(f"end to end: {rate:.0f} lines/s on one core (goal {GOAL_LINES_PER_SECOND}): {verdict}")
    return rate


def breakdown(tree: Path, dirs: list[str]) -> None:
    """Where ``check_paths``' CPU time goes, per directory: the model, the held-lock walk and
    lock-order graph every check shares, each check's own pass, and folding the verdicts -- the
    same steps in the same pause of the cyclic collector, timed one by one (the collection at the
    end of ``check_paths`` is not in these figures)."""
    from aptool.checks import CHECKS, CheckContext
    from aptool.checks.verdicts import fold
    from aptool.gcpause import paused
    from aptool.model import build_model

    stages = ["model", "lock walk", *(c.id for c in CHECKS), "fold"]
    print(f"{'directory':<22}" + "".join(f"{s[:12]:>13}" for s in stages))
    for directory in dirs:
        spent: dict[str, float] = {}
        with paused():
            started = time.process_time()
            model = build_model([tree / directory])
            spent["model"] = time.process_time() - started
            context = CheckContext(model)
            started = time.process_time()
            context.graph  # noqa: B018  (the held-lock walk and the lock-order graph, computed once)
            spent["lock walk"] = time.process_time() - started
            found = []
            for check in CHECKS:
                started = time.process_time()
                found += sorted(check.run(context), key=lambda f: f.locks)
                spent[check.id] = time.process_time() - started
            started = time.process_time()
            fold(found, [c.id for c in CHECKS], model)
            spent["fold"] = time.process_time() - started
        print(f"{directory:<22}" + "".join(f"{spent[s]:>13.2f}" for s in stages))


def fixture(repeat: int) -> float:
    """Build the story, apply the seed, time ``aptool check`` on the branch; the best wall time."""
    from aptool.apply.thread import apply_thread
    from aptool.story import build_story

    with tempfile.TemporaryDirectory(prefix="aptool-check-bench-") as tmp:
        story = build_story(Path(tmp) / "story")
        built = apply_thread(story.repo, story.messages["seed"], archive=story.archive)
        times, cpu_times = [], []
        for _ in range(repeat):
            started = time.monotonic()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run(
                [sys.executable, "-m", "aptool", "check", "--repo", str(story.repo), "--rev", built.branch],
                capture_output=True,
                text=True,
                env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
            )
            times.append(time.monotonic() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 0:
                sys.exit(f"aptool check on the seed branch exited {proc.returncode}: {proc.stderr.strip()}")
        best, cpu = min(times), min(cpu_times)
        summary = proc.stdout.strip().splitlines()[-1].strip()
        verdict = "ok" if best < GOAL_FIXTURE_SECONDS else "ABOVE GOAL"
        print(
            f"fixture: aptool check on the seed branch, start-up included: best {best:.2f} s wall, "
            f"{cpu:.2f} s CPU (git included), of {repeat} ({summary}): {verdict}"
        )
        return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="*", default=DEFAULT_DIRS)
    parser.add_argument("--tree", type=Path, default=None, help="an extracted kernel tree")
    parser.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "aptool-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-kernel", action="store_true", help="only the fixture")
    parser.add_argument("--breakdown", action="store_true", help="also CPU seconds per stage and check")
    args = parser.parse_args()
    if not args.no_kernel:
        tree = args.tree or (Path(os.environ["APTOOL_KERNEL_SRC"]) if os.environ.get("APTOOL_KERNEL_SRC") else None)
        if tree is None:
            tree = ensure_sources(args.tarball, args.cache, args.dirs)
        kernel(tree, args.dirs)
        if args.breakdown:
            breakdown(tree, args.dirs)
    fixture(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
