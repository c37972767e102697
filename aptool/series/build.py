"""Stage 2 of the data flow: from a thread's mails to its series versions.

b4 does the assembly (versions, v2 sent in reply to v1's cover, follow-up
trailers collected from replies exactly as ``b4 am`` collects them); this
module turns b4's objects into aptool's plain dataclasses and adds what b4
does not keep: per-file blob ids, declared dependencies and mentions.
"""

from __future__ import annotations

import copy
import re
from email import errors
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aptool.archive.base import Archive
from aptool.archive.mail import parse_mail
from aptool.archive.mailtext import MailText, decode_mail, decode_many, decoded_mail, normalize_line_ends
from aptool.archive.msgid import message_id, references
from aptool.archive.rawmail import bound_references, oversized_header, raw_message_id
from aptool.errors import MailError
from aptool.series.b4env import b4, b4_settings
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
from aptool.series.subject import normalize_subject, prefix_counter, prefix_version, with_version

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


def parse_thread(messages: list[bytes], root: str, *, repo: Path | str | None = None) -> Thread:
    """The series versions, messages and mentions of one thread.

    Every mail is first decoded as ``git am`` will read it (see
    :mod:`aptool.archive.mailtext`) and its subject prefix normalised, so b4,
    the diff parser and ``git am`` all see the same text.  b4 runs with the
    settings of ``repo`` (None: b4's defaults) and never asks the network.
    """
    kept: list[tuple[bytes, EmailMessage]] = []
    problems: dict[str, str] = {}
    for raw in messages:
        raw = bound_references(normalize_line_ends(raw))
        huge = oversized_header(raw)
        if huge:
            _unreadable(raw, MailError(huge), problems)
            continue
        try:
            msg = parse_mail(raw)
            msgid = message_id(msg)
            broken = mime_problem(msg)
            hostile = None if broken else hostile_text(msg)
        except (*UNREADABLE, MailError) as err:
            _unreadable(raw, err, problems)
            continue
        if hostile and msgid:
            problems[msgid] = f"message <{msgid}> is not read: {hostile}"
            continue
        if broken and msgid:
            problems[msgid] = f"message <{msgid}> has broken MIME: {broken}"
            continue
        kept.append((raw, msg))
    texts = decode_many([raw for raw, _ in kept])
    subjects = _normalized_subjects([msg for _, msg in kept])
    clean: dict[str, bytes] = {}
    with b4_settings(repo):
        mailbox = b4.LoreMailbox()
        for (raw, msg), text, subject in zip(kept, texts, subjects, strict=True):
            try:
                if not text.patch:
                    text = unfold_trailers(text)
                if text.plain and subject is None:
                    decoded, dmsg = raw, msg  # already what git am reads
                else:
                    decoded = decoded_mail(raw, text, subject)
                    dmsg = parse_mail(decoded)
                msgid = message_id(dmsg)
                mailbox.add_message(dmsg)
            except (*UNREADABLE, MailError) as err:
                _unreadable(raw, err, problems)
                continue
            if msgid:
                clean[msgid] = decoded
        parents = bound_reply_depth(mailbox)
        # b4's get_series() adds the cover letter again when called twice for a
        # version, and a partial re-roll calls it for the previous version: an
        # incomplete version is assembled in a mailbox of its own, as ``b4 am``
        # assembles it in one run.
        pristine = copy.deepcopy(mailbox) if any(not s.complete for s in mailbox.series.values()) else None
        versions: dict[int, SeriesVersion] = {}
        for revision in sorted(mailbox.series):
            source = mailbox
            if pristine is not None and not mailbox.series[revision].complete:
                source = copy.deepcopy(pristine)
            lser = source.get_series(revision, sloppytrailers=False, codereview_trailers=False)
            if lser is not None:
                versions[revision] = _version(lser, clean, problems)
        for lmsg, parent in parents.items():
            lmsg.in_reply_to = parent

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


