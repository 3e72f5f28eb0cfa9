"""page_setup(): the chrome every page starts with — config, database check, filter bar, header."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

import streamlit as st

from data_access import background, cached
from data_access.bootstrap import (
    DatabaseNotReady,
    DemoBuildFailed,
    RollupsOutdated,
    SchemaOutdated,
    database_ready,
    ensure_demo_database,
    ensure_rollups,
    ensure_schema,
    mark_checked,
    recently_checked,
    rollups_current,
    schema_current,
)
from data_access.db import DatabaseConfigError, database_url, is_default_database, live_demo_requested
from data_access.filters import Places
from data_access.guard import ACCESS, AccessDenied, all_places, clamp_filters
from data_access.history import history_from
from data_access.queries.overview import date_bounds
from serving import admission, run_gate

from ..access import gate as auth_gate
from ..labels import t
from ..safe_text import md
from ..screen import kiosk
from ..stopping import stop_run
from ..theme import CSS, SCREEN_CSS
from . import filter_bar, freshness, snapshot
from .context import PageContext
from .db_status import db_problem, run_guarded, show_pending_failure

log = logging.getLogger(__name__)

# (file, label key): the app's pages, in menu order; URL slugs come from the file names.
# No icons: Streamlit fetches material icons from Google, and emoji need fonts a wall PC may lack.
PAGES = [
    ("pages/overview.py", "page_overview"),
    ("pages/organization.py", "page_organization"),
    ("pages/grid_map.py", "grid_page"),
    ("pages/volunteers.py", "page_volunteers"),
    ("pages/explore.py", "page_explore"),
    ("pages/data.py", "page_data"),
    ("pages/briefing.py", "page_briefing"),
]
SCREEN_PAGES = {"briefing"}  # composed for a wall screen: dark, own title bar, sidebar folded
_RUN = "_run_token"
_STARTED = "_run_started"
SCRIPT_SECONDS = "_script_seconds"  # how long the last full run of the script took (read by the bench)
_CTX = "_page_ctx"
_PAGE = "_page_running"  # the page this run is drawing (stop_page draws what follows it)


def _forward_to_overview() -> None:
    """The root URL opens the overview at its own address, keeping the filters."""
    st.switch_page(PAGES[0][0], query_params=st.query_params.to_dict())


def navigation():
    """The router's page list (titles in the current language); the root forwards to the first page."""
    st.session_state[_RUN] = uuid.uuid4().hex
    st.session_state[_STARTED] = time.perf_counter()
    pages = [st.Page(_forward_to_overview, title=t("app_title"), url_path="home", default=True, visibility="hidden")]
    pages += [st.Page(path, title=t(key)) for path, key in PAGES]
    return st.navigation(pages, position="top")


