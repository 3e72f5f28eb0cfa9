"""The export's rules in the app (AppTest): who may export what, the renderer's one-off grant, and the
public screen. The files themselves are made through a running server in tests/e2e/test_export_browser.py."""

from __future__ import annotations

import time

import pytest

from auth import audit
from auth.settings import load
from render import grants
from serving import run_gate
from ui.access import gate
from ui.chrome import snapshot, stand_ins
from ui.chrome.shell import PAGES

from .conftest import PASSWORD
from .test_access_app import new_app, sign_in


@pytest.fixture()
def db_url(sqlite_url):
    """One backend: who may export what does not depend on it (the renderer reads what the pages read, and
    the pages are proven on both)."""
    return sqlite_url


def _events(log, name: str) -> list[dict]:
    return [e for e in audit.read(log) if e["event"] == name]


def test_a_street_users_export_of_another_street_is_refused(users_env, monkeypatch):
    ran = []
    monkeypatch.setattr("render.worker.run", lambda *a, **k: ran.append(a))  # must never be reached
    at = sign_in(new_app(), "s03")
    # the view names another street (the sidebar offers none: the URL of a session is cleaned on its first
    # run, so this stands for any way a request could carry one)
    monkeypatch.setattr(snapshot, "view_params", lambda: {"street": "S05"})
    at.button(key="snap_png").click().run()
    assert ran == []
    assert any("导出被拒绝" in e.value for e in at.error)
    refused = _events(users_env, "export_refused")
    assert refused and refused[-1]["user"] == "s03" and "street=S05" in refused[-1]["reason"]
    assert _events(users_env, "export") == []


def test_the_renderer_refuses_a_view_outside_the_viewers_scope(users_env):
    """A grant whose view names another street is refused by the renderer's session too (never narrowed
    silently into a different picture)."""
    who = gate.check_password(load(), "s03", PASSWORD)
    token = grants.issue(grants.Grant(who, "overview", {"street": "S05"}, exporter="s03", issued_at=time.time()))
    at = new_app({"street": "S05", "export": token})
    at.run()
    assert any("export-refused" in h.proto.body for h in at.get("html"))
    assert not at.metric


def test_outside_scope_names_each_place_outside():
    every = {"streets": {"S03", "S05"}, "communities": {"S03C01", "S05C01"}, "groups": {"S03C01B01", "S05C01B02"}}
    inside = {"streets": {"S03"}, "communities": {"S03C01"}, "groups": {"S03C01B01"}}
    view = {"street": "S03", "community": "S03C01", "sel": "S05C01B02", "places": "S03C01,S05C01", "lang": "en"}
    assert snapshot.outside_scope(view, every, inside) == ["sel=S05C01B02", "places=S05C01"]
    assert snapshot.outside_scope({"street": "S03", "bg": "S03C01B01"}, every, inside) == []


def test_an_export_is_made_checked_and_audited(users_env, monkeypatch):
    """The click hands the worker this process's own address with a one-off token; the file is offered for
    download, and the audit log says who exported which page and view."""
    from render.worker import Rendered

    asked, held = [], []

    def fake_run(url, kind, wall=False, allow=()):
        asked.append((url, kind, wall))
        # the worker's browser opens the page in a session of its own on this same server: the click's
        # run must have given its turn up meanwhile (serving.run_gate), or that page would wait for it
        held.append(run_gate.gate().running)
        return Rendered(b"%PDF-1.7 test", 1.5, 300.0)

    monkeypatch.setattr("render.worker.run", fake_run)
    at = sign_in(new_app(), "office")
    at.switch_page("pages/briefing.py").run()
    at.button(key="snap_pdf").click().run()
    ((url, kind, wall),) = asked
    assert held == [0]
    assert kind == "pdf" and wall and "/briefing?" in url and "export=" in url
    assert at.get("download_button")  # the file, offered
    done = _events(users_env, "export")[-1]
    assert (done["user"], done["format"], done["page"], done["scope"]) == ("office", "pdf", "briefing", "district")
    assert done["file"].startswith("erqi-briefing-district-") and done["file"].endswith(".pdf")


def test_the_renderer_session_is_the_viewer_and_shows_the_footer(users_env):
    """A grant opens the page as the viewer who asked (a street user stays in the street, whatever the view
    names), once; a second use of the token is refused."""
    cfg = load()
    who = gate.check_password(cfg, "s03", PASSWORD)
    assert isinstance(who, gate.Identity)
    grant = grants.Grant(
        who, "overview", {"street": "S03"}, kind="png", exporter=who.name, scope="S03", issued_at=time.time()
    )
    token = grants.issue(grant)
    at = new_app({"street": "S03", "export": token})
    at.run()
    assert not at.exception
    footer = [h.proto.body for h in at.get("html") if "export-footer" in h.proto.body]
    assert footer and "导出人：s03" in footer[0] and "数据截至" in footer[0]
    assert len(at.selectbox(key="_w_street").options) == 1  # only the viewer's own street on offer
    assert "snap_png" not in {b.key for b in at.button}  # the renderer offers no export of its own
    again = new_app({"export": token})
    again.run()
    assert any("导出链接无效或已过期" in h.proto.body for h in again.get("html"))
    assert not again.metric  # nothing of the page


