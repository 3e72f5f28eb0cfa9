"""导出 at a street's scope, through a running server: a street secretary's PDF carries the street in its
filters, on the two map pages (each drawn at the street's scope) and the wall (the footer is one function for
every page, and the district's run exports every page), and the wall's PNG comes out at the layout's size
(test_export_browser holds the checks). A file of its own so that a second test worker runs it beside the
district's exports."""

from __future__ import annotations

from .test_export_browser import every_page_exports, export_server  # noqa: F401 - export_server: the fixture


def test_every_page_exports_at_a_streets_scope(export_server, browser, sqlite_url, tmp_path, shots):  # noqa: F811
    pages = ["grid_map", "volunteers", "briefing"]
    every_page_exports(export_server, browser, sqlite_url, "s03", tmp_path, shots, pages)
