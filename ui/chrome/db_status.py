"""What a viewer sees while the database is unreachable, busy or slow: a plain message, a retry button,
and a background re-check so an unattended wall screen recovers by itself. Bugs are not hidden here."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from data_access.bootstrap import database_ready, forget_checks, rollups_current
from data_access.db import database_url, query_timeout_ms
from data_access.failures import DB_ERRORS, classify, describe

from ..labels import t
from ..stopping import stop_run

RECHECK_SECONDS = 15
log = logging.getLogger("erqi.db")
F = TypeVar("F", bound=Callable)


def reconnect() -> None:
    """Forget engines, cached results and the first-start check, so the next run asks the database afresh."""
    st.cache_data.clear()
    st.cache_resource.clear()
    st.session_state.pop("_db_checked", None)
    forget_checks()


def db_problem(key: str) -> None:
    """Say plainly what is wrong (no traceback, no connection string), offer a retry, and keep
    checking in the background so an unattended wall screen recovers by itself."""
    with st.container(key="db_problem"):  # styled large enough to read on a wall screen (ui/theme.py)
        st.error(t(key, s=f"{query_timeout_ms() / 1000:g}"), icon="⚠️")
        st.button(t("retry"), type="primary", on_click=reconnect, key="db_retry")
        st.caption(t("db_auto_retry", s=RECHECK_SECONDS))

    @st.fragment(run_every=RECHECK_SECONDS)
    def _recheck() -> None:
        if not _fragment_run():
            return  # drawn inline with the message: checking now would rerun a page that just failed
        try:
            url = database_url()
            ok = database_ready(url) and rollups_current(url)
        except Exception:  # noqa: BLE001 - any failure here just means "not yet"
            ok = False
        if ok:
            reconnect()
            st.rerun(scope="app")

    _recheck()
    stop_run()


def _fragment_run() -> bool:
    """True while Streamlit reruns only fragments (a timer tick), not the whole page."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def failure_key(exc: BaseException) -> str | None:
    """The message for a database failure (logged server-side), or None when exc is a bug."""
    key = classify(exc)
    if key is None:
        log.error("query failed in the app's own code: %s", describe(exc))
    else:
        log.warning("database %s: %s", key.removeprefix("db_"), describe(exc))
    return key


def run_guarded(body: Callable[[], object]) -> None:
    """Run body (a page); a database failure becomes the plain message, anything else is a bug:
    Streamlit logs it server-side and, with error details off, shows no traceback."""
    try:
        body()
    except DB_ERRORS as exc:
        key = failure_key(exc)
        if key is None:
            st.error(t("page_failed"))
            raise
        db_problem(key)
    except Exception:
        st.error(t("page_failed"))  # a bug: Chinese first for the viewer, the traceback in the server log
        raise


FAILED = "_db_failed"  # a failure met inside a fragment, for the next full run to show


def fragment_guard(fn: F) -> F:
    """For st.fragment bodies that query (the briefing wall, the kiosk timer). Streamlit keeps an
    exception inside its fragment, so run_page never sees it: instead the whole page is rerun, and the
    chrome shows the message and its re-check in place of the page. Bugs are raised as they are."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DB_ERRORS as exc:
            key = failure_key(exc)
            if key is None:
                raise
            reconnect()
            st.session_state[FAILED] = key
            st.rerun(scope="app")

    return wrapper  # type: ignore[return-value]


def show_pending_failure() -> None:
    """If a fragment met a database failure, show its message now (and stop the page)."""
    key = st.session_state.pop(FAILED, None)
    if key:
        db_problem(key)


__all__ = [
    "DB_ERRORS",
    "RECHECK_SECONDS",
    "db_problem",
    "fragment_guard",
    "reconnect",
    "run_guarded",
    "show_pending_failure",
]
