"""Shared fixtures: an isolated environment, the fixture story, and a live archive."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.inbox_server import InboxServer, public_inbox_available, start_inbox


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No user git config, cache or archive setting leaks into a test (or out of it)."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Runner\n\temail = runner@example.org\n[init]\n\tdefaultBranch = master\n"
    )
    saved = dict(os.environ)
    os.environ.update(
        {
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C.UTF-8",
        }
    )
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The bundled fixture story, built once per test session (read-only for tests)."""
    from aptool.story import build_story

    return build_story(tmp_path_factory.mktemp("story") / "work")


@pytest.fixture(scope="session")
def inbox(story, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InboxServer]:  # type: ignore[no-untyped-def]
    """A live public-inbox-httpd on 127.0.0.1 serving every fixture thread."""
    if not public_inbox_available():
        pytest.fail("public-inbox is not installed: run the test command from README.md, which installs it")
    server = start_inbox(tmp_path_factory.mktemp("inbox"), sorted(Path(story.archive).glob("*.mbox")))
    yield server
    server.stop()
