"""Applying one patch mail with ``git am -3``, as ``b4 am`` would prepare it.

b4 rewrites each mail's commit message: the follow-up trailers collected
from the thread (``Reviewed-by``, ``Acked-by``, ``Tested-by``, ...) after the
patch's own, then a ``Link:`` to the Message-ID.  We use b4's
``LoreMessage.get_am_message`` for that, with b4's configuration read from the
target repository (``b4.trailer-order``, ``b4.trailers-ignore-from``), so the
commits read exactly as ``b4 am`` would make them.  Author, date and message
come from the mail; ``git am`` keeps them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from aptool.apply import steps
from aptool.apply.plan import ApplyFailure, link_for
from aptool.apply.worktree import ScratchWorktree
from aptool.archive.mail import parse_mail
from aptool.archive.mailtext import content_crs, decode_mail
from aptool.series.b4env import b4, b4_settings
from aptool.series.data import Patch, Trailer
from aptool.series.diff import diff_text

_THREE_WAY = "Falling back to patching base and 3-way merge"
_FILE_IN_MESSAGE = (
    re.compile(r"^error: patch failed: (.+):\d+$"),
    re.compile(
        r"^error: (.+): (?:does not exist in index|does not match index|patch does not apply|"
        r"already exists in (?:index|working directory))$"
    ),
    re.compile(
        r"^CONFLICT \([^)]*\): .*?(?:Merge conflict in|deleted in \S+ and modified in \S+\. Version \S+ of) "
        r"(\S+)"
    ),
    re.compile(r"sha1 information is lacking or useless \((.+)\)"),
)
_GUIDANCE = (
    "hint:",
    "Applying:",
    "When you have resolved",
    "If you prefer to skip",
    "To restore the original branch",
    "Use 'git am --show-current-patch",
    "Using index info to reconstruct",
    "Falling back to patching base",
)


def am_mail(patch: Patch, linkmask: str, repo: Path) -> bytes:
    """The mail ``git am`` gets: the patch with follow-up trailers and a ``Link:`` added."""
    if not patch.raw:
        raise ApplyFailure("the patch mail's text is not available", patch=patch)
    with b4_settings(repo):
        lmsg = b4.LoreMessage(parse_mail(patch.raw))
        lmsg.followup_trailers = [_lore_trailer(t) for t in patch.followup_trailers]
        link = b4.LoreTrailer(name="Link", value=link_for(linkmask, patch.message_id))
        try:
            msg = lmsg.get_am_message(add_trailers=True, extras=[link])
        except SystemExit:  # b4 refuses bodies with Unicode control-flow characters
            raise ApplyFailure(
                "the patch contains suspicious Unicode control characters (see b4's --allow-unicode-control-chars)",
                patch=patch,
            ) from None
        except (UnicodeError, ValueError, LookupError, TypeError, AttributeError) as err:  # 8-bit bytes in
            # an address, a header the email package cannot write back
            raise ApplyFailure(f"the patch mail cannot be written for git am: {err}", patch=patch) from None
        out = io.BytesIO()
        b4.save_git_am_mbox([msg], out)
    return _with_content_crs(out.getvalue(), patch.raw)


def _with_content_crs(mail: bytes, raw: bytes) -> bytes:
    """b4's mail with the CRs of a file's own CRLF line ends put back into its diff.

    b4 drops every CR of a body; where they are content (:func:`content_crs`), the diff
    ``git am --keep-cr`` gets must hold them, or it cannot apply to a CRLF file.
    """
    if b"\r" not in raw or not content_crs(raw):
        return mail
    diff = diff_text(decode_mail(raw).patch)
    if diff is None:
        return mail
    original = diff.encode("utf-8", "surrogateescape")
    return mail.replace(original.replace(b"\r", b""), original, 1)


def _lore_trailer(trailer: Trailer) -> b4.LoreTrailer:
    """b4's trailer for ours, its value kept whole (b4 would drop a ``(comment)`` after the address)."""
    ltr = b4.LoreTrailer(name=trailer.name, value=trailer.value)
    ltr.value = trailer.value
    return ltr


@dataclass
class Applied:
    """How a patch went in.

    ``method``: ``exact`` (on the exact base, as sent), ``clean`` (on an
    inexact base, every hunk where the mail put it), ``offset`` (hunks found at
    other lines), ``three-way`` (git's three-way merge), ``fuzz`` (reduced context).
    """

    method: str
    output: str = ""
    attempts: list[str] = field(default_factory=list)
    offsets: list[str] = field(default_factory=list)  # git apply's "Hunk #1 succeeded at 20 (offset 3 lines)."