def _normalized_subjects(msgs: list[EmailMessage]) -> list[str | None]:
    """Per mail, its normalised subject, or None when it needs no change.

    A patch whose prefix states no version, sent in reply to a cover letter
    that states one (``[PATCH v2 0/3]`` above ``[PATCH 1/3]``), takes the
    cover's version.
    """
    originals = [str(msg.get("Subject", "") or "") for msg in msgs]
    fixed = [normalize_subject(s) for s in originals]
    covers: dict[str, tuple[int, int]] = {}
    for msg, subject in zip(msgs, fixed, strict=True):
        counter, version = prefix_counter(subject), prefix_version(subject)
        msgid = message_id(msg)
        if msgid and counter and counter[0] == 0 and version and version > 1:
            covers[msgid] = (version, counter[1])
    for index, (msg, subject) in enumerate(zip(msgs, fixed, strict=True)):
        counter = prefix_counter(subject)
        if counter is None or counter[0] == 0 or prefix_version(subject) is not None:
            continue
        for parent in references(msg)[:1] + references(msg)[-1:]:
            if parent in covers and covers[parent][1] == counter[1]:
                fixed[index] = with_version(subject, covers[parent][0])
                break
    return [new if new != old else None for old, new in zip(originals, fixed, strict=True)]


def require_version(thread: Thread, number: int | None) -> SeriesVersion:
    """The version the user asked for, or a one-line error saying what the thread has.

    Without ``number``, the newest version that holds the Message-ID the user
    named (as its cover letter or one of its patches); the newest version
    when the named message is a reply.  A broken message the user named, or
    a broken patch of the chosen version, is an error here rather than a
    silently shorter series.  An incomplete version is returned as it is:
    callers decide (``complete``, ``missing``).
    """
    if thread.root in thread.problems:
        raise MailError(thread.problems[thread.root])
    if not thread.versions:
        if thread.problems:
            raise MailError(next(iter(thread.problems.values())))
        raise MailError(f"no patches in thread <{thread.root}>")
    chosen = thread.version(number) if number is not None else _holding(thread)
    if chosen is None:
        have = ", ".join(f"v{n}" for n in sorted(thread.versions))
        raise MailError(f"thread <{thread.root}> has no v{number} (it has {have})")
    for msgid in chosen.broken:
        raise MailError(thread.problems[msgid])
    if not chosen.patches:
        raise MailError(f"v{chosen.version} of <{thread.root}> has a cover letter but no patches")
    return chosen


def newer_versions(thread: Thread, chosen: SeriesVersion) -> list[str]:
    """Notes on versions newer than ``chosen`` in the thread (the named message was in an older one)."""
    notes = []
    for number, version in sorted(thread.versions.items()):
        if number > chosen.version:
            state = "complete" if version.complete else version.missing_text()
            notes.append(
                f"the thread also has v{number} ({len(version.patches)} of {version.total} patches, {state}); "
                f"v{chosen.version} holds the message named (-v {number} for v{number})"
            )
    return notes


def _holding(thread: Thread) -> SeriesVersion | None:
    holding = [v for _, v in sorted(thread.versions.items()) if thread.root in v.message_ids]
    return holding[-1] if holding else thread.latest


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
        given = _trailers(cover_lmsg.followup_trailers, None)
        for patch in patches:
            patch.followup_trailers = _unique(patch.followup_trailers + given)
    missing = [n for n, lmsg in enumerate(lser.patches) if n > 0 and lmsg is None]
    texts = ([cover_lmsg.body] if cover_lmsg else []) + [lmsg.body for lmsg in lser.patches[1:] if lmsg]
    first = cover_lmsg or next((m for m in lser.patches[1:] if m is not None), None)
    return SeriesVersion(
        version=lser.revision,
        total=lser.expected,
        subject=first.subject if first else "(untitled)",
        author_name=lser.fromname or (first.fromname if first else ""),
        author_email=lser.fromemail or (first.fromemail if first else ""),
        cover=_cover(cover_lmsg) if cover_lmsg else None,
        patches=patches,
        complete=not missing,
        missing=missing,
        base_commit=_first_match(_BASE_COMMIT, texts),
        dependencies=_dependencies(cover_lmsg, lser),
        broken=broken,
        partial_reroll=bool(getattr(lser, "partial_reroll", False)),
    )


