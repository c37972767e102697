#!/usr/bin/env python3
"""``aptool thread`` in a big local archive: seconds and peak memory.

Writes an archive of ``--messages`` messages (default 20,000) in ``--files`` mbox files
(default 9,000): threads of one patch and a few replies, a few long series, messages of
one thread spread over several files, as a list archive split by day is.  Then runs
``aptool thread`` on it through the real command line, three times:

1. cold: no index yet (every file is read once and the Message-ID index is written);
2. warm: the index is current (only the thread's own messages are read);
3. after one file changed: that file is indexed again.

Each run prints its wall-clock seconds and the peak resident memory of the process.
The goal is an answer within 5 seconds on a warm index.

    python benchmarks/archive_bench.py [--messages 20000] [--files 9000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def message(msgid: str, subject: str, parent: str | None, day: int, body: str) -> str:
    refs = f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n" if parent else ""
    return (
        f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Dev {day % 97} <dev{day % 97}@example.org>\n"
        f"To: list@example.org\nSubject: {subject}\nDate: Mon, {1 + day % 28:02d} Jun 2021 10:00:00 +0000\n"
        f"Message-ID: <{msgid}>\n{refs}MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n{body}\n"
    )


def patch_body(n: int) -> str:
    return (
        f"Change {n}.\n\nSigned-off-by: Dev <dev@example.org>\n---\n"
        f"diff --git a/f{n}.c b/f{n}.c\nindex {n:07x}..{n + 1:07x} 100644\n--- a/f{n}.c\n+++ b/f{n}.c\n"
        "@@ -1,1 +1,2 @@\n a\n+b\n"
    )


def write_archive(where: Path, messages: int, files: int, rng: random.Random) -> str:
    """The archive; returns the Message-ID of a five-patch series with replies, the one asked for."""
    boxes: list[list[str]] = [[] for _ in range(files)]
    count = thread = 0
    asked = ""
    while count < messages:
        thread += 1
        patches = 5 if thread % 500 == 1 else 1
        root = f"t{thread}.0@example.org"
        asked = asked or root
        box = rng.randrange(files)
        for number in range(patches):
            msgid = f"t{thread}.{number}@example.org"
            subject = f"[PATCH {number + 1}/{patches}] thing {thread}" if patches > 1 else f"[PATCH] thing {thread}"
            parent = root if number else None
            boxes[box].append(message(msgid, subject, parent, thread, patch_body(thread * 10 + number)))
            count += 1
        for reply in range(rng.randint(0, 2)):
            box = (box + rng.randint(0, 3)) % files  # replies land in the next days' files
            body = f"> quoted\n\nReviewed-by: R{reply} <r{reply}@example.org>\n"
            boxes[box].append(message(f"t{thread}.r{reply}@example.org", f"Re: thing {thread}", root, thread, body))
            count += 1
    where.mkdir(parents=True, exist_ok=True)
    for number, box in enumerate(boxes):
        (where / f"{number // 100:03d}").mkdir(exist_ok=True)
        (where / f"{number // 100:03d}" / f"{number:05d}.mbox").write_text(
            "".join(box) or message(f"empty{number}@example.org", "note", None, number, "nothing")
        )
    return asked


def run(archive: Path, msgid: str, cache: Path) -> tuple[float, int, str]:
    """Seconds, peak resident kilobytes of the process, and the first line of its answer."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "_peak.py"), "thread", msgid, "--archive", str(archive)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(cache)),
    )
    took = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"aptool failed: {proc.stderr}")
    peak = int(proc.stderr.strip().splitlines()[-1].split()[-1])
    return took, peak, proc.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=9_000)
    parser.add_argument("--keep", type=Path, help="write the archive here and keep it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aptool-archive-bench-"))
    archive = args.keep or work / "archive"
    try:
        msgid = write_archive(archive, args.messages, args.files, random.Random(1))
        files = sum(1 for p in archive.rglob("*.mbox"))
        print(f"archive: {args.messages} messages in {files} files; asking for <{msgid}>")
        for label in ("cold (no index)", "warm (index current)"):
            took, peak, answer = run(archive, msgid, work / "cache")
            print(f"  {label:<24} {took:6.2f} s  peak {peak / 1024:6.1f} MB  {answer}")
        changed = next(iter(sorted(archive.rglob("*.mbox"))))
        changed.write_text(changed.read_text() + message("late@example.org", "late", None, 1, "late"))
        took, peak, answer = run(archive, msgid, work / "cache")
        print(f"  {'one file changed':<24} {took:6.2f} s  peak {peak / 1024:6.1f} MB  {answer}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
