"""What an apply run tells the user while it works: a progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from aptool.apply.plan import PatchOutcome
from aptool.base.index import indexing_note
from aptool.series.data import Patch
from aptool.terminal import printable

if TYPE_CHECKING:
    from rich.progress import TaskID


class Reporter:
    """Silent; the base for the others.  The engine calls these in order."""

    def stage(self, text: str) -> None:
        """A step that is not a patch: making the worktree, writing the branch."""

    def indexing(self, done: int, total: int) -> None:
        """The base search is indexing the repository's history: ``done`` of ``total`` commits."""

    def begin(self, total: int) -> None:
        """``total`` patches are about to be applied."""

    def patch_started(self, index: int, total: int, patch: Patch) -> None:
        pass

    def patch_done(self, index: int, total: int, outcome: PatchOutcome) -> None:
        pass

    def close(self) -> None:
        pass


class PlainLines(Reporter):
    """One line per step and per patch, for logs and pipes; to a stream, or to ``say`` (the demo's printer)."""

    def __init__(
        self, stream: TextIO | None = None, *, say: Callable[[str], None] | None = None, indent: str = ""
    ) -> None:
        self.stream = stream or sys.stderr
        self.say = say
        self.indent = indent
        self._indexing_said = False

    def _say(self, text: str) -> None:
        text = printable(text)  # subjects come from mail
        if self.say is not None:
            self.say(self.indent + text)
            return
        self.stream.write(self.indent + text + "\n")
        self.stream.flush()

    def stage(self, text: str) -> None:
        self._say(text)

    def indexing(self, done: int, total: int) -> None:
        if not self._indexing_said:
            self._indexing_said = True
            note = indexing_note(total)
            self._say(note[0].upper() + note[1:])

    def patch_done(self, index: int, total: int, outcome: PatchOutcome) -> None:
        width = len(str(total))
        self._say(f"  [{index + 1:>{width}}/{total}] {outcome.method:<9} {outcome.subject}")


class ProgressBar(Reporter):
    """A rich progress bar on stderr, gone when the run ends; applied patches stay listed."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task: TaskID | None = None
        self.progress.start()

    def stage(self, text: str) -> None:
        if self.task is None:
            self.task = self.progress.add_task(text, total=None)
        else:
            self.progress.update(self.task, description=text, refresh=True)

    def indexing(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("Indexing history", total=total)
        self.progress.update(self.task, description="Indexing history", total=total, completed=done)

    def begin(self, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("", total=total)
        self.progress.update(self.task, total=total, completed=0)

    def patch_started(self, index: int, total: int, patch: Patch) -> None:
        assert self.task is not None
        from rich.markup import escape

        subject = escape(printable(patch.subject[:50], one_line=True))  # from mail: no escapes, no markup
        self.progress.update(self.task, description=f"Applying {subject}", refresh=True)

    def patch_done(self, index: int, total: int, outcome: PatchOutcome) -> None:
        assert self.task is not None
        self.progress.update(self.task, advance=1, refresh=True)
        self.progress.console.print(
            printable(f"  [{index + 1}/{total}] {outcome.method:<9} {outcome.subject}"), highlight=False, markup=False
        )

    def close(self) -> None:
        self.progress.stop()


def reporter_for(stream: TextIO | None = None, *, quiet: bool = False) -> Reporter:
    """A bar on a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return Reporter()
    if stream.isatty():
        return ProgressBar()
    return PlainLines(stream)
