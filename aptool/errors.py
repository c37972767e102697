"""Errors a user can cause, each printed as one line with an exit code.

Anything raised as :class:`AptoolError` reaches the user as
``aptool: <message>`` and the given exit code, never as a traceback.  The
message is one line; ``details`` are data that go with it (git's own output,
the files concerned), printed indented on the lines after it.
"""

from __future__ import annotations

from collections.abc import Sequence


class AptoolError(Exception):
    """A failure the user can act on: bad input, unreachable archive, dirty repo."""

    exit_code: int = 2

    def __init__(self, message: str, exit_code: int | None = None, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        self.details: tuple[str, ...] = tuple(details)

    @property
    def message(self) -> str:
        """The message, control characters escaped: it may quote a mail or a file name."""
        from aptool.terminal import printable

        return printable(str(self.args[0]))


class ArchiveError(AptoolError):
    """The archive could not answer: unknown Message-ID, unreachable, bad data."""


class MailError(AptoolError):
    """A message could not be understood: broken MIME, truncated hunk, no diff."""


class RepositoryError(AptoolError):
    """The git repository cannot be used as asked."""


class NotYetAvailable(AptoolError):
    """A command whose stage has not been built yet."""