def wait_for_admission() -> None:
    """Beyond this process's session cap, a plain "busy, retrying" notice that asks again every few
    seconds, and nothing else runs (serving.admission)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or snapshot.active() is not None:
        return  # the export renderer works for a viewer already admitted: it never queues behind them
    cfg = auth_gate.settings()
    signed_in = isinstance(st.session_state.get(auth_gate.IDENTITY), auth_gate.Identity)
    open_screen = cfg.public or not auth_gate.secured(cfg)  # no sign-in screen to sit on
    seat = (auth_gate.client_address(cfg), not signed_in, not signed_in and not open_screen)
    if admission.admit(ctx.session_id, *seat):
        return
    st.set_page_config(page_title=t("app_title"), layout="wide")
    st.info(t("busy_retrying"), icon="⏳")

    @st.fragment(run_every=admission.RETRY_SECONDS)
    def _retry() -> None:
        if admission.admit(ctx.session_id, *seat):
            st.rerun(scope="app")

    _retry()
    stop_run()


def finish_run() -> None:
    """Record the script time of this run (the bench reads it; viewers never see it)."""
    if _STARTED in st.session_state:
        st.session_state[SCRIPT_SECONDS] = time.perf_counter() - st.session_state[_STARTED]


def _legacy_run() -> bool:
    """True when Streamlit ran a pages/ file directly (a cold deep link before app.py ever ran)."""
    from streamlit.runtime.pages_manager import PagesManager

    return bool(PagesManager.uses_pages_directory)


def page_setup(slug: str | None = None) -> PageContext:
    """Draw the shared chrome once per run and return the page's context. Safe to call twice.

    app.py calls it with the page's URL slug; the page's own call returns what that drew.
    """
    token = st.session_state.get(_RUN)
    held = st.session_state.get(_CTX)
    drawn = bool(held and token and held[0] == token)
    if _legacy_run() or (slug is None and not drawn):
        # Streamlit ran a pages/ file itself (a cold deep link, possibly while another session's first run
        # was still switching to app.py): hand the run back to app.py so it renders exactly like navigation.
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    if drawn:
        return held[1]
    exporting = snapshot.take_grant() is not None  # the export renderer's session (ui.chrome.snapshot)
    wait_for_admission()  # beyond the process's session cap: a "busy, retrying" notice and nothing else

    screen = slug in SCREEN_PAGES
    st.set_page_config(
        page_title=t("app_title"),
        page_icon="🏛️",
        layout="wide",
        initial_sidebar_state="collapsed" if screen or exporting or kiosk.requested() else "expanded",
    )
    st.html(f"<style>{CSS}{SCREEN_CSS if screen else ''}</style>")
    if exporting:
        snapshot.chrome(screen)
    if kiosk.requested():
        kiosk.hide_chrome()  # before the database is asked: a failure message must not bring the chrome back
    cfg = auth_gate.settings()
    who = auth_gate.identify(cfg)  # the sign-in screen stops the run here
    info, places, fresh = _load_dataset(who, cfg, keep_progress=not screen)
    if exporting and st.session_state.get("_scope_notices"):  # the view names a place outside the viewer's scope
        snapshot.refuse()
    first, last = date_bounds(info)
    f = filter_bar.render(places, first, last, clamp=clamp_filters)
    live = info.get("live") == "1"
    ctx = PageContext(f, places, last, first, info.get("is_demo") == "1", live, fresh, history_from(info))
    if kiosk.requested():
        kiosk.run(places, first, last, [p for p, _k in PAGES], clamp=clamp_filters)
        f = clamp_filters(st.session_state[filter_bar.STATE])
        st.session_state[filter_bar.STATE] = f
        ctx = PageContext(f, places, last, first, ctx.is_demo, live, fresh, ctx.history_from)
    if not screen:
        _header(ctx)
    else:
        _notices(wall=True)
    st.session_state[_CTX] = (token, ctx)
    return ctx


_runs = {"now": 0}
_runs_lock = threading.Lock()


def runs_in_progress() -> int:
    """Page runs drawing right now in this process, every session's (serving.predraw waits for none)."""
    return _runs["now"]


def run_page(page) -> None:
    """Draw the chrome and run the selected page; a database failure anywhere in them becomes the
    same plain message."""
    with _runs_lock:
        _runs["now"] += 1
    try:
        with run_gate.turn():  # page runs take turns (serving.run_gate)
            _run_page(page)
    finally:
        with _runs_lock:
            _runs["now"] -= 1


def _run_page(page) -> None:

    def body() -> None:
        try:
            if page.url_path:
                page_setup(page.url_path)
            st.session_state[_PAGE] = page
            page.run()
            _after_page(page)
        except AccessDenied:
            st.error(t("auth_denied"))

    run_guarded(body)


def stop_page() -> None:
    """End a page early (nothing more to show) with what follows every page: its export, or its footer."""
    page = st.session_state.get(_PAGE)
    if page is not None:
        _after_page(page)
    stop_run()


def _after_page(page: st.Page) -> None:
    """Below the page: the export's footer (in the renderer) or the export buttons (for a viewer)."""
    held = st.session_state.get(_CTX)
    if not page.url_path or not held or held[0] != st.session_state.get(_RUN) or kiosk.requested():
        return
    ctx, wall = held[1], page.url_path in SCREEN_PAGES
    snapshot.footer(ctx, page.title)
    snapshot.offer(ctx, page.url_path, page.title, wall)


