"""Every public page in seven languages from Babel catalogues, chosen by browser, switch or cookie; light pages."""

from __future__ import annotations

import re
from typing import Any

from aspjoc.public import catalogues
from aspjoc.public.languages import LANGUAGES, from_accept_language, negotiate, translations
from public_helpers import HTML, Region
from support import Factory

PAGES = ["/public/", "/public/check", "/public/check?q=%2B66812345678", "/public/check?q=*", "/public/report",
         "/public/delist", "/public/advisories", "/public/advisories/no-such-advisory"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_catalogue_translates_every_message_the_pages_use() -> None:
    template = catalogues.extract()
    ids = {m.id for m in template if m.id}
    assert {"Check before you pay", "Report a scam", "Not reported does not mean safe: scammers change numbers, "
            "accounts and links all the time."} <= ids  # the templates and the Python advice are both extracted
    for lang in catalogues.translated_languages():
        assert catalogues.missing(lang, template) == [], lang
        catalogue = catalogues.read(lang)
        for message in catalogue:
            if message.id:
                assert sorted(PLACEHOLDER.findall(str(message.string))) == sorted(PLACEHOLDER.findall(str(message.id))), (lang, message.id)


def test_a_message_missing_from_a_catalogue_is_caught() -> None:
    template = catalogues.extract()
    template.add("A sentence no translator has seen yet")
    for lang in catalogues.translated_languages():
        assert catalogues.missing(lang, template) == ["A sentence no translator has seen yet"]


def test_language_comes_from_switch_then_cookie_then_browser() -> None:
    assert from_accept_language("fr-FR,fr;q=0.9,th;q=0.8,en;q=0.5") == "th"
    assert from_accept_language("tl-PH,en;q=0.1") == "fil"
    assert from_accept_language("km-KH;q=0.2,ms;q=0.7") == "ms"
    assert from_accept_language("de, fr") is None
    assert negotiate("vi", "th", "id") == "vi"
    assert negotiate(None, "th", "id") == "th"
    assert negotiate("xx", None, "id-ID") == "id"
    assert negotiate(None, None, "") == "en"


def test_switch_is_remembered_in_a_cookie(client: Any) -> None:
    first = client.get("/public/check?lang=km", headers=HTML)
    assert '<html lang="km">' in first.text and "aspjoc_lang=km" in first.headers["set-cookie"]
    assert '<html lang="km">' in client.get("/public/report", headers=HTML).text
    assert '<html lang="th">' in client.get("/public/report", headers={**HTML, "accept-language": "en"}, params={"lang": "th"}).text


def test_every_public_page_in_every_language_is_translated_light_and_script_free(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", public_use=True, crime_type="investment_scam")
    css = client.get("/public/public.css").content
    for lang in LANGUAGES:
        check_word = translations(lang).gettext("Check")
        for path in PAGES:
            reply = client.get(path, headers={**HTML, "accept-language": lang})
            html = reply.text
            assert f'<html lang="{lang}">' in html, (lang, path)
            assert f">{check_word}</a>" in html, (lang, path)
            assert "<script" not in html.lower() and "htmx" not in html, path
            assert len(reply.content) + len(css) < 100_000, (lang, path, len(reply.content))
            assert 'name="viewport" content="width=device-width' in html


def test_verdict_page_shows_translated_crime_types_and_always_warns_that_not_reported_is_not_safe(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", public_use=True, crime_type="investment_scam")
    reported = client.get("/public/check", params={"q": "+66812345678", "lang": "th"}, headers=HTML).text
    assert "มีรายงานว่าถูกใช้ในการหลอกลวง" in reported and "หลอกลวงให้ลงทุน" in reported
    assert "ไม่พบรายงาน ไม่ได้แปลว่าปลอดภัย" in reported
    clean = client.get("/public/check", params={"q": "+66812340000", "lang": "vi"}, headers=HTML).text
    assert "Chưa có báo cáo" in clean and "không có nghĩa là an toàn" in clean
