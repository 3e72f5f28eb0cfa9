"""Launching the machine's Chromium the one way that works offline and headless, and printing HTML to PDF.

Never downloads a browser: Debian's `chromium` (or ERQI_CHROMIUM) is driven by Playwright. Every request
the page makes to anywhere but the address it was opened at (or a data: URL) is refused, so a report or an
export can never fetch a font, a tile or a script from the network."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

# the launch recipe that works headless and offline here (the browser tests use it as it is)
RECIPE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARGS = [*RECIPE, "--font-render-hinting=none"]  # the same glyph widths on screen and in the PDF


class RendererMissing(RuntimeError):
    """No Chromium (or no Playwright) on this server: exports and reports cannot be made here."""


def executable() -> str:
    """The Chromium to drive: ERQI_CHROMIUM, else Debian's /usr/bin/chromium, else one on PATH."""
    named = os.environ.get("ERQI_CHROMIUM", "").strip()
    if named:  # a configured browser is the one to use: a wrong path is said, not worked around
        if Path(named).exists():
            return named
        raise RendererMissing(f"ERQI_CHROMIUM names no file: {named}")
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    raise RendererMissing("chromium is not installed (apt-get install chromium fonts-noto-cjk)")


@contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium for the length of the block (closed however the block ends)."""
    path = executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - requirements.txt pins it
        raise RendererMissing("playwright is not installed (pip install -r requirements.txt)") from exc
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an address, the port filled in for http and https."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def offline(page: Page, *allowed: str) -> None:
    """Refuse every request but data:/blob: URLs and those to the given addresses' origins (exactly their
    scheme, host and port: the app's own, and an intranet tile server the viewer's map shows)."""
    origins = {origin(a) for a in allowed if a}

    def decide(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or origin(url) in origins:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", decide)


def pdf_from_html(
    html: str, out: Path, *, landscape: bool = False, paper: str = "A4", timeout_ms: int = 60_000
) -> Path:
    """Print a self-contained HTML document (inline CSS and SVG, no network) to a PDF file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        page = b.new_page(viewport={"width": 1240, "height": 1754})
        page.set_default_timeout(timeout_ms)
        offline(page)
        page.set_content(html, wait_until="load")
        page.evaluate("document.fonts.ready")
        page.pdf(
            path=str(out),
            format=paper,
            landscape=landscape,
            print_background=True,
            prefer_css_page_size=True,
        )
    return out
