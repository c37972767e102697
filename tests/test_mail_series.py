"""Series assembly checked, not trusted: subject forms, the version holding the named mail, gaps,
partial re-rolls, trailers kept whole, ``--mbox`` without a Message-ID, and no process-wide state."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import b4
import pytest
from typer.testing import CliRunner

from aptool.apply.am import am_mail
from aptool.archive.mail import parse_mail
from aptool.cli import app
from aptool.series import newest_series, parse_thread, require_version
from aptool.series.b4env import b4_settings
from aptool.series.subject import normalize_subject
from tests.mailmaker import commit_files, format_series, make_repo, reply, run_git, set_header, write_mbox

runner = CliRunner()
FILES = {"a.c": "int a;\n", "b.c": "int b;\n", "c.c": "int c;\n"}


@pytest.fixture(scope="module")
def author(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with three one-file commits on its base (``base`` tag)."""
    repo = make_repo(tmp_path_factory.mktemp("series") / "author", FILES)
    run_git(repo, "tag", "base")
    for name in ("a", "b", "c"):
        commit_files(repo, {f"{name}.c": f"int {name};\nint {name}2;\n"}, f"{name}: add {name}2")
    return repo


def user_clone(author: Path, tmp: Path) -> Path:
    user = tmp / "user"
    run_git(tmp, "clone", "-q", str(author), str(user))
    run_git(user, "reset", "-q", "--hard", "base")
    run_git(user, "remote", "remove", "origin")  # the maintainer has none of the author's later commits
    return user


def retitle(mails: list[bytes], prefix) -> list[bytes]:  # type: ignore[no-untyped-def]
    """Give mail N (0 = cover) the subject ``prefix(N) + rest``."""
    out = []
    for number, mail in enumerate(mails):
        subject = parse_mail(mail)["Subject"]
        rest = str(subject).split("] ", 1)[1]
        out.append(set_header(mail, "Subject", f"{prefix(number)} {rest}"))
    return out


@pytest.mark.parametrize(
    ("prefix", "version"),
    [
        (lambda n: f"[PATCH v6,{n}/3]", 6),
        (lambda n: f"[PATCH v6, {n}/3]", 6),
        (lambda n: f"[PATCH{n}/3]", 1),
        (lambda n: f"[RFC PATCH v2 net-next {n}/3]", 2),
        (lambda n: f"[PATCH -v4 {n}/3]", 4),
        (lambda n: f"[tracker#12] [PATCH v2 {n}/3]", 2),
    ],
)
def test_subject_forms_make_one_version(author: Path, prefix, version: int) -> None:  # type: ignore[no-untyped-def]
    mails = retitle(format_series(author, 3, cover=True, msgid_prefix="s"), prefix)
    thread = parse_thread(mails, "s-2@example.org")
    assert sorted(thread.versions) == [version]
    chosen = require_version(thread, None)
    assert chosen.complete and [p.counter for p in chosen.patches] == [1, 2, 3]
    assert "s-2@example.org" in chosen.message_ids and chosen.cover is not None


def test_normalize_subject_leaves_the_rest_alone() -> None:
    assert normalize_subject("[PATCH v6,2/3] a, b: c") == "[PATCH v6 2/3] a, b: c"
    assert normalize_subject("Re: [PATCH1/3] x") == "Re: [PATCH 1/3] x"
    assert normalize_subject("plain subject, with a comma") == "plain subject, with a comma"


def test_a_versioned_cover_gives_its_version_to_its_patches(author: Path) -> None:
    mails = retitle(format_series(author, 2, cover=True, msgid_prefix="vc"), lambda n: f"[PATCH {n}/2]")
    mails[0] = set_header(mails[0], "Subject", "[PATCH v3 0/2] two fixes")
    thread = parse_thread(mails, "vc-1@example.org")
    assert sorted(thread.versions) == [3]
    assert require_version(thread, None).complete


def test_the_version_chosen_holds_the_message_named(author: Path) -> None:
    v1 = format_series(author, 2, cover=True, msgid_prefix="one")
    v2 = format_series(author, 2, cover=True, version=2, msgid_prefix="two", in_reply_to="one-0@example.org")
    talk = [reply("one-1@example.org", "talk@example.net", "Looks fine.\n")]
    for named, wanted in [("one-1@example.org", 1), ("two-0@example.org", 2), ("talk@example.net", 2)]:
        assert require_version(parse_thread(v1 + v2 + talk, named), None).version == wanted


