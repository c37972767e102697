"""Where prerequisite patches come from: declared trailers, mentions, the archive's blob index.

Each source yields ``Offer``s: a patch from the list and how it was found.
Nothing here decides what is needed; ``prerequisites`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from aptool.archive.base import Archive
from aptool.archive.msgid import message_id, named_in_value
from aptool.errors import AptoolError
from aptool.series import Patch, SeriesVersion, Thread, parse_thread


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


def declared_offers(version: SeriesVersion, finder: PatchFinder) -> list[Offer]:
    """Patches named by ``prerequisite-*``, ``Depends-on:`` and ``Based-on:`` trailers."""
    offers: list[Offer] = []
    for dep in version.dependencies:
        if dep.kind == "patch-id":
            if finder.archive is None:
                continue
            for raw in finder.archive.search(f"patchid:{dep.value}"):
                msgid = message_id(raw)
                if msgid:
                    patches, _ = finder.patches_named(msgid)
                    offers += [Offer(p, "declared: prerequisite-patch-id", 0) for p in patches if p.message_id == msgid]
        elif dep.kind == "change-id":
            finder.notes.append(f"prerequisite-change-id {dep.value}: public-inbox cannot search by change-id")
        else:
            for msgid in named_in_value(dep.value):
                patches, upgrade = finder.patches_named(msgid)
                if upgrade:
                    finder.notes.append(upgrade)
                if not patches:
                    finder.notes.append(f"declared ({dep.kind}) <{msgid}> is not a patch in the archive")
                offers += [Offer(p, f"declared: {dep.kind}", 0) for p in patches]
    return offers


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
