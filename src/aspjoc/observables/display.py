"""How a refused value is quoted inside a reason, so reasons stay short."""

from __future__ import annotations

_LONGEST = 80


def shown(value: str) -> str:
    """Return ``value`` quoted as Python would, cut to 80 characters with an ellipsis.

    A whole pasted line can arrive as a "value"; echoing all of it back would bury the reason.
    """
    if len(value) > _LONGEST:
        value = value[: _LONGEST - 1] + "…"
    return repr(value)
