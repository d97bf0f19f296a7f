"""The portal's languages: which one a reader gets, and the compiled Babel catalogues.

Catalogues are kept as ``.po`` sources under ``translations/<lang>/LC_MESSAGES/messages.po``
and compiled in memory when first needed (``load_all`` at start-up), so no binary ``.mo``
file has to be kept in step with its source.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DEFAULT = "en"
# Shown in each language's own name, in the order of the switch.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "id": "Bahasa Indonesia",
    "ms": "Bahasa Melayu",
    "th": "ไทย",
    "vi": "Tiếng Việt",
    "fil": "Filipino",
    "km": "ខ្មែរ",
}
# Browsers send Tagalog ("tl") for Filipino, and old ones "in" for Indonesian.
ALIASES = {"tl": "fil", "in": "id", "zsm": "ms", "khm": "km", "tha": "th", "vie": "vi", "ind": "id"}
# The country a reader of each language most likely means by a local phone number.
HOME_COUNTRY = {"id": "ID", "ms": "MY", "th": "TH", "vi": "VN", "fil": "PH", "km": "KH"}
COOKIE = "aspjoc_lang"


def supported(code: str | None) -> str | None:
    """The supported language ``code`` names (``th``, ``th-TH``, ``tl`` …), or None."""
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    primary = ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


@lru_cache(maxsize=1024)
def from_accept_language(header: str) -> str | None:
    """The best supported language in an ``Accept-Language`` header by its q-values; None if none fits."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = supported(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def negotiate(query: str | None, cookie: str | None, accept_language: str) -> str:
    """The language to answer in: ``?lang=`` first, then the remembered cookie, then the browser's; English otherwise."""
    return supported(query) or supported(cookie) or from_accept_language(accept_language) or DEFAULT


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (English, the source language, translates to itself)."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return NullTranslations()
    with po_path(lang).open("rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def load_all() -> None:
    """Compile every catalogue now, so a broken ``.po`` file stops start-up instead of a page."""
    for lang in LANGUAGES:
        translations(lang)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message
