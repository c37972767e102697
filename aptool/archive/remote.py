"""A public-inbox archive over HTTP, through liblore (the library b4 uses)."""

from __future__ import annotations

import gzip
import threading
import urllib.parse
import zlib
from collections.abc import Callable

import liblore
from liblore.utils import split_and_dedupe_as_bytes

from aptool.archive.cache import AnswerCache
from aptool.archive.threading import thread_of
from aptool.errors import ArchiveError


class RemoteArchive:
    """Threads and searches from a public-inbox URL such as https://lore.kernel.org/all.

    ``timeout`` bounds every request as a whole (connecting, waiting and
    reading the answer), not only each wait for the next byte: a server
    that trickles its answer fails after ``timeout`` seconds all the same.
    """

    def __init__(self, url: str, *, timeout: float = 30.0, cache: AnswerCache | None = None) -> None:
        self.location = url.rstrip("/")
        self.cache = cache
        self.timeout = timeout
        self._node = liblore.LoreNode(
            self.location,
            request_timeout=(timeout, timeout),
            follow_upstream=False,
            cache_dir=None,
        )

    def thread(self, msgid: str) -> list[bytes]:
        mbox = self._cached("thread", msgid, lambda: self._node.get_mbox_by_msgid(msgid, nocache=True))
        messages = split_and_dedupe_as_bytes(mbox, [])
        if not messages:
            raise ArchiveError(f"no message <{msgid}> in {self.location}")
        return thread_of(messages, msgid, self.location)

    def search(self, query: str) -> list[bytes]:
        """POST the query as public-inbox's own search form does.

        The query goes both in the URL and in the form body: public-inbox
        1.9 reads the body in place of the URL's query when one is sent,
        and liblore's search sends ``x=m`` alone, which lists the whole inbox.
        """

        def ask() -> bytes:
            url = f"{self.location}/?x=m&q={urllib.parse.quote_plus(query)}"
            response = self._node.request("POST", url, data={"q": query, "x": "m"})
            if response.status_code == 404:  # public-inbox's "No results found"
                return b""
            if response.status_code != 200:
                raise liblore.RemoteError(
                    f"Server returned an error: {response.status_code}", status_code=response.status_code
                )
            return gzip.decompress(response.content)

        return split_and_dedupe_as_bytes(self._cached("search", query, ask), [])

    def _cached(self, kind: str, key: str, fetch: Callable[[], bytes]) -> bytes:
        if self.cache is not None:
            hit = self.cache.get(self.location, kind, key)
            if hit is not None:
                return hit
        data = self._fetch(kind, key, fetch)
        if self.cache is not None and data:
            self.cache.put(self.location, kind, key, data)
        return data

    def _fetch(self, kind: str, key: str, fetch: Callable[[], bytes]) -> bytes:
        what = f"<{key}>" if kind == "thread" else f"search {key!r}"
        try:
            return self._within_deadline(fetch, what)
        except liblore.RemoteError as err:
            if err.status_code == 404:
                raise ArchiveError(f"no message <{key}> in {self.location}") from None
            if err.status_code is None and _timed_out(err):
                raise self._too_slow(what) from None
            if err.status_code is None:
                raise ArchiveError(f"cannot reach archive {self.location}: {_reason(err)}") from None
            raise ArchiveError(f"archive {self.location} answered HTTP {err.status_code} for {what}") from None
        except (gzip.BadGzipFile, zlib.error) as err:
            raise ArchiveError(f"archive {self.location} did not answer with mail for {what} ({err})") from None
        except EOFError:
            raise ArchiveError(f"archive {self.location} sent a truncated answer for {what}") from None
        except liblore.LibloreError as err:
            raise ArchiveError(f"archive {self.location}: {err}") from None

    def _within_deadline(self, fetch: Callable[[], bytes], what: str) -> bytes:
        """``fetch()``, or :class:`ArchiveError` once ``timeout`` seconds have passed.

        The request runs in a worker thread; at the deadline liblore's
        ``cancel_active`` closes its session and the worker, a daemon, is left
        to end with its socket.
        """
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["answer"] = fetch()
            except BaseException as err:  # handed to the caller's thread below
                outcome["error"] = err

        worker = threading.Thread(target=work, name="aptool-archive-request", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            self._node.cancel_active()
            raise self._too_slow(what)
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        answer = outcome["answer"]
        assert isinstance(answer, bytes)
        return answer

    def _too_slow(self, what: str) -> ArchiveError:
        return ArchiveError(
            f"archive {self.location} timed out: no complete answer for {what} within {self.timeout:g} s "
            "(see --timeout)"
        )


def _timed_out(err: Exception) -> bool:
    lowered = str(err).lower()
    return "timed out" in lowered or "timeout" in lowered


def _reason(err: Exception) -> str:
    text = str(err)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "resolve" in lowered:
        return "host name not found"
    return text.splitlines()[0] if text else "no answer"
