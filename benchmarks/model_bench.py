#!/usr/bin/env python3
"""Benchmark the code model on real kernel C from Debian's linux-source package.

For each directory: files, lines, functions, lock operations, how many lock
operations have no resolved class, parse-error lines, functions lost inside
unparsable code, and lines per second (one process, one core); tree-sitter's
bare parse speed on the same files is printed for comparison.

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
from aptool.model.syntax import parse

DEFAULT_DIRS = ["drivers/s390/crypto", "arch/s390/kvm", "virt/kvm", "drivers/vfio", "fs/btrfs"]
DEFAULT_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")


def ensure_sources(tarball: Path, cache: Path, dirs: list[str]) -> Path:
    """Extract only the wanted directories, once; install the package when it is missing."""
    if not tarball.exists():
        if shutil.which("apt-get") is None:
            sys.exit(f"{tarball} is missing and apt-get is not available")
        subprocess.run(["apt-get", "install", "-y", "-q", "linux-source-6.1"], check=True)
    top = tarball.name.removesuffix(".tar.xz")
    root = cache / top
    missing = [d for d in dirs if not (root / d).is_dir()]
    if missing:
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
    header = f"{'directory':<22}{'files':>6}{'lines':>9}{'funcs':>7}{'locks':>7}{'unres':>7}{'errs':>6}{'lost':>6}{'lines/s':>10}{'parse l/s':>11}"
    print(header)
    totals = [0] * 7
    total_time = total_parse = 0.0
    for directory in args.dirs:
        files = sorted(p for p in (root / directory).rglob("*") if p.suffix in (".c", ".h"))
        started = time.process_time()
        for file in files:
            parse(file.read_bytes())
        parse_time = time.process_time() - started
        started = time.process_time()
        model = build_model([root / directory])
        model_time = time.process_time() - started
        locks = [e for f in model.functions.values() for e in f.events() if e.kind in ("acquire", "release")]
        unresolved = sum(not e.resolved for e in locks)
        error_files = len({e.file for e in model.parse_errors})
        row = [len(files), model.lines, len(model.functions), len(locks), unresolved, error_files, model.lost_functions]
        totals = [a + b for a, b in zip(totals, row)]
        total_time += model_time
        total_parse += parse_time
        print(f"{directory:<22}{row[0]:>6}{row[1]:>9}{row[2]:>7}{row[3]:>7}{row[4]:>7}{row[5]:>6}{row[6]:>6}"
              f"{row[1] / model_time:>10.0f}{row[1] / parse_time:>11.0f}")
    print(f"{'total':<22}{totals[0]:>6}{totals[1]:>9}{totals[2]:>7}{totals[3]:>7}{totals[4]:>7}{totals[5]:>6}{totals[6]:>6}"
          f"{totals[1] / total_time:>10.0f}{totals[1] / total_parse:>11.0f}")
    print(f"unresolved lock classes: {100 * totals[4] / max(totals[3], 1):.2f}% of lock operations; "
          f"files with a parse error: {totals[5]} of {totals[0]}; functions lost: {totals[6]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