@pytest.mark.parametrize("page", [p for p, _ in PAGES])
def test_the_public_screen_offers_no_export(app_env, monkeypatch, page):
    monkeypatch.setenv("ERQI_PUBLIC_SCREEN", "1")
    at = new_app()
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    keys = {b.key for b in at.button}
    assert "snap_png" not in keys and "snap_pdf" not in keys
    assert not at.get("download_button")  # and no list to download either


def test_a_page_that_stops_early_still_offers_its_export(app_env, monkeypatch):
    """The grid map with no building groups says so and stops; the export buttons still follow it."""
    import pandas as pd

    from data_access import cached

    monkeypatch.setattr(cached, "grid_building_groups", lambda f: pd.DataFrame())
    at = new_app()
    at.run()
    at.switch_page("pages/grid_map.py").run()
    assert not at.exception
    assert any("楼院" in i.value for i in at.info)
    assert {"snap_png", "snap_pdf"} <= {b.key for b in at.button}


def test_a_finished_file_is_handed_over_only_at_a_click_and_only_to_its_session(users_env, monkeypatch):
    """The PNG/PDF is kept in the session: the button holds no /media address (one would work for anyone
    who has it, without the session, and after sign-out); the click gets the bytes while the session may
    have them, and is refused once it signed out."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    from render.worker import Rendered

    monkeypatch.setattr("render.worker.run", lambda *a, **k: Rendered(b"%PDF-1.7 test", 1.0, 100.0))
    kept = {}
    real = MediaFileManager.add_deferred

    def keep(self, fn, *args, **kwargs):
        file_id = real(self, fn, *args, **kwargs)
        kept[file_id] = fn
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = sign_in(new_app(), "office")
    at.button(key="snap_pdf").click().run()
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("snap_file")]
    assert not button.proto.url and button.proto.deferred_file_id
    hand_over = kept[button.proto.deferred_file_id]
    assert hand_over() == b"%PDF-1.7 test"
    at.sidebar.button(key="auth_sign_out").click().run()
    with pytest.raises(PermissionError):
        hand_over()
    assert _events(users_env, "export_refused")[-1]["user"] == "office"


def test_one_export_at_a_time_per_viewer(users_env, monkeypatch):
    """A viewer whose export is being made is told so at a second click, which takes no worker."""
    from render import worker

    ran = []
    monkeypatch.setattr("render.worker.run", lambda *a, **k: ran.append(a))
    at = sign_in(new_app(), "office")
    with worker.one_per_viewer("office"):  # the same viewer's first export, still rendering (another tab)
        at.button(key="snap_png").click().run()
    assert ran == []
    assert any("上一个导出尚未完成" in e.value for e in at.error)
    with worker.one_per_viewer("s03"):  # someone else's does not hold this viewer back
        at.button(key="snap_png").click().run()
    assert len(ran) == 1


@pytest.mark.parametrize("kind", ["pdf", "png"])
def test_paper_holds_the_whole_table_and_a_picture_its_first_rows(users_env, kind):
    """The organisation list (every organisation and building group of the district: over a thousand rows)
    prints whole on paper; a PNG shows its first PICTURE_ROWS and says how many more there are and where."""
    cfg = load()
    who = gate.check_password(cfg, "office", PASSWORD)
    grant = grants.Grant(who, "organization", {}, kind=kind, exporter=who.name, issued_at=time.time())
    at = new_app({"export": grants.issue(grant)})
    at.switch_page("pages/organization.py").run()
    assert not at.exception
    tables = [h.proto.body for h in at.get("html") if 'class="print-table"' in h.proto.body]
    org = max(tables, key=len)  # the organisation list, the page's longest table
    rows = org.count("<tr>") - 1  # its header row apart
    assert rows > 1000 if kind == "pdf" else rows == stand_ins.PICTURE_ROWS
    more = "导出 PDF 或下载 CSV 可得完整表格" in org
    assert more == (kind == "png")


def test_the_footer_names_the_pages_settings_in_words(users_env, engine, monkeypatch):
    """The footer says a page's own settings by name, not code: an organisation (a folded block too), a
    building group, places compared, a measure and its breakdowns, a chart and volunteer categories; a value
    it cannot name is printed as it is."""
    from data_access import cached
    from data_access.queries import overview, volunteers

    with engine.connect() as conn:  # read here: the cached functions want a signed-in session
        places, cats = overview.places(conn), volunteers.volunteer_categories(conn)
    monkeypatch.setattr(cached, "vol_categories", lambda: cats)
    code, name = str(cats["code"].iloc[0]), str(cats["name"].iloc[0])
    assert snapshot.param_words("org", "S03~enterprise", places) == "铭功路街道·" + zh_kind("enterprise")
    assert snapshot.param_words("places", "S03,S03C02", places).startswith("铭功路街道、")
    assert snapshot.param_words("measure", "hours", places) == "志愿服务时数"
    assert snapshot.param_words("by", "street,month", places) == "街道/镇、月"
    assert snapshot.param_words("chart", "map", places) == "地图"
    assert snapshot.param_words("vcat", code, places) == name
    assert snapshot.param_words("sel", "S99C99B99", places) == "S99C99B99"  # unknown: as it is


def zh_kind(kind: str) -> str:
    from ui.labels import TEXT

    return TEXT[f"kind_{kind}"][0]
