"""Builders for the briefing wall (大屏): title bar, KPI strip, warnings panel, dark charts."""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from .. import charts, numbers
from ..chrome import freshness
from ..labels import current_lang, t

TEXT = "#e8eef5"
MUTED = "#9fb3c8"
GRID = "#1e3a5f"


def title_bar(scope: str, as_of: date, is_demo: bool, fresh: dict, behind: tuple[str, str] | None) -> str:
    """Title, scope, the data-as-of and refreshed-at stamps; when the figures are behind the database, the
    lag in red in place of nothing (ui.chrome.freshness)."""
    badge = f'<span class="demo-badge">{t("demo_badge")}</span>' if is_demo else ""
    stamp = freshness.refreshed_text(fresh)
    stamp = f" · {stamp}" if stamp else ""
    lag = f'<span class="brief-lag" title="{html.escape(behind[0])}">{behind[1]}</span>' if behind else ""
    return (
        f'<div class="brief-bar"><span class="brief-title">{t("briefing_title")}</span>'
        f'<span class="brief-scope">{html.escape(scope)}</span>'
        f'<span class="brief-meta">{lag}{t("as_of", d=as_of.isoformat())}{stamp} {badge}</span></div>'
    )


def big_number(value: float | int | None) -> str:
    """Numbers for the back of the room: 万 from 100,000 in Chinese, thousands separators otherwise (ui.numbers.large)."""
    return numbers.large(value, current_lang(), na=t("na"))


def kpi_strip(items: list[tuple[str, float | int | None, tuple[str, ...]]]) -> str:
    """The wall's headline figures: (label key, value, (change text, up/down/flat[, why])) each, the change
    (同比 or 环比, ui.compare.arrow_text) large enough to read across a room. A change that needs explaining
    is given in a short form that fits beside its label, and the full reason as its tooltip (why)."""
    cells = []
    for key, v, (text, cls, *why) in items:
        tip = f' title="{html.escape(why[0])}"' if why and why[0] else ""
        cells.append(
            f'<div class="brief-kpi" data-kpi="{key}"><div class="v">{big_number(v)}</div>'
            f'<div class="l"><span class="k" title="{html.escape(t(key))}">{t(key)}</span>'
            f'<span class="d {cls}"{tip} data-change="{cls}">{html.escape(text)}</span></div></div>'
        )
    return f'<div class="brief-kpis">{"".join(cells)}</div>'


def map_with_inset(deck: pdk.Deck, height: int, inset: pdk.Deck | None, inset_size: tuple[int, int]) -> None:
    """The grid map, and over its bottom-left corner a small map of the whole district that outlines the
    part the map shows (the wall is never panned: the rural streets stay in sight there). The inset is
    placed by SCREEN_CSS (ui.theme: .st-key-brief_map_box) out of the column's flow, so the column is no
    taller than the map."""
    with st.container(key="brief_map_box"):
        st.pydeck_chart(deck, height=height)
        if inset is not None:
            with st.container(key="brief_map_inset", width=inset_size[0]):
                st.pydeck_chart(inset, height=inset_size[1])


def warnings_panel(counts: pd.DataFrame, overdue: pd.DataFrame, top: int = 6) -> str:
    totals = counts[["overdue_tasks", "meeting_gaps", "staffing_gaps"]].sum()
    cells = "".join(
        f'<div data-warning="{k}"><span class="v">{numbers.count(totals[k])}</span>'
        f'<span class="l" title="{html.escape(t("warn_" + k))}">{t("warn_" + k)}</span></div>'
        for k in ("overdue_tasks", "meeting_gaps", "staffing_gaps")
    )
    rows = (
        "".join(
            f'<div>{html.escape(str(r.org))} · {html.escape(str(r.title))}<span class="d">{t("days_overdue", n=numbers.count(r.days_overdue))}</span></div>'
            for r in overdue.sort_values("days_overdue", ascending=False).head(top).itertuples()
        )
        or f"<div>{t('warnings_none')}</div>"
    )
    return f'<div class="brief-warn">{cells}</div><div class="brief-list">{rows}</div>'


def dark_lines(df: pd.DataFrame, value: str, title: str, color: str, height: int) -> alt.Chart:
    return dark(charts.monthly_lines(df, value, title, color=color), height)


def dark_ranking(df: pd.DataFrame, label: str, value: str, title: str, height: int) -> alt.Chart:
    """Every place named (with its change in rank): 17 streets fit the panel at 13 px without thinning."""
    return dark(charts.bar_ranking(df, label, value, title), height).configure_axisY(
        labelOverlap=False, labelFontSize=13
    )


def dark_weekday_hour(
    df: pd.DataFrame, value: str, title: str, labels: dict[str, str], order: list[str], height: int
) -> alt.Chart:
    """The volunteer page's weekday × hour heat (df and order from charts.week_grid), for the wall."""
    return dark(charts.weekday_hour_heat(df, value, title, labels, order, height=height), height)


def dark(chart: alt.Chart, height: int) -> alt.Chart:
    """Large light-on-dark type for charts on the wall."""
    return (
        chart.properties(height=height, background="transparent")
        .configure_view(stroke=None)
        .configure_axis(
            labelColor=MUTED, titleColor=MUTED, gridColor=GRID, domainColor=GRID, labelFontSize=15, titleFontSize=15
        )
        .configure_text(color=TEXT, fontSize=15)
        .configure_legend(labelColor=TEXT, titleColor=MUTED, labelFontSize=14)
    )
