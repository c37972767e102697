"""Stage 2 of the data flow: from a thread's mails to its series versions.

b4 does the assembly (versions, v2 sent in reply to v1's cover, follow-up
trailers collected from replies exactly as ``b4 am`` collects them); this
module turns b4's objects into aptool's plain dataclasses and adds what b4
does not keep: per-file blob ids, declared dependencies and mentions.
"""

from __future__ import annotations

import logging
import re
from email import errors
from email.message import EmailMessage
from typing import Any

import b4

from aptool.archive.base import Archive
from aptool.archive.mail import parse_mail
from aptool.archive.msgid import message_id
from aptool.errors import MailError
from aptool.series.data import (
    Cover,
    Dependency,
    FileChange,
    Mention,
    Patch,
    SeriesVersion,
    Thread,
    ThreadMessage,
    Trailer,
)
from aptool.series.diff import diff_text, file_changes
from aptool.series.mentions import find_mentions

logging.getLogger("b4").setLevel(logging.ERROR)

# Declared dependencies, as b4 writes them and as people write them by hand.
_DEPENDENCY = re.compile(
    r"^(?P<name>prerequisite-patch-id|prerequisite-message-id|prerequisite-change-id|"
    r"depends-on|based-on):\s*(?P<value>\S.*?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-f]{7,64})\s*$", re.MULTILINE)
_KIND = {
    "prerequisite-patch-id": "patch-id",
    "prerequisite-message-id": "message-id",
    "prerequisite-change-id": "change-id",
    "depends-on": "depends-on",
    "based-on": "based-on",
}


def parse_thread(messages: list[bytes], root: str) -> Thread:
    """The series versions, messages and mentions of one thread."""
    parsed: list[tuple[bytes, EmailMessage]] = []
    problems: dict[str, str] = {}
    for raw in messages:
        msg = parse_mail(raw)
        msgid = message_id(msg)
        broken = mime_problem(msg)
        if broken and msgid:
            problems[msgid] = f"message <{msgid}> has broken MIME: {broken}"
            continue
        parsed.append((raw, msg))
    mailbox = b4.LoreMailbox()
    for _, msg in parsed:
        mailbox.add_message(msg)
    raw_by_id = {msgid: raw for raw, msg in parsed if (msgid := message_id(msg))}

    versions: dict[int, SeriesVersion] = {}
    for revision in sorted(mailbox.series):
        lser = mailbox.get_series(revision, sloppytrailers=False, codereview_trailers=False)
        if lser is not None:
            versions[revision] = _version(lser, raw_by_id, problems)

    thread_messages: list[ThreadMessage] = []
    mentions: list[Mention] = []
    for lmsg in sorted(mailbox.msgid_map.values(), key=lambda m: m.date):
        thread_messages.append(
            ThreadMessage(
                message_id=lmsg.msgid,
                subject=lmsg.full_subject,
                author_name=lmsg.fromname,
                author_email=lmsg.fromemail,
                date=lmsg.date.isoformat(),
                in_reply_to=lmsg.in_reply_to,
                has_diff=lmsg.has_diff,
            )
        )
        if not lmsg.has_diff:
            mentions.extend(find_mentions(lmsg.body, lmsg.msgid))
    return Thread(root=root, messages=thread_messages, versions=versions, mentions=mentions, problems=problems)


def require_version(thread: Thread, number: int | None) -> SeriesVersion:
    """The version the user asked for, or a one-line error saying what the thread has.

    A broken message the user named, or a broken patch of the chosen version,
    is an error here rather than a silently shorter series.
    """
    if thread.root in thread.problems:
        raise MailError(thread.problems[thread.root])
    if not thread.versions:
        if thread.problems:
            raise MailError(next(iter(thread.problems.values())))
        raise MailError(f"no patches in thread <{thread.root}>")
    chosen = thread.version(number)
    if chosen is None:
        have = ", ".join(f"v{n}" for n in sorted(thread.versions))
        raise MailError(f"thread <{thread.root}> has no v{number} (it has {have})")
    for msgid in chosen.broken:
        raise MailError(thread.problems[msgid])
    if not chosen.patches:
        raise MailError(f"v{chosen.version} of <{thread.root}> has a cover letter but no patches")
    return chosen


