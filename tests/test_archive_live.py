"""Archive access against a real public-inbox-httpd, and parity with a local archive."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aptool.archive import LocalArchive, RemoteArchive
from aptool.archive.cache import AnswerCache
from aptool.archive.msgid import message_id
from tests.inbox_server import InboxServer, public_inbox_available, start_inbox
from tests.mailmaker import commit_files, format_series, make_repo, reply, run_git, write_mbox

pytestmark = pytest.mark.skipif(
    not public_inbox_available(), reason="public-inbox is not installed (scripts/test installs it)"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InboxServer, Path, Path]]:
    root = tmp_path_factory.mktemp("live")
    repo = make_repo(root / "repo", {"drivers/a.c": "int a;\n", "drivers/b.c": "int b;\n"})
    commit_files(repo, {"drivers/a.c": "int a = 1;\n"}, "a: one")
    commit_files(repo, {"drivers/b.c": "int b = 1;\n"}, "b: one")
    mails = format_series(repo, 2, cover=True, msgid_prefix="live", extra=("--abbrev=12",))
    mails.append(
        reply("live-1@example.org", "live-ack@example.net", "> hunk\n\nMessage ID: <elsewhere-1@example.org>\n")
    )
    other = format_series(repo, 1, msgid_prefix="other")
    mbox = write_mbox(root / "list.mbox", mails + other)
    server = start_inbox(root / "inbox", [mbox])
    yield server, repo, mbox
    server.stop()


def msgids(mails: list[bytes]) -> set[str]:
    return {message_id(m) or "" for m in mails}


def test_thread_through_the_server(served: tuple[InboxServer, Path, Path]) -> None:
    server, _, _ = served
    archive = RemoteArchive(server.url, cache=None)
    assert msgids(archive.thread("live-2@example.org")) == {
        "live-0@example.org",
        "live-1@example.org",
        "live-2@example.org",
        "live-ack@example.net",
    }


def test_searches_agree_with_a_local_archive(served: tuple[InboxServer, Path, Path]) -> None:
    server, repo, mbox = served
    remote, local = RemoteArchive(server.url, cache=None), LocalArchive(mbox)
    post = run_git(repo, "rev-parse", "HEAD~1:drivers/a.c").strip()
    pre = run_git(repo, "rev-parse", "HEAD~2:drivers/a.c").strip()
    patch_mail = local.thread("live-1@example.org")[1]
    patch_id = (
        subprocess.run(["git", "patch-id", "--stable"], input=patch_mail, capture_output=True, check=True)
        .stdout.split()[0]
        .decode()
    )
    for query in (
        f"dfpost:{post[:12]}",
        f"dfpost:{post[:8]}",
        f"dfpre:{pre[:12]}",
        f"patchid:{patch_id}",
        "m:live-2@example.org",
        "dfpost:0000000",
    ):
        assert msgids(remote.search(query)) == msgids(local.search(query)), query
    assert msgids(remote.search(f"dfpost:{post[:12]}")) == {"live-1@example.org"}


def test_second_run_needs_no_network(served: tuple[InboxServer, Path, Path], tmp_path: Path) -> None:
    server, _, _ = served
    cache = AnswerCache(tmp_path / "cache")
    first = RemoteArchive(server.url, cache=cache).thread("live-1@example.org")
    # The same URL with nothing listening: only the cache can answer.
    offline = RemoteArchive(server.url, cache=cache)
    offline._node = None  # type: ignore[assignment]  # any network use would now fail loudly
    assert offline.thread("live-1@example.org") == first


def test_thread_command_through_the_server(served: tuple[InboxServer, Path, Path]) -> None:
    server, _, _ = served
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "thread", f"{server.url}/live-1@example.org/", "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "[1/2] a: one  <live-1@example.org>" in result.stdout
    assert "<elsewhere-1@example.org>" in result.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "aptool", "thread", "nosuch@example.org", "--archive", server.url, "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == f"aptool: no message <nosuch@example.org> in {server.url}"
