"""The story's data files: where they are, and their contents as plain records."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aptool


def fixtures_dir() -> Path:
    """The story's data: inside an installed package, else the source checkout's."""
    installed = Path(aptool.__file__).parent / "_fixtures" / "story"
    if installed.is_dir():
        return installed
    return Path(aptool.__file__).resolve().parent.parent / "fixtures" / "story"


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def address(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass
class Change:
    """One commit's worth of change: a subject, a message and features turned on."""

    subject: str
    body: str
    add: list[str]


@dataclass
class HistoryCommit:
    name: str
    branch: str
    date: datetime
    author: Person
    change: Change
    parent: str | None = None
    merge: str | None = None
    tag: str | None = None


@dataclass
class SeriesSpec:
    name: str
    base: str
    version: int
    date: datetime
    author: Person
    msgid: str
    patches: list[Change]
    on_top_of: list[str] = field(default_factory=list)
    unsent: list[Change] = field(default_factory=list)
    cover_subject: str | None = None
    cover_body: str | None = None
    in_reply_to: str | None = None
    base_commit_trailer: str | None = None
    prerequisite_patch_id: str | None = None
    corrupt: str | None = None


@dataclass
class ReplySpec:
    key: str
    msgid: str
    author: Person
    date: datetime
    body: str
    reply_to: str | None
    subject: str | None


@dataclass
class ThreadSpec:
    name: str
    entries: list[str | ReplySpec]  # a series name, or a reply


@dataclass
class StoryData:
    templates: dict[str, str]
    history: list[HistoryCommit]
    series: dict[str, SeriesSpec]
    threads: list[ThreadSpec]


def load(root: Path | None = None) -> StoryData:
    """Read every data file of the story."""
    root = root or fixtures_dir()
    people_raw = _toml(root / "people.toml")
    people = {key: _person(value) for key, value in people_raw.items()}
    templates = {
        path.relative_to(root / "tree").as_posix(): path.read_text()
        for path in sorted((root / "tree").rglob("*"))
        if path.is_file()
    }
    history = [
        HistoryCommit(
            name=c["name"],
            branch=c["branch"],
            date=datetime.fromisoformat(c["date"]),
            author=people[c["author"]],
            change=Change(c["subject"], c.get("body", "").strip(), list(c.get("add", []))),
            parent=c.get("parent"),
            merge=c.get("merge"),
            tag=c.get("tag"),
        )
        for c in _toml(root / "history.toml")["commit"]
    ]
    series = {}
    for s in _toml(root / "series.toml")["series"]:
        series[s["name"]] = SeriesSpec(
            name=s["name"],
            base=s["base"],
            version=s["version"],
            date=datetime.fromisoformat(s["date"]),
            author=people[s["author"]],
            msgid=s["msgid"],
            patches=[_change(p) for p in s["patch"]],
            on_top_of=list(s.get("on_top_of", [])),
            unsent=[_change(u) for u in s.get("unsent", [])],
            cover_subject=s.get("cover_subject"),
            cover_body=s.get("cover_body", "").strip() or None,
            in_reply_to=s.get("in_reply_to"),
            base_commit_trailer=s.get("base_commit_trailer"),
            prerequisite_patch_id=s.get("prerequisite_patch_id"),
            corrupt=s.get("corrupt"),
        )
    threads = []
    for t in _toml(root / "threads.toml")["thread"]:
        entries: list[str | ReplySpec] = []
        for m in t["message"]:
            if "series" in m:
                entries.append(m["series"])
            else:
                entries.append(
                    ReplySpec(
                        key=m["key"],
                        msgid=m["id"],
                        author=people[m["from"]],
                        date=datetime.fromisoformat(m["date"]),
                        body=m["body"].strip("\n") + "\n",
                        reply_to=m.get("reply_to"),
                        subject=m.get("subject"),
                    )
                )
        threads.append(ThreadSpec(t["name"], entries))
    return StoryData(templates, history, series, threads)


def _toml(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _person(address: str) -> Person:
    name, email = address.rsplit("<", 1)
    return Person(name.strip(), email.rstrip(">").strip())


def _change(raw: dict[str, Any]) -> Change:
    return Change(raw["subject"], raw.get("body", "").strip(), list(raw.get("add", [])))
