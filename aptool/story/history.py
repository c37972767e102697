"""Replay history.toml into the story repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aptool.story.data import StoryData
from aptool.story.gitwork import FastImport, message_for, run
from aptool.story.template import render


@dataclass(frozen=True)
class Built:
    """A commit of the story: its id and the features its tree was rendered with."""

    oid: str
    features: frozenset[str]


def render_tree(templates: dict[str, str], features: frozenset[str]) -> dict[str, bytes]:
    return {path: render(text, features, path).encode() for path, text in templates.items()}


def build_history(repo: Path, data: StoryData) -> dict[str, Built]:
    """Create ``repo`` with every commit, branch and tag of the story."""
    repo.mkdir(parents=True)
    run(repo, "init", "-q", "-b", "master")
    stream = FastImport()
    heads: dict[str, str] = {}  # branch -> mark of its tip
    features: dict[str, frozenset[str]] = {}
    marks: dict[str, int] = {}
    tags: list[tuple[str, str]] = []
    for commit in data.history:
        parents = []
        base: frozenset[str] = frozenset()
        if commit.parent:
            parents.append(f":{marks[commit.parent]}")
            base = features[commit.parent]
        elif commit.branch in heads:
            parents.append(heads[commit.branch])
            base = features[_name_of(heads[commit.branch], marks)]
        if commit.merge:
            other = heads[commit.merge]
            parents.append(other)
            base = base | features[_name_of(other, marks)]
        own = base | frozenset(commit.change.add)
        message = message_for(commit.change.subject, commit.change.body, commit.author, signed=not commit.merge)
        mark = stream.commit(
            f"refs/heads/{commit.branch}",
            commit.author,
            commit.date,
            message,
            render_tree(data.templates, own),
            parents,
        )
        marks[commit.name] = mark
        features[commit.name] = own
        heads[commit.branch] = f":{mark}"
        if commit.tag:
            tags.append((commit.tag, f":{mark}"))
    for tag, target in tags:
        stream.ref(f"refs/tags/{tag}", target)
    oids = stream.run(repo)
    run(repo, "reset", "-q", "--hard", "master")
    return {name: Built(oids[mark], features[name]) for name, mark in marks.items()}


def _name_of(mark_ref: str, marks: dict[str, int]) -> str:
    number = int(mark_ref[1:])
    return next(name for name, mark in marks.items() if mark == number)
