"""Capture one page of the running app as the viewer sees it: a PNG of the whole page, or a PDF (A4
landscape, paginated between blocks; the wall as one 16:9 page). Runs inside the worker process."""

from __future__ import annotations

import base64
import html
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from .chromium import browser, offline

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WIDTH, HEIGHT = 1920, 1080  # the layouts are designed at 1920×1080
A4_LANDSCAPE_PX = 1122  # 297 mm at 96 px per inch: the PDF scales the 1920-wide layout onto it
FOOTER = "#export-footer"
READY = "[data-testid=stApp][data-test-script-state=notRunning]"
REFUSED = ".export-refused, .st-key-auth_user"  # refused, or the sign-in screen (the viewer was signed out)
BROKEN = "[data-testid=stException], .st-key-db_problem"  # a bug, or the database's plain message
# every chart has its canvas or SVG, every map its canvas, and nothing is still loading
DRAWN = """() => {
  const charts = document.querySelectorAll('[data-testid=stVegaLiteChart], [data-testid=stDeckGlJsonChart]');
  return Array.from(charts).every(c => c.querySelector('canvas, svg')) &&
    !document.querySelector('[data-testid=stSkeleton], [data-testid=stSpinner]');
}"""

# The app scrolls inside its main area; printed, that area must flow over pages instead. Blocks (a chart, a
# map, a table, a row of tiles) are not cut between pages.
PRINT_CSS = """
@page { size: A4 landscape; margin: 8mm 8mm 13mm 8mm; }
html, body, [data-testid=stApp], [data-testid=stAppViewContainer], [data-testid=stMain],
[data-testid=stMainBlockContainer] { height: auto !important; overflow: visible !important; position: static !important; }
[data-testid=stMain] { display: block !important; }
[data-testid=stElementContainer], [data-testid=stHorizontalBlock], [data-testid=stVerticalBlockBorderWrapper],
img.export-frozen, #export-footer { break-inside: avoid; page-break-inside: avoid; }
h1, h2, h3, h4, [data-testid=stHeading] { break-after: avoid; page-break-after: avoid; }
[data-testid=stElementContainer]:has(table.print-table), [data-testid=stHorizontalBlock]:has(table.print-table),
[data-testid=stVerticalBlockBorderWrapper]:has(table.print-table) { break-inside: auto; page-break-inside: auto; }
"""
# the footer is printed at the foot of every page (Chromium's footer template), so not again at the end
FOOTER_ON_EVERY_PAGE_CSS = "#export-footer { display: none !important; }"
_FOOTER_TEXT = """() => {
  const f = document.querySelector('#export-footer');
  return f ? [f.innerText.replace(/\\s+/g, ' ').trim(), f.dataset.pages || ''] : ['', ''];
}"""

_FREEZE = """(shots) => {
  const canvases = Array.from(document.querySelectorAll('canvas'));
  shots.forEach((src, i) => {
    const c = canvases[i];
    if (!c || !src) return;
    const r = c.getBoundingClientRect();
    const img = document.createElement('img');
    img.src = src; img.className = 'export-frozen';
    img.style.width = r.width + 'px'; img.style.height = r.height + 'px';
    img.style.position = getComputedStyle(c).position === 'absolute' ? 'absolute' : 'static';
    img.style.left = c.style.left; img.style.top = c.style.top; img.style.display = 'block';
    c.replaceWith(img);
  });
}"""


class CaptureFailed(RuntimeError):
    """The page did not come up as an export (refused, an error on the page, or never finished)."""


def _settle(page: Page, timeout_ms: int) -> None:
    """Wait for the script to finish, the footer to be drawn and every chart and map to have drawn."""
    page.wait_for_selector(READY, timeout=timeout_ms)
    _mark("ready")
    page.wait_for_selector(f"{FOOTER}, {REFUSED}, {BROKEN}", timeout=timeout_ms)
    _mark("footer")
    refused = page.locator(REFUSED)
    if refused.count():  # the grant was refused, or the viewer's sign-in no longer holds
        raise CaptureFailed("refused: " + (refused.first.inner_text() or "signed out")[:200])
    if not page.locator(FOOTER).count():
        raise CaptureFailed("the page showed an error or a database problem")
    page.wait_for_function(DRAWN, timeout=timeout_ms)
    _mark("drawn")
    if page.locator("[data-testid=stDeckGlJsonChart]").count():  # maps the server could not draw (tiles)
        page.wait_for_timeout(400)  # a map's first frame after its layers loaded
    try:  # a rerun the first draw set off (a map's selection state) ends within moments; a timed one need not
        page.wait_for_selector(READY, timeout=3000)
    except Exception:  # noqa: BLE001 - Playwright's timeout: the page as drawn is the page
        pass
    if page.locator("[data-testid=stException]").count():
        raise CaptureFailed("the page showed an error")
    page.evaluate("document.fonts.ready")


