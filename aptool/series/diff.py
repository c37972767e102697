"""A patch's diff, parsed with unidiff, reduced to what the base stage needs per file."""

from __future__ import annotations

import re

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from aptool.errors import MailError
from aptool.series.data import FileChange

_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)")
_NULL_BLOB = re.compile(r"^0+$")
# Where the diff ends in a mailed patch: the signature ("-- ") or a base-commit block.
_DIFF_START = re.compile(r"^diff --git ", re.MULTILINE)
_DIFF_END = re.compile(r"^(-- ?$|base-commit: |prerequisite-)", re.MULTILINE)


def diff_text(body: str) -> str | None:
    """The diff part of a patch mail's body, or None when it has none."""
    start = _DIFF_START.search(body)
    if start is None:
        return None
    end = _DIFF_END.search(body, start.start())
    return body[start.start() : end.start() if end else len(body)]


def file_changes(diff: str, msgid: str) -> list[FileChange]:
    """Per-file pre/post blob ids, in the order the diff touches the files."""
    try:
        patchset = PatchSet(diff)
    except UnidiffParseError as err:
        raise MailError(f"patch <{msgid}> has a broken diff: {err}") from None
    changes: list[FileChange] = []
    for patched in patchset:
        pre = post = None
        has_index = False
        for line in patched.patch_info or []:
            match = _INDEX.match(line)
            if match:
                pre, post, has_index = match.group(1), match.group(2), True
        old_path = _strip_prefix(patched.source_file)
        new_path = _strip_prefix(patched.target_file)
        if patched.is_added_file:
            old_path = new_path
        if patched.is_removed_file:
            new_path = old_path
        changes.append(
            FileChange(
                path=new_path,
                old_path=old_path,
                preimage=None if pre is None or _NULL_BLOB.match(pre) else pre,
                postimage=None if post is None or _NULL_BLOB.match(post) else post,
                is_new=patched.is_added_file,
                is_deleted=patched.is_removed_file,
                is_rename=patched.is_rename,
                is_binary=patched.is_binary_file,
                has_index=has_index,
                added=patched.added,
                removed=patched.removed,
            )
        )
    return changes


def _strip_prefix(name: str) -> str:
    if name in ("/dev/null", ""):
        return name
    return name[2:] if name[:2] in ("a/", "b/") else name
