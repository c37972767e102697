"""Prerequisites go in the order their blobs chain, whatever order the mails were sent in."""

from __future__ import annotations

from aptool.base.prerequisites import _order
from aptool.base.sources import Offer
from aptool.series.data import FileChange, Patch


def patch(msgid: str, date: str, *changes: tuple[str, str, str]) -> Patch:
    files = [FileChange(path, path, pre, post) for path, pre, post in changes]
    return Patch(msgid, msgid, msgid, "Ann", "ann@example.org", date, 1, 1, 1, files)


def offer(p: Patch) -> Offer:
    return Offer(p, "blob chain", 2)


def test_a_patch_sent_first_goes_after_the_patch_whose_post_image_it_starts_from() -> None:
    later_sent = patch("b@x", "2021-06-02T00:00:00+00:00", ("a.c", "1111111", "2222222"))
    first_sent = patch("a@x", "2021-06-01T00:00:00+00:00", ("a.c", "2222222", "3333333"))
    unrelated = patch("c@x", "2021-06-03T00:00:00+00:00", ("b.c", "4444444", "5555555"))
    ordered = _order([offer(unrelated), offer(first_sent), offer(later_sent)])
    assert [o.patch.message_id for o in ordered] == ["b@x", "a@x", "c@x"]


def test_patches_that_do_not_chain_keep_the_mail_order() -> None:
    one = patch("1@x", "2021-06-01T00:00:00+00:00", ("a.c", "1111111", "2222222"))
    two = patch("2@x", "2021-06-02T00:00:00+00:00", ("b.c", "3333333", "4444444"))
    assert [o.patch.message_id for o in _order([offer(two), offer(one)])] == ["1@x", "2@x"]


def test_a_cycle_of_blobs_keeps_the_mail_order() -> None:
    one = patch("1@x", "2021-06-01T00:00:00+00:00", ("a.c", "1111111", "2222222"))
    back = patch("2@x", "2021-06-02T00:00:00+00:00", ("a.c", "2222222", "1111111"))
    assert [o.patch.message_id for o in _order([offer(back), offer(one)])] == ["1@x", "2@x"]
