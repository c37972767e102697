"""What a sequence of patches needs from the tree before it: each path's first touch.

The first patch that touches a path names the blob the tree must hold
there (or that the path must be absent, for a new file); later touches of
the same path start from an earlier patch's post-image.
"""

from __future__ import annotations

from dataclasses import dataclass

from aptool.errors import MailError
from aptool.series.data import Patch

DELETED = "-"


@dataclass(frozen=True)
class Requirement:
    path: str
    blob: str | None  # abbreviated; None: the path must not exist; "": any content
    patch: Patch  # the first patch that touches the path


def requirements(patches: list[Patch]) -> tuple[list[Requirement], dict[tuple[str, str], Patch]]:
    """First-touch requirements of ``patches`` in order, and who produced each later pre-image.

    The second value maps (path, pre-image) of a later touch to the earlier
    patch whose post-image it is, for the evidence.
    """
    state: dict[str, tuple[str, Patch]] = {}  # path -> (blob or DELETED, the patch that left it so)
    needed: list[Requirement] = []
    produced: dict[tuple[str, str], Patch] = {}
    for patch in patches:
        if not patch.files:
            raise MailError(f"patch <{patch.message_id}> ({patch.subject}) has no diff")
        for change in patch.files:
            if not change.has_index and (change.added or change.removed):
                raise MailError(
                    f"patch <{patch.message_id}> ({patch.subject}) has no index line for {change.path}: "
                    "its pre-image blob is unknown, so no base can be found"
                )
            # No index line and no content (a pure rename, a mode-only change):
            # the source path must exist, whatever it holds, as for git apply.
            source = change.old_path if (change.is_rename or change.is_copy or change.is_deleted) else change.path
            pre = None if change.is_new else (change.preimage or "")  # "": any blob
            if source in state:
                blob, earlier = state[source]
                if pre is not None and blob != DELETED:
                    produced[(source, pre)] = earlier
            else:
                needed.append(Requirement(source, pre, patch))
            if change.is_rename:
                state[change.old_path] = (DELETED, patch)
            state[change.path] = (DELETED if change.is_deleted else (change.postimage or DELETED), patch)
    return needed, produced


def blobs_match(one: str, two: str) -> bool:
    """Two abbreviations of the same blob: one is a prefix of the other."""
    return one.startswith(two) or two.startswith(one)