def _whole_height(page: Page) -> int:
    return int(page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight"))


def _freeze_canvases(page: Page) -> None:
    """Maps draw with WebGL, which a print does not redraw: each canvas becomes the picture it shows."""
    shots = []
    for handle in page.query_selector_all("canvas"):
        box = handle.bounding_box()
        if not box or box["width"] < 2 or box["height"] < 2:
            shots.append("")
            continue
        shots.append("data:image/png;base64," + base64.b64encode(handle.screenshot(animations="disabled")).decode())
    page.evaluate(_FREEZE, shots)


def footer_template(text: str, pages: str) -> str:
    """Chromium's footer for every printed page: the export's footer line (filters, data dates, exporter)
    and "page n of total" in the viewer's language ({n} and {total} in pages)."""
    if not text:
        return ""
    counter = html.escape(pages or "{n} / {total}")
    counter = counter.replace("{n}", '<span class="pageNumber"></span>')
    counter = counter.replace("{total}", '<span class="totalPages"></span>')
    return (
        '<div style="box-sizing:border-box;width:100%;padding:0 8mm;display:flex;gap:6mm;justify-content:space-between;align-items:flex-end;'
        "font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;font-size:7.5px;line-height:1.4;color:#333;\">"
        f'<span>{html.escape(text)}</span><span style="white-space:nowrap">{counter}</span></div>'
    )


_clock = [time.monotonic()]


def _mark(stage: str) -> None:
    """Each stage's time on stderr (the worker logs it at debug level): where an export spends its time."""
    now = time.monotonic()
    print(f"{stage} {now - _clock[0]:.2f}s", file=sys.stderr)
    _clock[0] = now


def capture(
    url: str,
    kind: str,
    out: Path,
    *,
    wall: bool = False,
    timeout_ms: int = 45_000,
    running: Browser | None = None,
    allow: tuple[str, ...] = (),
) -> Path:
    """Open url (the app's own address with an export grant) and write the PNG or PDF to out, in the
    running browser when given (a warm worker's), else in one started for it."""
    _mark("start")
    options = {
        "viewport": {"width": WIDTH, "height": HEIGHT},
        # the 1920-wide layout on A4 landscape puts ~165 pixels to the inch: print quality for the maps and
        # charts, where twice that costs the software WebGL four times the pixels (seconds on the wall)
        "device_scale_factor": 1,
        "locale": "zh-CN",
    }
    with ExitStack() as stack:
        b = running if running is not None else stack.enter_context(browser())
        context = b.new_context(**options)
        stack.callback(context.close)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        offline(page, url, *allow)
        _mark("browser")
        page.goto(url, wait_until="domcontentloaded")
        _settle(page, timeout_ms)
        _mark("settled")
        # the whole page in one picture; paper is laid out page by page at the screen's width, and a viewport
        # the page's full height (the organisation list: 40,000 px) cost the PDF 30 s and 2.2 GB
        if not wall and kind == "png":
            page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, _whole_height(page))})
            page.wait_for_timeout(300)  # the layout at the new height (charts follow their container's width only)
            page.wait_for_selector(READY, timeout=timeout_ms)
        _mark("expanded")
        out.parent.mkdir(parents=True, exist_ok=True)
        if kind == "png":
            page.screenshot(path=str(out), full_page=not wall, animations="disabled")
        else:
            _freeze_canvases(page)
            page.emulate_media(media="screen")  # the layout on screen, not Streamlit's own print styles
            if wall:
                page.add_style_tag(content="@page { size: 1920px 1080px; margin: 0; }")
                page.pdf(path=str(out), width="1920px", height="1080px", print_background=True, page_ranges="1")
            else:
                footer = footer_template(*page.evaluate(_FOOTER_TEXT))
                page.add_style_tag(content=PRINT_CSS + (FOOTER_ON_EVERY_PAGE_CSS if footer else ""))
                page.pdf(
                    path=str(out),
                    format="A4",
                    landscape=True,
                    print_background=True,
                    scale=round((A4_LANDSCAPE_PX - 2 * 30) / WIDTH, 3),
                    prefer_css_page_size=True,
                    display_header_footer=bool(footer),
                    header_template="<span></span>",
                    footer_template=footer or "<span></span>",
                )
        _mark("written")
    return out
