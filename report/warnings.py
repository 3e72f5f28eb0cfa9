"""Section 5, current warnings: the wall's three counts, then who they concern: overdue supervision tasks,
organisations without 三会一课 in 90 days, building areas with 1+X+Y gaps (by their community/village)."""

from __future__ import annotations

import pandas as pd

from .page import Page
from .text import esc, missing, number

KINDS = ("overdue_tasks", "meeting_gaps", "staffing_gaps")
OVERDUE_ROWS = 30  # the longest overdue; the rest are counted
LIST_ROWS = 3  # the worst few of a group named in the warnings section; all of them in the appendix


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
    """The organisations without 三会一课 in 90 days, longest without first, with the day of their last one:
    the worst few of each street/town (district) or of the scope, and how many more (all in the appendix)."""
    gaps = page.d.meeting_gaps
    title = _titled(page, "rep_meeting_orgs", len(gaps))
    if gaps.empty:
        return title + _empty(page, "rep_none")
    gaps = _worst_meetings(page, gaps)

    def worst(part: pd.DataFrame) -> str:
        items = [
            f'{esc(r.org)}<span class="lack">（{esc(_last_text(page, r.last_meeting))}）</span>'
            for r in part.itertuples()
        ]
        return _cut(page, items, LIST_ROWS)

    if page.d.place.level != "district":
        return title + f'<p class="names">{worst(gaps)}</p>' + _see_appendix(page, "meetings")
    return title + _grouped(gaps, "street", worst, page.lang) + _see_appendix(page, "meetings")


def staffing_gaps(page: Page) -> str:
    """Building areas with a 1+X+Y gap: at district level each street's communities/villages with most of
    them; below, each community's building areas lacking most (grouped by community/village); the worst
    few of each group and how many more (all in the appendix)."""
    gaps = page.d.staffing_gaps
    title = _titled(page, "rep_staffing_by_org", len(gaps))
    if gaps.empty:
        return title + _empty(page, "grid_gaps_none")

    if page.d.place.level == "district":

        def per_community(part: pd.DataFrame) -> str:
            counts = part.groupby("community", sort=False).size().sort_values(ascending=False, kind="stable")
            items = [f"{esc(c)} {esc(number(int(n), page.lang))}" for c, n in counts.items()]
            return _cut(page, items, LIST_ROWS, "rep_more_places")

        return title + _grouped(gaps, "street", per_community, page.lang) + _see_appendix(page, "staffing")

    def buildings(part: pd.DataFrame) -> str:
        part = part.assign(_n=part[["no_leader", "few_members", "no_team"]].sum(axis=1))
        part = part.sort_values("_n", ascending=False, kind="stable")
        items = [f'{esc(r.name)}<span class="lack">（{esc(lacking(page, r))}）</span>' for r in part.itertuples()]
        return _cut(page, items, LIST_ROWS)

    return title + _grouped(gaps, "community", buildings, page.lang) + _see_appendix(page, "staffing")


def lacking(page: Page, r) -> str:  # noqa: ANN001 - a row of the staffing frame
    """缺网格长、网格员: what a building area's 1+X+Y lacks."""
    what = [
        page.L(k)
        for k, gap in (
            ("grid_gap_leader", r.no_leader),
            ("grid_gap_members", r.few_members),
            ("grid_gap_team", r.no_team),
        )
        if gap
    ]
    return page.L("rep_missing", what="、".join(what) if page.lang == "zh" else ", ".join(what))


def _worst_meetings(page: Page, gaps: pd.DataFrame) -> pd.DataFrame:
    """Never held first, then the longest since the last one; by code within a tie."""
    never = gaps["last_meeting"].isna()
    days = gaps["last_meeting"].map(lambda d: None if missing(d) else (page.d.as_of - d).days)
    order = gaps.assign(_never=never, _days=days.fillna(0)).sort_values(
        ["_never", "_days", "code"], ascending=[False, False, True]
    )
    return order.drop(columns=["_never", "_days"])


def _last_text(page: Page, last: object) -> str:
    if missing(last):
        return page.L("rep_meeting_never")
    return page.L("rep_meeting_last", d=f"{last:%Y-%m-%d}", n=number((page.d.as_of - last).days, page.lang))


def _cut(page: Page, items: list[str], n: int, more_key: str = "rep_more_items") -> str:
    """The first n items, and 及其他 N 个 for the rest (already escaped HTML)."""
    shown = ("、" if page.lang == "zh" else ", ").join(items[:n])
    if len(items) > n:
        shown += esc(page.L(more_key, n=number(len(items) - n, page.lang)))
    return shown


def cut_short(page: Page, which: str) -> bool:
    """Whether the warnings section names only some of a list (meetings or staffing): then the appendix has it."""
    level = page.d.place.level
    if which == "meetings":
        gaps = page.d.meeting_gaps
        sizes = gaps.groupby("street", sort=False).size() if level == "district" else pd.Series([len(gaps)])
    else:
        gaps = page.d.staffing_gaps
        if gaps.empty:
            return False
        if level == "district":
            sizes = gaps.groupby("street", sort=False)["community"].nunique()
        else:
            sizes = gaps.groupby("community", sort=False).size()
    return bool(len(sizes)) and int(sizes.max()) > LIST_ROWS


def _see_appendix(page: Page, which: str) -> str:
    return f'<p class="caption">{esc(page.L("rep_see_appendix"))}</p>' if cut_short(page, which) else ""


def appendix_html(page: Page) -> str:
    """附录: the full lists the warnings section cuts short, one table each (the header on every page); none
    when the section names everyone."""
    meetings = page.d.meeting_gaps if cut_short(page, "meetings") else page.d.meeting_gaps.iloc[0:0]
    staffing = page.d.staffing_gaps if cut_short(page, "staffing") else page.d.staffing_gaps.iloc[0:0]
    if meetings.empty and staffing.empty:  # every name is in the warnings section already
        return ""
    L = page.L
    parts = [f'<h2 id="rep_appendix">{esc(L("rep_appendix"))}</h2>']
    if not meetings.empty:
        rows = "".join(
            f'<tr><td>{esc(r.street or "—")}</td><td class="name">{esc(r.org)}</td>'
            f'<td class="date">{esc(_last_text(page, r.last_meeting))}</td></tr>'
            for r in meetings.itertuples()  # by code: street by street
        )
        head = "".join(f"<th>{esc(L(k))}</th>" for k in ("street", "rep_col_org", "rep_col_last_meeting"))
        parts.append(_titled(page, "rep_meeting_orgs", len(meetings)))
        parts.append(f'<table class="data list"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    if not staffing.empty:
        rows = "".join(
            f'<tr><td>{esc(r.street or "—")}</td><td>{esc(r.community or "—")}</td><td class="name">{esc(r.name)}</td>'
            f"<td>{esc(lacking(page, r))}</td></tr>"
            for r in staffing.itertuples()
        )
        head = "".join(f"<th>{esc(L(k))}</th>" for k in ("street", "community", "rep_col_area", "rep_col_lacks"))
        parts.append(_titled(page, "rep_staffing_by_org", len(staffing)))
        parts.append(f'<table class="data list"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    return f'<section class="appendix">{"".join(parts)}</section>'


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