def _patch(lmsg: b4.LoreMessage, lser: b4.LoreSeries, raw_by_id: dict[str, bytes]) -> Patch:
    raw = raw_by_id.get(lmsg.msgid, b"")
    patch_text = decode_mail(raw).patch if raw else lmsg.body
    diff = diff_text(patch_text)
    files: list[FileChange] = file_changes(diff, lmsg.msgid) if diff else []
    if diff and not files:
        raise MailError(f"patch <{lmsg.msgid}> has a diff header but no file changes")
    taken_from = getattr(lmsg, "reroll_from_revision", None)
    return Patch(
        **_message_fields(lmsg),
        version=lser.revision,
        counter=lmsg.counter,
        total=lser.expected,
        files=files,
        patch_id=lmsg.git_patch_id,
        in_reply_to=lmsg.in_reply_to,
        raw=raw,
        from_version=taken_from if taken_from is not None and taken_from != lser.revision else None,
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
    return [Trailer(t.name, whole_value(t, lmsg.body), lmsg.msgid) for t in trailers]


def _trailers(ltrailers: list[b4.LoreTrailer], default_source: str | None) -> list[Trailer]:
    result: list[Trailer] = []
    for ltr in ltrailers:
        source_msg = getattr(ltr, "lmsg", None)
        source = getattr(source_msg, "msgid", None) or default_source or ""
        body = getattr(source_msg, "body", "") or ""
        result.append(Trailer(ltr.name, whole_value(ltr, body), source))
    return _unique(result)  # b4 attaches follow-ups again on each get_series call


def _unique(trailers: list[Trailer]) -> list[Trailer]:
    """``trailers`` without repeats, first one kept, in one pass (a long thread gives thousands)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for trailer in trailers:
        key = (trailer.name, trailer.value, trailer.given_in)
        if key not in seen:
            seen.add(key)
            kept.append(trailer)
    return kept


def whole_value(ltr: b4.LoreTrailer, body: str) -> str:
    """The trailer's value as written, with what b4 drops after the address.

    ``Acked-by: A <a@example.org> (for the Kconfig part)`` keeps its comment;
    b4 keeps ``# comments`` in ``extinfo`` and drops parenthesised ones.
    """
    value = ltr.value
    address = ltr.addr[1] if ltr.addr else None
    if address:
        line = rf"^{re.escape(ltr.name)}:\s*(.*<{re.escape(address)}>.*?)\s*$"
        pattern = re.compile(line, re.IGNORECASE | re.MULTILINE)
        match = pattern.search(body)
        if match:
            tail = match.group(1).split(f"<{address}>", 1)[1].strip()
            if tail and not tail.startswith("#"):
                value = f"{value} {tail}"
    extinfo = (ltr.extinfo or "").strip()
    if extinfo.startswith("#") and extinfo not in value:
        value = f"{value} {extinfo}"
    return value


# A person trailer whose address went to the next line: ``Reviewed-by: A Long Name`` then
# `` <a@example.org>``, as mail programs wrap a long line (git's trailers allow continuations).
_FOLDED_PERSON = re.compile(r"^([\w-]+-by:[ \t]*[^<>@\n]*?)[ \t]*\n[ \t]+([^\n]*<[^<>\s]+@[^<>\s]+>)", re.MULTILINE)


def unfold_trailers(text: MailText) -> MailText:
    """A reply's text with person trailers wrapped onto a second line joined again.

    b4 reads a follow-up trailer from one line; wrapped, the name alone is no trailer and the
    address looks like a Message-ID mentioned.  Only replies (no patch) are changed: a patch's
    own message goes to ``git am`` as written.
    """
    if text.patch or "-by:" not in text.message.lower():
        return text
    joined = _FOLDED_PERSON.sub(r"\1 \2", text.message)
    return text if joined == text.message else MailText(joined, text.patch)


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
            except LookupError:
                pass  # a charset Python does not know: git reads the bytes unconverted, and so does aptool
            except (UnicodeError, ValueError) as err:
                return f"undecodable text part ({err})"
    return None


def hostile_text(msg: EmailMessage) -> str | None:
    """Why b4 must not read the message's text (see ``hostile_trailer``), or None."""
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            try:
                text = part.get_content()
            except (LookupError, UnicodeError, ValueError):  # a charset Python does not know: read as git does
                payload = part.get_payload(decode=True)
                text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            found = hostile_trailer(text)
            if found:
                return found
    return None


# b4's trailer patterns take time cubic in a line's length (a 3,000-character trailer: minutes).
# RFC 5322 allows 998 characters a line; no real trailer value holds a 256-character word.
MAX_TRAILER_LINE = 998
MAX_TRAILER_WORD = 256
MAX_TRAILER_WORK = 20_000_000  # trailer-like lines times characters: 200 Cc: lines in 100 KB
_TRAILER_SHAPED = re.compile(r"^[ \t]*\w[^\s:]*:[ \t]+\S[^\n]*", re.MULTILINE)
_LONG_WORD = re.compile(rf"\S{{{MAX_TRAILER_WORD + 1}}}")
_PATCH_STARTS = re.compile(r"^(?:---[ \t]*$|diff --git )", re.MULTILINE)


def hostile_trailer(text: str) -> str | None:
    """Why b4 must not read ``text``: a trailer-like line too long for its patterns, or too many
    trailer-like lines above the diff for its unwrapping patterns; None when fine.

    b4 looks for follow-up trailers in the whole text, diff included, so every line counts
    for length; the count is taken above the diff, where a patch's trailers are.
    """
    end = _PATCH_STARTS.search(text)
    size = end.start() if end else len(text)
    count = 0
    for match in _TRAILER_SHAPED.finditer(text):
        line = match.group()
        if len(line) > MAX_TRAILER_LINE or _LONG_WORD.search(line):
            return f"a trailer-like line of {len(line)} characters ({line[:40]}...)"
        count += match.start() < size
    if count * size > MAX_TRAILER_WORK:  # b4's unwrapping patterns scan to the end from every such line
        return f"{count} trailer-like lines in {size} characters"
    return None


# What the standard library and b4 raise on values they cannot hold: a Date in the year
# 10000 (ValueError), ``Message-ID: <@>`` (IndexError in the header parser), unknown charsets.
# A header nesting comments thousands deep exhausts the standard library's recursive parser.
UNREADABLE = (ValueError, LookupError, OverflowError, TypeError, AttributeError, RecursionError)


def _unreadable(raw: bytes, err: Exception, problems: dict[str, str]) -> None:
    """Record a message the mail parser or b4 could not read, by its raw Message-ID."""
    msgid = raw_message_id(raw)
    if msgid:
        problems[msgid] = f"message <{msgid}> cannot be read: {err}"


# Replies nested deeper than this are hung from their ancestor at this depth while b4 collects
# follow-up trailers: b4 walks from every reply up to its patch re-reading each level (cubic).
MAX_REPLY_DEPTH = 16


def bound_reply_depth(mailbox: b4.LoreMailbox, limit: int = MAX_REPLY_DEPTH) -> dict[b4.LoreMessage, str]:
    """Re-parent replies nested more than ``limit`` replies deep; the original parents, to restore.

    Every reply's own trailers still reach its patch; only b4's habit of
    crediting a deep reply with the trailers of every reply above it stops at
    ``limit``.  Linear: each reply's depth is computed once.
    """
    by_id = mailbox.msgid_map
    depth: dict[str, tuple[int, str | None]] = {}  # msgid -> (replies above it, its ancestor at ``limit``)
    moved: dict[b4.LoreMessage, str] = {}
    for fmsg in mailbox.followups:
        chain: list[b4.LoreMessage] = []
        on_chain: set[str] = set()
        current: b4.LoreMessage | None = fmsg
        while current is not None and current.reply and current.msgid not in depth and current.msgid not in on_chain:
            chain.append(current)
            on_chain.add(current.msgid)
            parent = current.in_reply_to
            current = by_id.get(parent) if parent and parent != current.msgid else None
        level, anchor = depth.get(current.msgid, (0, None)) if current is not None else (0, None)
        for lmsg in reversed(chain):
            level += 1
            if level == limit:
                anchor = lmsg.msgid
            elif level > limit and anchor is not None and lmsg.in_reply_to != anchor:
                moved[lmsg] = lmsg.in_reply_to or ""
                lmsg.in_reply_to = anchor
            depth[lmsg.msgid] = (level, anchor)
    return moved


def _first_match(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def newest_series(messages: list[bytes], location: str) -> str:
    """The Message-ID that names the newest complete series among ``messages`` (``b4 am -m FILE``).

    Its cover letter, else its first patch; the newest series of all when
    none is complete.  Raises :class:`MailError` when the mails hold no patch.
    """
    thread = parse_thread(messages, "")
    versions = sorted(thread.versions.values(), key=lambda v: (v.complete, v.date, v.version))
    for version in reversed(versions):
        if version.cover is not None:
            return version.cover.message_id
        if version.patches:
            return version.patches[0].message_id
    raise MailError(f"no patches in {location}")


def fetch_thread(archive: Archive, msgid: str, *, repo: Path | str | None = None) -> Thread:
    """Ask the archive for the thread holding ``msgid`` and assemble its series (b4 set up for ``repo``)."""
    return parse_thread(archive.thread(msgid), msgid, repo=repo)
