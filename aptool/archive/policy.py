"""The email policy aptool reads mail with: liblore's (the one b4 parses with), parsed headers kept.

The standard library parses a header again each time it is asked for, and b4 asks for
``Content-Type`` about fifteen times a message: on a long thread the header parser is most
of the time.  Parsed header values are immutable, so each (name, value) is parsed once.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

_PARSED: dict[tuple[str, str], Any] = {}
_MOST = 200_000  # entries kept before the cache starts again


class CachedHeaders(EmailPolicy):
    """An email policy that parses each distinct header once per process."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name") or not isinstance(value, str):
            return super().header_fetch_parse(name, value)
        key = (name, value)
        found = _PARSED.get(key)
        if found is None:
            if len(_PARSED) >= _MOST:
                _PARSED.clear()
            found = _PARSED[key] = super().header_fetch_parse(name, value)
        return found


# liblore's ``emlpolicy``: UTF-8 headers, 8-bit bodies, no line folding.
POLICY = CachedHeaders(utf8=True, cte_type="8bit", max_line_length=None, message_factory=EmailMessage)
