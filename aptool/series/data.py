"""Plain data for a mail thread's patch series: what every later stage consumes.

The base and apply stages read :class:`FileChange` blob ids and the raw
mail of each :class:`Patch`; the thread command prints all of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileChange:
    """One file of a patch, as its ``diff --git`` header and ``index`` line say.

    ``preimage`` / ``postimage`` are the blob ids exactly as abbreviated in the
    mail (public-inbox indexes them that way).  ``preimage`` is None for a new
    file, ``postimage`` None for a deleted one; both None when the patch has no
    ``index`` line for the file.
    """

    path: str
    old_path: str
    preimage: str | None
    postimage: str | None
    is_new: bool = False
    is_deleted: bool = False
    is_rename: bool = False
    is_copy: bool = False  # copy from old_path: the pre-image is old_path's, and old_path stays
    is_binary: bool = False
    has_index: bool = True
    added: int = 0
    removed: int = 0
    old_mode: str | None = None  # "100644", "100755", "120000" (symlink); None when the diff does not say
    new_mode: str | None = None

    @property
    def mode_only(self) -> bool:
        """Only the mode changes: no index line, no content, no rename."""
        return not self.has_index and not self.is_rename and not self.is_copy and self.old_mode != self.new_mode


@dataclass(frozen=True)
class Trailer:
    """A ``Name: value`` trailer and who gave it (the patch itself or a reply)."""

    name: str
    value: str
    given_in: str  # Message-ID of the message that carries it


@dataclass(frozen=True)
class Dependency:
    """A dependency the author declared: a trailer naming another patch or base.

    ``kind`` is one of ``patch-id``, ``message-id``, ``change-id``,
    ``depends-on``, ``based-on``.
    """

    kind: str
    value: str
    declared_in: str


@dataclass(frozen=True)
class Mention:
    """A Message-ID written in the text of a message in the thread."""

    message_id: str
    in_message: str
    context: str  # the lines around the mention, as written
    quoted: bool  # True when it stands in quoted ("> ") text


@dataclass
class Patch:
    """One patch mail of a series."""

    message_id: str
    subject: str  # without the [PATCH vN M/N] prefix
    full_subject: str
    author_name: str
    author_email: str
    date: str  # ISO 8601, as the mail's Date header says
    version: int
    counter: int
    total: int
    files: list[FileChange]
    trailers: list[Trailer] = field(default_factory=list)
    followup_trailers: list[Trailer] = field(default_factory=list)
    patch_id: str | None = None  # git patch-id --stable of the diff
    in_reply_to: str | None = None
    raw: bytes = field(default=b"", repr=False)  # the decoded mail, as git am reads it
    from_version: int | None = None  # a partial re-roll took this patch from an earlier version

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        return data


@dataclass
class Cover:
    """The cover letter (patch 0/N) of a series."""

    message_id: str
    subject: str
    full_subject: str
    author_name: str
    author_email: str
    date: str
    trailers: list[Trailer] = field(default_factory=list)
    followup_trailers: list[Trailer] = field(default_factory=list)


@dataclass
class SeriesVersion:
    """One version (v1, v2, ...) of a series as sent to the list."""

    version: int
    total: int
    subject: str
    author_name: str
    author_email: str
    cover: Cover | None
    patches: list[Patch]
    complete: bool
    missing: list[int] = field(default_factory=list)  # counters never seen
    base_commit: str | None = None
    dependencies: list[Dependency] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # Message-IDs of patches that could not be read
    partial_reroll: bool = False  # b4 completed it with patches of the previous version

    @property
    def message_ids(self) -> set[str]:
        """The Message-IDs that make up this version: its cover and its patches."""
        ids = {p.message_id for p in self.patches}
        if self.cover is not None:
            ids.add(self.cover.message_id)
        return ids

    def missing_text(self) -> str:
        """``patch 2/3 missing`` for the one-line answers."""
        names = ", ".join(f"{n}/{self.total}" for n in self.missing)
        return f"patch{'es' * (len(self.missing) != 1)} {names} missing"

    @property
    def date(self) -> str:
        """When the series was sent: the first patch's (or cover's) date; a partial re-roll's newest patch."""
        if self.partial_reroll and self.patches:
            return max(p.date for p in self.patches)
        if self.cover is not None:
            return self.cover.date
        return self.patches[0].date if self.patches else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "total": self.total,
            "subject": self.subject,
            "author": {"name": self.author_name, "email": self.author_email},
            "complete": self.complete,
            "missing": self.missing,
            "partial_reroll": self.partial_reroll,
            "base_commit": self.base_commit,
            "dependencies": [asdict(d) for d in self.dependencies],
            "cover": asdict(self.cover) if self.cover else None,
            "patches": [p.to_dict() for p in self.patches],
        }


@dataclass
class ThreadMessage:
    """A message of the thread in brief: enough to print the thread's shape."""

    message_id: str
    subject: str
    author_name: str
    author_email: str
    date: str
    in_reply_to: str | None
    has_diff: bool


@dataclass
class Thread:
    """Everything aptool knows about one thread: its messages, series and mentions."""

    root: str  # the Message-ID asked for
    messages: list[ThreadMessage]
    versions: dict[int, SeriesVersion]
    mentions: list[Mention]
    problems: dict[str, str] = field(default_factory=dict)  # Message-ID -> what is wrong with it

    @property
    def latest(self) -> SeriesVersion | None:
        return self.versions[max(self.versions)] if self.versions else None

    def version(self, number: int | None) -> SeriesVersion | None:
        """The version asked for, or the newest one when ``number`` is None."""
        if number is None:
            return self.latest
        return self.versions.get(number)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "messages": [asdict(m) for m in self.messages],
            "versions": {str(k): v.to_dict() for k, v in sorted(self.versions.items())},
            "mentions": [asdict(m) for m in self.mentions],
            "problems": dict(self.problems),
        }
