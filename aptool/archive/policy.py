"""The email policy aptool reads mail with: the standard one, with parsed headers kept.

``email.policy.default`` parses a header again each time it is asked for, and b4 asks for
``Content-Type`` about fifteen times a message: on a long thread the header parser is most
of the time.  Parsed header values are immutable, so each (name, value) is parsed once.
"""

from __future__ import annotations

from email.policy import EmailPolicy
from typing import Any

_PARSED: dict[tuple[str, str], Any] = {}
_MOST = 200_000  # entries kept before the cache starts again


class CachedHeaders(EmailPolicy):
    """``email.policy.default`` that parses each distinct header once per process."""

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


POLICY = CachedHeaders()
