"""Kiosk mode (?kiosk=1&cycle=30): no browser chrome, a playlist of views that advances by itself,
arrow keys / space (a presenter's clicker) for next, back and pause, warnings shown first."""

from __future__ import annotations

import html
import time
from dataclasses import replace
from datetime import date

import streamlit as st

from data_access import cached
from data_access.filters import Filters, Places, default_filters, filters_to_params

from ..chrome import filter_bar, freshness
from ..chrome.db_status import fragment_guard
from ..labels import current_lang, t
from ..safe_text import md
from . import playlist

STATE = "_kiosk"
CHROME_CSS = """
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stStatusWidget"], [data-testid="stDecoration"],
[data-testid="stMainMenu"], footer { display: none !important; }
.block-container { padding-top: 1rem !important; }
.st-key-kiosk_prev, .st-key-kiosk_next, .st-key-kiosk_pause { display: none !important; }
.kiosk-status { position: fixed; right: 14px; bottom: 10px; z-index: 1000; font-size: 14px;
  color: #9fb3c8; background: rgba(0,0,0,.35); padding: 2px 10px; border-radius: 8px; }
"""
# Clicker keys press the hidden buttons; installed once per browser tab.
KEYS_JS = """
<script>
if (!window.__erqiKiosk) {
  window.__erqiKiosk = true;
  // a press while the next view is being switched in (its buttons not drawn yet) waits for them, up to 10 s
  const press = (k, tries = 50) => {
    const b = document.querySelector('.st-key-' + k + ' button');
    if (b && !b.disabled) b.click(); else if (tries > 0) setTimeout(() => press(k, tries - 1), 200);
  };
  document.addEventListener('keydown', (e) => {
    if (['ArrowRight', 'PageDown', 'ArrowDown'].includes(e.key)) { press('kiosk_next'); e.preventDefault(); }
    else if (['ArrowLeft', 'PageUp', 'ArrowUp'].includes(e.key)) { press('kiosk_prev'); e.preventDefault(); }
    else if ([' ', 'b', 'B', '.'].includes(e.key)) { press('kiosk_pause'); e.preventDefault(); }
  });
}
</script>
"""


def requested() -> bool:
    """True when the URL asks for kiosk mode."""
    return st.query_params.get("kiosk") == "1"


def hide_chrome() -> None:
    st.html(f"<style>{CHROME_CSS}</style>")


def _state(places: Places, page_paths: list[str]) -> dict | None:
    """The session's rotation; built from the playlist file on first use (None if the file is bad)."""
    if STATE not in st.session_state:
        try:
            stops, default_cycle = playlist.load_playlist(playlist.playlist_path(), page_paths, places)
        except playlist.PlaylistError as exc:
            st.session_state[STATE] = {"error": str(exc)}
            return None
        cycle, ok = playlist.parse_cycle(st.query_params.get("cycle"), default_cycle)
        if not ok:
            st.session_state.setdefault("_notices", []).append(
                t("notice_bad_cycle", value=st.query_params.get("cycle"), default=default_cycle)
            )
        st.session_state[STATE] = {
            "stops": stops,
            "i": -1,
            "paused": False,
            "last": time.monotonic(),
            "cycle": cycle,
            "seen": None,
            "go": False,
            "step": 0,
            "started": False,
        }
    state = st.session_state[STATE]
    return None if "error" in state else state


def _move(delta: int) -> None:
    state = st.session_state[STATE]
    state["i"] = (state["i"] + delta) % len(state["stops"])
    state["go"] = True


def _toggle_pause() -> None:
    state = st.session_state[STATE]
    state["paused"] = not state["paused"]
    state["last"] = time.monotonic()


def _new_warning_stop(state: dict, first: date, as_of: date) -> playlist.Stop | None:
    """The briefing of the street where supervision warnings have newly appeared, if any."""
    counts = cached.warning_counts(Filters(first, as_of), as_of)
    current = {(int(r.street_id), int(r.overdue_tasks)) for r in counts.itertuples() if r.overdue_tasks > 0}
    fresh = current - (state["seen"] or set())
    state["seen"] = current
    if not fresh:
        return None
    worst = max(fresh, key=lambda item: item[1])
    return playlist.Stop("pages/briefing.py", worst[0], reason="warning")


def _go(stop: playlist.Stop, state: dict, first: date, last: date, places: Places) -> None:
    """Show a stop: set the session's filters to its place and open its page (kiosk params kept)."""
    state["last"] = time.monotonic()
    state["step"] += 1
    state["go"] = False
    state["current"] = stop
    f = replace(default_filters(first, last), street_id=stop.street_id, community_id=stop.community_id)
    st.session_state[filter_bar.STATE] = f
    params = {"kiosk": "1", "cycle": str(state["cycle"])}
    params.update(filters_to_params(f, places, first, last))
    if current_lang() != "zh":
        params["lang"] = current_lang()
    st.switch_page(stop.page, query_params=params)


def _advance(state: dict, first: date, last: date, places: Places) -> None:
    warning = _new_warning_stop(state, first, last)
    if warning is not None:
        _go(warning, state, first, last, places)
    _move(+1)
    _go(state["stops"][state["i"]], state, first, last, places)


def _where(stop: playlist.Stop | None, places: Places, first: date, last: date, clamp) -> str:
    """The place a stop shows as the viewer's scope leaves it (a district stop on a street user's wall
    shows the street, and says so)."""
    f = Filters(first, last, stop.street_id if stop else None, stop.community_id if stop else None)
    return filter_bar.scope_path(clamp(f) if clamp else f, places)[-1]


def run(places: Places, first: date, last: date, page_paths: list[str], clamp=None) -> None:
    """Drive the rotation for this run: controls, status line, and the timer. clamp: the session's scope
    applied to a stop's filters (for the status line's place)."""
    state = _state(places, page_paths)
    if state is None:
        st.error(t("kiosk_bad_playlist", reason=md(st.session_state[STATE]["error"])))
        return
    st.button("prev", key="kiosk_prev", on_click=_move, args=(-1,))
    st.button("next", key="kiosk_next", on_click=_move, args=(+1,))
    st.button("pause", key="kiosk_pause", on_click=_toggle_pause)
    st.html(KEYS_JS, unsafe_allow_javascript=True)
    if state["go"]:
        _go(state["stops"][state["i"]], state, first, last, places)
    if not state["started"]:  # first run: warnings first, else the first view
        state["started"] = True
        _advance(state, first, last, places)

    paused = t("kiosk_paused") if state["paused"] else ""
    where = _where(state.get("current"), places, first, last, clamp)
    st.html(
        f'<div class="kiosk-status" id="kiosk-status" data-step="{state["step"]}" data-paused="{int(state["paused"])}">'
        f"{state['i'] + 1}/{len(state['stops'])} · {html.escape(str(where))} {paused}</div>"
    )

    @st.fragment(run_every=state["cycle"])
    @fragment_guard
    def _timer() -> None:
        if not state["paused"] and time.monotonic() - state["last"] >= state["cycle"] - 0.5:
            _advance(state, first, last, places)

    _timer()
    _watch_data()


WATCH_SECONDS = 30  # a kiosk stop held longer than this still shows a refresh of the figures within it


def _watch_data() -> None:
    """Redraw the current stop (no page reload) when the figures were refreshed since it was drawn."""
    drawn = freshness.follow().get("version")

    @st.fragment(run_every=WATCH_SECONDS)
    @fragment_guard
    def _watch() -> None:
        if freshness.follow().get("version") != drawn:
            st.rerun(scope="app")

    _watch()
