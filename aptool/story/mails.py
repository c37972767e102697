"""Compose the story's mails as a list would carry them, and write mbox files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aptool.story.data import Person, ReplySpec, StoryData
from aptool.story.patches import MadeSeries

LIST_ADDRESS = "linux-s390@lists.example.org"
LIST_ID = "<linux-s390.lists.example.org>"
_RE_PREFIX = re.compile(r"^(re:\s*)+", re.IGNORECASE)


@dataclass
class Mail:
    msgid: str
    author: Person
    date: datetime
    subject: str
    body: str
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)

    def as_bytes(self) -> bytes:
        headers = [
            f"From: {self.author.address}",
            f"To: {LIST_ADDRESS}",
            f"Subject: {self.subject}",
            f"Date: {format_datetime(self.date)}",
            f"Message-ID: <{self.msgid}>",
        ]
        if self.in_reply_to:
            headers.append(f"In-Reply-To: <{self.in_reply_to}>")
            headers.append("References: " + " ".join(f"<{r}>" for r in self.references))
        headers.append(f"List-Id: {LIST_ID}")
        headers += self.extra_headers or [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        return ("\n".join(headers) + "\n\n" + self.body).encode()


class Composer:
    """Turns series and replies into mails, remembering every Message-ID by name."""

    def __init__(self, data: StoryData, made: dict[str, MadeSeries], commits: dict[str, str]) -> None:
        self.data = data
        self.made = made
        self.commits = commits
        self.by_key: dict[str, Mail] = {}
        self.series_mails: dict[str, list[Mail]] = {}

    def series(self, name: str) -> list[Mail]:
        """The cover letter (if any) and patches of a series, threaded as git send-email does."""
        if name in self.series_mails:
            return self.series_mails[name]
        made = self.made[name]
        spec = made.spec
        total = len(spec.patches)
        version = f"v{spec.version} " if spec.version > 1 else ""
        mails: list[Mail] = []
        parent: Mail | None = self.series(spec.in_reply_to)[0] if spec.in_reply_to else None
        trailer = self._trailer(made)
        number = 1
        if spec.cover_subject:
            body = (spec.cover_body or "") + "\n\n" + made.shortlog + "\n" + made.diffstat + trailer
            mails.append(
                self._mail(
                    spec.msgid.format(n=number),
                    spec.author,
                    spec.date,
                    f"[PATCH {version}0/{total}] {spec.cover_subject}",
                    body,
                    parent,
                )
            )
            parent, number, trailer = mails[0], number + 1, ""
        for index, change in enumerate(spec.patches, start=1):
            counter = f"{index}/{total}" if total > 1 or spec.cover_subject else ""
            prefix = f"PATCH {version}{counter}".strip()
            body = made.bodies[index - 1]
            if index == total and trailer:
                body = body.rstrip("\n") + "\n" + trailer
            mail = self._mail(
                spec.msgid.format(n=number),
                spec.author,
                spec.date + timedelta(seconds=number - 1),
                f"[{prefix}] {change.subject}",
                body,
                parent,
            )
            mails.append(mail)
            if parent is None or not spec.cover_subject:
                parent = parent or mail
            number += 1
        if spec.corrupt:
            _corrupt(mails[-1], spec.corrupt)
        self.series_mails[name] = mails
        return mails

    def reply(self, spec: ReplySpec) -> Mail:
        parent = self._lookup(spec.reply_to) if spec.reply_to else None
        subject = spec.subject or "Re: " + _RE_PREFIX.sub("", parent.subject if parent else "")
        mail = self._mail(spec.msgid, spec.author, spec.date, subject, spec.body, parent)
        self.by_key[spec.key] = mail
        return mail

    def _lookup(self, name: str) -> Mail:
        if name in self.by_key:
            return self.by_key[name]
        series, _, index = name.partition("#")
        mails = self.series(series)
        return mails[int(index) - 1] if index else mails[0]

    def _trailer(self, made: MadeSeries) -> str:
        spec = made.spec
        lines = []
        if spec.base_commit_trailer:
            target = made.unsent[-1] if spec.base_commit_trailer == "unsent" else self.commits[spec.base_commit_trailer]
            lines.append(f"base-commit: {target}")
        if spec.prerequisite_patch_id:
            lines += [f"prerequisite-patch-id: {pid}" for pid in self.made[spec.prerequisite_patch_id].patch_ids]
        return "\n" + "\n".join(lines) + "\n" if lines else ""

    @staticmethod
    def _mail(msgid: str, author: Person, date: datetime, subject: str, body: str, parent: Mail | None) -> Mail:
        mail = Mail(msgid, author, date, subject, body)
        if parent is not None:
            mail.in_reply_to = parent.msgid
            mail.references = parent.references + [parent.msgid]
        return mail


def _corrupt(mail: Mail, how: str) -> None:
    """Break a mail the way mail breaks in the wild, for the error-path tests."""
    if how == "mime":
        mail.extra_headers = ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="=-=aptool-lost=-="']
    elif how == "truncate":
        lines = mail.body.rstrip("\n").split("\n")
        last_change = max(
            i for i, line in enumerate(lines) if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
        )
        del lines[last_change]
        mail.body = "\n".join(lines) + "\n"
    else:
        raise ValueError(f"unknown corruption {how!r}")


def write_mbox(path: Path, mails: list[Mail]) -> None:
    """mboxrd: a fixed separator line, and ``From `` lines in bodies quoted with ``>``."""
    with open(path, "wb") as handle:
        for mail in mails:
            handle.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            for line in mail.as_bytes().split(b"\n"):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                handle.write(line + b"\n")
            handle.write(b"\n")
