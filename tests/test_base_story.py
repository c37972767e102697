"""``aptool base`` on every fixture thread that concerns the base, through the live server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aptool.story import Story
from tests.inbox_server import InboxServer


def base(
    story: Story, inbox: InboxServer, name: str, *extra: str, repo: Path | None = None
) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aptool",
            "base",
            story.messages[name],
            "--repo",
            str(repo or story.repo),
            "--archive",
            inbox.url,
            "--no-cache",
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_seed_needs_master_tip_and_both_v6_patches(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "seed")
    assert code == 0 and answer["exact"]
    assert answer["base"] == story.commits["master"]
    assert [p["message_id"] for p in answer["prerequisites"]] == [
        story.messages["prereq-v6-1"],
        story.messages["prereq-v6-2"],
    ]
    assert all(p["found_by"] == f"mentioned in <{story.messages['seed-answer']}>" for p in answer["prerequisites"])
    for review in ("review-1", "review-2"):
        assert f"mentioned, not a patch: <{story.messages[review]}>" in answer["notes"]
    v5 = {story.messages["prereq-v5-1"], story.messages["prereq-v5-2"]}
    assert not v5 & {p["message_id"] for p in answer["prerequisites"]}
    by_file = {(f["path"], f["satisfied_by"]) for f in answer["files"]}
    assert ("drivers/s390/crypto/vfio_ap_ops.c", story.messages["prereq-v6-2"]) in by_file
    assert ("drivers/s390/crypto/vfio_ap_private.h", "base") in by_file
    assert answer["describe"] == "v5.13-rc1-6-g" + story.commits["master"][:12]


def test_seed_text_output_reads_like_an_answer(story: Story, inbox: InboxServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aptool", "base", story.messages["seed"], "--archive", inbox.url, "--no-cache"],
        capture_output=True,
        text=True,
        cwd=story.repo,
    )
    assert result.returncode == 0, result.stderr
    assert f"Base: {story.commits['master']}" in result.stdout
    assert "1. [PATCH v6 1/2]" in result.stdout and "2. [PATCH v6 2/2]" in result.stdout


def test_prereq_v6_base_is_the_older_master_commit(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "prereq-v6-1")
    assert code == 0 and answer["base"] == story.commits["prereq-v6-base"] != story.commits["master"]
    assert answer["candidates"] > 1 and answer["prerequisites"] == []


def test_base_commit_trailer_verified(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "base-commit")
    assert code == 0 and answer["base"] == story.commits["base-commit-base"]
    assert any("verified" in note for note in answer["notes"])


def test_foreign_base_commit_is_named_and_blobs_find_the_real_base(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "foreign-base")
    assert code == 0 and answer["base"] == story.commits["foreign-base-real"]
    assert f"base-commit {story.commits['foreign-base-claimed']} is not in this repository" in answer["notes"]


def test_prerequisite_patch_id_found_through_the_archive(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "patch-id")
    assert code == 0 and answer["base"] == story.commits["patch-id-base"]
    assert answer["prerequisites"] == [
        {
            "message_id": story.messages["patch-id-prereq"],
            "subject": "s390/vfio-ap: add a probe counter",
            "found_by": "declared: prerequisite-patch-id",
        }
    ]


@pytest.mark.parametrize(
    ("version", "commit"),
    [(None, "versions-v1-base"), (1, "versions-v1-base"), (2, "versions-v2-base"), (3, "versions-v3-base")],
)
def test_each_version_has_its_own_base(story: Story, inbox: InboxServer, version: int | None, commit: str) -> None:
    """Without --version, the version holding the message named (v1's); the newer ones are said."""
    extra = ("--version", str(version)) if version else ()
    code, answer = base(story, inbox, "versions-v1", *extra)
    assert code == 0 and answer["base"] == story.commits[commit]
    assert answer["series"]["version"] == (version or 1)
    if version is None:
        assert any(note.startswith("the thread also has v3 ") for note in answer["notes"])


def test_blob_chain_through_two_list_only_patches(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "blob-chain")
    assert code == 0 and answer["base"] == story.commits["blob-chain-base"]
    assert [p["message_id"] for p in answer["prerequisites"]] == [
        story.messages["blob-chain-a"],
        story.messages["blob-chain-b"],
    ]
    assert all(p["found_by"].startswith("blob chain: MAINTAINERS ") for p in answer["prerequisites"])


def test_old_base_without_a_date_window(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "old-base")
    assert code == 0 and answer["base"] == story.commits["v5.12"] and answer["candidates"] == 1
    assert answer["describe"] == "v5.12"


def test_topic_commit_reached_only_through_the_merge(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "topic-merge")
    assert code == 0 and answer["base"] == story.commits["topic-commit"]


def test_applies_nowhere_names_file_blob_and_closest_commit(story: Story, inbox: InboxServer) -> None:
    code, answer = base(story, inbox, "applies-nowhere")
    assert code == 1 and not answer["exact"]
    assert answer["unmet"] == [
        {"path": "drivers/s390/crypto/ap_bus.c", "preimage": answer["files"][0]["preimage"], "satisfied_by": "nothing"}
    ]
    assert answer["base"] in story.commits.values()
    text = subprocess.run(
        [
            sys.executable,
            "-m",
            "aptool",
            "base",
            story.messages["applies-nowhere"],
            "--repo",
            str(story.repo),
            "--archive",
            inbox.url,
            "--no-cache",
        ],
        capture_output=True,
        text=True,
    )
    assert text.returncode == 1
    assert "No exact base. Closest commit:" in text.stdout and "drivers/s390/crypto/ap_bus.c" in text.stdout


def test_mbox_alone_offers_no_prerequisites(story: Story) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aptool",
            "base",
            story.messages["seed"],
            "--repo",
            str(story.repo),
            "--mbox",
            str(story.archive / "seed.mbox"),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["prerequisites"] == [] and [u["path"] for u in answer["unmet"]] == [
        "drivers/s390/crypto/vfio_ap_ops.c"
    ]


def test_shallow_clone_says_fetch_more_history(story: Story, inbox: InboxServer, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{story.repo}", str(shallow)], check=True)
    code, answer = base(story, inbox, "old-base", repo=shallow)
    assert code == 1 and not answer["exact"]
    assert any("shallow clone: fetch more history" in note for note in answer["notes"])


def test_local_archive_gives_the_same_answer(story: Story, inbox: InboxServer) -> None:
    _, remote = base(story, inbox, "seed")
    local = subprocess.run(
        [
            sys.executable,
            "-m",
            "aptool",
            "base",
            story.messages["seed"],
            "--repo",
            str(story.repo),
            "--archive",
            str(story.archive),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert json.loads(local.stdout) == remote
