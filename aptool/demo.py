"""The demo: build the bundled fixture story and run every stage that exists on it.

It needs no network: the archive is the story's own mbox files, searched
locally with public-inbox's semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aptool import pipeline
from aptool.archive import LocalArchive
from aptool.hook.demo import hook_step
from aptool.model import build_model, lock_order_edges
from aptool.series import Thread, fetch_thread

if TYPE_CHECKING:
    from aptool.story import Story

Say = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo did, for tests and for ``--json``."""

    workdir: Path
    threads: dict[str, Thread] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)


def run_demo(workdir: Path, say: Say) -> DemoResult:
    """Build the story in ``workdir`` and walk it through the pipeline."""
    from aptool.story import build_story

    story = build_story(workdir)
    result = DemoResult(workdir)
    archive = LocalArchive(story.archive)
    say(f"Built the fixture story in {workdir}")
    say(f"  repository: {story.repo}  (master {story.commits['master'][:12]})")
    say(f"  archive:    {story.archive}  ({len(story.threads)} threads, {len(archive.messages)} messages)")
    say("")
    say("The story: a lock inversion between the vfio-ap driver and KVM was 'fixed' with an")
    say("open-coded lock (a busy flag and a wait queue) that silenced lockdep. A later patch")
    say("replaces it, but it was made on two prerequisite patches that are only on the list,")
    say("so a reviewer asks: what is a suitable base for this patch?")
    say("")
    say("1. The threads on the list (aptool thread):")
    for name, msgids in story.threads.items():
        thread = fetch_thread(archive, msgids[0])
        result.threads[name] = thread
        latest = thread.latest
        if latest is None or thread.problems:
            problems = list(thread.problems.values()) or ["no patches"]
            say(f"   {name:<18} {len(problems)} broken on purpose, e.g.: {problems[0]}")
            continue
        count = f"{len(latest.patches)}/{latest.total}"
        versions = ",".join(f"v{n}" for n in sorted(thread.versions))
        say(f"   {name:<18} {versions:<9} {count:<5} {latest.subject}")
    result.steps.append("thread")
    seed = story.messages["seed"]
    say("")
    say(f"2. The seed patch <{seed}>: what is a suitable base? (aptool base)")
    series = pipeline.SeriesSource(seed, result.threads["seed"], archive)
    found = pipeline.series_base(story.repo, series)
    say(f"   base: {found.base[:12]} ({found.describe}), {found.rule}")
    for number, prereq in enumerate(found.prerequisites, start=1):
        say(f"   prerequisite {number}: {prereq.patch.full_subject}")
        say(f"      <{prereq.message_id}>, {prereq.found_by}")
    for note in found.notes:
        say(f"   note: {note}")
    result.steps.append("base")
    say("")
    say("3. A branch with base + prerequisites + series, verified blob by blob (aptool apply-series):")
    applied = pipeline.apply_series(story.repo, series)
    for outcome in applied.patches:
        say(f"   {outcome.method:<9} {outcome.subject}")
    say(f"   branch {applied.branch} at {applied.tip[:12]}; {story.repo} itself was not touched")
    result.steps.append("apply-series")
    say("")
    say("4. Does the patch fix the lock problem or hide it? The code model says (aptool model):")
    steps = (
        (story.commits["cycle"], "after the KVM-pointer clean-up"),
        (story.commits["open-coded"], "with the busy flag (v5.13-rc1)"),
        (applied.tip, "with the seed patch (the new branch)"),
    )
    for revision, title in steps:
        model = build_model(repo=story.repo, rev=revision)
        plain = lock_order_edges(model)
        hidden = [e for e in lock_order_edges(model, flags_as_locks=True) if e.through_flag]
        say(f"   {title}: {len(plain)} lock-order edges: " + ", ".join(f"{e.held} -> {e.acquired}" for e in plain))
        if hidden:
            say("      counting the flag as a lock: " + ", ".join(f"{e.held} -> {e.acquired}" for e in hidden))
    result.steps.append("model")
    say("")
    check_story(story, archive, applied.branch, say)
    result.steps.append("check")
    say("")
    say("6. The git hook stops that patch while a maintainer applies mail (aptool hook):")
    hook_step(story.repo, story.archive / "new-deadlock.mbox", workdir / "maintainer", say)
    result.steps.append("hook")
    return result


def check_story(story: Story, archive: LocalArchive, branch: str, say: Say) -> None:
    """Step 5: the checks on the story's history, the seed branch against its base, and a new deadlock."""
    from aptool.checks.findings import CircularLocking
    from aptool.report.lockdep import render, verdict_text

    say("5. The lock checks, in lockdep's words (aptool check):")
    for revision, title in ((story.commits["cycle"], "after the KVM-pointer clean-up"),
                            (story.commits["open-coded"], "with the busy flag (v5.13-rc1)")):  # fmt: skip
        found = pipeline.check_revisions(story.repo, revision, None)
        say(f"   {title}:")
        for finding in found.findings:
            say(f"      {finding.check}: {finding.message}")
        for finding in found.findings:  # the simulator's schedule, as lockdep's scenario table but concrete
            if isinstance(finding, CircularLocking) and finding.schedule:
                say(f"      the simulator on {' -> '.join(finding.locks)}:")
                for line in verdict_text(finding).plain.strip("\n").splitlines():
                    say(f"      {line}" if line else "")
                say("")
    checked = pipeline.check_branch(story.repo, branch)
    say(f"   the seed branch against {checked.baseline_reason}:")
    for finding in checked.findings:
        locks = ", ".join(finding.locks)
        say(f"      {finding.status:<5} {finding.check}: {locks}")
    new = len(checked.with_status("new"))
    say(f"      new: {new}; exit {checked.exit_code}: the patch removes the open-coded lock and the cycles it hid,")
    say("      and adds none.")
    say("")
    new_deadlock = story.messages["new-deadlock"]
    say(f"   A patch that does add a deadlock, checked straight from the list (aptool check <{new_deadlock}>):")
    series = pipeline.SeriesSource(new_deadlock, fetch_thread(archive, new_deadlock), archive)
    checked = pipeline.check_thread(story.repo, series)
    for line in render(checked).plain.rstrip("\n").splitlines():
        say(f"   {line}" if line else "")
    say(f"   exit {checked.exit_code}: one new circular-locking, with the schedule that reaches it;")
    say("   no branch was left behind.")
