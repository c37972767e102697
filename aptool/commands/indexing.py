"""What a run says while it indexes a repository's history (the first run, and after fetches)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from aptool.base.index import indexing_note


class IndexProgress:
    """A progress bar on a terminal; one line otherwise, so logs show why a run took longer."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._bar: Any = None
        self._task: Any = None
        self._said = False

    def __call__(self, done: int, total: int) -> None:
        if self._said:
            return
        if self._bar is None:
            if not self.stream.isatty():
                self.stream.write(f"aptool: {indexing_note(total)}\n")
                self.stream.flush()
                self._said = True
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("Indexing history"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._task = self._bar.add_task("index", total=total)
            self._bar.start()
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
