"""The hook's entry point: what the installed script runs, inside git's hook environment.

git runs a hook at the top of the work tree with ``GIT_DIR`` and
``GIT_INDEX_FILE`` set as it needs them.  The chained hook (one that was
there before aptool's) runs first, with exactly that environment and the
same standard input; aptool's own git commands find the repository from the
directory and read the index git named through an explicit copy.  Nothing
here writes to the index, the work tree or a ref.

The exit code is git's answer: 0 lets git go on; non-zero stops ``git am``
(the patch stays applied but uncommitted, so ``git am --continue``,
``--skip`` and ``--abort`` work as usual), the commit or the push.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from aptool.errors import AptoolError
from aptool.hook.checking import Outcome, check_change
from aptool.hook.install import CHAINED_SUFFIX, HOOK_TYPES
from aptool.hook.settings import HookSettings, read_settings
from aptool.hook.targets import Change, am_change, index_change, locations, push_changes

_HINTS = {
    "pre-applypatch": [
        "The patch is applied to the index and the work tree, and not committed.",
        'Fix it and run "git am --continue", skip it with "git am --skip",',
        'or restore the original branch with "git am --abort".',
        'To apply it as it is: "git -c aptool.hook.failOn=none am --continue".',
    ],
    "pre-commit": ['To commit anyway: "git commit --no-verify".'],
    "pre-push": ['To push anyway: "git push --no-verify".'],
}


@dataclass
class HookRun:
    """What the hook was asked: its type, git's arguments, standard input (pre-push) and environment."""

    type: str
    args: list[str]
    stdin: bytes
    env: dict[str, str]


def main(hook_type: str, args: list[str], err: TextIO | None = None) -> int:
    """Run the hook as git asked; the exit code for git.  Reads pre-push's standard input."""
    if hook_type not in HOOK_TYPES:
        raise AptoolError(f"unknown hook type '{hook_type}' (choose from {', '.join(HOOK_TYPES)})")
    stdin = sys.stdin.buffer.read() if hook_type == "pre-push" and not sys.stdin.isatty() else b""
    run = HookRun(hook_type, list(args), stdin, dict(os.environ))
    return run_hook(Path.cwd(), run, err or sys.stderr)


def run_hook(repo: Path, run: HookRun, err: TextIO) -> int:
    """The chained hook, then the checks; 0 when git may go on."""
    code = run_chained(repo, run)
    if code != 0:
        return code
    settings = read_settings(repo)
    try:
        changes = _changes(repo, run, settings)
    except AptoolError as error:
        err.write(f"aptool: {run.type}: could not tell what changed, the lock checks did not run: {error.message}\n")
        return 0
    failed = False
    for change in changes:
        if not change.paths:
            continue
        started = time.perf_counter()
        try:
            outcome = check_change(repo, change, settings)
        except AptoolError as error:
            err.write(f"aptool: {run.type}: {change.label}: the lock checks could not run: {error.message}\n")
            continue
        seconds = time.perf_counter() - started
        failed |= _report(run.type, change, outcome, settings, seconds, err)
    if failed:
        for hint in _HINTS[run.type]:
            err.write(f"hint: {hint}\n")
        return 1
    return 0


def run_chained(repo: Path, run: HookRun) -> int:
    """Run the hook that was there before aptool's, as git would have: same arguments, standard input and
    environment, at the same place.  0 when there is none (or it is not executable, which git ignores too)."""
    chained = locations(repo).hooks / f"{run.type}{CHAINED_SUFFIX}"
    if not chained.is_file() or not os.access(chained, os.X_OK):
        return 0
    proc = subprocess.run(
        [str(chained), *run.args],
        input=run.stdin if run.type == "pre-push" else None,
        env=run.env,
    )
    return proc.returncode


def _changes(repo: Path, run: HookRun, settings: HookSettings) -> list[Change]:
    if run.type == "pre-applypatch":
        return [am_change(repo, run.env, settings.am_check == "series")]
    if run.type == "pre-commit":
        return [index_change(repo, run.env, "the staged changes")]
    remote = run.args[0] if run.args else "origin"
    lines = run.stdin.decode("utf-8", "replace")
    if not lines.strip() and run.env.get("PRE_COMMIT_TO_REF"):  # the pre-commit framework passes refs in variables
        remote = run.env.get("PRE_COMMIT_REMOTE_NAME", remote)
        local_ref = run.env.get("PRE_COMMIT_LOCAL_BRANCH", "HEAD")
        remote_ref = run.env.get("PRE_COMMIT_REMOTE_BRANCH", "HEAD")
        from_oid = run.env.get("PRE_COMMIT_FROM_REF") or "0" * 40
        lines = f"{local_ref} {run.env['PRE_COMMIT_TO_REF']} {remote_ref} {from_oid}"
    return push_changes(repo, remote, lines)


def _report(
    hook_type: str, change: Change, outcome: Outcome, settings: HookSettings, seconds: float, err: TextIO
) -> bool:
    """Write what the checks found; True when it stops git under ``settings.fail_on``."""
    stops = (settings.fail_on == "new" and outcome.new > 0) or (settings.fail_on == "any" and outcome.present > 0)
    counts = f"{outcome.new} new, {outcome.kept} kept, {outcome.fixed} fixed"
    if not (stops or outcome.new or outcome.kept or outcome.fixed):
        return False
    ending = f"; stopped (aptool.hook.failOn={settings.fail_on})" if stops else ""
    if stops and change.advisory:
        stops, ending = False, f"; let in, {change.advisory}"
    from rich.console import Console  # only when there is something to print

    console = Console(file=err, highlight=False, soft_wrap=True)
    err.write(f"aptool: {hook_type}: {change.label}: {counts} ({seconds:.1f} s){ending}\n")
    err.flush()
    if outcome.new:
        console.print(outcome.new_text, end="")
    if stops and settings.fail_on == "any" and outcome.kept:
        console.print(outcome.kept_text, end="")
    return stops
