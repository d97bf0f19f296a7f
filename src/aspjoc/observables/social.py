"""Handles on social and messaging platforms, as ``platform:handle``."""

from __future__ import annotations

import re

from aspjoc.errors import InvalidObservable

from .display import shown
from .phone import canonical_phone
from .types import Canonical, ObservableType

_SOCIAL_HANDLE = ObservableType.social_handle

# Each platform's own username alphabet, widened where old accounts predate today's rules.
_HANDLE_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "facebook": (re.compile(r"[a-z0-9.]{1,50}"), "letters, digits and dots, up to 50"),
    "instagram": (
        re.compile(r"[a-z0-9._]{1,30}"),
        "letters, digits, dots and underscores, up to 30",
    ),
    "telegram": (
        re.compile(r"[a-z0-9_]{4,32}"),
        "letters, digits and underscores, 4 to 32",
    ),
    "tiktok": (
        re.compile(r"[a-z0-9._]{1,24}"),
        "letters, digits, dots and underscores, up to 24",
    ),
    "x": (re.compile(r"[a-z0-9_]{1,15}"), "letters, digits and underscores, up to 15"),
    "line": (
        re.compile(r"[a-z0-9._-]{1,20}"),
        "letters, digits, dots, dashes and underscores, up to 20",
    ),
    "wechat": (
        re.compile(r"[a-z0-9_-]{1,20}"),
        "letters, digits, dashes and underscores, up to 20",
    ),
    "zalo": (
        re.compile(r"[a-z0-9._]{1,50}"),
        "letters, digits, dots and underscores, up to 50",
    ),
    "viber": (
        re.compile(r"[a-z0-9._]{1,32}"),
        "letters, digits, dots and underscores, up to 32",
    ),
    "whatsapp": (
        re.compile(r"[a-z0-9._]{1,32}"),
        "letters, digits, dots and underscores, up to 32",
    ),
    "signal": (re.compile(r"[a-z0-9_]{3,32}\.[0-9]{2,9}"), "a username like name.01"),
    "youtube": (
        re.compile(r"[a-z0-9._-]{1,100}"),
        "letters, digits, dots, dashes and underscores",
    ),
    "discord": (
        re.compile(r"[a-z0-9_.]{2,32}(?:#[0-9]{4})?"),
        "letters, digits, dots and underscores, 2 to 32",
    ),
}
PLATFORM_ALIASES = {name: name for name in _HANDLE_RULES} | {"twitter": "x"}
# These platforms identify accounts by phone number; a number handle is stored in E.164.
_PHONE_PLATFORMS = frozenset(
    {"whatsapp", "viber", "signal", "zalo", "line", "wechat", "telegram"}
)
_DIGITS = re.compile(r"[0-9]{7,15}")
# YouTube channel ids ("UC" and 22 base64url characters) are case-sensitive, unlike handles.
_YOUTUBE_CHANNEL = re.compile(r"UC[A-Za-z0-9_-]{22}")


def canonical_social_handle(value: str, default_region: str | None = None) -> Canonical:
    """Return ``platform:handle``, e.g. ``telegram:scam_boss`` for ``Telegram:@Scam_Boss``.

    ``twitter`` becomes ``x``. The handle loses one leading ``@`` and is lowercased, except a
    YouTube channel id. On messaging platforms a handle starting with ``+`` is a phone number
    and is stored in E.164 (``whatsapp:+66812345678``), as is an all-digit WhatsApp handle
    (``wa.me`` style, international without ``+``). Elsewhere digits are taken as a username.
    """
    head, colon, rest = value.strip().partition(":")
    platform = PLATFORM_ALIASES.get(head.strip().lower())
    if not colon or platform is None:
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not a social handle: write platform:handle with platform one of "
            + ", ".join(_HANDLE_RULES),
        )
    handle = rest.strip().removeprefix("@")
    return Canonical(
        _SOCIAL_HANDLE, f"{platform}:{_handle(value, platform, handle, default_region)}"
    )


def _handle(value: str, platform: str, handle: str, default_region: str | None) -> str:
    if platform in _PHONE_PLATFORMS and handle.startswith("+"):
        return canonical_phone(handle, default_region).value
    if platform == "whatsapp" and _DIGITS.fullmatch(handle):
        # wa.me links write the international number without "+".
        return canonical_phone("+" + handle, default_region).value
    if platform == "youtube" and _YOUTUBE_CHANNEL.fullmatch(handle):
        return handle
    pattern, alphabet = _HANDLE_RULES[platform]
    lowered = handle.lower()
    if not pattern.fullmatch(lowered):
        raise InvalidObservable(
            "value", f"{shown(value)}: {platform} handles are {alphabet}"
        )
    return lowered
