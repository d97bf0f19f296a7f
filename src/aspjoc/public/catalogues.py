"""The portal's message catalogues: extract the message ids, keep the ``.po`` files in step, find gaps.

Message ids come from the public templates (``{{ _("…") }}`` and ``{% trans %}``) and from the
Python modules (``N_("…")``, ``_("…")``). ``aspjoc public catalogues`` rewrites
``translations/messages.pot`` and merges new ids into each ``.po`` file; ``missing`` lists the ids a
catalogue does not translate (the tests fail on any).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from aspjoc.public.languages import DEFAULT, LANGUAGES, TRANSLATIONS, po_path

PACKAGE = Path(__file__).resolve().parent
METHODS = [("templates/public/**.html", "jinja2.ext:babel_extract"), ("*.py", "python")]
OPTIONS = {"templates/public/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract() -> Catalog:
    """Every message id the portal shows, with where it is used."""
    catalog = Catalog(project="aspjoc public portal", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def write_template(catalog: Catalog) -> Path:
    path = TRANSLATIONS / "messages.pot"
    with path.open("wb") as out:
        write_po(out, catalog, width=100, omit_header=False)
    return path


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as source:
        return read_po(source, locale=lang)


def _header(lang: str) -> str:
    return (f"# {LANGUAGES[lang]} ({lang}) messages of the aspjoc public portal.\n"
            "# Keep them short and plain. After changing a public template or an advice text, run\n"
            "# `aspjoc public catalogues` and translate what it reports as missing.")


def update(lang: str, template: Catalog) -> int:
    """Merge ``template``'s ids into ``lang``'s ``.po`` file (created when absent); returns how many are untranslated."""
    path = po_path(lang)
    catalog = read(lang) if path.exists() else Catalog(locale=lang, project="aspjoc public portal", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.header_comment = _header(lang)
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, ignore_obsolete=True)
    return len(missing(lang, template))


def missing(lang: str, template: Catalog | None = None) -> list[str]:
    """The message ids of ``template`` (the extracted ones by default) that ``lang`` leaves untranslated or fuzzy."""
    wanted = template or extract()
    catalog = read(lang)
    gaps: list[str] = []
    for message in wanted:
        if not message.id:
            continue
        found = catalog.get(message.id)
        text = found.string if found is not None else ""
        filled = bool(text) if isinstance(text, str) else bool(text) and all(text or ())
        if found is None or found.fuzzy or not filled:
            gaps.append(str(message.id))
    return gaps


def translated_languages() -> list[str]:
    return [lang for lang in LANGUAGES if lang != DEFAULT]
