"""The evidence pages in headless Chromium: attach, custody log, verify (clean and tampered), transfer, package download."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from evidence_helpers import Casework, stored_path, tamper
from support import PASSWORD, Factory, screenshot, sign_in

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def test_attach_view_verify_tamper_and_package_from_the_console(page: Any, live_server: Any, make: Factory,
                                                                 settings: Any, tmp_path: Path) -> None:
    w = Casework(make, passwords=True)
    base = live_server.url
    screenshot_file = tmp_path / "fake-app-screenshot.png"
    screenshot_file.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01\x02" * 4000)
    chat = tmp_path / "chat.txt"
    chat.write_text("coach: deposit 500 USDT today\n" * 50)
    _sign_in(page, base, "inv@th.aspjoc.test")
    page.goto(f"{base}/graph/entities/{w.th_entity}")
    page.click("#entity-details >> text=Evidence")
    page.wait_for_url(f"{base}/evidence?subject_type=entity&subject_id={w.th_entity}")
    for path, description in ((screenshot_file, "Screenshot of the fake trading app"), (chat, "Chat export")):
        page.set_input_files("#file", str(path))
        page.fill("#description", description)
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#added")
    listing = page.inner_text("#evidence-list")
    assert hashlib.sha256(screenshot_file.read_bytes()).hexdigest() in listing and "chat.txt" in listing
    page.click("#verify-form button")
    assert "All 2 files match" in page.inner_text("#verify-result")
    screenshot(page, "evidence-subject")

    page.click("#evidence-list >> text=chat.txt")
    page.wait_for_selector("#custody")
    with page.expect_download() as download:
        page.click("#download-link")
    assert Path(download.value.path()).read_bytes() == chat.read_bytes()
    page.reload()
    assert page.locator("#custody tbody td:nth-child(2)").all_inner_texts() == ["intake", "download"]
    page.select_option("#to_organisation", label="Philippine Cyber Unit")
    page.fill("#transfer-purpose", "MLA request PH-2026-77")
    page.click("#transfer-form button")
    page.wait_for_selector("#custody >> text=transfer")
    assert page.inner_text("#custodian") == "Philippine Cyber Unit"
    screenshot(page, "evidence-item-custody")

    page.goto(f"{base}/evidence?subject_type=entity&subject_id={w.th_entity}")
    page.fill("#purpose", "Mutual legal assistance request")
    page.fill("#reference", "MLA-2026-041")
    with page.expect_download() as package:
        page.click("#export-form button")
    archive = zipfile.ZipFile(package.value.path())
    manifest = json.loads(archive.read("manifest.json"))
    assert {i["filename"] for i in manifest["items"]} == {"fake-app-screenshot.png", "chat.txt"}
    assert all(hashlib.sha256(archive.read(i["path"])).hexdigest() == i["sha256"] for i in manifest["items"])

    item = next(i for i in manifest["items"] if i["filename"] == "fake-app-screenshot.png")
    tamper(stored_path(settings, item["sha256"]))
    page.click("#verify-form button")
    result = page.inner_text("#verify-result")
    assert "1 of 2 files fail" in result and "fake-app-screenshot.png" in result and "changed" in result
    assert "FAILED" in page.inner_text("#evidence-list")
    screenshot(page, "evidence-tampered")
