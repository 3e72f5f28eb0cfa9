"""Bad rows already in the database (markup and emoji in names, empty names, missing coordinates, orphan
orgs, a cycle, extreme values): every page still renders, says what it left out and why, and never
renders a name as HTML or Markdown."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from seed.generator import SeedConfig
from ui.chrome.shell import PAGES as SHELL_PAGES
from ui.safe_text import md

from .bad_rows import BOLD, HOSTILE, IMG, ORPHANS, SCRIPT, write_bad_rows
from .conftest import PROJECT, clear_caches, point_app_at, seed_into

APP = str(PROJECT / "app.py")
PAGES = [path for path, _key in SHELL_PAGES]
SCOPES = [{}, {"street": "S03"}, {"community": "S03C01"}, {"bg": "S03C01B01"}, {"community": "S03C02"}]
TOOLTIP_FIELDS = {"tt", "t1", "t2", "t3", "tip"}


@pytest.fixture(scope="module")
def bad_db(tmp_path_factory) -> tuple[str, dict]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'bad.sqlite'}"
    seed_into(url, SeedConfig(scale=0.02))
    return url, write_bad_rows(url)


@pytest.fixture()
def bad_env(bad_db, monkeypatch):
    point_app_at(monkeypatch, bad_db[0])
    yield bad_db[1]
    clear_caches()


def open_page(path: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(path).run()
    return at


def markdown_sources(at: AppTest) -> list[str]:
    """Everything Streamlit renders as Markdown: markdown, captions, alerts, toasts, button labels."""
    kinds = ("markdown", "caption", "warning", "info", "error", "success", "toast")
    out = [e.value for kind in kinds for e in getattr(at, kind)]
    return out + [b.label for b in at.button]


def html_bodies(at: AppTest) -> list[str]:
    bodies = [str(h.proto.body) for h in at.get("html")]
    bodies += [m.value for m in at.markdown if m.proto.allow_html]
    return bodies


def tooltip_texts(at: AppTest) -> list[str]:
    """The fields pydeck's tooltip templates put into HTML, from every map on the page."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in TOOLTIP_FIELDS and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for deck in at.get("deck_gl_json_chart"):
        walk(json.loads(deck.proto.json))
    return found


def assert_nothing_rendered_as_markup(at: AppTest) -> None:
    for text in html_bodies(at) + tooltip_texts(at):
        for raw in (SCRIPT, BOLD, IMG):
            assert raw not in text, f"raw {raw!r} reaches HTML: {text[:200]}"
    for text in markdown_sources(at):
        for raw in HOSTILE:
            assert raw not in text, f"unescaped {raw!r} reaches Markdown: {text[:200]}"
        assert not re.search(r"(?<!\\)\]\(http", text), f"a live Markdown link or image: {text[:200]}"


@pytest.mark.parametrize("params", SCOPES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "district")
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_bad_rows(bad_env, path, params):
    at = open_page(path, params)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert_nothing_rendered_as_markup(at)


def test_hostile_names_appear_literally(bad_env):
    at = open_page("pages/organization.py", {"community": "S03C01"})
    shown = " ".join(markdown_sources(at))
    assert md(SCRIPT) in shown  # escaped for Markdown: the viewer reads the characters, nothing runs
    at = open_page("pages/grid_map.py", {"street": "S03"})
    tips = " ".join(tooltip_texts(at))
    assert "&lt;img src=x onerror=alert(1)&gt;" in tips


def test_org_page_says_which_orgs_it_left_out_and_why(bad_env):
    at = open_page("pages/organization.py", {})
    captions = " ".join(c.value for c in at.caption)
    assert f"{ORPHANS} 个组织因上级缺失未显示" in captions
    assert "3 个组织的上级关系成环，未显示" in captions
    assert "2 个组织或楼院名称为空" in captions


def test_maps_say_what_has_no_coordinates(bad_env):
    at = open_page("pages/grid_map.py", {"community": "S03C01"})
    captions = " ".join(c.value for c in at.caption)
    assert "2 个楼院党小组缺少坐标，未在地图显示" in captions
    at = open_page("pages/grid_map.py", {"community": "S03C02"})
    assert "所选范围缺少边界" in " ".join(c.value for c in at.caption)
    at = open_page("pages/volunteers.py", {"street": "S03"})
    captions = " ".join(c.value for c in at.caption)
    assert "社区小厨房缺少坐标" in captions


def test_extreme_values_do_not_break_the_figures(bad_env):
    at = open_page("pages/overview.py", {"street": "S03"})
    assert {m.label for m in at.metric} >= {"基层党组织", "志愿服务时数"}
    assert not at.exception
