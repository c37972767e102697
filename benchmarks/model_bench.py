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

    python benchmarks/model_bench.py [--tarball /usr/src/linux-source-6.1.tar.xz] [--cache DIR] [DIR ...]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from aptool.model import build_model
from aptool.model.parse import parse

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="*", default=DEFAULT_DIRS)
    parser.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "aptool-bench")
    args = parser.parse_args()
    root = ensure_sources(args.tarball, args.cache, args.dirs)
    columns = ["files", "lines", "funcs", "locks", "unres", "errfiles", "errlines", "lost", "flags", "entries"]
    print(
        f"{'directory':<22}" + "".join(f"{c:>9}" for c in columns) + f"{'lines/s':>10}{'parse l/s':>11}{'headers':>9}"
    )
    totals = [0] * len(columns)
    total_time = total_parse = 0.0
    for directory in args.dirs:
        files = sorted(p for p in (root / directory).rglob("*") if p.suffix in (".c", ".h") and p.is_file())
        started = time.process_time()
        for file in files:
            parse(file.read_bytes())
        parse_time = time.process_time() - started
        started = time.process_time()
        model = build_model([root / directory])
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
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        total_time += model_time
        total_parse += parse_time
        print(
            f"{directory:<22}"
            + "".join(f"{v:>9}" for v in row)
            + f"{row[1] / model_time:>10.0f}{row[1] / parse_time:>11.0f}{len(model.headers):>9}"
        )
    print(
        f"{'total':<22}"
        + "".join(f"{v:>9}" for v in totals)
        + f"{totals[1] / total_time:>10.0f}{totals[1] / total_parse:>11.0f}"
    )
    print(
        f"model: {total_time:.1f} s for {totals[1]} lines ({totals[1] / total_time:.0f} lines/s, one core); "
        f"bare tree-sitter parse: {total_parse:.1f} s"
    )
    print(
        f"unresolved lock classes: {100 * totals[4] / max(totals[3], 1):.2f}% of {totals[3]} lock operations; "
        f"files with a parse error: {totals[5]} of {totals[0]} ({totals[6]} lines); functions lost: {totals[7]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
