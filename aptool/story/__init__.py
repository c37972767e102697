"""The bundled fixture story: a miniature of a real kernel case, built deterministically.

``build_story(workdir)`` replays ``fixtures/story`` into ``workdir/repo`` (a git
repository with the C tree's history) and ``workdir/archive`` (one mbox per
list thread).  Names, dates and Message-IDs are fixed, so commit ids are the
same on every machine; tests and the demo name them through ``Story``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from aptool.errors import AptoolError
from aptool.story.data import ReplySpec, load
from aptool.story.history import build_history
from aptool.story.mails import Composer, Mail, write_mbox
from aptool.story.patches import make_series

# Names the story's right answers use, beside the history's own commit names.
_ALIASES = {
    "cycle-commit": "cycle",
    "v5.13-rc1": "open-coded",
    "old-base": "v5.12",
    "base-commit-base": "versions-v2-base",
    "patch-id-base": "prereq-v6-base",
    "blob-chain-base": "master",
    "new-deadlock-base": "master",
    "seed-base": "master",
    "foreign-base-real": "makefile-version",
}


@dataclass
class Story:
    """Where the story was built, and the names of its commits and messages."""

    repo: Path
    archive: Path
    threads: dict[str, list[str]]
    commits: dict[str, str]
    messages: dict[str, str]


def build_story(workdir: Path) -> Story:
    """Build the repository and the archive in ``workdir`` (absent or empty)."""
    workdir = Path(workdir)
    if workdir.exists() and any(workdir.iterdir()):
        raise AptoolError(f"{workdir} is not empty; the story needs an empty directory")
    workdir.mkdir(parents=True, exist_ok=True)
    data = load()
    repo, archive = workdir / "repo", workdir / "archive"
    built = build_history(repo, data)
    commits = {name: b.oid for name, b in built.items()}
    commits.update({alias: commits[target] for alias, target in _ALIASES.items()})
    made = make_series(repo, workdir / ".scratch", data, built)
    commits["foreign-base-claimed"] = made["foreign-base"].unsent[-1]
    shutil.rmtree(workdir / ".scratch", ignore_errors=True)

    composer = Composer(data, made, commits)
    archive.mkdir()
    threads: dict[str, list[str]] = {}
    messages: dict[str, str] = {}
    for thread in data.threads:
        mails: list[Mail] = []
        for entry in thread.entries:
            if isinstance(entry, ReplySpec):
                mail = composer.reply(entry)
                mails.append(mail)
                messages[entry.key] = mail.msgid
            else:
                series_mails = composer.series(entry)
                mails += series_mails
                messages[entry] = series_mails[0].msgid
                first = 0 if made[entry].spec.cover_subject else 1
                for number, mail in enumerate(series_mails, start=first):
                    messages[f"{entry}-{number}"] = mail.msgid
        threads[thread.name] = [m.msgid for m in mails]
        write_mbox(archive / f"{thread.name}.mbox", mails)
    return Story(repo=repo, archive=archive, threads=threads, commits=commits, messages=messages)
