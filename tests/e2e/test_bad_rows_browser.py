"""In a real browser, names carrying markup are shown as text: no injected element, no script runs."""

from __future__ import annotations

import pytest

from seed.generator import SeedConfig

from ..bad_rows import SCRIPT, write_bad_rows
from ..conftest import seed_into
from .conftest import Server, wait_idle

PAGES = [
    "organization?community=S03C01",
    "grid_map?street=S03&sel=S03C01B01",
    "volunteers?street=S03",
    "overview?street=S03",
]


@pytest.fixture(scope="module")
def bad_server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('badweb') / 'bad.sqlite'}"
    seed_into(url, SeedConfig(scale=0.02))
    write_bad_rows(url)
    srv = Server(url)
    yield srv
    srv.stop()


@pytest.mark.parametrize("path", PAGES)
def test_markup_in_names_stays_text(browser, bad_server, shots, path):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{bad_server.base}/{path}")
        wait_idle(page)
        injected = page.evaluate(
            """() => ({
              img: document.querySelectorAll('img[src="x"], img[src$="/x"], img[src*="example.com"]').length,
              script: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
              bold: [...document.querySelectorAll('b')].filter(b => b.textContent === 'x').length,
            })"""
        )
        assert injected == {"img": 0, "script": 0, "bold": 0}, injected
        assert dialogs == []
        assert page.query_selector_all("[data-testid=stException]") == []
        if path.startswith("organization"):
            assert SCRIPT in page.inner_text("[data-testid=stMain]")  # shown literally
        page.screenshot(path=str(shots / f"bad-rows-{path.split('?')[0]}.png"), full_page=True)
    finally:
        ctx.close()
