"""``aptool thread``: what a thread holds -- series versions, patches, trailers, mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from aptool.commands.common import (
    ArchiveOption,
    JsonOption,
    NoCacheOption,
    TimeoutOption,
    open_thread_source,
    print_json,
)
from aptool.errors import MailError
from aptool.terminal import printable

if TYPE_CHECKING:
    from aptool.series import Patch, SeriesVersion, Thread


def thread(
    msgid: str = typer.Argument(..., help="Message-ID, <Message-ID>, id:Message-ID or an archive URL."),
    archive: str | None = ArchiveOption,
    timeout: float = TimeoutOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Show a thread's series versions, patches, trailers and mentioned Message-IDs."""
    from aptool.series import fetch_thread

    wanted, source = open_thread_source(msgid, archive, timeout=timeout, no_cache=no_cache)
    found = fetch_thread(source, wanted)
    if wanted in found.problems:
        raise MailError(found.problems[wanted])
    if not found.versions:
        raise MailError(f"no patches in thread <{wanted}> ({len(found.messages)} messages, none with a diff)")
    if as_json:
        print_json(found.to_dict())
    else:
        typer.echo(printable(render_thread(found)))


def render_thread(found: Thread) -> str:
    """The overview as text, in the terse style of git and b4 output."""
    versions = len(found.versions)
    lines = [
        f"Thread <{found.root}>: {len(found.messages)} messages, "
        f"{versions} series version{'s' if versions != 1 else ''}"
    ]
    for number in sorted(found.versions):
        lines += _render_version(found.versions[number])
    if found.mentions:
        lines.append("")
        lines.append("Message-IDs mentioned in the thread:")
        for mention in found.mentions:
            where = "quoted " if mention.quoted else ""
            lines.append(f"  <{mention.message_id}>  ({where}in <{mention.in_message}>)")
            lines += [f"    | {text}" for text in mention.context.splitlines()]
    if found.problems:
        lines += ["", "Messages left out:"] + [f"  {problem}" for problem in found.problems.values()]
    return "\n".join(lines)


def _render_version(version: SeriesVersion) -> list[str]:
    state = "complete" if version.complete else f"missing {', '.join(map(str, version.missing))}"
    if version.partial_reroll:
        taken = ", ".join(f"{p.counter}/{p.total}" for p in version.patches if p.from_version is not None)
        state += f" as a partial re-roll ({taken} from earlier versions)"
    lines = [
        "",
        f"v{version.version}: {version.subject}",
        f"  From: {version.author_name} <{version.author_email}>  Date: {version.date}",
        f"  {len(version.patches)}/{version.total} patches, {state}",
    ]
    if version.cover is not None:
        lines.append(f"  [0/{version.total}] cover letter  <{version.cover.message_id}>")
    for patch in version.patches:
        lines += _render_patch(patch)
    if version.base_commit:
        lines.append(f"  base-commit: {version.base_commit}")
    for dep in version.dependencies:
        lines.append(f"  declared dependency ({dep.kind}): {dep.value}")
    return lines


def _render_patch(patch: Patch) -> list[str]:
    taken = f"  (v{patch.from_version}'s)" if patch.from_version is not None else ""
    lines = [f"  [{patch.counter}/{patch.total}] {patch.subject}  <{patch.message_id}>{taken}"]
    for change in patch.files:
        pre = change.preimage or "0000000"
        post = change.postimage or "0000000"
        kind = " (new)" if change.is_new else " (deleted)" if change.is_deleted else ""
        if change.is_rename:
            kind = f" (renamed from {change.old_path})"
        elif change.is_copy:
            kind = f" (copied from {change.old_path})"
        blobs = f"{pre}..{post}" if change.has_index else "no index line"
        if change.old_mode and change.new_mode and change.old_mode != change.new_mode:
            kind += f" (mode {change.old_mode} => {change.new_mode})"
        elif change.new_mode == "120000":
            kind += " (symlink)"
        if change.is_binary:
            kind += " (binary)"
        lines.append(f"      {change.path}{kind}  {blobs}  +{change.added}/-{change.removed}")
    for trailer in patch.trailers:
        lines.append(f"      {trailer.name}: {trailer.value}")
    for trailer in patch.followup_trailers:
        lines.append(f"    + {trailer.name}: {trailer.value}  (given in <{trailer.given_in}>)")
    return lines