def _version(lser: b4.LoreSeries, raw_by_id: dict[str, bytes], problems: dict[str, str]) -> SeriesVersion:
    cover_lmsg = lser.patches[0] if lser.has_cover else None
    patches: list[Patch] = []
    broken: list[str] = []
    for lmsg in lser.patches[1:]:
        if lmsg is None:
            continue
        try:
            patches.append(_patch(lmsg, lser, raw_by_id))
        except MailError as err:
            problems[lmsg.msgid] = err.message
            broken.append(lmsg.msgid)
    if cover_lmsg is not None:
        # Trailers given to the cover letter apply to every patch, as in b4 am.
        for given in _trailers(cover_lmsg.followup_trailers, None):
            for patch in patches:
                if given not in patch.followup_trailers:
                    patch.followup_trailers.append(given)
    missing = [n for n, lmsg in enumerate(lser.patches) if n > 0 and lmsg is None]
    texts = ([cover_lmsg.body] if cover_lmsg else []) + [lmsg.body for lmsg in lser.patches[1:] if lmsg]
    first = cover_lmsg or next((m for m in lser.patches[1:] if m is not None), None)
    return SeriesVersion(
        version=lser.revision,
        total=lser.expected,
        subject=first.subject if first else "(untitled)",
        author_name=lser.fromname or "",
        author_email=lser.fromemail or "",
        cover=_cover(cover_lmsg) if cover_lmsg else None,
        patches=patches,
        complete=not missing,
        missing=missing,
        base_commit=_first_match(_BASE_COMMIT, texts),
        dependencies=_dependencies(cover_lmsg, lser),
        broken=broken,
    )


def _patch(lmsg: b4.LoreMessage, lser: b4.LoreSeries, raw_by_id: dict[str, bytes]) -> Patch:
    diff = diff_text(lmsg.body)
    files: list[FileChange] = file_changes(diff, lmsg.msgid) if diff else []
    if diff and not files:
        raise MailError(f"patch <{lmsg.msgid}> has a diff header but no file changes")
    return Patch(
        **_message_fields(lmsg),
        version=lser.revision,
        counter=lmsg.counter,
        total=lser.expected,
        files=files,
        patch_id=lmsg.git_patch_id,
        in_reply_to=lmsg.in_reply_to,
        raw=raw_by_id.get(lmsg.msgid, b""),
    )


def _cover(lmsg: b4.LoreMessage) -> Cover:
    return Cover(**_message_fields(lmsg))


def _message_fields(lmsg: b4.LoreMessage) -> dict[str, Any]:
    """What a patch and a cover letter both carry."""
    return {
        "message_id": lmsg.msgid,
        "subject": lmsg.subject,
        "full_subject": lmsg.full_subject,
        "author_name": lmsg.fromname,
        "author_email": lmsg.fromemail,
        "date": lmsg.date.isoformat(),
        "trailers": _own_trailers(lmsg),
        "followup_trailers": _trailers(lmsg.followup_trailers, None),
    }


def _own_trailers(lmsg: b4.LoreMessage) -> list[Trailer]:
    """The trailers the author wrote (b4 keeps ``.trailers`` only for replies)."""
    _, _, trailers, _, _ = b4.LoreMessage.get_body_parts(lmsg.body)
    return [Trailer(t.name, t.value, lmsg.msgid) for t in trailers]


def _trailers(ltrailers: list[Any], default_source: str | None) -> list[Trailer]:
    result: list[Trailer] = []
    for ltr in ltrailers:
        source = getattr(getattr(ltr, "lmsg", None), "msgid", None) or default_source or ""
        trailer = Trailer(ltr.name, ltr.value, source)
        if trailer not in result:  # b4 attaches follow-ups again on each get_series call
            result.append(trailer)
    return result


def _dependencies(cover: b4.LoreMessage | None, lser: b4.LoreSeries) -> list[Dependency]:
    found: list[Dependency] = []
    sources = ([cover] if cover else []) + [m for m in lser.patches[1:] if m is not None]
    for lmsg in sources:
        for match in _DEPENDENCY.finditer(lmsg.body):
            dep = Dependency(_KIND[match.group("name").lower()], match.group("value"), lmsg.msgid)
            if dep not in found:
                found.append(dep)
    return found


# Defects after which the parsed body cannot be trusted to be what was sent.
_FATAL_DEFECTS = (
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.NoBoundaryInMultipartDefect,
    errors.MultipartInvariantViolationDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
    errors.MissingHeaderBodySeparatorDefect,
)


def mime_problem(msg: EmailMessage) -> str | None:
    """What is broken in the message's MIME structure, or None."""
    for part in msg.walk():
        for defect in part.defects:
            if isinstance(defect, _FATAL_DEFECTS):
                text = (defect.__doc__ or type(defect).__name__).strip().splitlines()[0]
                return text.rstrip(".").lower()
        if part.get_content_maintype() == "text" and not part.is_multipart():
            try:
                part.get_content()
            except (LookupError, UnicodeError, ValueError) as err:
                return f"undecodable text part ({err})"
    return None


def _first_match(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def fetch_thread(archive: Archive, msgid: str) -> Thread:
    """Ask the archive for the thread holding ``msgid`` and assemble its series."""
    return parse_thread(archive.thread(msgid), msgid)
