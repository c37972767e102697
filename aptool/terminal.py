"""Text from mail and files made safe to print on a terminal.

A subject, a file name or an error message that quotes a mail can carry
control characters: an ESC sequence that recolours or retitles the terminal,
a CR that overwrites what was already printed, a bidi override that reorders
what is shown.  :func:`printable` shows each as a visible escape (``\\x1b``,
``\\r``, ``\\u202e``); JSON output needs nothing, its encoder escapes them.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, bidi marks and overrides, lone surrogates (undecodable bytes).
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_IN_LINES = re.compile(f"[{_CONTROLS}]")
_IN_ONE_LINE = re.compile(f"[{_CONTROLS}\n\t]")


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character escaped; newlines and tabs kept unless ``one_line``.

    Idempotent: escaping an escaped text changes nothing.
    """
    pattern = _IN_ONE_LINE if one_line else _IN_LINES
    return pattern.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
