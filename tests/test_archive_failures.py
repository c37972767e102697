"""An archive that misbehaves gives one clear line and exit 2, never a traceback.

The misbehaving archive is a real HTTP server on 127.0.0.1 that answers the
way broken or overloaded public-inbox instances do.
"""

from __future__ import annotations

import gzip
import http.server
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aptool.archive.remote import RemoteArchive
from aptool.errors import ArchiveError
from tests.inbox_server import free_port


class _Handler(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []
    dripped: list[int] = []  # bytes the trickling answers sent, one entry per byte

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.paths.append(self.path)
        if "e500" in self.path:
            self._answer(500, b"Internal Server Error", "text/plain")
        elif "html" in self.path:
            self._answer(200, b"<html><body>Welcome!</body></html>", "text/html")
        elif "trunc" in self.path:
            whole = gzip.compress(b"From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: x\n\nbody\n" * 50)
            self._answer(200, whole[: len(whole) // 2], "application/gzip")
        elif "hang" in self.path:
            time.sleep(5)
            self._answer(200, b"", "text/plain")
        elif "drip" in self.path:
            self._drip()
        else:
            self._answer(404, b"Not found", "text/plain")

    do_HEAD = do_GET
    do_POST = do_GET

    def _drip(self, length: int = 20) -> None:
        """A server that answers, but one byte a second: no single read waits long."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.flush()
            for _ in range(length):
                time.sleep(1)
                self.wfile.write(b"x")
                self.wfile.flush()
                self.dripped.append(1)
        except OSError:
            pass

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass


@pytest.fixture(scope="module")
def bad_archive() -> Iterator[str]:
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/all"
    server.shutdown()


def aptool(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aptool", *args], capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aptool: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_unknown_msgid(bad_archive: str) -> None:
    result = aptool("thread", "nosuch@example.org", "--archive", bad_archive, "--no-cache")
    assert_one_line_error(result, "no message <nosuch@example.org>", bad_archive)


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/all"
    result = aptool("thread", "x@example.org", "--archive", url, "--no-cache")
    assert_one_line_error(result, "cannot reach archive", "connection refused")


def test_hanging_archive_times_out(bad_archive: str) -> None:
    result = aptool("thread", "hang@example.org", "--archive", bad_archive, "--timeout", "1", "--no-cache")
    assert_one_line_error(result, f"archive {bad_archive} timed out", "within 1 s (see --timeout)")


def _time_to_fail(archive: RemoteArchive, ask: Callable[[], object], pattern: str) -> float:
    """Seconds until ``ask`` raised the ArchiveError ``pattern`` (measured in this process, no start-up)."""
    started = time.monotonic()
    with pytest.raises(ArchiveError, match=pattern):
        ask()
    return time.monotonic() - started


def test_trickling_archive_fails_after_the_timeout(bad_archive: str) -> None:
    """One byte a second keeps every read short; the whole request still ends at --timeout."""
    _Handler.dripped.clear()
    archive = RemoteArchive(bad_archive, timeout=3)
    waited = _time_to_fail(
        archive,
        lambda: archive.thread("drip@example.org"),
        r"timed out: no complete answer for <drip@example.org> within 3 s",
    )
    assert 3 <= waited < 4.5, waited
    assert len(_Handler.dripped) >= 2  # the server was answering all along: no per-read timeout fired


def test_trickling_search_fails_after_the_timeout(bad_archive: str) -> None:
    _Handler.dripped.clear()
    archive = RemoteArchive(bad_archive, timeout=3)
    waited = _time_to_fail(
        archive, lambda: archive.search("dfpost:drip"), r"no complete answer for search 'dfpost:drip'"
    )
    assert 3 <= waited < 4.5, waited
    assert len(_Handler.dripped) >= 2


def test_trickling_archive_is_one_line_on_the_command_line(bad_archive: str) -> None:
    result = aptool("thread", "drip@example.org", "--archive", bad_archive, "--timeout", "2", "--no-cache")
    assert_one_line_error(result, f"archive {bad_archive} timed out", "<drip@example.org> within 2 s")


def test_http_500(bad_archive: str) -> None:
    result = aptool("thread", "e500@example.org", "--archive", bad_archive, "--no-cache")
    assert_one_line_error(result, "HTTP 500")


def test_html_instead_of_mail(bad_archive: str) -> None:
    result = aptool("thread", "html@example.org", "--archive", bad_archive, "--no-cache")
    assert_one_line_error(result, "did not answer with mail")


def test_truncated_gzip(bad_archive: str) -> None:
    result = aptool("thread", "trunc@example.org", "--archive", bad_archive, "--no-cache")
    assert_one_line_error(result, "truncated")


@pytest.mark.parametrize(
    "nasty", ["../../admin@example.org", "a?q=1@example.org", "a#frag@example.org", "a%2e@example.org"]
)
def test_msgid_cannot_leave_the_url_path(bad_archive: str, nasty: str) -> None:
    _Handler.paths.clear()
    result = aptool("thread", nasty, "--archive", bad_archive, "--no-cache")
    assert_one_line_error(result, "no message")
    assert _Handler.paths, "the archive was never asked"
    # The Message-ID is one path segment, every special character escaped: the thread
    # under the archive, then the host's own Message-ID lookup at its root.
    encoded = urllib.parse.quote(nasty, safe="")
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    for path in _Handler.paths:
        assert path in (f"/all/{encoded}/t.mbox.gz", f"/{encoded}/"), path


def test_spaces_are_refused_without_asking(bad_archive: str) -> None:
    _Handler.paths.clear()
    result = aptool("thread", "a b@example.org", "--archive", bad_archive, "--no-cache")
    assert_one_line_error(result, "not a Message-ID")
    assert _Handler.paths == []


def test_missing_local_archive(tmp_path: Path) -> None:
    result = aptool("thread", "x@example.org", "--archive", str(tmp_path / "nowhere"))
    assert_one_line_error(result, "does not exist")


def test_local_archive_without_mail(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not mail\n")
    result = aptool("thread", "x@example.org", "--archive", str(junk))
    assert_one_line_error(result, "no mail found")
