#!/usr/bin/env python3
"""Benchmark the code model on real kernel C from Debian's linux-source package.

For each directory: files, lines, functions, lock operations, how many of
them have no resolved class, parse errors (files, and lines tree-sitter
could not parse even after the kernel-macro rewriting), functions lost,
flags, entry points and lines per second on one core (process time, one
process).  tree-sitter's bare parse speed on the same files is printed for
comparison.

Only the directories asked for are extracted from the tarball, plus the
include directories their headers come from (``include/`` and
``arch/<arch>/include`` for an architecture named in their paths), into a
cache directory, once.  Headers are parsed for their declarations and are
not counted in the lines; their cost is in the time.

With ``--edges``, the lock-order graph is built too (open-coded locks as
locks, as ``aptool model --edges`` does) and each directory gets: edges,
AB-BA pairs (A -> B and B -> A both present), self edges (A -> A),
spinlock -> sleeping-lock edges, and lines per second of model plus graph.
With ``--json``, the time to print the ``aptool model --edges`` output as
text and as JSON is measured too (to /dev/null).

``--tree DIR`` (or ``APTOOL_KERNEL_SRC``) uses an extracted tree instead of
the tarball; ``--extract-only`` extracts the directories and prints the
tree's path (``scripts/test`` sets ``APTOOL_KERNEL_SRC`` from it).

    python benchmarks/model_bench.py [--tarball /usr/src/linux-source-6.1.tar.xz] [--cache DIR] [--tree DIR]
                                     [--edges] [--json] [DIR ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from aptool.model import CodeModel, LockEdge, build_model, lock_order_edges
from aptool.model.parse import parse

SPINNING = ("spin", "rwlock-read", "rwlock-write")
SLEEPING = ("mutex", "rwsem-read", "rwsem-write", "flag-wait")

DEFAULT_DIRS = ["drivers/s390/crypto", "arch/s390/kvm", "virt/kvm", "drivers/vfio", "fs/btrfs"]
DEFAULT_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
ARCHES = (
    "alpha",
    "arc",
    "arm",
    "arm64",
    "csky",
    "hexagon",
    "loongarch",
    "m68k",
    "microblaze",
    "mips",
    "nios2",
    "openrisc",
    "parisc",
    "powerpc",
    "riscv",
    "s390",
    "sh",
    "sparc",
    "um",
    "x86",
    "xtensa",
)


def needed(dirs: list[str]) -> list[str]:
    """The directories to model and the include directories their headers live in."""
    arches = sorted({part for d in dirs for part in Path(d).parts if part in ARCHES}) or ["x86"]
    return dirs + ["include"] + [f"arch/{arch}/include" for arch in arches]


def ensure_sources(tarball: Path, cache: Path, dirs: list[str]) -> Path:
    """Extract only the wanted directories, once; install the package when it is missing."""
    if not tarball.exists():
        if shutil.which("apt-get") is None:
            sys.exit(f"{tarball} is missing and apt-get is not available")
        subprocess.run(["apt-get", "install", "-y", "-q", "linux-source-6.1"], check=True)
    top = tarball.name.removesuffix(".tar.xz")
    root = cache / top
    missing = [d for d in needed(dirs) if not (root / d).is_dir()]
    if missing:
        print(f"extracting {', '.join(missing)} from {tarball} to {cache} ...", file=sys.stderr)
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            wanted = [m for m in archive if any(m.name.startswith(f"{top}/{d}/") for d in missing)]
            archive.extractall(cache, members=wanted, filter="data")
    return root


def graph_figures(edges: list[LockEdge]) -> list[int]:
    """Edges, AB-BA pairs, self edges and spinlock -> sleeping-lock edges of a lock-order graph."""
    pairs = {(e.held, e.acquired) for e in edges}
    abba = sum(1 for a, b in pairs if a < b and (b, a) in pairs)
    selfs = sum(1 for e in edges if getattr(e, "is_self", e.held == e.acquired))  # a documented nesting is none
    atomic = sum(1 for e in edges if e.held_kind in SPINNING and e.acquired_kind in SLEEPING)
    return [len(pairs), abba, selfs, atomic]


def print_times(model: CodeModel, edges: list[LockEdge]) -> tuple[float, float]:
    """Process time to print ``aptool model --edges`` as text and as ``--json`` (output thrown away)."""
    from aptool.commands.model_cmd import render_model

    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # what aptool model prints
        started = time.process_time()
        print(render_model(model, edges))
        text = time.process_time() - started
        started = time.process_time()
        sink.buffer.write(model.to_json({"lock_order_edges": edges}))
        as_json = time.process_time() - started
    return text, as_json


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="*", default=DEFAULT_DIRS)
    parser.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "aptool-bench")
    parser.add_argument("--tree", type=Path, default=os.environ.get("APTOOL_KERNEL_SRC") or None)
    parser.add_argument("--edges", action="store_true", help="build the lock-order graph too")
    parser.add_argument("--json", action="store_true", help="time text and JSON printing of --edges")
    parser.add_argument("--extract-only", action="store_true", help="extract the tree, print its path, stop")
    args = parser.parse_args()
    if args.extract_only:
        print(ensure_sources(args.tarball, args.cache, args.dirs))
        return 0
    root = args.tree if args.tree is not None else ensure_sources(args.tarball, args.cache, args.dirs)
    columns = ["files", "lines", "funcs", "locks", "unres", "errfiles", "errlines", "lost", "flags", "entries"]
    if args.edges or args.json:
        columns += ["edges", "ab-ba", "self", "spin>slp"]
    print(
        f"{'directory':<22}" + "".join(f"{c:>9}" for c in columns) + f"{'lines/s':>10}{'parse l/s':>11}{'headers':>9}"
    )
    totals = [0] * len(columns)
    total_time = total_parse = total_text = total_json = 0.0
    for directory in args.dirs:
        files = sorted(p for p in (root / directory).rglob("*") if p.suffix in (".c", ".h") and p.is_file())
        started = time.process_time()
        for file in files:
            parse(file.read_bytes())
        parse_time = time.process_time() - started
        started = time.process_time()
        model = build_model([root / directory])
        edges = lock_order_edges(model, flags_as_locks=True) if args.edges or args.json else []
        model_time = time.process_time() - started
        locks = [e for f in model.functions.values() for e in f.events() if e.kind in ("acquire", "release")]
        row = [
            len(files),
            model.lines,
            len(model.functions),
            len(locks),
            sum(not e.resolved for e in locks),
            len({e.file for e in model.parse_errors}),
            len(model.parse_errors),
            len(model.lost_functions),
            len(model.flags),
            len(model.entries),
        ]
        if args.edges or args.json:
            row += graph_figures(edges)
        if args.json:
            text, as_json = print_times(model, edges)
            total_text += text
            total_json += as_json
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        total_time += model_time
        total_parse += parse_time
        print(
            f"{directory:<22}"
            + "".join(f"{v:>9}" for v in row)
            + f"{row[1] / model_time:>10.0f}{row[1] / parse_time:>11.0f}{len(model.headers):>9}",
            flush=True,
        )
    print(
        f"{'total':<22}"
        + "".join(f"{v:>9}" for v in totals)
        + f"{totals[1] / total_time:>10.0f}{totals[1] / total_parse:>11.0f}"
    )
    what = "model and lock-order graph" if args.edges or args.json else "model"
    print(
        f"{what}: {total_time:.1f} s for {totals[1]} lines ({totals[1] / total_time:.0f} lines/s, one core); "
        f"bare tree-sitter parse: {total_parse:.1f} s"
    )
    print(
        f"unresolved lock classes: {100 * totals[4] / max(totals[3], 1):.2f}% of {totals[3]} lock operations; "
        f"files with a parse error: {totals[5]} of {totals[0]} ({totals[6]} lines); functions lost: {totals[7]}"
    )
    if args.json:
        print(
            f"printing --edges: text {total_text:.1f} s, JSON {total_json:.1f} s; "
            f"model+graph+JSON is {100 * (total_time + total_json) / (total_time + total_text) - 100:.0f}% slower "
            "than model+graph+text"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