def test_an_incomplete_series_is_refused_until_allowed(author: Path, tmp_path: Path) -> None:
    mails = format_series(author, 3, msgid_prefix="gap")  # no cover letter
    mbox = write_mbox(tmp_path / "gap.mbox", [mails[0], mails[2]])
    user = user_clone(author, tmp_path)
    base = runner.invoke(app, ["base", "gap-3@example.org", "--repo", str(user), "--archive", str(mbox), "--json"])
    assert base.exit_code == 1 and json.loads(base.stdout)["series"]["missing"] == ["2/3"]
    refused = runner.invoke(app, ["apply-series", "gap-1@example.org", "--repo", str(user), "--archive", str(mbox)])
    assert refused.exit_code == 1 and "the series is incomplete (patch 2/3 missing)" in refused.stderr
    allowed = ["--repo", str(user), "--archive", str(mbox), "--allow-incomplete", "--branch", "gap"]
    assert runner.invoke(app, ["base", "gap-1@example.org", *allowed[:4], "--allow-incomplete"]).exit_code == 0
    built = runner.invoke(app, ["apply-series", "gap-1@example.org", *allowed])
    assert built.exit_code == 0, built.output
    assert json.loads(run_git(user, "notes", "--ref=aptool", "show", "gap"))["incomplete"] == [
        "the series is incomplete (patch 2/3 missing)"
    ]


def test_partial_reroll_without_a_cover_is_assembled_offline(author: Path, tmp_path: Path) -> None:
    v1 = format_series(author, 2, msgid_prefix="p1")
    v2 = format_series(author, 1, version=2, msgid_prefix="p2", in_reply_to="p1-2@example.org")
    v2 = retitle(v2, lambda n: "[PATCH v2 2/2]")
    # b4's configuration never set up in this process (as for a library caller): no KeyError, no network.
    saved = dict(b4.MAIN_CONFIG)
    b4.MAIN_CONFIG.clear()
    try:
        thread = parse_thread(v1 + v2, "p1-1@example.org")
    finally:
        b4.MAIN_CONFIG.update(saved)
    assert b4.can_network is True  # put back as it was
    second = thread.versions[2]
    assert second.complete and second.partial_reroll
    assert [(p.message_id, p.from_version) for p in second.patches] == [
        ("p1-1@example.org", 1),
        ("p2-1@example.org", None),
    ]
    assert require_version(thread, None).version == 2  # v2 holds v1's 1/2, the message named


def test_trailers_keep_their_comments(author: Path, tmp_path: Path) -> None:
    mails = format_series(author, 1, msgid_prefix="tr")
    given_by = [
        ("Ann Ack <ann@example.org>", "Acked-by: Ann Ack <ann@example.org> (for the Kconfig part)"),
        ("Rob Rev <rob@example.org>", "Reviewed-by: Rob Rev <rob@example.org> # docs only"),
        ("Tim Test <tim@example.org>", "Tested-by: Tim Test <tim@example.org> [on arm64]"),
    ]
    replies = [
        reply("tr-1@example.org", f"r{n}@example.org", f"> patch\n\n{line}\n", author=who)
        for n, (who, line) in enumerate(given_by)
    ]
    thread = parse_thread(mails + replies, "tr-1@example.org")
    patch = require_version(thread, None).patches[0]
    given = [f"{t.name}: {t.value}" for t in patch.followup_trailers]
    assert given == [
        "Acked-by: Ann Ack <ann@example.org> (for the Kconfig part)",
        "Reviewed-by: Rob Rev <rob@example.org> # docs only",
        "Tested-by: Tim Test <tim@example.org> [on arm64]",
    ]
    message = am_mail(patch, "https://lore.example.org/r/%s", tmp_path).decode()
    for line in given:
        assert f"\n{line}\n" in message


def _followup_thread(author: Path) -> list[bytes]:
    """A thread shaped like b4's follow-up trailer samples: cover and patch replies, quotes, nesting."""
    mails = format_series(author, 3, cover=True, msgid_prefix="fu")
    return mails + [
        reply(
            "fu-0@example.org",
            "r1@example.net",
            "For the series:\n\nReviewed-by: Rev One <one@example.net>\n",
            author="Rev One <one@example.net>",
        ),
        reply(
            "fu-2@example.org",
            "r2@example.net",
            "> code\n\nTested-by: Tess Two <two@example.net>\n",
            author="Tess Two <two@example.net>",
        ),
        # A trailer for someone else than the sender: b4 leaves it out, and so must aptool.
        reply("fu-1@example.org", "r5@example.net", "Acked-by: Some One <some@example.net>\n"),
        reply(
            "r2@example.net",
            "r3@example.net",
            "> Tested-by: Tess Two <two@example.net>\n\nThanks!\n",
            author="Ann Dev <ann@example.org>",
        ),
        reply(
            "fu-3@example.org",
            "r4@example.net",
            'Fixes: 0123456789ab ("c: start")\nAcked-by: Ack Four <four@example.net> # for c\n',
            author="Ack Four <four@example.net>",
        ),
    ]


