"""Pre-drawing (serving.predraw): what a fresh process draws, in which order, and when it draws nothing."""

from __future__ import annotations

import pytest

from serving import predraw
from ui.chrome.shell import PAGES


def test_the_district_is_drawn_first_then_each_street():
    pages = predraw.targets(["S01", "S02"], "all")
    district = [(p, "") for p in predraw.DISTRICT_PAGES]
    assert pages[: len(district)] == district and pages[0] == ("overview", "")
    assert pages[len(district) :] == [(p, f"street={s}") for s in ("S01", "S02") for p in predraw.PLACE_PAGES]
    assert predraw.targets(["S01", "S02"], "district") == district


def test_every_page_of_the_app_is_drawn():
    slugs = {path.removeprefix("pages/").removesuffix(".py") for path, _key in PAGES}
    assert set(predraw.DISTRICT_PAGES) == slugs
    assert set(predraw.PLACE_PAGES) <= slugs


@pytest.mark.parametrize(("raw", "mode"), [("", "all"), ("district", "district"), ("OFF", "off"), ("maybe", "all")])
def test_the_setting(monkeypatch, raw, mode):
    monkeypatch.setenv("ERQI_PREDRAW", raw)
    assert predraw.mode() == mode
    assert predraw.status()["predraw"] == ("off" if mode == "off" else predraw._state["state"])


def test_only_where_a_newcomer_is_let_in_without_signing_in(app_env, users_env, monkeypatch):
    # behind a sign-in the pre-drawing's sessions would meet the sign-in screen: it does not start at all
    assert not predraw.newcomers_admitted()
    monkeypatch.delenv("ERQI_USERS_FILE")
    assert predraw.newcomers_admitted()  # the open demo (the test environment's ERQI_OPEN_DEMO=1)
