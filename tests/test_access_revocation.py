"""Access follows the configuration as it is now (issue findings F1, F2): a user removed from the users
file, given a new password, role or place, is re-checked at the next run of every session, a timed
redraw included; sign-in configured but unusable lets nobody in; the open demo only on purpose."""

from __future__ import annotations

import os
import time

import pytest
from streamlit.testing.v1 import AppTest

from auth import audit
from auth.passwords import hash_password
from auth.settings import parse_users
from data_access import attempts

from .conftest import PASSWORD, USERS
from .test_access_app import new_app, no_users_file, sign_in, tiles


@pytest.fixture()
def db_url(sqlite_url):
    """These rules are about configuration and sessions, not the store: SQLite only (the suite's time)."""
    return sqlite_url


def write_users(path, users: dict[str, tuple[str, str]], password: str = PASSWORD) -> None:
    """Rewrite the users file as an administrator would: an unchanged password keeps its stored hash."""
    kept = parse_users(path.read_text(encoding="utf-8")) if path.exists() else {}
    lines = []
    for login, (role, place) in users.items():
        stored = kept[login].password if login in kept and password == PASSWORD else hash_password(password, n=2**10)
        lines += [f"[users.{login}]", f'role = "{role}"', f'place = "{place}"', f'password = "{stored}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    later = time.time() + 5  # a new modification time however fast the rewrite (the file is re-read on change)
    os.utime(path, (later, later))


def users_path() -> str:
    return os.environ["ERQI_USERS_FILE"]


def signed_out_with_notice(at: AppTest) -> bool:
    return not at.metric and any("权限已被管理员收回" in w.value for w in at.warning) and bool(at.text_input)


def test_a_removed_user_is_signed_out_at_the_next_click(users_env, tmp_path):
    at = sign_in(new_app(), "s03")
    assert tiles(at)["党员"] != "—"
    write_users(tmp_path / "users.toml", {k: v for k, v in USERS.items() if k != "s03"})
    at.run()  # the next click
    assert not at.exception, at.exception
    assert signed_out_with_notice(at)
    events = audit.read(users_env)
    assert (events[-1]["event"], events[-1]["user"]) == ("access_revoked", "s03")
    sign_in(at, "s03")  # and cannot come back
    assert not at.metric


def test_a_new_password_ends_the_session(users_env, tmp_path):
    at = sign_in(new_app(), "c0302")
    write_users(tmp_path / "users.toml", USERS, password="another-pass-2")
    at.run()
    assert signed_out_with_notice(at)


def test_a_new_place_applies_at_the_next_click(users_env, tmp_path, db_url):
    from .test_access_app import place_names

    names = place_names(db_url)
    at = sign_in(new_app(), "s03")
    scope = " ".join(c.value for c in at.sidebar.caption)
    assert names["S03"] in scope
    moved = dict(USERS) | {"s03": ("street", "S04")}
    write_users(tmp_path / "users.toml", moved)
    at.run()
    assert not at.exception, at.exception
    scope = " ".join(c.value for c in at.sidebar.caption)
    assert names["S04"] in scope and names["S03"] not in scope
    assert at.selectbox(key="_w_street").options == [names["S04"]]
    last = audit.read(users_env)[-1]
    assert (last["event"], last["user"], last["scope"], last["was_scope"]) == ("access_changed", "s03", "S04", "S03")
    # promoted to the whole district: the new scope holds from the next click too
    write_users(tmp_path / "users.toml", dict(USERS) | {"s03": ("district", "")})
    at.run()
    assert len(at.selectbox(key="_w_street").options) > 2


def _timed_redraw_script():
    """What a wall's timed fragment does: a cached query under a session whose grant the file no longer
    holds. The guard asks for a full run (where the sign-in gate ends the session) instead of answering."""
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

    from data_access import cached, guard
    from data_access.scope import Privacy, scope_for
    from ui.access import gate  # noqa: F401 - installs guard.still_granted

    places = guard.all_places()
    st.session_state[guard.ACCESS] = guard.Access(
        "s03",
        "street",
        scope_for("S03", "street", places),
        Privacy(names=True, min_cell=0),
        grant=("password", "street", "S03", "not-the-current-password", True),
    )
    try:
        cached.places()
        st.write("answered")
    except RerunException:
        st.write("full run requested")


def test_a_timed_redraw_of_a_revoked_session_gets_no_data(users_env):
    at = AppTest.from_function(_timed_redraw_script, default_timeout=60)
    at.run()
    assert [m.value for m in at.markdown] == ["full run requested"]


def test_a_users_file_that_goes_missing_lets_nobody_in(users_env, tmp_path):
    at = sign_in(new_app(), "office")
    assert tiles(at)["基层党组织"] == "631"
    (tmp_path / "users.toml").unlink()
    at.run()  # a live session's next click: not the open demo
    assert not at.exception, at.exception
    assert not at.metric and not at.text_input
    assert any("用户配置文件有误" in e.value for e in at.error)
    fresh = new_app()
    fresh.run()
    assert not fresh.metric and not fresh.text_input
    assert not any("未启用登录" in m.value for m in fresh.sidebar.markdown)


def test_a_real_database_without_sign_in_is_shut_unless_opened_on_purpose(app_env, monkeypatch, tmp_path):
    no_users_file(monkeypatch, tmp_path)
    monkeypatch.delenv("ERQI_OPEN_DEMO")
    at = new_app()
    at.run()
    assert not at.exception, at.exception
    assert not at.metric
    assert any("尚未配置登录" in e.value for e in at.error)
    monkeypatch.setenv("ERQI_OPEN_DEMO", "1")
    at.run()
    assert tiles(at)["基层党组织"] == "631"
    assert any("未启用登录" in m.value for m in at.sidebar.markdown)


def test_a_huge_user_name_is_refused_and_barely_logged(users_env):
    """F9: three sign-ins with a 200,000-character name add a few hundred bytes to the audit log, not 600 KB,
    and leave no lock-out entry behind."""
    from ui.access import gate

    at = new_app()
    at.run()
    assert at.text_input(key="auth_user").max_chars == gate.MAX_LOGIN_CHARS  # the form does not take more
    before = users_env.stat().st_size if users_env.exists() else 0
    for _ in range(3):
        assert gate.check_password(gate.settings(), "x" * 200_000, PASSWORD) == "wrong"
    assert users_env.stat().st_size - before < 1_000
    assert attempts.recent("x" * 200_000, "local", 3600).login == 0  # not kept as an attempt either
    assert [e["reason"] for e in audit.read(users_env)[-3:]] == ["too_long"] * 3


def test_the_guard_drops_records_outside_the_scope_from_any_list():
    """The rule under every query: a frame with the record's place loses the rows outside the scope and
    the place columns, whichever query (or page yet to be written) produced it."""
    import pandas as pd

    from data_access.scope import DISTRICT, Scope, restrict_records

    frame = pd.DataFrame({"who": ["a", "b", "c"], "record_street_id": [3, 5, 3], "record_community_id": [31, 51, 32]})
    street = restrict_records(frame, Scope(street_id=3, code="S03"))
    assert street["who"].tolist() == ["a", "c"] and list(street.columns) == ["who"]
    community = restrict_records(({"n": 3}, frame), Scope(street_id=3, community_id=32, code="S03C02"))
    assert community[0] == {"n": 3} and community[1]["who"].tolist() == ["c"]
    assert restrict_records(frame, DISTRICT)["who"].tolist() == ["a", "b", "c"]


def test_a_kiosk_url_keeps_no_ordinary_session_alive(users_env):
    """F7: a kiosk rotates by itself; its runs do not count as activity for an ordinary user, so a session
    left on a wall ends after the idle time. Without the kiosk, a run does count."""
    from data_access.guard import ACCESS

    walled = sign_in(new_app({"kiosk": "1"}), "office")
    first = walled.session_state[ACCESS].idle_until
    time.sleep(1.1)
    walled.run()  # what the rotation does
    assert walled.session_state[ACCESS].idle_until == first
    access = walled.session_state[ACCESS]
    walled.session_state[ACCESS] = type(access)(**{**access.__dict__, "idle_until": time.time() - 1})
    walled.run()
    assert not walled.metric and any("会话已过期" in w.value for w in walled.warning)

    desk = sign_in(new_app(), "office")
    first = desk.session_state[ACCESS].idle_until
    time.sleep(1.1)
    desk.run()
    assert desk.session_state[ACCESS].idle_until > first


def test_a_wall_user_has_its_own_rule(users_env):
    """A wall user: no idle end (the wall may run all day), a bounded life (ERQI_WALL_SESSION_MAX_HOURS,
    7 days by default), aggregates without names, and the role in the sidebar."""
    from data_access.guard import ACCESS

    at = sign_in(new_app({"kiosk": "1"}), "wall")
    access = at.session_state[ACCESS]
    assert access.idle_until == float("inf")
    assert 7 * 24 * 3600 - 60 < access.expires_at - time.time() <= 7 * 24 * 3600
    assert not access.privacy.names and access.privacy.min_cell == 0 and access.scope.everything
    assert not at.exception, at.exception
    desk = sign_in(new_app(), "wall")
    assert tiles(desk)["基层党组织"] == "631"
    assert any("大屏" in c.value for c in desk.sidebar.caption)


class _ProviderUser(dict):
    is_logged_in = True


def test_single_sign_on_matches_only_a_verified_email(users_env, monkeypatch, tmp_path):
    """An OpenID Connect identity is matched to the users file by email only when the provider marks the
    address verified; an unverified one is authenticated but gets no scope."""
    import streamlit as st

    from auth.settings import load
    from ui.access import gate

    cfg = load()
    path = tmp_path / "users.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[users."boss@example.org"]\nrole = "district"\n')
    cfg = load()
    monkeypatch.setattr(st, "user", _ProviderUser(email="Boss@example.org", email_verified=True))
    who = gate._oidc_identity(cfg)
    assert who.registered and who.role == "district"
    for claims in ({"email": "boss@example.org"}, {"email": "boss@example.org", "email_verified": False}):
        monkeypatch.setattr(st, "user", _ProviderUser(**claims))
        who = gate._oidc_identity(cfg)
        assert not who.registered and who.role == "none", claims


def _walk_numbers(node, key=""):
    """(key, number) for every number in a JSON document, with the key it is stored under."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk_numbers(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk_numbers(v, key)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield key, node


def test_public_screen_sends_no_small_people_count_in_map_data(app_env, monkeypatch, tmp_path):
    """F3: the heat map of people served, in one community on the public screen: no cell below the minimum
    reaches the browser (the map's own data walked, not the visible text)."""
    import json

    no_users_file(monkeypatch, tmp_path)
    monkeypatch.setenv("ERQI_PUBLIC_SCREEN", "1")
    monkeypatch.setenv("ERQI_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = new_app({"community": "S03C02"})
    at.session_state["vol_measure"] = "served"
    at.switch_page("pages/volunteers.py").run()
    assert not at.exception, at.exception
    texts = [d.proto.json for d in at.get("deck_gl_json_chart")]
    assert not [x for x in texts if "NaN" in x]  # what JSON.parse would refuse
    decks = [json.loads(x) for x in texts]
    cells = [v for deck in decks for k, v in _walk_numbers(deck) if k == "value"]
    assert cells, "no heat cells sent"
    assert not [v for v in cells if 0 < v < 5], sorted(v for v in cells if 0 < v < 5)[:5]


def test_derived_values_hide_with_the_count_they_come_from():
    """F4: one building group's area: the average per group is its resident count, the mean points one
    resident's own; both go with the count. Grid staff are people counted."""
    import pandas as pd

    from data_access.scope import Privacy, apply_privacy

    areas = pd.DataFrame(
        {
            "name": ["A", "B"],
            "building_groups": [1, 3],
            "residents": [3, 30],
            "per_group": [3.0, 10.0],
            "points": [88.5, 70.0],
            "leaders": [1, 3],
            "grid_members": [2, 9],
        }
    )
    shown = apply_privacy(areas, Privacy(names=False, min_cell=5))
    assert shown["residents"].isna().tolist() == [True, False]
    assert shown["per_group"].isna().tolist() == [True, False]
    assert shown["points"].isna().tolist() == [True, False]
    assert shown["leaders"].isna().tolist() == [True, True] and shown["grid_members"].tolist()[1] == 9
    cells = pd.DataFrame({"lon": [1.0, 2.0], "lat": [1.0, 2.0], "value": [2, 40]})
    assert apply_privacy(cells, Privacy(names=False, min_cell=5), measure="served")["value"].isna().tolist() == [
        True,
        False,
    ]
    assert apply_privacy(cells, Privacy(names=False, min_cell=5), measure="hours")["value"].tolist() == [2, 40]


def test_a_street_users_kiosk_names_the_street_it_shows(users_env, db_url, monkeypatch, tmp_path):
    """A district stop of the playlist, clamped to a street user's scope, is labelled with the street."""
    from .test_access_app import place_names

    playlist = tmp_path / "playlist.toml"
    playlist.write_text('cycle_seconds = 30\n[[view]]\npage = "overview"\nscope = "district"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_PLAYLIST", str(playlist))
    at = sign_in(new_app({"kiosk": "1"}), "s03")
    seen = []
    for _ in range(3):  # the warnings' stop (if any) first, then the playlist's district view
        status = [h.proto.body for h in at.get("html") if 'id="kiosk-status"' in h.proto.body]
        assert status, "no kiosk status line"
        seen.append(status[-1])
        at.button(key="kiosk_next").click().run()
    street = place_names(db_url)["S03"]
    assert all(street in x and "全区" not in x for x in seen), seen
