"""Where prerequisite patches come from: declared trailers, mentions, the archive's blob index.

Each source yields ``Offer``s: a patch from the list and how it was found.
Nothing here decides what is needed; ``prerequisites`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from aptool.archive.base import Archive
from aptool.archive.msgid import message_id, named_in_value
from aptool.base.history import BlobHistory
from aptool.errors import AptoolError
from aptool.series import Dependency, Patch, SeriesVersion, Thread, parse_thread


@dataclass
class Offer:
    patch: Patch
    found_by: str
    rank: int  # lower is more trusted: declared 0, mentioned 1, blob chain 2


class PatchFinder:
    """Looks patches up in the archive by Message-ID, caching whole threads."""

    def __init__(self, archive: Archive | None, notes: list[str]) -> None:
        self.archive = archive
        self.notes = notes
        self._threads: dict[str, Thread | None] = {}

    def thread(self, msgid: str) -> Thread | None:
        if msgid not in self._threads:
            found: Thread | None = None
            if self.archive is not None:
                try:
                    found = parse_thread(self.archive.thread(msgid), msgid)
                except AptoolError as err:
                    self.notes.append(f"could not read <{msgid}>: {err.message}")
                for problem in found.problems.values() if found is not None else ():
                    if f"left out: {problem}" not in self.notes:
                        self.notes.append(f"left out: {problem}")
            self._threads[msgid] = found
        return self._threads[msgid]

    def patches_named(self, msgid: str) -> tuple[list[Patch], str | None]:
        """The patch (or a cover's whole series) ``msgid`` names, newest version; or why not."""
        thread = self.thread(msgid)
        if thread is None:
            return [], None
        for version in thread.versions.values():
            newest = thread.latest
            if version.cover is not None and version.cover.message_id == msgid:
                chosen = newest if newest is not None and newest.subject == version.subject else version
                return list(chosen.patches), _upgrade_note(version, chosen)
            for patch in version.patches:
                if patch.message_id == msgid:
                    if newest is not None and newest.version > version.version:
                        same = [p for p in newest.patches if p.counter == patch.counter]
                        if same:
                            return same, _upgrade_note(version, newest)
                    return [patch], None
        return [], None


def _upgrade_note(asked: SeriesVersion, chosen: SeriesVersion) -> str | None:
    if chosen.version != asked.version:
        return f"v{asked.version} was named; its newer version v{chosen.version} is used"
    return None


def declared_offers(
    version: SeriesVersion,
    finder: PatchFinder,
    unresolved: list[str] | None = None,
    is_commit: Callable[[str], bool] | None = None,
) -> list[Offer]:
    """Patches named by ``prerequisite-*``, ``Depends-on:`` and ``Based-on:`` trailers.

    The series' own patches are never among them.  A declaration nothing in
    the archive matches is added to ``unresolved`` (and said in a note); a
    ``Based-on:`` that names a commit the repository has (``is_commit``) is
    resolved by it, with nothing to apply.
    """
    own = version.message_ids
    patch_ids = any(dep.kind == "patch-id" for dep in version.dependencies)
    offers: list[Offer] = []
    # Patch-ids first: they name exact patches, as ``b4 shazam`` applies them.
    for dep in sorted(version.dependencies, key=lambda d: d.kind != "patch-id"):
        if dep.kind == "patch-id":
            found = _by_patch_id(dep.value, finder)
        elif dep.kind == "change-id":
            found = _by_change_id(dep.value, finder)
            if not found and patch_ids:
                continue  # b4 prep also lists the patch-ids of that series: those are what count
        else:
            found = _by_message_ids(dep, finder)
            commit = _COMMIT.match(dep.value)
            if not found and commit and is_commit is not None and is_commit(commit.group(1)):
                finder.notes.append(f"declared {dep.kind} {commit.group(1)}: a commit of this repository")
                continue
        if found and all(p.message_id in own for p in found):
            continue  # the series' own earlier patch: it is applied anyway, and never as a prerequisite
        found = [p for p in found if p.message_id not in own]
        if not found:
            if unresolved is not None:
                unresolved.append(f"{dep.kind} {dep.value}")
            finder.notes.append(f"declared dependency {dep.value} ({dep.kind}) could not be resolved in the archive")
            continue
        offers += [Offer(p, f"declared: {_TRAILER[dep.kind]}", 0) for p in found]
    return offers


_COMMIT = re.compile(r"^\s*([0-9a-f]{7,64})\b")
_TRAILER = {
    "patch-id": "prerequisite-patch-id",
    "message-id": "prerequisite-message-id",
    "change-id": "prerequisite-change-id",
    "depends-on": "Depends-on",
    "based-on": "Based-on",
}


def required_declared(
    version: SeriesVersion, offers: list[Offer], history: BlobHistory, notes: list[str]
) -> list[Offer]:
    """The declared offers to apply: one per patch, none the repository already holds."""
    chosen: dict[str, Offer] = {}
    for offer in offers:
        if offer.patch.message_id in chosen:
            continue
        changes = [f for f in offer.patch.files if f.postimage]
        if changes and all(history.has_holder(f.path, f.postimage or "") for f in changes):
            notes.append(f"declared prerequisite <{offer.patch.message_id}> is already in the repository")
            continue
        chosen[offer.patch.message_id] = offer
    return list(chosen.values())


def _by_patch_id(patch_id: str, finder: PatchFinder) -> list[Patch]:
    """The patch with this ``git patch-id --stable``: the newest version's, when several versions carry it."""
    if finder.archive is None:
        return []
    found: list[Patch] = []
    for raw in finder.archive.search(f"patchid:{patch_id}"):
        msgid = message_id(raw)
        if msgid:
            patches, _ = finder.patches_named(msgid)
            found += [p for p in patches if p.message_id == msgid]
    found.sort(key=lambda p: (p.version, p.date), reverse=True)
    return found[:1]


def _by_change_id(value: str, finder: PatchFinder) -> list[Patch]:
    """The patches of the series ``b4 prep`` named ``change-id[:vN]`` (its covers say ``change-id: ID``)."""
    if finder.archive is None:
        return []
    change_id, _, wanted = value.partition(":")
    try:
        hits = finder.archive.search(f'nq:"change-id: {change_id}"')
    except AptoolError as err:
        finder.notes.append(f"prerequisite-change-id {value}: {err.message}")
        return []
    for raw in hits:
        msgid = message_id(raw)
        thread = finder.thread(msgid) if msgid else None
        if thread is None:
            continue
        number = int(wanted.lstrip("v")) if wanted.lstrip("v").isdigit() else None
        chosen = thread.version(number)
        if chosen is not None and chosen.patches:
            return list(chosen.patches)
    return []


def _by_message_ids(dep: Dependency, finder: PatchFinder) -> list[Patch]:
    found: list[Patch] = []
    for msgid in named_in_value(dep.value):
        patches, upgrade = finder.patches_named(msgid)
        if upgrade:
            finder.notes.append(upgrade)
        found += patches
    return found


def mentioned_offers(thread: Thread, finder: PatchFinder) -> list[Offer]:
    """Patches whose Message-IDs people wrote in the thread; other mentions become notes."""
    own = {m.message_id for m in thread.messages}
    offers: list[Offer] = []
    seen: set[str] = set()
    for mention in sorted(thread.mentions, key=lambda m: m.quoted):  # the writer's own words first
        if mention.message_id in own or mention.message_id in seen:
            continue
        seen.add(mention.message_id)
        patches, upgrade = finder.patches_named(mention.message_id)
        if not patches:
            if finder.thread(mention.message_id) is not None:
                finder.notes.append(f"mentioned, not a patch: <{mention.message_id}>")
            continue
        if upgrade:
            finder.notes.append(upgrade)
        offers += [Offer(p, f"mentioned in <{mention.in_message}>", 1) for p in patches]
    return offers


def blob_chain_offers(path: str, blob: str, finder: PatchFinder) -> list[Offer]:
    """Archive patches whose post-image of ``path`` is ``blob`` (public-inbox ``dfpost:``)."""
    if finder.archive is None or len(blob) < 7:
        return []
    offers: list[Offer] = []
    for raw in finder.archive.search(f"dfpost:{blob}"):
        msgid = message_id(raw)
        if not msgid:
            continue
        patches, _ = finder.patches_named(msgid)
        for patch in patches:
            if patch.message_id == msgid and any(
                f.path == path and f.postimage and (f.postimage.startswith(blob) or blob.startswith(f.postimage))
                for f in patch.files
            ):
                offers.append(Offer(patch, f"blob chain: {path} {blob}", 2))
    return offers
