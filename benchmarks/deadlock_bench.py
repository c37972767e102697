#!/usr/bin/env python3
"""Benchmark the interleaving simulator: states per second, time and peak memory.

Scenarios are C files generated here (N threads x M locks, parsed by the
real code model): each thread runs a few regions, and in each region an
``if`` chooses one of two sets of locks, taken nested in one global order
(so no deadlock: the search has to visit every state) and released.  The
``deadlock`` variant makes the last thread's last region take the first
thread's first locks in reverse: an ABBA deadlock at the end of a long run.
Each scenario runs in a fresh process, with and without the partial-order
reduction; peak memory is the process's peak resident set (model included)
minus the resident set before the search.  The fixture story (N, V, R at
step 4) is built in a temporary directory and timed too.

    python benchmarks/deadlock_bench.py [--size THREADSxLOCKSxREGIONS ...] [--max-states N] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from aptool.model import build_model
from aptool.simulate import simulate


def generate(threads: int, locks: int, regions: int, deadlock: bool, seed: int = 1) -> str:
    """C source: ``threads`` ioctl handlers over ``locks`` mutexes of one struct."""
    rng = random.Random(seed)
    fields = "".join(f"\tstruct mutex l{i};\n" for i in range(locks))
    lines = [f"struct shared {{\n{fields}\tint value;\n}};\n"]
    first: list[list[int]] = []
    for t in range(threads):
        body = []
        for region in range(regions):
            choices = [sorted(rng.sample(range(locks), rng.choice((2, 3)))) for _ in range(2)]
            if t == 0 and region == 0:
                first = choices
            if deadlock and t == threads - 1 and region == regions - 1:
                choices = [list(reversed(first[0])), list(reversed(first[1]))]  # the first thread's, reversed
            arms = []
            for taken in choices:
                take = "".join(f"\t\tmutex_lock(&s->l{i});\n" for i in taken)
                drop = "".join(f"\t\tmutex_unlock(&s->l{i});\n" for i in reversed(taken))
                arms.append(f"{take}\t\ts->value++;\n{drop}")
            body.append(f"\tif (cmd & {1 << region}) {{\n{arms[0]}\t}} else {{\n{arms[1]}\t}}\n")
        lines.append(f"static long ioctl_{t}(struct shared *s, unsigned int cmd)\n{{\n{''.join(body)}\treturn 0;\n}}\n")
    return "\n".join(lines)


def measure(source: Path, threads: list[str], max_states: int, reduce: bool, queue: Any) -> None:
    model = build_model([source])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = simulate(model, threads, max_states, reduce=reduce)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "verdict": result.verdict,
            "kind": result.kind,
            "schedule": len(result.schedule),
            "states": result.states,
            "seconds": round(result.seconds, 3),
            "states_per_second": round(result.states_per_second),
            "peak_mb": round(after / 1024, 1),
            "search_mb": round((after - before) / 1024, 1),
        }
    )


def run(source: Path, threads: list[str], max_states: int, reduce: bool) -> dict[str, Any]:
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=measure, args=(source, threads, max_states, reduce, queue))
    process.start()
    found = queue.get()
    process.join()
    return dict(found)


def story_case(directory: Path) -> tuple[Path, str, list[str]]:
    from aptool.story import build_story

    story = build_story(directory)
    return story.repo, story.commits["open-coded"], ["vfio_ap_mdev_group_notifier", "kvm_vm_ioctl", "kvm_vcpu_ioctl"]


SIZES = [(4, 8, 2), (6, 12, 1), (6, 12, 2)]  # threads, locks, regions per thread


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="THREADSxLOCKSxREGIONS, e.g. 6x12x1 (repeatable)")
    parser.add_argument("--max-states", type=int, default=2_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.size] if args.size else SIZES
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for threads_count, locks, regions in sizes:
            for deadlock in (False, True):
                name = f"{threads_count}x{locks} r{regions}{' deadlock' if deadlock else ''}"
                source = Path(tmp) / f"scenario{threads_count}x{locks}x{regions}{int(deadlock)}.c"
                source.write_text(generate(threads_count, locks, regions, deadlock))
                threads = [f"ioctl_{t}" for t in range(threads_count)]
                for reduce in (False, True):
                    row = {"scenario": name, "reduction": reduce, **run(source, threads, args.max_states, reduce)}
                    rows.append(row)
                    if not args.json:
                        print(_line(row), flush=True)
        repo, commit, threads = story_case(Path(tmp) / "story")
        model = build_model(repo=repo, rev=commit)
        for reduce in (False, True):
            result = simulate(model, threads, args.max_states, reduce=reduce)
            row = {
                "scenario": "fixture step 4 (N, V, R)",
                "reduction": reduce,
                "verdict": result.verdict,
                "kind": result.kind,
                "schedule": len(result.schedule),
                "states": result.states,
                "seconds": round(result.seconds, 4),
                "states_per_second": round(result.states_per_second),
                "peak_mb": None,
                "search_mb": None,
            }
            rows.append(row)
            if not args.json:
                print(_line(row))
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
    return 0


def _line(row: dict[str, Any]) -> str:
    memory = f"peak {row['peak_mb']} MB (search {row['search_mb']} MB)" if row["peak_mb"] is not None else ""
    verdict = f"{row['verdict']}" + (f" {row['kind']} in {row['schedule']} steps" if row["kind"] else "")
    return (
        f"{row['scenario']:<26} reduction={'on ' if row['reduction'] else 'off'} {verdict:<30} "
        f"{row['states']:>9} states {row['seconds']:>8.3f} s {row['states_per_second']:>9} states/s  {memory}"
    )


if __name__ == "__main__":
    sys.exit(main())
