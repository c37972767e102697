#!/usr/bin/env python3
"""A long fuzzing run of aptool through its real command line.

Mutates the fixture story's mails and C files -- and kernel C files when ``APTOOL_KERNEL_SRC``
names an extracted linux-source tree -- with the mutations of ``tests/mutations.py``
(truncation, byte flips, deep nesting, header and MIME damage, huge lines), and runs
``aptool thread``, ``base``, ``apply-series`` and ``model`` on each, in fresh processes.

Every run is classified:

- traceback: ``Traceback`` on stderr;
- hang: over ``--timeout`` seconds;
- garbled: exit 2 without exactly one ``aptool: ...`` line, or a terminal control character
  (ESC, CR, C1, bidi override) printed raw;
- checkout changed: the user's HEAD, index, work tree or refs (other than aptool's own
  branches and notes) differ after ``base`` or ``apply-series``.

The goal is 0 tracebacks and 0 hangs in 10 minutes.  Failing inputs are kept with
``--save DIR`` (input, command, stderr).

    python benchmarks/fuzz.py [--minutes 10] [--seed 1] [--jobs 2] [--timeout 60] [--save DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mutations import hostile_c, hostile_mail, mutate, random_mutations  # noqa: E402

CONTROLS = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | {"\u202e", "\u2066"}
KERNEL_DIRS = ("drivers/s390/crypto", "drivers/vfio", "virt/kvm", "arch/s390/kvm", "fs/btrfs", "drivers/pci")
COMMANDS = ("thread", "base", "apply-series", "model")


@dataclass
class Tally:
    runs: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    signatures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def classify(proc: subprocess.CompletedProcess[str] | None) -> tuple[str, str]:
    """(outcome, signature) of one run."""
    if proc is None:
        return "hang", ""
    if "Traceback" in proc.stderr:
        last = [line for line in proc.stderr.splitlines() if line.strip()][-1:]
        return "traceback", last[0][:160] if last else ""
    if any(c in CONTROLS for c in proc.stdout + proc.stderr):
        return "garbled", "raw control character"
    if proc.returncode == 2:
        lines = proc.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("aptool: "):
            return "garbled", (lines[-1] if lines else "no message")[:160]
        return "error line", ""
    if proc.returncode in (0, 1):
        return "answer", ""
    return "garbled", f"exit {proc.returncode}"


def checkout_state(repo: Path) -> tuple[str, ...]:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True).stdout

    refs = [
        line
        for line in git("for-each-ref", "--format=%(refname) %(objectname)").splitlines()
        if not line.startswith(("refs/heads/aptool/", "refs/notes/aptool "))
    ]
    return (git("rev-parse", "HEAD"), git("status", "--porcelain", "--ignored"), *refs)


def main() -> None:  # noqa: C901 - one loop with its setup, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds after which a run is a hang")
    parser.add_argument("--save", type=Path, help="keep failing inputs here")
    args = parser.parse_args()

    from aptool.story import build_story

    work = Path(tempfile.mkdtemp(prefix="aptool-fuzz-"))
    story = build_story(work / "story")
    user = work / "user"
    subprocess.run(["git", "clone", "-q", "--no-local", str(story.repo), str(user)], check=True)
    mails = sorted(Path(story.archive).glob("*.mbox"))
    c_files = sorted((ROOT / "fixtures" / "story" / "tree").rglob("*.c"))
    kernel = Path(os.environ.get("APTOOL_KERNEL_SRC", "/nonexistent"))
    for sub in KERNEL_DIRS:
        c_files += sorted((kernel / sub).rglob("*.c")) if (kernel / sub).is_dir() else []
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(work / "cache"))
    tally = Tally()
    stop_at = time.monotonic() + args.minutes * 60
    changed: list[str] = []
    print(f"fuzzing for {args.minutes:g} minutes: {len(mails)} mail threads, {len(c_files)} C files, {args.jobs} jobs")

    def one(number: int) -> None:
        rng = random.Random(args.seed * 1_000_003 + number)
        command = rng.choices(COMMANDS, weights=(3, 2, 2, 4))[0]
        place = work / f"run{number}"
        place.mkdir()
        depth = rng.choice([10, 300, 1000, 5000])
        if command == "model":
            seed = rng.choice(c_files)
            data = mutate(seed.read_bytes(), random_mutations(rng), hostile_c(depth))
            target = place / "fz.c"
            argv = ["model", str(target)] + (["--edges"] if rng.random() < 0.5 else [])
        else:
            seed = rng.choice(mails)
            data = mutate(seed.read_bytes(), random_mutations(rng), hostile_mail(depth))
            target = place / "thread.mbox"
            argv = [command, story.threads[seed.stem][0], "--archive", str(target)]
            if command != "thread":
                argv += ["--repo", str(user)]
        target.write_bytes(data)
        before = checkout_state(user) if command in ("base", "apply-series") else None
        try:
            proc: subprocess.CompletedProcess[str] | None = subprocess.run(
                [sys.executable, "-m", "aptool", *argv],
                capture_output=True,
                text=True,
                errors="surrogateescape",
                cwd=str(place),
                env=env,
                timeout=args.timeout,
            )
        except subprocess.TimeoutExpired:
            proc = None
        outcome, signature = classify(proc)
        if before is not None and checkout_state(user) != before:
            changed.append(" ".join(argv))
            outcome = "checkout changed"
        with tally.lock:
            tally.runs[command] += 1
            tally.outcomes[outcome] += 1
            if signature:
                tally.signatures[f"{command}: {signature}"] += 1
        if args.save and outcome in ("traceback", "hang", "garbled", "checkout changed"):
            keep = args.save / f"{outcome.replace(' ', '-')}-{number}"
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(target, keep / target.name)
            (keep / "command").write_text("aptool " + " ".join(argv) + f"\n(from {seed})\n")
            (keep / "stderr").write_text(proc.stderr if proc else "(hang)")
        shutil.rmtree(place, ignore_errors=True)

    started = time.monotonic()
    with ThreadPoolExecutor(args.jobs) as pool:
        number = 0
        running: set[object] = set()
        while time.monotonic() < stop_at:
            while len(running) < args.jobs * 2 and time.monotonic() < stop_at:
                running.add(pool.submit(one, number))
                number += 1
            done = {f for f in running if f.done()}  # type: ignore[attr-defined]
            for future in done:
                future.result()  # type: ignore[attr-defined]
            running -= done
            time.sleep(0.05)
        for future in running:
            future.result()  # type: ignore[attr-defined]
    took = time.monotonic() - started
    total = sum(tally.runs.values())
    print(f"{total} runs in {took / 60:.1f} minutes: " + ", ".join(f"{c} {n}" for c, n in sorted(tally.runs.items())))
    for outcome in ("answer", "error line", "traceback", "hang", "garbled", "checkout changed"):
        print(f"  {outcome:<17} {tally.outcomes.get(outcome, 0)}")
    for signature, count in tally.signatures.most_common(20):
        print(f"    {count:>4}  {signature}")
    for line in changed[:10]:
        print(f"    checkout changed by: aptool {line}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
