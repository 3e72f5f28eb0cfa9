"""page_setup(): the chrome every page starts with — config, database check, filter bar, header."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access import cached
from data_access.bootstrap import DatabaseNotReady, database_ready, ensure_demo_database
from data_access.db import DatabaseConfigError, database_url
from data_access.filters import Filters, Places
from data_access.queries import date_bounds

from . import filter_bar
from .labels import t
from .theme import CSS

# (file, label key, icon): the app's pages, in menu order; URL slugs come from the file names.
PAGES = [
    ("pages/overview.py", "page_overview", ":material/dashboard:"),
    ("pages/grid_map.py", "grid_page", "🗺️"),  # an emoji: a material icon would make the favicon load from the internet
]
_RUN = "_run_token"
_CTX = "_page_ctx"


@dataclass(frozen=True)
class PageContext:
    """What a page needs from the chrome: the filters and the dataset's facts."""

    filters: Filters
    places: Places
    as_of: date
    first_day: date
    is_demo: bool


def _forward_to_overview() -> None:
    """The root URL opens the overview at its own address, keeping the filters."""
    st.switch_page(PAGES[0][0], query_params=st.query_params.to_dict())


def navigation():
    """The router's page list (titles in the current language); the root forwards to the first page."""
    st.session_state[_RUN] = uuid.uuid4().hex
    pages = [st.Page(_forward_to_overview, title=t("app_title"), url_path="home", default=True, visibility="hidden")]
    pages += [st.Page(path, title=t(key), icon=icon) for path, key, icon in PAGES]
    return st.navigation(pages, position="top")


def _legacy_run() -> bool:
    """True when Streamlit ran a pages/ file directly (a cold deep link before app.py ever ran)."""
    from streamlit.runtime.pages_manager import PagesManager

    return bool(PagesManager.uses_pages_directory)


def page_setup() -> PageContext:
    """Draw the shared chrome once per run and return the page's context. Safe to call twice."""
    if _legacy_run():
        # Hand the run back to app.py so a deep link renders exactly like navigation.
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    token = st.session_state.get(_RUN)
    held = st.session_state.get(_CTX)
    if held and token and held[0] == token:
        return held[1]

    st.set_page_config(page_title=t("app_title"), page_icon="🏛️", layout="wide", initial_sidebar_state="expanded")
    st.html(f"<style>{CSS}</style>")
    info, places = _load_dataset()
    first, last = date_bounds(info)
    f = filter_bar.render(places, first, last)
    ctx = PageContext(f, places, last, first, info.get("is_demo") == "1")
    _header(ctx)
    st.session_state[_CTX] = (token, ctx)
    return ctx


def _db_problem(key: str) -> None:
    st.error(t(key), icon=":material/database:")
    if st.button(t("retry"), type="primary"):
        st.cache_data.clear()
        st.cache_resource.clear()
        st.rerun()
    st.stop()


def _load_dataset() -> tuple[dict[str, str], Places]:
    """Dataset facts and places; builds the embedded demo file on first start; never shows a traceback."""
    try:
        url = database_url()
    except DatabaseConfigError:
        _db_problem("db_config")
    try:
        if not st.session_state.get("_db_checked"):
            if not database_ready(url):
                with st.status(t("db_first_start"), expanded=True) as status:
                    bar = st.progress(0.0)

                    def progress(fraction: float, message: str) -> None:
                        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

                    ensure_demo_database(url, progress)
                    status.update(label=t("db_first_done"), state="complete", expanded=False)
            st.session_state["_db_checked"] = True
        return cached.dataset_info(), cached.places()
    except DatabaseNotReady:
        _db_problem("db_not_ready")
    except (SQLAlchemyError, OSError):
        _db_problem("db_unreachable")
    raise AssertionError("unreachable")  # _db_problem stops the script


def _header(ctx: PageContext) -> None:
    path = filter_bar.scope_path(ctx.filters, ctx.places)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.markdown(f"### {t('app_title')}")
    left.caption(" › ".join(path) + f"　·　{ctx.filters.start:%Y-%m-%d} — {ctx.filters.end:%Y-%m-%d}")
    badge = ""
    if ctx.is_demo:
        badge = f'<span class="demo-badge" title="{t("demo_help")}">{t("demo_badge")}</span>'
    right.html(f'<div class="asof">{t("as_of", d=ctx.as_of.isoformat())}{badge}</div>')
    for text in st.session_state.pop("_notices", []):
        st.warning(text, icon=":material/link_off:")
