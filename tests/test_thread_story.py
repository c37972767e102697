"""``aptool thread`` on every fixture thread, through the live public-inbox server."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from aptool.story import Story
from tests.inbox_server import InboxServer

# thread -> (versions, patches in the newest version, cover letter?)
EXPECTED = {
    "prereq-v5": ([5], 2, True),
    "prereq-v6": ([6], 2, True),
    "open-coded-review": ([1], 1, False),
    "seed": ([1], 1, False),
    "base-commit": ([1], 1, False),
    "foreign-base": ([1], 1, False),
    "patch-id-prereq": ([1], 1, False),
    "patch-id": ([1], 1, False),
    "versions": ([1, 2, 3], 2, True),
    "blob-chain-a": ([1], 1, False),
    "blob-chain-b": ([1], 1, False),
    "blob-chain": ([1], 1, False),
    "old-base": ([1], 1, False),
    "topic-merge": ([1], 1, False),
    "applies-nowhere": ([1], 1, False),
    "new-deadlock": ([1], 1, False),
}


def thread_json(inbox: InboxServer, msgid: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "thread", msgid, "--archive", inbox.url, "--json", "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_thread_is_known(story: Story) -> None:
    assert set(EXPECTED) | {"malformed"} == set(story.threads)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_thread_versions_and_patches(inbox: InboxServer, story: Story, name: str) -> None:
    versions, count, cover = EXPECTED[name]
    data = thread_json(inbox, story.threads[name][-1])  # any message of the thread finds it all
    assert sorted(int(v) for v in data["versions"]) == versions
    newest = data["versions"][str(versions[-1])]
    assert len(newest["patches"]) == count and newest["complete"]
    assert (newest["cover"] is not None) == cover
    assert {m["message_id"] for m in data["messages"]} == set(story.threads[name])
    for patch in newest["patches"]:
        assert patch["files"] and all(f["has_index"] for f in patch["files"])
        assert any(t["name"] == "Signed-off-by" for t in patch["trailers"])


def test_prereq_v6_followup_trailers(inbox: InboxServer, story: Story) -> None:
    data = thread_json(inbox, story.messages["prereq-v6-1"])
    one, two = data["versions"]["6"]["patches"]
    reviewed = {
        "name": "Reviewed-by",
        "value": "Hal Reviewer <hal@example.net>",
        "given_in": story.messages["prereq-v6-review"],
    }
    assert reviewed in one["followup_trailers"] and reviewed in two["followup_trailers"]  # given to the cover
    assert [t["name"] for t in two["followup_trailers"]].count("Acked-by") == 1
    assert not any(t["name"] == "Acked-by" for t in one["followup_trailers"])


def test_declared_trailers(inbox: InboxServer, story: Story) -> None:
    base = thread_json(inbox, story.messages["base-commit"])["versions"]["1"]
    assert base["base_commit"] == story.commits["base-commit-base"]
    with_id = thread_json(inbox, story.messages["patch-id"])["versions"]["1"]
    assert with_id["base_commit"] == story.commits["patch-id-base"]
    assert [d["kind"] for d in with_id["dependencies"]] == ["patch-id"]


def test_seed_lists_prerequisites_and_reviews_with_context(inbox: InboxServer, story: Story) -> None:
    data = thread_json(inbox, story.messages["seed"])
    unquoted = {m["message_id"]: m for m in data["mentions"] if not m["quoted"]}
    assert set(unquoted) == {story.messages[k] for k in ("prereq-v6-1", "prereq-v6-2", "review-1", "review-2")}
    assert "s390/vfio-ap: clean up mdev resources when remove" in unquoted[story.messages["prereq-v6-1"]]["context"]
    assert "function pointer" in unquoted[story.messages["prereq-v6-2"]]["context"]
    quoted = {m["message_id"] for m in data["mentions"] if m["quoted"]}
    assert quoted == {story.messages["prereq-v6-1"], story.messages["prereq-v6-2"]}  # the reviewer's reply quotes them
    text = subprocess.run(
        [sys.executable, "-m", "aptool", "thread", story.messages["seed"], "--archive", inbox.url, "--no-cache"],
        capture_output=True,
        text=True,
    ).stdout
    assert f"<{story.messages['review-1']}>" in text and "| * Message ID:" in text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed-mime", "has broken MIME: the claimed start boundary was never found"),
        ("malformed-truncated", "has a broken diff: Hunk is"),
        ("malformed-nodiff", "no patches in thread"),
    ],
)
def test_malformed_mail_gives_one_line(inbox: InboxServer, story: Story, name: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "thread", story.messages[name], "--archive", inbox.url, "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
