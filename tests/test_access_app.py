"""Access control in the running app (AppTest): sign-in, scope by page, URL, cache and export, the user
without a scope, the public screen, masking in exports, session expiry — each checked from the outside."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from auth import audit
from data_access.db import read_engine
from ui.chrome.shell import PAGES

from .conftest import PASSWORD, PROJECT

APP = str(PROJECT / "app.py")
PEOPLE_METRICS = ("党员", "居住党员", "居民志愿者", "服务人次", "其中在职党员", "在职党员", "志愿者", "供餐人数")


def no_users_file(monkeypatch, tmp_path) -> None:
    """No sign-in configured: ERQI_USERS_FILE unset and no users file where the app looks by default."""
    monkeypatch.delenv("ERQI_USERS_FILE", raising=False)
    monkeypatch.setattr("auth.settings.DEFAULT_USERS_FILE", tmp_path / "absent.toml")


def new_app(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at


def sign_in(at: AppTest, login: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="auth_user").input(login)
    at.text_input(key="auth_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def place_names(db_url: str) -> dict[str, str]:
    """Street codes and names, as the filter bar shows them."""
    from data_access.queries import overview as queries

    e = read_engine(db_url)
    with e.connect() as conn:
        streets = queries.places(conn).streets
    e.dispose()
    return dict(zip(streets["code"], streets["name"]))


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [df.value if isinstance(df.value, pd.DataFrame) else df.value.data for df in at.dataframe]


def all_text(at: AppTest) -> str:
    """Everything a viewer reads on the page: texts, tables, tiles, notices (not the map's JSON)."""
    parts = [
        e.value for kind in ("markdown", "caption", "text", "info", "warning", "error", "success") for e in at.get(kind)
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.to_csv(index=False) for df in frames(at)]
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------- sign-in


def test_sign_in_is_required_and_a_wrong_password_is_refused_and_logged(users_env):
    at = new_app()
    at.run()
    assert not at.metric and not at.dataframe  # nothing before sign-in
    sign_in(at, "s03", "wrong-password")
    assert any("用户名或密码不正确" in e.value for e in at.error)
    assert not at.metric
    sign_in(at, "nobody", PASSWORD)
    assert not at.metric
    events = audit.read(users_env)
    assert [(e["event"], e["user"]) for e in events] == [("sign_in_failed", "s03"), ("sign_in_failed", "nobody")]
    assert all(PASSWORD not in str(e) and "wrong-password" not in str(e) for e in events)

    sign_in(at, "s03")
    assert tiles(at)["党员"] != "—"
    last = audit.read(users_env)[-1]
    assert (last["event"], last["user"], last["role"], last["scope"]) == ("sign_in", "s03", "street", "S03")


def test_repeated_failures_lock_the_name(users_env):
    at = new_app()
    for _ in range(5):
        sign_in(at, "c0302", "bad-guess")
    sign_in(at, "c0302")  # the right password, but locked for now
    assert not at.metric
    assert any("次数过多" in e.value for e in at.error)
    assert audit.read(users_env)[-1]["event"] == "sign_in_refused"


def test_sign_out_is_logged_and_forgets_the_session(users_env):
    at = sign_in(new_app(), "s03")
    at.sidebar.button(key="auth_sign_out").click().run()
    assert not at.metric and "_filters" not in at.session_state
    assert audit.read(users_env)[-1]["event"] == "sign_out"


def test_session_expires(users_env, monkeypatch):
    from data_access.guard import ACCESS

    at = sign_in(new_app(), "s03")
    assert at.metric
    access = at.session_state[ACCESS]
    at.session_state[ACCESS] = type(access)(**{**access.__dict__, "idle_until": 0.0})  # idle too long
    at.run()
    assert not at.metric
    assert any("会话已过期" in w.value for w in at.warning)
    assert audit.read(users_env)[-1]["event"] == "session_expired"


# ---------------------------------------------------------------- scope


def test_street_user_gets_only_their_street_by_url_and_cache(users_env):
    # the district office opens another street first, so its results sit in the cache
    office = sign_in(new_app({"street": "S05"}), "office")
    s05 = tiles(office)
    office.sidebar.selectbox(key="_w_street").select_index(0).run()
    district = tiles(office)
    reference = sign_in(new_app({"street": "S03"}), "office")
    s03 = tiles(reference)
    assert s03["党员"] != s05["党员"] != district["党员"]

    at = sign_in(new_app({"street": "S05"}), "s03")  # the same link, in a street user's session
    assert any("S05" in w.value and "超出" in w.value for w in at.warning)
    assert at.query_params.get("street") in (["S03"], "S03")
    assert tiles(at) == s03
    options = at.sidebar.selectbox(key="_w_street").options
    assert options == [place_names(users_env_db())["S03"]]


def users_env_db() -> str:
    import os

    return os.environ["DATABASE_URL"]


def test_street_user_sees_no_other_street_on_any_page(users_env, db_url):
    names = place_names(db_url)
    others = [n for c, n in names.items() if c != "S03"]
    at = sign_in(new_app(), "s03")
    for path, _key in PAGES:
        at.switch_page(path).run()
        assert not at.exception, path
        body = "\n".join(df.to_csv(index=False) for df in frames(at))
        body += "\n".join(f"{m.label} {m.value}" for m in at.metric)
        leaked = [n for n in others if n in body]
        assert not leaked, (path, leaked)
    # the organisation page refuses a node of another street named in the link
    org = sign_in(new_app({"org": "S05"}), "s03")
    org.switch_page("pages/organization.py").run()
    assert any("S05" in w.value for w in org.warning)
    assert org.query_params.get("org") is None or "S05" not in org.query_params.get("org")


def test_the_query_layer_refuses_what_the_scope_does_not_cover(users_env):
    """Below the pages: a cached wrapper called with the whole district, another street's building group or
    org returns the street's figures or refuses; the results cached for the district are not handed out."""

    def script():
        from datetime import date

        import streamlit as st

        from data_access import cached, guard
        from data_access.filters import Filters
        from data_access.scope import DISTRICT, AccessDenied, Privacy, Scope

        out = {}
        f = Filters(date(2012, 10, 1), date(2017, 9, 30))
        st.session_state[guard.ACCESS] = guard.Access("office", "district", DISTRICT, Privacy())
        places = cached.places()
        s03 = int(places.streets.loc[places.streets["code"] == "S03", "id"].iloc[0])
        s05 = int(places.streets.loc[places.streets["code"] == "S05", "id"].iloc[0])
        out["district"] = cached.kpis(f)["members"]  # now cached for the district
        out["s03"] = cached.kpis(Filters(f.start, f.end, street_id=s03))["members"]
        foreign_bg = int(places.groups.loc[places.groups["street_id"] == s05, "id"].iloc[0])
        own_bg = int(places.groups.loc[places.groups["street_id"] == s03, "id"].iloc[0])

        st.session_state[guard.ACCESS] = guard.Access("s03", "street", Scope(street_id=s03, code="S03"), Privacy())
        out["street_sees"] = cached.kpis(f)["members"]
        out["street_places"] = cached.places().streets["code"].tolist()
        out["own_bg"] = len(cached.grid_group_profile(Filters(f.start, f.end, street_id=s03), own_bg))
        refused = []
        for name, call in (
            ("bg", lambda: cached.grid_group_staff(f, foreign_bg)),
            ("org", lambda: cached.org_member_composition("S05", date(2017, 9, 30))),
            ("fold", lambda: cached.org_kinds_under("S05~enterprise")),
            ("district_org", lambda: cached.org_open_tasks("D", date(2017, 9, 30))),
        ):
            try:
                call()
            except AccessDenied:
                refused.append(name)
        out["refused"] = refused
        st.session_state[guard.ACCESS] = guard.Access("lost", "street", Scope(), Privacy())
        try:
            cached.kpis(f)
            out["nothing"] = "served"
        except AccessDenied:
            out["nothing"] = "refused"
        del st.session_state[guard.ACCESS]
        try:
            cached.dataset_info()
            out["anonymous"] = "served"
        except AccessDenied:
            out["anonymous"] = "refused"
        st.session_state["out"] = out

    at = AppTest.from_function(script, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    out = at.session_state["out"]
    assert out["street_sees"] == out["s03"] != out["district"]
    assert out["street_places"] == ["S03"]
    assert out["own_bg"] == 1
    assert out["refused"] == ["bg", "org", "fold", "district_org"]
    assert out["nothing"] == "refused" and out["anonymous"] == "refused"


def test_a_user_without_scope_sees_nothing(users_env):
    at = sign_in(new_app(), "lost")
    assert any("尚未分配查看范围" in e.value for e in at.error)
    assert not at.metric and not at.dataframe and not at.get("vega_lite_chart") and not at.get("deck_gl_json_chart")
    for path, _key in PAGES:
        at.switch_page(path).run()
        assert not at.exception, path
        assert not at.metric and not at.dataframe, path


# ---------------------------------------------------------------- public screen, masking, exports


def person_names(db_url: str) -> set[str]:
    e = read_engine(db_url)
    with e.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM member")).scalars())
        names |= set(conn.execute(text("SELECT name FROM volunteer")).scalars())
    e.dispose()
    return {n for n in names if n and len(n) >= 2}


MASKED = re.compile(r"(?<!\*)[\u4e00-\u9fff]\*(?!\*)[\u4e00-\u9fff]?")  # 张*明, not **bold**


def people_cells_small(at: AppTest, n: int) -> list[str]:
    """Counts of people from 1 to n-1 in the tiles and in table columns that count people."""

    def small(v) -> bool:
        try:
            x = float(str(v).replace(",", ""))
        except ValueError:
            return False
        return 0 < x < n

    bad = [f"{m.label}={m.value}" for m in at.metric if m.label in PEOPLE_METRICS and small(m.value)]
    for df in frames(at):
        for col in [c for c in df.columns if c in PEOPLE_METRICS]:
            bad += [f"{col}={v}" for v in df[col] if small(v)]
    return bad


def test_public_screen_suppresses_what_a_signed_in_user_sees(users_env):
    """The same building group: the community user sees the small counts and masked names; the viewer
    role (aggregates only) sees neither."""
    detail = {"bg": "S03C02B01"}
    member = sign_in(new_app(detail), "c0302")
    member.switch_page("pages/grid_map.py").run()
    member.switch_page("pages/organization.py").run()
    viewer = sign_in(new_app(detail), "viewer")
    viewer.switch_page("pages/organization.py").run()
    comp_member = [df for df in frames(member)]
    comp_viewer = [df for df in frames(viewer)]
    assert any(MASKED.search(df.to_csv(index=False)) for df in comp_member)  # masked names, not full ones
    assert not any(MASKED.search(df.to_csv(index=False)) for df in comp_viewer)
    assert any("仅显示汇总" in c.value for c in viewer.caption)


def test_exports_are_made_on_click_masked_like_the_screen_and_logged(users_env, db_url, monkeypatch):
    """F5: no CSV exists on the server before a click (so no address can be fetched around the audit); a
    click makes it for the session as it is then and logs it; after sign-out the same button makes nothing."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from ui.chrome.export import ExportRefused

    stored: list[str] = []
    makers: dict[str, object] = {}
    original_store = MemoryMediaFileStorage.load_and_get_id
    original_defer = MediaFileManager.add_deferred

    def store(self, path_or_data, mimetype, kind, filename=None):
        if mimetype == "text/csv":
            stored.append(filename)
        return original_store(self, path_or_data, mimetype, kind, filename)

    def defer(self, callable_, mimetype, coordinates, file_name=None, element_id=""):
        makers[file_name] = callable_
        return original_defer(self, callable_, mimetype, coordinates, file_name=file_name, element_id=element_id)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", store)
    monkeypatch.setattr(MediaFileManager, "add_deferred", defer)
    at = sign_in(new_app({"community": "S03C02"}), "c0302")
    at.switch_page("pages/organization.py").run()
    assert "member-points.csv" in makers and not stored  # offered, not made
    button = next(b for b in at.get("download_button") if "member_points_csv" in b.id)
    assert button.proto.deferred_file_id and not button.proto.url
    assert not [e for e in audit.read(users_env) if e["event"] == "export"]

    data = makers["member-points.csv"]()  # the click, as the server runs it (outside the script thread)
    csv = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    screen = next(df for df in frames(at) if list(df.columns) == list(csv.columns))
    assert csv["党员"].tolist() == screen["党员"].tolist()
    assert csv["党员"].map(lambda s: bool(MASKED.fullmatch(s))).all()
    full = person_names(db_url)
    assert not set(csv["党员"]) & full
    last = audit.read(users_env)[-1]
    assert (last["event"], last["user"], last["scope"], last["file"]) == (
        "export",
        "c0302",
        "S03C02",
        "member-points.csv",
    )
    assert last["rows"] == len(csv)

    at.sidebar.button(key="auth_sign_out").click().run()
    with pytest.raises(ExportRefused):
        makers["member-points.csv"]()  # a button kept from before the sign-out
    last = audit.read(users_env)[-1]
    assert (last["event"], last["user"], last["file"]) == ("export_refused", "c0302", "member-points.csv")


def test_demo_without_configuration_is_marked_unsecured(app_env, monkeypatch, tmp_path):
    no_users_file(monkeypatch, tmp_path)  # and ERQI_OPEN_DEMO=1 (app_env: seeded demo data)
    at = new_app()
    at.run()
    assert not at.exception
    assert tiles(at)["基层党组织"] == "631"
    assert any("未启用登录" in m.value for m in at.sidebar.markdown)
    assert not at.text_input  # no sign-in form


def _street_user_wishes_script():
    """The organisation page's micro-wish list as a street user's query returns it (through the guard)."""
    from datetime import date

    import streamlit as st

    from data_access import cached, guard
    from data_access.filters import Filters
    from data_access.scope import Privacy, scope_for

    places = guard.all_places()
    st.session_state[guard.ACCESS] = guard.Access(
        "s03", "street", scope_for("S03", "street", places), Privacy(names=True, min_cell=0)
    )
    counts, recent = cached.org_wishes_claimed(Filters(date(2000, 1, 1), date(2100, 1, 1)), "S03")
    st.session_state["out"] = (counts, recent)


def test_a_street_user_lists_only_wishes_posted_in_the_street(app_env, db_url):
    """F6: members of a street's organisations often claim wishes posted in other streets; the list (a
    resident's need, the claimant) shows only those posted inside the viewer's scope."""
    import pandas as pd
    from sqlalchemy import create_engine

    at = AppTest.from_function(_street_user_wishes_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    counts, recent = at.session_state["out"]
    assert not recent.empty and "record_street_id" not in recent.columns
    from data_access.queries.overview import places as read_places

    engine = create_engine(db_url)
    with engine.connect() as conn:
        streets = read_places(conn).streets
        raw = pd.read_sql_query(
            "SELECT title, claimed_on, street_id FROM micro_wish WHERE claimed_by IS NOT NULL", conn
        )
    engine.dispose()
    s03 = int(streets.loc[streets["code"] == "S03", "id"].iloc[0])
    raw["claimed_on"] = pd.to_datetime(raw["claimed_on"]).dt.date
    mine = raw[raw["street_id"] == s03]
    assert len(mine) < len(raw)  # wishes elsewhere exist: the check can fail
    here = set(zip(mine["title"], mine["claimed_on"]))
    shown = set(zip(recent["title"], pd.to_datetime(recent["claimed_on"]).dt.date))
    assert shown <= here, sorted(shown - here)[:3]
    assert counts["claimed"] >= len(recent)  # counted wherever posted; listed only inside the scope
