"""The demo: build the bundled fixture story and run every stage that exists on it.

It needs no network: the archive is the story's own mbox files, searched
locally with public-inbox's semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aptool.apply.thread import apply_thread
from aptool.archive import LocalArchive
from aptool.base import find_base
from aptool.hook.demo import hook_step
from aptool.model import build_model, lock_order_edges
from aptool.series import Thread, fetch_thread

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
    seed_thread = result.threads["seed"]
    found = find_base(story.repo, seed_thread, archive=archive)
    say(f"   base: {found.base[:12]} ({found.describe}), {found.rule}")
    for number, prereq in enumerate(found.prerequisites, start=1):
        say(f"   prerequisite {number}: {prereq.patch.full_subject}")
        say(f"      <{prereq.message_id}>, {prereq.found_by}")
    for note in found.notes:
        say(f"   note: {note}")
    result.steps.append("base")
    say("")
    say("3. A branch with base + prerequisites + series, verified blob by blob (aptool apply-series):")
    applied = apply_thread(story.repo, seed, archive=archive)
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
    say("   (the checks that turn these edges into findings, 'aptool check', are not available in this version yet)")
    result.steps.append("model")
    say("")
    say("5. The git hook stops the bad patch while a maintainer applies mail (aptool hook):")
    hook_step(story.repo, story.archive / "new-deadlock.mbox", workdir / "maintainer", say)
    result.steps.append("hook")
    return result
