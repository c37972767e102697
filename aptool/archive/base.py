"""What every archive answers: a thread by Message-ID, and a public-inbox search."""

from __future__ import annotations

from typing import Protocol


class Archive(Protocol):
    """A public-inbox archive, remote or local.

    Both answer in raw mail bytes, so later stages see exactly what was sent.
    """

    #: How to name this archive in messages: a URL or a path.
    location: str

    def thread(self, msgid: str) -> list[bytes]:
        """Every message of the thread that holds ``msgid`` (raises ArchiveError if unknown)."""
        ...

    def search(self, query: str) -> list[bytes]:
        """Messages matching a public-inbox query (``dfpost:``, ``dfpre:``, ``patchid:``, ``m:``).

        Terms separated by spaces must all match.  No match is an empty list.
        """
        ...
