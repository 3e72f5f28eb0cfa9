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

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",  # the same glyph widths on screen and in the PDF
]


class RendererMissing(RuntimeError):
    """No Chromium (or no Playwright) on this server: exports and reports cannot be made here."""


def executable() -> str:
    """The Chromium to drive: ERQI_CHROMIUM, else Debian's /usr/bin/chromium, else one on PATH."""
    named = os.environ.get("ERQI_CHROMIUM", "").strip()
    for candidate in ([named] if named else []) + ["/usr/bin/chromium", shutil.which("chromium") or ""]:
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


def offline(page, allowed_origin: str | None = None) -> None:
    """Refuse every request but data: URLs and, when given, the app's own origin."""

    def decide(route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or (allowed_origin and url.startswith(allowed_origin)):
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