def _load_dataset(who: auth_gate.Identity, cfg, keep_progress: bool = True) -> tuple[dict[str, str], Places, dict]:
    """Dataset facts, the places inside the session's scope and the refresher's state; builds (and keeps
    current) the embedded demo file; never shows a traceback. A session without a scope stops here,
    having seen nothing."""
    show_pending_failure()
    try:
        url = database_url()
    except DatabaseConfigError:
        db_problem("db_config")
    try:
        if not st.session_state.get("_db_checked") and not recently_checked(url):
            if not database_ready(url):
                _with_progress(
                    "db_first_start", "db_first_done", lambda step: ensure_demo_database(url, step), keep_progress
                )
            if not rollups_current(url):
                if not is_default_database(url):  # the administrator's database: say what to run
                    raise RollupsOutdated("summary tables missing or from an older version")
                _with_progress(
                    "db_rollups_start", "db_rollups_done", lambda step: ensure_rollups(url, step), keep_progress
                )
                cached.clear_results()  # nothing read from the old tables may outlive them
            if not schema_current(url):
                if not is_default_database(url):
                    raise SchemaOutdated("schema older than this version")
                _with_progress(
                    "db_schema_start", "db_schema_done", lambda step: ensure_schema(url, step), keep_progress
                )
                cached.clear_results()
            mark_checked(url)
        st.session_state["_db_checked"] = True
        if is_default_database(url):  # the app owns the embedded file: it keeps its summaries current itself
            background.embedded_refresher(url.render_as_string(hide_password=False))
            if live_demo_requested():
                background.live_demo_simulator(url.render_as_string(hide_password=False))
        access = auth_gate.admit(who, cfg, activity=not kiosk.requested())  # a rotation is no viewer's doing
        if access.scope.empty:
            auth_gate.no_scope(who)
        fresh = freshness.follow()  # before the page's reads: a moved data version drops the old results
        places = cached.places()
        auth_gate.sidebar(who, " › ".join(_scope_names(access, places)), cfg)
        if filter_bar.STATE not in st.session_state:  # a shared link may name a place outside the scope
            named = any(st.query_params.get(key) for key in _PLACE_PARAMS)  # most links name none: no look-up
            st.session_state["_scope_notices"] = auth_gate.drop_outside_params(*_codes(places)) if named else []
        return cached.dataset_info(), places, fresh
    except DatabaseNotReady:
        db_problem("db_not_ready")
    except DemoBuildFailed as exc:
        log.error("building the demo database failed: %s", exc)
        db_problem("db_demo_failed")
    except RollupsOutdated:
        db_problem("db_rollups_outdated")
    except SchemaOutdated:
        db_problem("db_schema_outdated")
    # any other database failure reaches run_guarded (run_page), which says it the same way
    raise AssertionError("unreachable")  # db_problem stops the script


def _with_progress(
    start: str, done: str, work: Callable[[Callable[[float, str], None]], None], keep: bool = True
) -> None:
    """Run work inside a status box with a progress bar it moves (fraction, message). keep: the box stays,
    saying it is done (a page); else it goes when the work is done (the wall: its 16:9 layout holds no
    notices, and the wall's fragment never redraws the page above it)."""
    slot = st.empty()
    with slot.status(t(start), expanded=True) as status:
        bar = st.progress(0.0)
        work(lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message))
        status.update(label=t(done), state="complete", expanded=False)
    if not keep:
        slot.empty()


_PLACE_PARAMS = ("street", "community", "bg")  # the URL parameters naming a place (_codes' keys)


def _codes(places: Places) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Place codes per URL parameter: all of them, and those inside the scope."""

    def of(p: Places) -> dict[str, set[str]]:
        return {"street": set(p.streets["code"]), "community": set(p.communities["code"]), "bg": set(p.groups["code"])}

    return of(all_places()), of(places)


def _scope_names(access, places: Places) -> list[str]:
    if access.scope.everything:
        return [t("district")]
    names = [str(places.streets["name"].iloc[0])] if len(places.streets) else []
    if access.scope.community_id is not None and len(places.communities):
        names.append(str(places.communities["name"].iloc[0]))
    return names


def _header(ctx: PageContext) -> None:
    path = filter_bar.scope_path(ctx.filters, ctx.places)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.markdown(f"### {t('app_title')}")
    left.caption(" › ".join(md(p) for p in path) + f"　·　{ctx.filters.start:%Y-%m-%d} — {ctx.filters.end:%Y-%m-%d}")
    badge = ""
    if ctx.is_demo:
        badge = f'<span class="demo-badge" title="{t("demo_help")}">{t("demo_badge")}</span>'
    badge += _access_badge()
    stamp = freshness.refreshed_text(ctx.fresh or {})
    stamp = f' · <span class="refreshed" title="{t("fresh_refreshed_help")}">{stamp}</span>' if stamp else ""
    right.html(f'<div class="asof">{t("as_of", d=ctx.as_of.isoformat())}{stamp}{badge}</div>')
    freshness.notice(ctx.fresh or {}, ctx.live)
    _notices()


def _access_badge() -> str:
    """The unsecured demo and the public screen say so beside the data-as-of stamp."""
    access = st.session_state.get(ACCESS)
    role = getattr(access, "role", "")
    if role == "demo":
        return f'<span class="demo-badge" title="{t("auth_unsecured_help")}">{t("auth_unsecured")}</span>'
    if role == "public":
        n = access.privacy.min_cell
        return f'<span class="demo-badge" title="{t("auth_public_help", n=n)}">{t("auth_public")}</span>'
    return ""


def _notices(wall: bool = False) -> None:
    """The URL values dropped, and why: a warning on a page; on the wall a toast that floats over the 16:9
    layout and goes (a notice never pushes the wall down)."""
    for text in st.session_state.pop("_scope_notices", []) + st.session_state.pop("_notices", []):
        if wall:
            st.toast(md(text), duration="long")
        else:
            st.warning(md(text))  # notices quote URL values: literal text, never Markdown
