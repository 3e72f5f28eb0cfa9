"""The floor: a Streamlit app of the overview's shape drawn from constants, served beside the real app by
`python -m bench --load` so that a viewer's wait can be read against what Streamlit itself costs here.

Each page (the real app's seven names, so the same viewers click the same way) draws what the overview
draws: a caption, 18 tiles in three rows with their changes, two Altair charts (a 60-month trend and a
17-street bar chart), one 17-row table and the filter bar's street and community choices. Nothing is read
from a database and nothing is cached across sessions beyond what Streamlit itself keeps: the difference
between the app and this floor is the app's own work (data, checks, chrome).

Run on its own: `streamlit run bench/floor_app.py`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

SLUGS = ("overview", "organization", "grid_map", "volunteers", "explore", "data", "briefing")
STREETS = ["全区"] + [f"第{i}街道" for i in range(1, 18)]
COMMUNITIES = ["全部社区"] + [f"第{i}社区" for i in range(1, 13)]
MONTHS = pd.date_range("2013-01-01", periods=60, freq="MS")
TREND = pd.DataFrame({"month": MONTHS, "hours": [1_000 + 37 * i + (i * 7919) % 400 for i in range(60)]})
RANKING = pd.DataFrame(
    {
        "street": STREETS[1:],
        "hours": [30_000 - 1_234 * i for i in range(17)],
        "activities": [900 - 31 * i for i in range(17)],
        "members": [2_000 - 57 * i for i in range(17)],
        "volunteers": [5_000 - 111 * i for i in range(17)],
        "rank": list(range(1, 18)),
    }
)
TILES = [(f"指标{i + 1}", 10_000 + 4_321 * i, f"{(i % 7) - 3:+.1f}%") for i in range(18)]


def draw() -> None:
    """One page of the overview's shape, under a street choice as the filter bar offers it."""
    street = st.sidebar.selectbox("街道", STREETS, key="_w_street")
    st.sidebar.selectbox("社区", COMMUNITIES, key="_w_community")
    st.caption(f"{street} · 2017-01-01 — 2017-09-30 · 同比")
    for row in range(3):
        for col, (label, value, delta) in zip(st.columns(6), TILES[row * 6 : row * 6 + 6]):
            col.metric(label, f"{value:,}", delta)
    left, right = st.columns(2)
    line = alt.Chart(TREND).mark_line(point=True).encode(x=alt.X("month:T", title="月份"), y=alt.Y("hours:Q"))
    left.altair_chart(line, width="stretch")
    bars = alt.Chart(RANKING).mark_bar().encode(x=alt.X("hours:Q"), y=alt.Y("street:N", sort="-x"))
    right.altair_chart(bars, width="stretch")
    st.dataframe(RANKING, hide_index=True, width="stretch")


def _page(slug: str):
    def page() -> None:
        draw()

    page.__name__ = slug  # a page's identity follows its function's name
    return st.Page(page, title=slug, url_path=slug)


def home() -> None:
    draw()


st.set_page_config(page_title="floor", layout="wide")
# as in the app, the root is a hidden page of its own, so every page (the overview too) answers to its name
pages = [st.Page(home, title="floor", url_path="home", default=True, visibility="hidden")]
st.navigation(pages + [_page(slug) for slug in SLUGS], position="top").run()