def test_followup_trailers_are_b4s(author: Path, tmp_path: Path) -> None:
    """The same follow-up trailers and commit trailers as b4 itself gives for the thread."""
    mails = _followup_thread(author)
    ours = require_version(parse_thread(mails, "fu-0@example.org"), None)
    with b4_settings(None):
        box = b4.LoreMailbox()
        for mail in mails:
            box.add_message(parse_mail(mail))
        theirs = box.get_series(None, codereview_trailers=False)
        assert theirs is not None
        # b4 am's own commit messages, cover letter trailers included (b4 adds no Link here).
        expected = {}
        for msg in theirs.get_am_ready(addlink=False):
            msgid = b4.LoreMessage.get_clean_msgid(msg)
            body = msg.get_payload(decode=True).decode()
            expected[f"{msgid} body"] = body.split("---\n", 1)[0].strip()
            trailers = body.split("---\n", 1)[0].strip().splitlines()
            expected[msgid] = sorted(tuple(t.split(": ", 1)) for t in trailers if ": " in t)
    for patch in ours.patches:
        assert sorted((t.name, t.value) for t in patch.followup_trailers) == expected[patch.message_id]
        message = am_mail(patch, "https://lore.example.org/r/%s", tmp_path).decode()
        body = message.split("\n\n", 1)[1].split("---\n", 1)[0].strip()
        link = f"Link: https://lore.example.org/r/{patch.message_id}"
        assert body.endswith(link)
        assert body[: -len(link)].strip() == expected[patch.message_id + " body"]
    assert any(t.name == "Reviewed-by" for t in ours.patches[0].followup_trailers)  # given to the cover


def test_mbox_without_a_message_id_takes_the_newest_complete_series(author: Path, tmp_path: Path) -> None:
    v1 = format_series(author, 2, cover=True, msgid_prefix="m1")
    v2 = format_series(author, 2, cover=True, version=2, msgid_prefix="m2")
    v3 = format_series(author, 3, cover=True, version=3, msgid_prefix="m3")[:2]  # 2/3 and 3/3 never came
    mbox = write_mbox(tmp_path / "saved.mbox", v1 + v2 + v3)
    assert newest_series(v1 + v2 + v3, "saved.mbox") == "m2-0@example.org"
    user = user_clone(author, tmp_path)
    run_git(user, "reset", "-q", "--hard", "base")
    commit_files(user, {"a.c": "int a;\nint a2;\n"}, "a: add a2")  # the series' own base
    base = runner.invoke(app, ["base", "--repo", str(user), "--mbox", str(mbox), "--json"])
    assert base.exit_code == 0, base.output
    assert json.loads(base.stdout)["series"]["version"] == 2
    built = runner.invoke(app, ["apply-series", "--repo", str(user), "--mbox", str(mbox), "--branch", "m"])
    assert built.exit_code == 0, built.output
    assert run_git(user, "log", "--format=%s", "master..m").splitlines() == ["c: add c2", "b: add b2"]
    both = runner.invoke(app, ["base", "--repo", str(user), "--mbox", str(mbox), "--archive", str(mbox)])
    assert both.exit_code == 2 and both.stderr.startswith("aptool: ")
    none = runner.invoke(app, ["base", "--repo", str(user)])
    assert none.exit_code == 2 and "Message-ID" in none.stderr


def test_b4_settings_belong_to_one_repository(author: Path, tmp_path: Path) -> None:
    configured = tmp_path / "configured"
    run_git(tmp_path, "init", "-q", str(configured))
    run_git(configured, "config", "b4.linkmask", "https://example.org/m/%s")
    before = dict(b4.MAIN_CONFIG)
    with b4_settings(configured):
        assert b4.MAIN_CONFIG["linkmask"] == "https://example.org/m/%s"
        assert b4.can_network is False
    with b4_settings(author):
        assert b4.MAIN_CONFIG["linkmask"] != "https://example.org/m/%s"
    assert b4.MAIN_CONFIG == before


def test_logging_is_configured_in_main_not_at_import() -> None:
    code = (
        "import logging, aptool.series.build, aptool.apply.am, aptool.archive.local, aptool.cli\n"
        "print(logging.getLogger('b4').level, logging.getLogger('liblore').level)\n"
        "import sys; sys.argv = ['aptool', '--version']\n"
        "try:\n    aptool.cli.main()\nexcept SystemExit:\n    pass\n"
        "print(logging.getLogger('b4').level > logging.CRITICAL)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[:2] == [str(logging.NOTSET), str(logging.NOTSET)] and out.split()[-1] == "True"
