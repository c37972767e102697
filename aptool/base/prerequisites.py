"""Which list patches a series needs, found pre-image by pre-image, and their order.

Every pre-image the repository lacks must be some prerequisite's
post-image.  The offer that provides it comes from, in order of trust,
a declared trailer, a mention in the thread, or the archive's blob index;
the chosen patch's own missing pre-images are followed the same way, so a
chain of list-only patches is found back to the repository.
"""

from __future__ import annotations

import heapq
from graphlib import CycleError, TopologicalSorter

from aptool.base.data import Prerequisite
from aptool.base.history import BlobHistory
from aptool.base.requirements import blobs_match
from aptool.base.sources import Offer, PatchFinder, blob_chain_offers
from aptool.series import Patch

MAX_PREREQUISITES = 50


def find_prerequisites(
    missing: list[tuple[str, str]],
    offers: list[Offer],
    history: BlobHistory,
    finder: PatchFinder,
    required: list[Offer] | None = None,
) -> tuple[list[Prerequisite], list[tuple[str, str]]]:
    """Prerequisites providing every ``missing`` (path, blob), and what nothing provides.

    ``required`` offers (declared dependencies) are taken whatever files they
    touch; their own missing pre-images are followed like the series'.
    """
    chosen: dict[str, Offer] = {}
    unmet: list[tuple[str, str]] = []
    queue = list(missing)
    for offer in required or []:
        if offer.patch.message_id not in chosen:
            chosen[offer.patch.message_id] = offer
            queue += _missing_preimages(offer.patch, history)
    done: set[tuple[str, str]] = set()
    while queue and len(chosen) < MAX_PREREQUISITES:
        path, blob = queue.pop(0)
        if (path, blob) in done:
            continue
        done.add((path, blob))
        provider = _best(_providing(offers, path, blob)) or _best(blob_chain_offers(path, blob, finder))
        if provider is None:
            unmet.append((path, blob))
            continue
        if provider.patch.message_id in chosen:
            continue
        chosen[provider.patch.message_id] = provider
        queue += _missing_preimages(provider.patch, history)
    ordered = _order(list(chosen.values()))
    return [Prerequisite(o.patch.message_id, o.patch.subject, o.found_by, o.patch) for o in ordered], unmet


def _missing_preimages(patch: Patch, history: BlobHistory) -> list[tuple[str, str]]:
    found = []
    for change in patch.files:
        pre = change.preimage
        source = change.old_path if (change.is_rename or change.is_copy) else change.path
        if pre and not history.has_holder(source, pre):
            found.append((source, pre))
    return found


def _providing(offers: list[Offer], path: str, blob: str) -> list[Offer]:
    return [
        o
        for o in offers
        if any(f.path == path and f.postimage and blobs_match(f.postimage, blob) for f in o.patch.files)
    ]


def _best(offers: list[Offer]) -> Offer | None:
    """The most trusted offer; among equals the newest version, then the newest mail."""
    if not offers:
        return None
    newest_first = sorted(offers, key=lambda o: (o.patch.date, o.patch.message_id), reverse=True)
    return min(newest_first, key=lambda o: (o.rank, -o.patch.version))  # min keeps the first of equals


def _order(offers: list[Offer]) -> list[Offer]:
    """A patch goes after every chosen patch whose post-image it starts from.

    A topological order (``graphlib``); among patches ready at the same
    time, the mail order (date, then the patch number).  A cycle of blobs
    cannot be ordered: the mail order is kept.
    """
    mail_order = sorted(offers, key=lambda o: (o.patch.date, o.patch.counter, o.patch.message_id))
    rank = {id(o): n for n, o in enumerate(mail_order)}
    graph = TopologicalSorter(
        {n: {rank[id(e)] for e in offers if e is not o and _needs(o.patch, e.patch)} for n, o in enumerate(mail_order)}
    )
    try:
        graph.prepare()
    except CycleError:
        return mail_order
    ready: list[int] = []
    ordered: list[Offer] = []
    while graph.is_active():
        for node in graph.get_ready():
            heapq.heappush(ready, node)
        node = heapq.heappop(ready)
        ordered.append(mail_order[node])
        graph.done(node)
    return ordered


def _needs(later: Patch, earlier: Patch) -> bool:
    return any(
        f.preimage and e.postimage and f.path == e.path and blobs_match(f.preimage, e.postimage)
        for f in later.files
        for e in earlier.files
    )
