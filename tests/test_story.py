"""The fixture story is deterministic and every thread's right answer is true of it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_c

from aptool.archive import LocalArchive
from aptool.series import fetch_thread, require_version
from aptool.story import Story, build_story
from aptool.story.data import load
from aptool.story.history import render_tree


def git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True, check=True).stdout.decode()


def holders(repo: Path, path: str, blob: str) -> set[str]:
    """Every commit reachable from any ref whose ``path`` is the blob abbreviated ``blob``."""
    commits = git(repo, "rev-list", "--all").split()
    answer = git(
        repo, "cat-file", "--batch-check=%(objectname)", stdin="".join(f"{c}:{path}\n" for c in commits).encode()
    )
    return {c for c, oid in zip(commits, answer.splitlines(), strict=True) if oid.startswith(blob)}


def patches(story: Story, name: str, version: int | None = None):  # type: ignore[no-untyped-def]
    archive = LocalArchive(story.archive)
    return require_version(fetch_thread(archive, story.threads[name][0]), version).patches


def test_building_twice_gives_the_same_story(tmp_path: Path, story: Story) -> None:
    again = build_story(tmp_path / "again")
    assert again.commits == story.commits
    assert again.threads == story.threads
    assert again.messages == story.messages
    for mbox in sorted(story.archive.glob("*.mbox")):
        assert (again.archive / mbox.name).read_bytes() == mbox.read_bytes(), mbox.name


def test_refusing_a_non_empty_workdir(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(Exception, match="not empty"):
        build_story(tmp_path)
    assert (tmp_path / "x").read_text() == "keep me"


def test_history_shape(story: Story) -> None:
    assert git(story.repo, "rev-parse", "v5.12").strip() == story.commits["v5.12"]
    assert git(story.repo, "rev-parse", "v5.13-rc1").strip() == story.commits["open-coded"]
    assert git(story.repo, "rev-parse", "master").strip() == story.commits["master"]
    assert git(story.repo, "rev-parse", "features").strip() == story.commits["features"]
    merges = git(story.repo, "rev-list", "--merges", "master").split()
    assert merges == [story.commits["topic-merge"]]
    assert git(story.repo, "log", "-1", "--format=%cI", "master").strip() == "2021-06-23T17:00:00+00:00"
    assert git(story.repo, "status", "--porcelain") == ""


def test_prereq_v6_made_before_its_mail_on_an_older_master_commit(story: Story) -> None:
    one, two = patches(story, "prereq-v6")
    assert [p.message_id for p in (one, two)] == [
        "20210621155714.1198545-2-adev@example.org",
        "20210621155714.1198545-3-adev@example.org",
    ]
    base = story.commits["prereq-v6-base"]
    assert git(story.repo, "log", "-1", "--format=%cI", base).strip() < "2021-06-21"
    for change in one.files + two.files:
        if change.preimage in {c.postimage for c in one.files}:
            continue  # 2/2's pre-image of vfio_ap_ops.c is 1/2's post-image
        assert base in holders(story.repo, change.path, change.preimage), change.path
    later = git(story.repo, "log", "--format=%H", f"{base}..master", "--", *{c.path for c in one.files + two.files})
    assert later == ""


def test_seed_needs_both_prerequisites_on_master(story: Story, tmp_path: Path) -> None:
    (seed,) = patches(story, "seed")
    assert not all(holders(story.repo, c.path, c.preimage or "") for c in seed.files)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(story.repo), str(clone))
    mails = [p.raw for p in patches(story, "prereq-v6")]
    env_args = ("-c", "user.name=T", "-c", "user.email=t@example.org")
    for mail in mails + [p.raw for p in [seed]]:
        subprocess.run(["git", *env_args, "-C", str(clone), "am", "-q"], input=mail, check=True, capture_output=True)
    for change in seed.files:
        assert git(clone, "rev-parse", f"HEAD:{change.path}").startswith(change.postimage or "")


def test_seed_replies_name_the_prerequisites_and_quote_reviews(story: Story) -> None:
    thread = fetch_thread(LocalArchive(story.archive), story.messages["seed"])
    unquoted = {m.message_id for m in thread.mentions if not m.quoted}
    assert {
        story.messages["prereq-v6-1"],
        story.messages["prereq-v6-2"],
        story.messages["review-1"],
        story.messages["review-2"],
    } <= unquoted
    text = "\n".join(m.context for m in thread.mentions)
    assert "Message ID: <20210621155714.1198545-2-adev@example.org>" in text
    assert "\n  <20210621155714.1198545-3-adev@example.org>" in text
    reviews = fetch_thread(LocalArchive(story.archive), story.messages["review-1"])
    assert {m.message_id for m in reviews.messages} >= {story.messages["review-1"], story.messages["review-2"]}


def test_topic_merge_preimage_only_on_the_topic_commit(story: Story) -> None:
    (patch,) = patches(story, "topic-merge")
    assert holders(story.repo, patch.files[0].path, patch.files[0].preimage) == {story.commits["topic-commit"]}


def test_old_base_preimage_only_at_v5_12(story: Story) -> None:
    (patch,) = patches(story, "old-base")
    assert holders(story.repo, patch.files[0].path, patch.files[0].preimage) == {story.commits["v5.12"]}
    changes = git(story.repo, "log", "--format=%H", "v5.12..master", "--", patch.files[0].path).split()
    assert len(changes) >= 5


def test_versions_each_have_their_own_base(story: Story) -> None:
    bases = []
    for version in (1, 2, 3):
        first = patches(story, "versions", version)[0].files[0]
        found = holders(story.repo, first.path, first.preimage)
        assert story.commits[f"versions-v{version}-base"] in found
        bases.append(frozenset(found))
    assert len(set(bases)) == 3


def test_declared_bases_and_patch_ids(story: Story) -> None:
    archive = LocalArchive(story.archive)
    base_commit = require_version(fetch_thread(archive, story.messages["base-commit"]), None)
    assert base_commit.base_commit == story.commits["base-commit-base"]
    change = base_commit.patches[0].files[0]
    assert story.commits["base-commit-base"] in holders(story.repo, change.path, change.preimage)
    foreign = require_version(fetch_thread(archive, story.messages["foreign-base"]), None)
    assert foreign.base_commit == story.commits["foreign-base-claimed"]
    assert (
        subprocess.run(
            ["git", "-C", str(story.repo), "cat-file", "-e", f"{foreign.base_commit}^{{commit}}"], capture_output=True
        ).returncode
        != 0
    )
    change = foreign.patches[0].files[0]
    assert story.commits["foreign-base-real"] in holders(story.repo, change.path, change.preimage)
    with_id = require_version(fetch_thread(archive, story.messages["patch-id"]), None)
    prereq_mail = archive.thread(story.messages["patch-id-prereq"])[0]
    prereq_id = git(story.repo, "patch-id", "--stable", stdin=prereq_mail).split()[0]
    assert [(d.kind, d.value) for d in with_id.dependencies] == [("patch-id", prereq_id)]
    assert len(archive.search(f"patchid:{prereq_id}")) == 1


def test_blob_chain_goes_through_two_list_only_patches(story: Story) -> None:
    (c,) = patches(story, "blob-chain")
    (b,) = patches(story, "blob-chain-b")
    (a,) = patches(story, "blob-chain-a")
    assert c.files[0].preimage == b.files[0].postimage
    assert b.files[0].preimage == a.files[0].postimage
    assert story.commits["master"] in holders(story.repo, a.files[0].path, a.files[0].preimage)
    assert not holders(story.repo, c.files[0].path, c.files[0].preimage)
    for name in ("blob-chain", "blob-chain-a", "blob-chain-b"):
        assert not fetch_thread(LocalArchive(story.archive), story.messages[name]).mentions


def test_applies_nowhere_blob_exists_nowhere(story: Story) -> None:
    (patch,) = patches(story, "applies-nowhere")
    blob = patch.files[0].preimage
    assert not holders(story.repo, patch.files[0].path, blob)
    assert subprocess.run(["git", "-C", str(story.repo), "cat-file", "-e", blob], capture_output=True).returncode != 0
    assert LocalArchive(story.archive).search(f"dfpost:{blob}") == []


def test_malformed_messages_each_have_their_own_fault(story: Story) -> None:
    archive = LocalArchive(story.archive)
    for name, fault in (
        ("malformed-mime", "broken MIME"),
        ("malformed-truncated", "broken diff"),
        ("malformed-nodiff", "no patches"),
    ):
        thread = fetch_thread(archive, story.messages[name])
        with pytest.raises(Exception, match=fault):
            require_version(thread, None)


_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))
_DEFINITION = re.compile(r"^\{$", re.MULTILINE)  # kernel style: a body opens in column 0


def _functions(tree: tree_sitter.Tree) -> int:
    count, stack = 0, [tree.root_node]
    while stack:
        node = stack.pop()
        count += node.type == "function_definition"
        stack.extend(node.children)
    return count


@pytest.mark.parametrize("step", ["v5.12", "cycle", "open-coded", "master", "seed", "new_deadlock"])
def test_every_function_parses_at_every_step(story: Story, step: str) -> None:
    data = load()
    features = {
        "seed": {"busy", "cleanup", "v6_1", "v6_2", "seed"},
        "new_deadlock": {"busy", "cleanup", "new_deadlock"},
        "v5.12": set(),
        "cycle": {"cleanup"},
        "open-coded": {"cleanup", "busy"},
        "master": {"cleanup", "busy"},
    }[step]
    for path, text in render_tree(data.templates, frozenset(features)).items():
        if not path.endswith(".c"):
            continue
        assert "@" not in "".join(
            line for line in text.decode().splitlines() if line.lstrip().startswith(("//@", "#@"))
        )
        assert _functions(_PARSER.parse(text)) == len(_DEFINITION.findall(text.decode())), path
