"""What users type is turned into a Message-ID, or refused before any request."""

import pytest

from aptool.archive.msgid import archive_from_url, mentioned_in, message_id, named_in_value, normalize_msgid
from aptool.errors import ArchiveError


@pytest.mark.parametrize(
    "typed",
    [
        "20210621155714.1198545-2-adev@example.org",
        "<20210621155714.1198545-2-adev@example.org>",
        " <20210621155714.1198545-2-adev@example.org> ",
        "id:20210621155714.1198545-2-adev@example.org",
        "https://lore.kernel.org/linux-s390/20210621155714.1198545-2-adev@example.org/",
        "https://lore.kernel.org/all/20210621155714.1198545-2-adev@example.org/T/",
        "https://lore.kernel.org/r/20210621155714.1198545-2-adev@example.org/raw",
        "https://lore.kernel.org/all/20210621155714.1198545-2-adev%40example.org/t.mbox.gz",
    ],
)
def test_every_spelling_gives_the_bare_msgid(typed: str) -> None:
    assert normalize_msgid(typed) == "20210621155714.1198545-2-adev@example.org"


@pytest.mark.parametrize(
    "typed", ["", "<>", "no-at-sign", "a b@example.org", "x@y\nInjected: 1", "https://lore.kernel.org/all/"]
)
def test_impossible_msgids_are_refused(typed: str) -> None:
    with pytest.raises(ArchiveError):
        normalize_msgid(typed)


@pytest.mark.parametrize(
    ("url", "archive"),
    [
        ("https://lore.kernel.org/linux-s390/1-a@example.org/", "https://lore.kernel.org/linux-s390"),
        ("https://lore.kernel.org/all/1-a@example.org/T/#u", "https://lore.kernel.org/all"),
        ("https://lore.kernel.org/r/1-a@example.org", "https://lore.kernel.org/all"),
        ("http://127.0.0.1:8080/list/1-a%40example.org/raw", "http://127.0.0.1:8080/list"),
        ("1-a@example.org", None),
    ],
)
def test_a_message_url_names_its_archive(url: str, archive: str | None) -> None:
    assert archive_from_url(url) == archive


def test_a_mails_own_message_id_is_read_from_its_raw_header() -> None:
    raw = b"Message-Id: <x$(id)@example.org>\nSubject: s\n\nbody\n"
    assert message_id(raw) == "x$(id)@example.org"
    assert message_id(b"Subject: none\n\nbody\n") is None


def test_message_ids_mentioned_in_text() -> None:
    line = "see <a.1@example.org> and https://lore.kernel.org/all/b.2%40example.org/T/ (and <not-one>)"
    assert mentioned_in(line) == ["a.1@example.org", "b.2@example.org"]


def test_message_ids_named_in_a_trailer_value() -> None:
    assert named_in_value("<a.1@example.org> b.2@example.org <x y@z>") == ["a.1@example.org", "b.2@example.org"]