_HUNK_MOVED = re.compile(r"^(Hunk #\d+ succeeded at \d+ \((?:offset -?\d+ lines?|with fuzz \d+)[^)]*\)\.)$", re.M)


_STATUS_LINE = re.compile(r"^[ACDMRT]\t")  # "M<TAB>path" while git reconstructs a base tree


def git_message(text: str) -> str:
    """git's own words about a failure, without its advice to an interactive user."""
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(
        line for line in lines if line.strip() and not line.startswith(_GUIDANCE) and not _STATUS_LINE.match(line)
    )


def files_in_message(text: str) -> list[str]:
    found: list[str] = []
    for line in text.splitlines():
        for pattern in _FILE_IN_MESSAGE:
            match = pattern.search(line.strip())
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


def _run_am(wt: ScratchWorktree, mail: bytes, index: int) -> tuple[int, str]:
    # --keep-cr: the decoded mail holds CRs only where they are a file's content (see mailtext)
    proc = wt.popen("am", "--3way", "--keep-cr")
    steps.checkpoint(f"am-running:{index}")
    out, err = proc.communicate(mail)
    return proc.returncode, (out + err).decode("utf-8", "replace")


def apply_mail(wt: ScratchWorktree, patch: Patch, mail: bytes, index: int, *, fallbacks: bool) -> Applied:
    """Apply one mail on the worktree's HEAD; raise :class:`ApplyFailure` when it will not go.

    With ``fallbacks`` (the base is only the closest commit), a patch the
    three-way merge cannot place is retried on a full checkout, then with
    ``git apply`` and reduced context.
    """
    moved = _hunks_moved(wt, patch) if fallbacks else []
    code, text = _run_am(wt, mail, index)
    if code == 0:
        return _applied(text, moved, fallbacks)
    steps.checkpoint("am-stopped")
    conflicted = _conflicted(wt) or files_in_message(text) or [f.path for f in patch.files]
    first_failure = text
    if fallbacks and not wt.full:
        wt.git("am", "--abort")
        wt.widen()
        moved = _hunks_moved(wt, patch)
        code, text = _run_am(wt, mail, index)
        if code == 0:
            return _applied(text, moved, fallbacks)
    if fallbacks:
        fuzzed = _apply_reduced_context(wt)
        if fuzzed is not None:
            return Applied("fuzz", text + fuzzed)
    raise ApplyFailure(
        "the patch does not apply" if not fallbacks else "the patch does not apply, not even with reduced context",
        patch=patch,
        files=conflicted,
        git_message=git_message(first_failure),
    )


def _applied(text: str, moved: list[str], inexact: bool) -> Applied:
    if _THREE_WAY in text:
        return Applied("three-way", text)
    if not inexact:
        return Applied("exact", text)
    return Applied("offset" if moved else "clean", text, offsets=moved)


def _hunks_moved(wt: ScratchWorktree, patch: Patch) -> list[str]:
    """Hunks ``git apply`` would place at other lines than the mail says (``git am`` does not tell)."""
    text = decode_mail(patch.raw).patch if patch.raw else ""
    if not text:
        return []
    patch_file = wt.state_path("aptool-check.patch")
    patch_file.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        proc = wt.git("apply", "--check", "-v", str(patch_file))
    finally:
        patch_file.unlink(missing_ok=True)
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return _HUNK_MOVED.findall(output) if proc.returncode == 0 else []


def _conflicted(wt: ScratchWorktree) -> list[str]:
    proc = wt.git("diff", "--name-only", "--diff-filter=U")
    return [line for line in proc.stdout.decode("utf-8", "replace").splitlines() if line]


def _apply_reduced_context(wt: ScratchWorktree) -> str | None:
    """``git apply --index`` with one line of context, then let ``git am`` commit; its output or None."""
    patch_file = wt.state_path("rebase-apply/patch")
    if not patch_file.exists():
        return None
    wt.git("reset", "-q", "--hard")
    for context in ("-C2", "-C1"):
        proc = wt.git("apply", "--index", context, str(patch_file))
        if proc.returncode == 0:
            done = wt.git("am", "--continue")
            if done.returncode == 0:
                return (proc.stdout + proc.stderr + done.stdout + done.stderr).decode("utf-8", "replace")
            wt.git("reset", "-q", "--hard")
    return None
