"""A CSV download in a real browser: made when clicked (Streamlit's deferred download), no file address in
the page before, the file is the table on screen, and the click is in the audit log."""

from __future__ import annotations

import json

from .conftest import Server, stop_process, wait_idle


def test_a_click_downloads_the_table_and_logs_it(browser, sqlite_url, tmp_path):
    log = tmp_path / "audit.jsonl"
    srv = Server(sqlite_url, ERQI_AUDIT_LOG=str(log))
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    try:
        page = ctx.new_page()
        page.goto(f"{srv.base}/organization")
        wait_idle(page)
        html = page.content()
        assert ".csv" not in html  # no file address to fetch before a click
        button = page.locator("[data-testid=stDownloadButton] button").first
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        with open(download.path(), "rb") as fh:
            data = fh.read()
        assert data.startswith("\ufeff".encode()) and data.count(b"\n") > 10
        assert download.suggested_filename.endswith(".csv")
        events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        assert [e["file"] for e in events if e["event"] == "export"] == [download.suggested_filename]
    finally:
        ctx.close()
        stop_process(srv.proc)
