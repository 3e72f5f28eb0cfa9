"""The README stays a page a newcomer reads in minutes, and every relative link in it and in docs/ (a Markdown
link or an image, with its #anchor) leads to a file, and a heading, that exists."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def _prose(text: str) -> str:
    """The text outside fenced code blocks and inline code spans (a link there is an example, not a link)."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, a
    repeated heading numbered -1, -2 …"""
    seen: dict[str, int] = {}
    out = set()
    for line in _prose_with_code_headings(text):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = re.sub(r"[^\w\- ]", "", m.group(1).replace("`", "").strip().lower()).replace(" ", "-")
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def _prose_with_code_headings(text: str) -> list[str]:
    """The lines outside fenced code blocks, inline code kept (a heading's code is part of its anchor)."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return kept


def links(page: Path) -> list[str]:
    return LINK.findall(_prose(page.read_text(encoding="utf-8")))


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, len(lines)


def test_the_link_check_sees_links_images_and_anchors():
    text = (
        "# A title\n\nSee [x](a.md#a-title), ![p](img/p.png) and `[not](a link)`.\n```\n[nor](this)\n```\n## A title\n"
    )
    assert LINK.findall(_prose(text)) == ["a.md#a-title", "img/p.png"]
    assert anchors(text) == {"a-title", "a-title-1"}
    assert anchors("## 工作简报 (`python -m report`)\n## Export a view (导出 PNG / PDF)") == {
        "工作简报-python--m-report",
        "export-a-view-导出-png--pdf",
    }


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert page.exists()
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto: … are not checked here
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / unquote(path)).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and unquote(anchor) not in anchors(file.read_text(encoding="utf-8")):
            broken.append(target)
    assert broken == []


def test_the_docs_are_linked_from_the_readme():
    """A page under docs/ is found from the README (directly or through a page it links)."""
    reached, todo = set(), [ROOT / "README.md"]
    while todo:
        page = todo.pop()
        for target in links(page):
            path = target.partition("#")[0]
            if path.endswith(".md") and not re.match(r"^[a-z]+:", path):
                file = (page.parent / unquote(path)).resolve()
                if file.exists() and file not in reached:
                    reached.add(file)
                    todo.append(file)
    missing = [str(p.relative_to(ROOT)) for p in PAGES[1:] if p.resolve() not in reached]
    assert missing == []
