"""A patch's diff, cut out the way ``git apply`` reads it, then parsed per file with unidiff.

``git apply`` reads a mail's patch text (everything after ``git mailinfo``'s
patch break) as a sequence of file diffs with text between them that it
ignores: a file diff starts at ``diff --git`` (or a ``---``/``+++`` pair), its
hunks are exactly as long as their ``@@`` lines say, and whatever follows the
last hunk -- a signature, a ``base-commit:`` block, a comment, a second diff
pasted further down -- is not part of that file.  Several diffs in one mail
are one patch, as ``git am`` applies them.
"""

from __future__ import annotations

import io
import re

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from aptool.errors import MailError
from aptool.series.data import FileChange

_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d{6}))?")
_NULL_BLOB = re.compile(r"^0+$")
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_EXTENDED = (
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "copy from ",
    "copy to ",
    "rename from ",
    "rename to ",
    "rename old ",
    "rename new ",
    "similarity index ",
    "dissimilarity index ",
    "index ",
    "Binary files ",
)
_MODE = re.compile(r"^(old mode|new mode|new file mode|deleted file mode) (\d{6})$")


def diff_text(patch: str) -> str | None:
    """The file diffs of a mail's patch text, without the text around them; None when there is none."""
    # Lines end at "\n" only, as git reads them: str.splitlines() would also break at a form
    # feed, "\x1c".."\x1e", "\x85" or U+2028 inside a line and miscount the hunk.
    lines = io.StringIO(patch, newline="\n").readlines()
    sections: list[str] = []
    at = 0
    while at < len(lines):
        end = _file_diff_end(lines, at)
        if end is None:
            at += 1
            continue
        sections.append("".join(lines[at:end]))
        at = end
    if not sections:
        return None
    return "".join(s if s.endswith("\n") else s + "\n" for s in sections)


def _file_diff_end(lines: list[str], at: int) -> int | None:
    """Where the file diff starting at ``lines[at]`` ends, or None when none starts there."""
    line = lines[at]
    if line.startswith("diff --git "):
        pos = at + 1
        while pos < len(lines) and lines[pos].startswith(_EXTENDED):
            pos += 1
        if pos < len(lines) and lines[pos].startswith("GIT binary patch"):
            return _binary_end(lines, pos + 1)
        if pos + 1 < len(lines) and lines[pos].startswith("--- ") and lines[pos + 1].startswith("+++ "):
            return _hunks_end(lines, pos + 2)
        return pos  # header only: a mode change, a pure rename, an empty file
    if (
        line.startswith("--- ")
        and at + 2 < len(lines)
        and lines[at + 1].startswith("+++ ")
        and _HUNK.match(lines[at + 2])
    ):
        return _hunks_end(lines, at + 2)
    return None


def _hunks_end(lines: list[str], pos: int) -> int:
    """Past the last hunk that starts at ``pos``, counting lines as the ``@@`` header says."""
    while pos < len(lines):
        match = _HUNK.match(lines[pos])
        if match is None:
            break
        old = int(match.group(1)) if match.group(1) is not None else 1
        new = int(match.group(2)) if match.group(2) is not None else 1
        pos += 1
        while pos < len(lines) and (old > 0 or new > 0):
            first = lines[pos][:1]
            if first in (" ", "\n", "\r"):
                old, new = old - 1, new - 1
            elif first == "-":
                old -= 1
            elif first == "+":
                new -= 1
            elif first != "\\":
                break
            pos += 1
        while pos < len(lines) and lines[pos].startswith("\\"):
            pos += 1  # "\ No newline at end of file"
    return pos


def _binary_end(lines: list[str], pos: int) -> int:
    """Past the forward and reverse blocks of a ``GIT binary patch``."""
    for _ in range(2):
        if pos >= len(lines) or not lines[pos].startswith(("literal ", "delta ")):
            break
        pos += 1
        while pos < len(lines) and lines[pos].strip():
            pos += 1
        while pos < len(lines) and not lines[pos].strip():
            pos += 1
    return pos


def file_changes(diff: str, msgid: str) -> list[FileChange]:
    """Per-file pre/post blob ids and modes, in the order the diff touches the files."""
    try:
        patchset = PatchSet(diff)
    except UnidiffParseError as err:
        raise MailError(f"patch <{msgid}> has a broken diff: {err}") from None
    changes: list[FileChange] = []
    for patched in patchset:
        pre = post = None
        has_index = is_copy = False
        modes: dict[str, str] = {}
        for line in patched.patch_info or []:
            match = _INDEX.match(line)
            if match:
                pre, post, has_index = match.group(1), match.group(2), True
                if match.group(3):
                    modes.setdefault("mode", match.group(3))
            is_copy = is_copy or line.startswith("copy from ")
            mode = _MODE.match(line.rstrip("\n"))
            if mode:
                modes[mode.group(1)] = mode.group(2)
        old_path = _strip_prefix(patched.source_file)
        new_path = _strip_prefix(patched.target_file)
        # New or deleted as git says it (/dev/null, a file mode line), not by a hunk's look:
        # unidiff takes "@@ -0,0 +1 @@" for a new file, but an empty file can be its pre-image.
        is_new = patched.source_file == "/dev/null" or "new file mode" in modes
        is_deleted = patched.target_file == "/dev/null" or "deleted file mode" in modes
        if is_new:
            old_path = new_path
        if is_deleted:
            new_path = old_path
        old_mode = modes.get("old mode") or modes.get("deleted file mode") or modes.get("mode")
        new_mode = modes.get("new mode") or modes.get("new file mode") or modes.get("mode")
        changes.append(
            FileChange(
                path=new_path,
                old_path=old_path,
                preimage=None if pre is None or _NULL_BLOB.match(pre) else pre,
                postimage=None if post is None or _NULL_BLOB.match(post) else post,
                is_new=is_new,
                is_deleted=is_deleted,
                is_rename=patched.is_rename and not is_copy,
                is_copy=is_copy,
                is_binary=patched.is_binary_file,
                has_index=has_index,
                added=patched.added,
                removed=patched.removed,
                old_mode=None if is_new else old_mode,
                new_mode=None if is_deleted else new_mode,
            )
        )
    return changes


def _strip_prefix(name: str) -> str:
    if name in ("/dev/null", ""):
        return name
    return name[2:] if name[:2] in ("a/", "b/") else name
