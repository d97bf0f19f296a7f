"""The console's upload page in headless Chromium: upload a feed, see the summary and the rejected lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support import PASSWORD, Factory, screenshot

pytestmark = pytest.mark.browser

FEED = """# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3001","2026-05-30 09:12:01","http://198.51.100.23:48213/bins/mozi.m","online","","malware_download","elf,Mozi","https://urlhaus.abuse.ch/url/3001/","r"
"3002","2026-05-30 09:13:44","https://files-update.example/wp/x.exe","online","","malware_download","exe","https://urlhaus.abuse.ch/url/3002/","r"
"3003","yesterday","http://203.0.113.9/a","online","","malware_download","","https://urlhaus.abuse.ch/url/3003/","r"
"3004","2026-05-30 09:15:00","http://","online","","malware_download","","https://urlhaus.abuse.ch/url/3004/","r"
"3005","2026-05-30 09:16:00","http://203.0.113.9/b","online"
"""


def test_upload_shows_the_summary_and_rejected_lines(page: Any, live_server: Any, make: Factory, tmp_path: Path) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    make.user("analyst@fj.aspjoc.test", org)
    feed = tmp_path / "urlhaus.csv"
    feed.write_text(FEED)
    base = live_server.url
    page.goto(f"{base}/signin")
    page.fill("#email", "analyst@fj.aspjoc.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("header nav a[href='/ingest']").count() == 1  # in the top bar (perhaps inside a menu)
    page.goto(f"{base}/ingest")
    page.set_input_files("#file", str(feed))
    page.select_option("#format", "urlhaus-csv")
    page.select_option("#tlp", "amber")
    page.fill("#source", "URLhaus recent")
    screenshot(page, "ingest-upload-form")
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#summary")
    assert page.inner_text("#stat-read") == "5"
    assert page.inner_text("#stat-stored") == "2"
    assert page.inner_text("#stat-rejected") == "3"
    rejected = page.inner_text("#rejections")
    assert "dateadded" in rejected and "yesterday" in rejected and "found 4 fields" in rejected
    assert "TLP:AMBER" in page.inner_text("#status")
    screenshot(page, "ingest-run-summary")
    page.goto(f"{base}/ingest")
    assert "URLhaus recent" in page.inner_text("#runs")
