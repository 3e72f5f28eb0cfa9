"""数据解读: the few sentences that open the briefing, written from the figures the sections below print.

Each sentence is built from the same frames and the same formatting as the tiles and tables (so every
number in it is one the reader finds below) and only when the data supports it: a change is named only
when there is a compared period and a change to name, a mover only when a rank moved, a warning only
when there is one."""

from __future__ import annotations

import pandas as pd

from data_access.compare import change
from ui import numbers
from ui.compare import rank_change

from .data import RANK_MEASURE
from .figures import tiles
from .page import Page
from .text import esc, number
from .warnings import KINDS

TOP_CHANGES = 3  # the changes named: the headline flow's and the largest others
HEADLINE = "kpi_hours"
TOP_MOVERS = 3  # at most this many places named for one move


def _sep(page: Page) -> str:
    return "、" if page.lang == "zh" else ", "


def flows(page: Page) -> list[tuple[str, object, object, float, float]]:
    """The tiles compared with the compared period: (label key, value, value then, difference, share),
    the largest changes (by share) first; flows without a share (nothing then) are left out."""
    out = []
    for _section, row in tiles(page):
        for tile in row:
            if tile.flow is None:
                continue
            before = page.d.kpis_before.get(tile.flow)
            diff, share = change(tile.value, before)  # type: ignore[arg-type]
            if diff is not None and share is not None:
                out.append((tile.label_key, tile.value, before, diff, share))
    return sorted(out, key=lambda r: (-abs(r[4]), r[0]))


def changes_sentence(page: Page) -> str | None:
    """The changes against the compared period: volunteer hours' and the largest others (or that nothing
    changed)."""
    if page.d.previous is None:
        return None
    rows = flows(page)
    if not rows:
        return None
    span = page.compared_text()
    # the headline flow first (volunteer hours, the ranking's measure), then the largest relative changes
    moved = [r for r in rows if r[3] != 0]
    moved = sorted(moved, key=lambda r: r[0] != HEADLINE)[:TOP_CHANGES]
    if not moved:
        return page.L("rep_sum_flat", span=span)
    parts = []
    for key, value, before, diff, share in moved:
        unit = page.L("unit_hours") if key == "kpi_hours" else ""
        parts.append(
            page.L(
                "rep_sum_change_up" if diff > 0 else "rep_sum_change_down",
                what=page.L(key),
                v=number(value, page.lang) + (f" {unit}" if unit else ""),
                pct=numbers.signed_percent(abs(share)).lstrip("+"),  # as the tile prints it (figures.arrow)
                was=number(before, page.lang),
            )
        )
    return page.L("rep_sum_changes", span=span, items=("；" if page.lang == "zh" else "; ").join(parts))


def ranked(page: Page) -> pd.DataFrame:
    """The ranking table's rows as the ranking section prints them: rank, area, hours (whole), moved."""
    r = page.d.ranking
    moved = rank_change(r, page.d.ranking_before, "area_id", RANK_MEASURE)
    return r.assign(rank=r[RANK_MEASURE].rank(ascending=False, method="min").astype(int), moved=moved).sort_values(
        ["rank", "area"]
    )


def ranking_sentence(page: Page) -> str | None:
    """Who leads the ranking, and who rose and fell most in it."""
    if page.d.ranking.empty:
        return None
    table = ranked(page)
    top = table[table["rank"] == 1]
    lead = page.L(
        "rep_sum_lead",
        who=_sep(page).join(top["area"].astype(str)),
        v=number(numbers.round_whole(float(top[RANK_MEASURE].iloc[0])), page.lang),  # as the table
    )
    known = table[table["moved"].notna()]
    if page.d.previous is None or known.empty:
        return lead + page.L("rep_sum_end")
    up, down = known[known["moved"] > 0], known[known["moved"] < 0]
    if up.empty and down.empty:
        return lead + page.L("rep_sum_rank_same")
    parts = []
    for part, key in ((up, "rep_sum_rose"), (down, "rep_sum_fell")):
        if part.empty:
            continue
        most = int(part["moved"].abs().max())
        who = part[part["moved"].abs() == most]
        names = list(who.itertuples())[:TOP_MOVERS]
        text = _sep(page).join(
            page.L("rep_sum_to_rank", who=r.area, rank=number(int(r.rank), page.lang)) for r in names
        )
        if len(who) > TOP_MOVERS:
            text += page.L("rep_sum_more", n=number(len(who) - TOP_MOVERS, page.lang))
        parts.append(page.L(key, who=text, n=number(most, page.lang)))
    return lead + page.L("rep_sum_movers", items=("；" if page.lang == "zh" else "; ").join(parts))


def warnings_sentence(page: Page) -> str:
    """The warnings that need a decision: their counts, the longest overdue task, where the gaps gather."""
    d = page.d
    totals = d.warnings[list(KINDS)].sum() if len(d.warnings) else pd.Series(0, index=list(KINDS))
    if int(totals.sum()) == 0:
        return page.L("rep_sum_no_warnings")
    parts = []
    if int(totals["overdue_tasks"]):
        text = page.L("rep_sum_overdue", n=number(int(totals["overdue_tasks"]), page.lang))
        if len(d.overdue):
            worst = d.overdue.sort_values(["days_overdue", "code"], ascending=[False, True]).iloc[0]
            text += page.L(
                "rep_sum_overdue_worst",
                title=worst["title"],
                org=worst["org"],
                days=number(int(worst["days_overdue"]), page.lang),
            )
        parts.append(text)
    if int(totals["meeting_gaps"]):
        parts.append(page.L("rep_sum_meetings", n=number(int(totals["meeting_gaps"]), page.lang)))
    if int(totals["staffing_gaps"]):
        text = page.L("rep_sum_staffing", n=number(int(totals["staffing_gaps"]), page.lang))
        where = _most_gaps(page)
        if where:
            text += where
        parts.append(text)
    return page.L("rep_sum_warnings", items=("；" if page.lang == "zh" else "; ").join(parts))


def _most_gaps(page: Page) -> str:
    """Where the 1+X+Y gaps gather: the street (district report) or community (street report) with most."""
    level = page.d.place.level
    if level == "district":
        w = page.d.warnings
        if w.empty or int(w["staffing_gaps"].max()) == 0:
            return ""
        most = int(w["staffing_gaps"].max())
        names = list(w.loc[w["staffing_gaps"] == most, "street"].astype(str))
    elif level == "street":
        gaps = page.d.staffing_gaps
        if gaps.empty:
            return ""
        counts = gaps.groupby("community", sort=False).size()
        most = int(counts.max())
        names = [str(c) for c, n in counts.items() if n == most]
    else:
        return ""
    shown = _sep(page).join(names[:TOP_MOVERS])
    return page.L("rep_sum_staffing_most", who=shown, n=number(most, page.lang))


def sentences(page: Page) -> list[str]:
    """The summary's sentences, in reading order."""
    out = [changes_sentence(page), ranking_sentence(page), warnings_sentence(page)]
    return [s for s in out if s]


def summary_html(page: Page) -> str:
    body = "".join(f"<p>{esc(s)}</p>" for s in sentences(page))
    return f'<section class="summary"><h3>{esc(page.L("rep_summary"))}</h3>{body}</section>'
