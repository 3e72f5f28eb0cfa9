"""Ending a page run early, shared by the chrome and the sign-in gate."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx


def stop_run() -> NoReturn:
    """st.stop(), first forgetting the fragments of earlier runs (the database's message, the sign-in screen, the
    queue's notice, an export's refusal). Streamlit forgets them only when a run ends normally, so a timer tick
    already on its way from the browser (the wall's redraw, the kiosk's timer) would still find its fragment and
    send its elements to a place the stopped page no longer has: the browser rejected them ("Bad delta path
    index") and the wall went blank. A run that a newer one has already replaced stops at the check below and
    leaves the store alone: the fragments in it are the newer run's."""
    ctx = get_script_run_ctx()
    if ctx is not None and not ctx.fragment_ids_this_run:
        ctx.yield_check()  # raises when this run was already told to stop (or to rerun) from outside
        ctx.fragment_storage.clear(new_fragment_ids=ctx.shared.new_fragment_ids.snapshot())
    st.stop()
