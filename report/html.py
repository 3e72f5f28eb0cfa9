"""The briefing as one self-contained HTML document (inline CSS and SVG) for Chromium to print on A4.

Every text from the database passes through esc() (html.escape) or css_string(): names are data."""

from __future__ import annotations

import re

from ui import numbers
from ui.compare import rank_change
from ui.maps import built_up, built_up_box

from . import svg_map
from .data import RANK_MEASURE, ReportData
from .figures import figures_html
from .heat import heat_figure
from .page import Page
from .style import CSS
from .summary import summary_html
from .text import esc, number
from .warnings import appendix_html, warnings_html

RANK_COLUMNS = ("members", "building_groups", "volunteers", "served", "activities", "requests")


def page_counter(template: str) -> str:
    """A CSS content value of a text with {n} (this page) and {total} (pages) in it."""
    parts = re.split(r"(\{n\}|\{total\})", template)
    counters = {"{n}": "counter(page)", "{total}": "counter(pages)"}
    return " ".join(counters.get(p) or css_string(p) for p in parts if p)


def css_string(value: str) -> str:
    """A CSS string literal of any text: quotes, backslashes, line breaks and '<' (which could end the
    style element) escaped."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return f'"{out}"'


class Report(Page):
    """Composes the report for one ReportData, section by section."""

    def document(self) -> str:
        title = self.L("app_title") + self.L("rep_briefing")
        footer = f"{title} · {self.scope_text()} · {self.d.period.name(self.lang)}"
        if self.d.is_demo:
            footer += f" · {self.L('demo_badge')}"
        page_css = (
            f"@page {{ @bottom-left {{ content: {css_string(footer)}; }} "
            f"@bottom-right {{ content: {page_counter(self.L('rep_page'))}; }} }}"
        )
        body = [self.cover(), self.summary(), self.figures(), self.maps(), self.ranking(), self.warnings()]
        body += [self.definitions(), self.appendix()]
        lang = "zh-CN" if self.lang == "zh" else "en"
        return (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)} · '
            f"{esc(self.scope_text())} · {esc(self.d.period.name(self.lang))}</title>"
            f"<style>{CSS}{page_css}</style></head><body>{''.join(body)}</body></html>"
        )

    # ------------------------------------------------------------ 1. cover

    def cover(self) -> str:
        d = self.d
        demo = ""
        if d.is_demo:
            demo = (
                f'<div class="demo-stamp" data-demo="1">{esc(self.L("demo_badge"))}</div>'
                f'<p class="demo-note">{esc(self.L("rep_demo_note"))}：{esc(self.L("demo_help"))}</p>'
            )
        rows = [
            (self.L("rep_place"), self.scope_text()),
            (self.L("rep_period"), self.period_text()),
            (self.L("rep_compare"), self.compared_text()),
        ]
        meta = "".join(f'<span class="item"><span class="key">{esc(k)}</span>{esc(v)}</span>' for k, v in rows)
        stamps = (
            f"{esc(self.L('as_of', d=d.as_of.isoformat()))}　·　"
            f"{esc(self.L('rep_generated', t=d.generated.strftime('%Y-%m-%d %H:%M')))}"
        )
        return (
            '<header class="cover">'
            f'<div class="masthead">{esc(self.L("app_title") + self.L("rep_briefing"))}</div>'
            f'<div class="cover-place">{esc(self.scope_text())}</div>'
            f'<div class="cover-period">{esc(d.period.name(self.lang))}</div>'
            f'<div class="red-rule"></div><p class="meta">{meta}</p>'
            f'<p class="stamps">{stamps}</p>{demo}</header>'
        )

    # ------------------------------------------------------------ 数据解读 (the figures in sentences)

    def summary(self) -> str:
        return summary_html(self)

    # ------------------------------------------------------------ 2. headline figures

    def figures(self) -> str:
        return f'<section class="figures">{self.heading(0, self.L("rep_sec_figures"))}{figures_html(self)}</section>'

    # ------------------------------------------------------------ 3. maps

    def maps(self) -> str:
        m, level = self.d.maps, self.d.place.level
        stamp = self.L("grid_schematic_short")
        focus = built_up_box(m.areas) if level == "district" and len(m.areas) else None  # the dense streets
        grid_svg = svg_map.grid_map(
            level, m.district, m.scope, m.areas, m.groups, m.siblings, self.L("brief_grid_map"), stamp, mark=focus
        )
        n_demo = int(m.groups["is_demonstration"].sum()) if len(m.groups) else 0
        legend = (
            f'<div class="legend"><span><i class="dot"></i>{esc(self.L("rep_legend_groups"))} '
            f"{esc(number(len(m.groups), self.lang))}</span>"
            f'<span><i class="dot demo"></i>{esc(self.L("grid_legend_demo"))} {esc(number(n_demo, self.lang))}</span>'
            f'<span><i class="line"></i>{esc(self.L("rep_legend_scope"))}</span></div>'
        )
        if focus is not None:
            box = f'<span><i class="box"></i>{esc(self.L("rep_legend_focus"))}</span></div>'
            legend = legend.replace("</div>", box)
        grid = (
            f'<figure class="map-figure"><figcaption>{esc(self.L("brief_grid_map"))}</figcaption>{grid_svg}'
            f'{legend}<p class="caption">{esc(self.L("schematic"))}</p></figure>'
        )
        if focus is not None:  # the dense streets get a map of their own, at about twice the scale
            title = self.L("rep_focus_map", n=sum(built_up(m.areas) or ()))
            focus_svg = svg_map.grid_map(
                level, m.district, m.scope, m.areas, m.groups, m.siblings, title, stamp, max_height=860, focus=focus
            )
            grid += f'<figure class="map-figure focus-map"><figcaption>{esc(title)}</figcaption>{focus_svg}</figure>'
        heat = heat_figure(self)
        return f'<section class="maps">{self.heading(1, self.L("rep_sec_maps"))}{grid}{heat}</section>'

    # ------------------------------------------------------------ 4. ranking

    def ranking(self) -> str:
        level = self.d.place.level
        title = self.L("ranking_streets" if level == "district" else "ranking_communities")
        head = self.heading(2, title)
        ranking = self.d.ranking
        if ranking.empty:
            return f'<section class="ranking">{head}<p class="empty">{esc(self.L("ranking_none"))}</p></section>'
        moved = rank_change(ranking, self.d.ranking_before, "area_id", RANK_MEASURE)
        table = ranking.assign(
            rank=ranking[RANK_MEASURE].rank(ascending=False, method="min").astype(int), moved=moved
        ).sort_values(["rank", "area"])
        cols = [self.L("rep_rank"), self.L("col_area"), self.L(f"col_{RANK_MEASURE}"), self.L("col_rank_change")]
        cols += [self.L(f"col_{c}") for c in RANK_COLUMNS]
        header = "".join(f"<th>{esc(c)}</th>" for c in cols)
        rows = []
        for r in table.itertuples():
            cells = [
                f'<td class="num">{r.rank}</td>',
                f'<td class="name">{esc(r.area)}</td>',
                f'<td class="num">{esc(number(numbers.round_whole(float(getattr(r, RANK_MEASURE))), self.lang))}</td>',
                f'<td class="move {self._move_class(r.moved)}">{esc(self.rank_text(r.moved))}</td>',
            ]
            cells += [
                f'<td class="num">{esc(number(numbers.round_whole(float(getattr(r, c))), self.lang))}</td>' for c in RANK_COLUMNS
            ]
            rows.append(f"<tr>{''.join(cells)}</tr>")
        caption = f'<p class="caption">{esc(self.L("rep_ranking_by"))} {esc(self.compared_text())}</p>'
        return (
            f'<section class="ranking">{head}<table class="data rank"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{caption}</section>"
        )

    # ------------------------------------------------------------ 5. warnings

    def warnings(self) -> str:
        return f'<section class="warnings">{self.heading(3, self.L("rep_sec_warnings"))}{warnings_html(self)}</section>'

    # ------------------------------------------------------------ appendix: the full lists

    def appendix(self) -> str:
        return appendix_html(self)

    # ------------------------------------------------------------ 6. definitions

    def definitions(self) -> str:
        items = [
            ("kpi_orgs", "def_orgs"),
            ("kpi_members", "def_members"),
            ("kpi_building_groups", "def_building_groups"),
            ("kpi_grids", "def_grids"),
            ("kpi_joint", "def_joint"),
            ("kpi_activities", "def_activities"),
            ("kpi_teams", "def_teams"),
            ("kpi_stations", "def_stations"),
            ("kpi_volunteers", "def_volunteers"),
            ("kpi_hours", "def_hours"),
            ("kpi_served", "def_served"),
            ("kpi_events", "def_events"),
            ("kpi_centers", "def_centers"),
            ("kpi_kitchens", "def_kitchens"),
            ("kpi_meetings", "def_meetings"),
            ("kpi_requests", "def_requests"),
            ("kpi_wishes", "def_wishes"),
            ("kpi_overdue", "def_overdue"),
            ("cmp_setting", "cmp_help"),
            ("rep_stock", "cmp_stock_help"),
            ("col_rank_change", "rep_def_rank"),
            ("rep_heat_term", "rep_def_heat"),
            ("warn_meeting_gaps", "rep_def_meeting_gaps"),
            ("warn_staffing_gaps", "grid_def_gaps"),
            ("rep_map_term", "schematic"),
        ]
        if self.d.is_demo:
            items.append(("demo_badge", "demo_help"))
        rows = "".join(f"<dt>{esc(self.L(term))}</dt><dd>{esc(self.L(text))}</dd>" for term, text in items)
        return f'<section class="defs">{self.heading(4, self.L("rep_sec_defs"))}<dl>{rows}</dl></section>'


def compose(data: ReportData) -> str:
    """The whole report as one HTML document."""
    return Report(data).document()
