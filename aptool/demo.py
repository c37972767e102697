"""The demo: build the bundled fixture story and run every stage that exists on it.

It needs no network: the archive is the story's own mbox files, searched
locally with public-inbox's semantics.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aptool.archive import LocalArchive
from aptool.series import Thread, fetch_thread

Say = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo did, for tests and for ``--json``."""

    workdir: Path
    threads: dict[str, Thread] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)


def stage_available(module: str) -> bool:
    """True once a stage of the data flow has been built into this installation."""
    return importlib.util.find_spec(module) is not None


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
    say(f"2. The seed patch <{seed}>:")
    seed_thread = result.threads["seed"]
    for mention in seed_thread.mentions:
        if not mention.quoted:
            say(f"   mentioned in a reply: <{mention.message_id}>")
    for stage, what in (("aptool.base", "base"), ("aptool.apply", "apply-series"), ("aptool.simulate", "check")):
        if not stage_available(stage):
            say("")
            say(f"('aptool {what}' and the stages after it are not available in this version yet.)")
            break
    return result
