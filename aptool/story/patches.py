"""Make the list-only patches in a scratch clone, so the story repo never holds them.

Each series becomes a branch of the scratch clone (base, then the series it
sits on, then unsent commits, then its own patches); ``git format-patch``
turns its own patches into mail bodies with real blob ids.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from aptool.story.data import Change, Person, SeriesSpec, StoryData
from aptool.story.gitwork import FastImport, message_for, run
from aptool.story.history import Built, render_tree

_SEPARATOR = re.compile(rb"^From 0{40} Mon Sep 17 00:00:00 2001\n", re.MULTILINE)


@dataclass
class MadeSeries:
    """What the mail composer needs of one series."""

    spec: SeriesSpec
    bodies: list[str]  # each patch's mail body: message, diffstat, diff
    base: str  # the commit the first patch applies to (in the scratch clone)
    unsent: list[str] = field(default_factory=list)  # ids of commits never mailed
    patch_ids: list[str] = field(default_factory=list)  # git patch-id --stable of each patch
    shortlog: str = ""
    diffstat: str = ""


def make_series(repo: Path, scratch: Path, data: StoryData, built: dict[str, Built]) -> dict[str, MadeSeries]:
    """Every series of series.toml, made in ``scratch`` (removed afterwards)."""
    run(repo.parent, "clone", "-q", "--no-hardlinks", str(repo), str(scratch), home=scratch.parent)
    try:
        stream = FastImport()
        plan: dict[str, tuple[str, list[int], int]] = {}  # name -> (mark before patches, unsent marks, tip mark)
        for spec in data.series.values():
            base = built[spec.base]
            features = base.features
            parent = base.oid
            when = spec.date - timedelta(days=1)
            unsent_marks: list[int] = []
            steps: list[tuple[Change, Person]] = []
            for other in spec.on_top_of:
                steps += [(change, data.series[other].author) for change in data.series[other].patches]
            steps += [(change, spec.author) for change in spec.unsent]
            for change, author in steps:
                features = features | frozenset(change.add)
                mark = stream.commit(
                    f"refs/heads/series/{spec.name}",
                    author,
                    when,
                    message_for(change.subject, change.body, author),
                    render_tree(data.templates, features),
                    [parent],
                )
                unsent_marks.append(mark)
                parent = f":{mark}"
            before = parent
            for number, change in enumerate(spec.patches):
                features = features | frozenset(change.add)
                mark = stream.commit(
                    f"refs/heads/series/{spec.name}",
                    spec.author,
                    spec.date - timedelta(hours=1) + timedelta(minutes=number),
                    message_for(change.subject, change.body, spec.author),
                    render_tree(data.templates, features),
                    [parent],
                )
                parent = f":{mark}"
            plan[spec.name] = (before, unsent_marks, int(parent[1:]))
        oids = stream.run(scratch)

        made: dict[str, MadeSeries] = {}
        for spec in data.series.values():
            before, unsent_marks, tip = plan[spec.name]
            base_oid = oids[int(before[1:])] if before.startswith(":") else before
            tip_oid = oids[tip]
            output = run(
                scratch,
                "format-patch",
                "--stdout",
                "--no-signature",
                "--zero-commit",
                "--abbrev=12",
                "--stat=72",
                "--no-numbered",
                "--keep-subject",
                f"{base_oid}..{tip_oid}",
            )
            mails = [m for m in _SEPARATOR.split(output) if m]
            bodies = [mail.split(b"\n\n", 1)[1].decode() for mail in mails]
            patch_ids = []
            for mail in mails:
                answer = run(scratch, "patch-id", "--stable", stdin=mail).split()
                patch_ids.append(answer[0].decode() if answer else "")
            made[spec.name] = MadeSeries(
                spec=spec,
                bodies=bodies,
                base=base_oid,
                unsent=[oids[m] for m in unsent_marks],
                patch_ids=patch_ids,
                shortlog=run(scratch, "shortlog", f"{base_oid}..{tip_oid}").decode(),
                diffstat=run(scratch, "diff", "--stat=72", base_oid, tip_oid).decode(),
            )
        return made
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
