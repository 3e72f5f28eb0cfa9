"""Section 5, current warnings: the wall's three counts, then who they concern: overdue supervision tasks,
organisations without 三会一课 in 90 days, building areas with 1+X+Y gaps (by their community/village)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .text import esc, number

if TYPE_CHECKING:
    from .html import Page

KINDS = ("overdue_tasks", "meeting_gaps", "staffing_gaps")
OVERDUE_ROWS = 30  # the longest overdue; the rest are counted


def warnings_html(page: Page) -> str:
    """The warnings section's body for the page's scope."""
    d, L = page.d, page.L
    totals = d.warnings[list(KINDS)].sum() if len(d.warnings) else pd.Series(0, index=list(KINDS))
    counts = "".join(
        f'<div data-warning="{k}"><span class="v">{esc(number(int(totals[k]), page.lang))}</span>'
        f'<span class="l">{esc(L("warn_" + k))}</span></div>'
        for k in KINDS
    )
    parts = [
        f'<p class="caption">{esc(L("rep_as_of_judged", d=d.as_of.isoformat()))}</p>',
        f'<div class="warn-counts">{counts}</div>',
    ]
    if d.place.level == "district":
        parts.append(by_street(page))
    parts.append(overdue(page))
    parts.append(meeting_gaps(page))
    parts.append(staffing_gaps(page))
    return "".join(parts)


def by_street(page: Page) -> str:
    """Per street/town: the three counts (overview.warning_counts), most warnings first."""
    L, w = page.L, page.d.warnings
    if w.empty:
        return ""
    w = w.assign(total=w[list(KINDS)].sum(axis=1)).sort_values(["total", "street_id"], ascending=[False, True])
    head = "".join(f"<th>{esc(L(k))}</th>" for k in ("street", *(f"warn_{k}" for k in KINDS)))
    rows = "".join(
        f'<tr><td class="name">{esc(r.street)}</td>'
        + "".join(f'<td class="num">{esc(number(int(getattr(r, k)), page.lang))}</td>' for k in KINDS)
        + "</tr>"
        for r in w.itertuples()
    )
    title = L("rep_warn_by_area", area=L("street"))
    return f'<h3>{esc(title)}</h3><table class="data warn"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def overdue(page: Page) -> str:
    """Overdue supervision tasks with their responsible organisation, longest overdue first."""
    L, tasks = page.L, page.d.overdue
    title = _titled(page, "warnings", len(tasks))
    if tasks.empty:
        return title + _empty(page, "warnings_none")
    tasks = tasks.sort_values(["days_overdue", "code"], ascending=[False, True])
    shown, more = tasks.head(OVERDUE_ROWS), max(len(tasks) - OVERDUE_ROWS, 0)
    head = "".join(
        f"<th>{esc(L(k))}</th>" for k in ("col_title", "col_aspect", "col_org", "col_due", "col_days_overdue")
    )
    rows = "".join(
        f'<tr><td class="name">{esc(r.title)}</td><td>{esc(r.aspect)}</td><td class="name">{esc(r.org)}</td>'
        f'<td class="date">{esc(r.due_on)}</td><td class="num">{esc(number(int(r.days_overdue), page.lang))}</td></tr>'
        for r in shown.itertuples()
    )
    note = f'<p class="caption">{esc(L("rep_overdue_more", n=number(more, page.lang)))}</p>' if more else ""
    return f'{title}<table class="data tasks"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{note}'


def meeting_gaps(page: Page) -> str:
    """The organisations without 三会一课 in 90 days, grouped by street/town at district level."""
    gaps = page.d.meeting_gaps
    title = _titled(page, "rep_meeting_orgs", len(gaps))
    if gaps.empty:
        return title + _empty(page, "rep_none")
    if page.d.place.level != "district":
        return title + f'<p class="names">{_joined(gaps["org"], page.lang)}</p>'
    return title + _grouped(gaps, "street", lambda part: _joined(part["org"], page.lang), page.lang)


def staffing_gaps(page: Page) -> str:
    """Building areas with a 1+X+Y gap: at district level how many under each community/village (grouped by
    street); below, each building area with what it lacks (grouped by community/village)."""
    L, gaps = page.L, page.d.staffing_gaps
    title = _titled(page, "rep_staffing_by_org", len(gaps))
    if gaps.empty:
        return title + _empty(page, "grid_gaps_none")

    def lacking(r) -> str:
        what = [
            L(k)
            for k, gap in (
                ("grid_gap_leader", r.no_leader),
                ("grid_gap_members", r.few_members),
                ("grid_gap_team", r.no_team),
            )
            if gap
        ]
        return L("rep_missing", what="、".join(what) if page.lang == "zh" else ", ".join(what))

    if page.d.place.level == "district":

        def per_community(part: pd.DataFrame) -> str:
            counts = part.groupby("community", sort=False).size()
            return "、".join(f"{esc(c)} {esc(number(int(n), page.lang))}" for c, n in counts.items())

        return title + _grouped(gaps, "street", per_community, page.lang)

    def buildings(part: pd.DataFrame) -> str:
        return "、".join(f'{esc(r.name)}<span class="lack">（{esc(lacking(r))}）</span>' for r in part.itertuples())

    return title + _grouped(gaps, "community", buildings, page.lang)


def _titled(page: Page, key: str, n: int) -> str:
    """A list's heading with its count: 督查预警（23）."""
    return f"<h3>{esc(page.L(key))}（{esc(number(n, page.lang))}）</h3>"


def _empty(page: Page, key: str) -> str:
    return f'<p class="empty">{esc(page.L(key))}</p>'


def _joined(names: pd.Series, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(esc(n) for n in names)


def _grouped(frame: pd.DataFrame, key: str, render, lang: str) -> str:
    """One paragraph per group, in the order the rows come: the group's name, its count, its items."""
    out = []
    for name, part in frame.groupby(key, sort=False):
        out.append(f'<p class="group"><b>{esc(name or "—")}</b>（{esc(number(len(part), lang))}）：{render(part)}</p>')
    return "".join(out)
