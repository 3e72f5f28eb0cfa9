"""导出 PNG / PDF through a running server, as a signed-in viewer meets it: every page at the district (and the
map pages and the wall at one street's scope, test_export_street_browser) gives a PDF whose text holds the
page's headline figures, the filters, the data date and the exporter, and the overview's every row with a
footer on each page; the overview, the grid map and the wall give a PNG of the layout's size; every export
is in the audit log."""

from __future__ import annotations

import json
import math
import re
import struct
import subprocess
from datetime import date
from pathlib import Path

import pytest

from auth.passwords import hash_password
from data_access.db import read_engine
from data_access.filters import Filters
from data_access.queries import overview

from .conftest import Server, wait_idle

PASSWORD = "pass-word-1"
USERS = {"office": ("district", "", "区委组织部"), "s03": ("street", "S03", "街道党工委书记")}
PAGES = ["overview", "organization", "grid_map", "volunteers", "explore", "data", "briefing"]
TITLES = {
    "overview": "总览",
    "organization": "组织体系",
    "grid_map": "网格地图",
    "volunteers": "志愿服务",
    "explore": "自助分析",
    "data": "数据说明",
    "briefing": "大屏",
}
AS_OF = "2017-09-30"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_pages(path: Path) -> tuple[int, tuple[float, float]]:
    """The page count and the first page's size in points (pdfinfo)."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    w, _x, h = fields["Page size"].split()[:3]
    return int(fields["Pages"]), (float(w), float(h))


@pytest.fixture(scope="module")
def export_server(sqlite_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    lines = []
    for login, (role, place, display) in USERS.items():
        lines += [f"[users.{login}]", f'role = "{role}"', f'place = "{place}"', f'display = "{display}"']
        lines.append(f'password = "{hash_password(PASSWORD, n=2**10)}"')
    (folder / "users.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = folder / "audit.jsonl"
    # the deadline is tested on its own (test_export_worker); here a render must finish even when the test
    # workers' browsers and servers share the two cores, so the server allows more than production's 60 s
    srv = Server(
        sqlite_url,
        ERQI_USERS_FILE=str(folder / "users.toml"),
        ERQI_AUDIT_LOG=str(log),
        ERQI_EXPORT_TIMEOUT_SECONDS="240",
    )
    srv.audit = log
    yield srv
    srv.stop()


def figures(sqlite_url: str, street: str | None) -> tuple[dict, str | None]:
    """The overview's figures for the scope, from the query layer, and the street's name."""
    engine = read_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            places = overview.places(conn)
            first, last = overview.date_bounds(overview.dataset_info(conn))
            sid = None
            name = None
            if street:
                row = places.streets[places.streets["code"] == street].iloc[0]
                sid, name = int(row["id"]), str(row["name"])
            return overview.kpis(conn, Filters(first, last, street_id=sid)), name
    finally:
        engine.dispose()


def sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/overview")
    page.locator(".st-key-auth_user input").fill(login)
    page.locator(".st-key-auth_password input").fill(PASSWORD)
    page.locator("[data-testid=stFormSubmitButton] button").click()
    wait_idle(page)
    page.wait_for_selector(".st-key-snap_png button", timeout=60_000)


def go_to(page, slug: str) -> None:
    """Another page of the same session (a new address would be a new session, signed out)."""
    if not page.url.split("?")[0].endswith(f"/{slug}"):
        page.locator(f"[data-testid=stHeader] a[href$='/{slug}']").first.click()
        page.wait_for_url(f"**/{slug}**", timeout=30_000)
    wait_idle(page)


def export(page, kind: str, folder: Path, slug: str) -> tuple[Path, str]:
    if slug == "briefing":  # the wall folds its sidebar away
        expand = page.locator("[data-testid=stExpandSidebarButton]")
        if expand.count() and expand.first.is_visible():
            expand.first.click()
            page.wait_for_timeout(600)
    page.locator(f".st-key-snap_{kind} button").click()
    ready = page.locator(".st-key-snap_file button").filter(has_text=f".{kind}")
    refused = page.locator(".st-key-snap_holder [data-testid=stAlert]")
    ready.or_(refused).first.wait_for(timeout=300_000)
    assert not refused.count(), (slug, kind, refused.first.inner_text())  # the page's own reason, not a timeout
    with page.expect_download(timeout=60_000) as info:
        ready.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target, info.value.suggested_filename


def test_every_page_exports_as_png_and_pdf(export_server, browser, sqlite_url, tmp_path, shots):
    every_page_exports(export_server, browser, sqlite_url, "office", tmp_path, shots)


def every_page_exports(
    export_server, browser, sqlite_url, login: str, tmp_path: Path, shots: Path, slugs: list[str] = PAGES
) -> None:
    """Sign in as login, export each page of slugs as a PDF (and three of them as PNGs) and check each file
    and the audit log; the district's overview PDF holds every row of its ranking and a footer on every page."""
    role, place, display = USERS[login]
    k, street_name = figures(sqlite_url, place or None)
    # every PDF; the PNGs of the overview (a long page: the picture grows to its height), the grid map (a map
    # drawn on the server) and the wall (one 1920×1080 screen) at the district, of the wall at a street: the
    # picture is drawn by the same renderer for every page
    pngs = [s for s in ("overview", "grid_map", "briefing") if s in slugs] if not place else ["briefing"]
    # the viewer only clicks: a small window draws less (the file is rendered at 1920×1080 by the server)
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = ctx.new_page()
    try:
        sign_in(page, export_server.base, login)
        for slug in slugs:
            go_to(page, slug)
            if slug in pngs:
                png, name = export(page, "png", tmp_path, slug)
                width, height = png_size(png.read_bytes())
                assert width == 1920, (slug, width)
                assert height == 1080 if slug == "briefing" else height >= 1080, (slug, height)
                assert name.startswith(f"erqi-{slug}-{place or 'district'}-")
                png.rename(shots / f"export-{login}-{slug}.png")
            pdf, name = export(page, "pdf", tmp_path, slug)
            assert name.startswith(f"erqi-{slug}-{place or 'district'}-")
            text = pdf_text(pdf)
            flat = "".join(text.split())  # pdftotext breaks lines where the layout does
            assert f"页面：{TITLES[slug]}" in flat, slug
            assert f"数据截至{AS_OF}" in flat, slug
            assert f"导出人：{display}" in flat, slug
            assert "日期：" in flat and "对比：同比" in flat, slug
            assert "示例数据" in flat, slug
            if place:
                assert f"范围：全区›{street_name}" in flat, slug  # the filters in words: the street's scope
            else:
                assert "范围：全区" in flat and "›" not in flat.split("范围：")[1][:12], slug
            if slug in ("overview", "briefing"):  # the headline figures, as the query layer has them
                assert f"{k['members']:,}" in flat, (slug, k["members"])
                assert f"{k['building_groups']:,}" in flat, slug
            if slug == "overview" and not place:
                holds_every_row_and_a_footer_on_every_page(pdf, sqlite_url)
            pages, (w, h) = pdf_pages(pdf)
            if slug == "briefing":  # the wall: one 16:9 page
                assert pages == 1 and round(w / h, 3) == round(16 / 9, 3), (pages, w, h)
            else:  # A4 landscape, as many pages as the page needs
                assert pages >= 1 and (round(w), round(h)) == (842, 595), (slug, w, h)
    finally:
        ctx.close()
    events = [json.loads(line) for line in export_server.audit.read_text(encoding="utf-8").splitlines()]
    mine = [e for e in events if e["event"] == "export" and e["user"] == login and e.get("format") in ("png", "pdf")]
    expected = [(s, "pdf") for s in slugs] + [(s, "png") for s in pngs]
    assert sorted((e["page"], e["format"]) for e in mine) == sorted(expected)
    assert all(e["scope"] == (place or "district") for e in mine)


def holds_every_row_and_a_footer_on_every_page(pdf: Path, sqlite_url: str) -> None:
    """The overview's ranking is longer than its scrolling box (about 10 of the 17 streets show): the PDF
    prints every street's row with its hours, and each page carries the footer and its page number."""
    text = pdf_text(pdf)
    start, end = re.search(r"日期：\s*(\d{4}-\d{2}-\d{2})\s*—\s*(\d{4}-\d{2}-\d{2})", text).groups()
    engine = read_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            f = Filters(date.fromisoformat(start), date.fromisoformat(end))
            ranking = overview.area_ranking(conn, f)
    finally:
        engine.dispose()
    assert len(ranking) == 17
    lines = text.splitlines()
    for row in ranking.itertuples():  # the table's row: the name, then its hours (the chart has no such line)
        value = float(row.hours)  # a half hour rounds either way, whichever rounding the page uses
        hours = "|".join(f"{int(v):,}" for v in {math.floor(value + 0.5), round(value)})
        assert any(re.search(rf"{re.escape(row.area)}\s+({hours})(\s|$)", line) for line in lines), (row.area, hours)
    pages, _size = pdf_pages(pdf)
    assert pages >= 2
    for n in range(1, pages + 1):
        one = "".join(
            subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, check=True)
            .stdout.decode("utf-8")
            .split()
        )
        assert f"第{n}页/共{pages}页" in one, n
        assert "导出人：" in one and "数据截至" in one and "页面：总览" in one, n
