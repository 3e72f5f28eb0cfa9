"""The report as its sections see it: the data, the language and the words every section shares (the scope,
the period, what it is compared with, a section's heading, a change of rank)."""

from __future__ import annotations

from datetime import date

from data_access.compare import add_months, day_span, shift_months
from ui.compare import days_caption

from .data import ReportData
from .text import esc, label, missing

SECTIONS = ("rep_sec_figures", "rep_sec_maps", "rep_sec_ranking", "rep_sec_warnings", "rep_sec_defs")
NUMERALS = "一二三四五六七八九十"


def month_span(start: date, end: date) -> str:
    """2016-09 for one month, 2016-07 — 2016-09 for more."""
    return f"{start:%Y-%m}" if f"{start:%Y-%m}" == f"{end:%Y-%m}" else f"{start:%Y-%m} — {end:%Y-%m}"


def one_month(template: str, start: date, end: date) -> str:
    """A text template's "{start} — {end}" as "{start}" when the span is one month (never "2016-09 — 2016-09")."""
    return template.replace("{start} — {end}", "{start}") if f"{start:%Y-%m}" == f"{end:%Y-%m}" else template


class Page:
    """One ReportData in its language: L() is the report's words, the rest what every section says alike."""

    def __init__(self, data: ReportData) -> None:
        self.d = data
        self.lang = data.lang

    def L(self, key: str, **fmt: object) -> str:  # noqa: N802 - short, read everywhere below
        return label(key, self.lang, **fmt)

    def scope_text(self) -> str:
        return " › ".join(self.d.place.path)

    def period_text(self) -> str:
        p = self.d.period
        text = p.name(self.lang)
        if p.clipped:
            text += self.L("rep_clipped", start=f"{p.start:%Y-%m-%d}", end=f"{p.end:%Y-%m-%d}")
        return text

    def compared_text(self) -> str:
        mode = self.L(f"cmp_{self.d.mode}")
        before = self.d.previous
        if before is None:
            return self.L("rep_cmp_none", mode=mode)
        span = day_span(before.start, before.end) if before.prorate else month_span(before.start, before.end)
        return self.L("rep_cmp_with", mode=mode, period=span)

    def compared_caption(self) -> str:
        """The overview's caption: what the changes are against, or why there are none."""
        f, mode, first = self.d.filters, self.L(f"cmp_{self.d.mode}"), self.d.first_day
        if self.d.previous is None:
            back = shift_months(self.d.mode, f)
            start, end = add_months(f.start, -back), add_months(f.end, -back)
            return one_month(self.L("cmp_none_before"), start, end).format(
                mode=mode, start=f"{start:%Y-%m}", end=f"{end:%Y-%m}", first=f"{first:%Y-%m}"
            )
        before = self.d.previous
        if before.prorate:  # the period ends inside a month: compared with the same days
            return days_caption(self.L, self.lang, mode, f, before)
        text = one_month(self.L("cmp_period"), before.start, before.end).format(
            mode=mode, start=f"{before.start:%Y-%m}", end=f"{before.end:%Y-%m}"
        )
        if self.d.live and f.end >= self.d.as_of.replace(day=1):
            text += self.L("cmp_month_so_far", d=self.d.as_of.isoformat())
        return text

    def heading(self, n: int, text: str, extra: str = "") -> str:
        number_text = f"{NUMERALS[n]}、" if self.lang == "zh" else f"{n + 1}. "
        return f'<h2 id="{SECTIONS[n]}">{number_text}{esc(text)}{extra}</h2>'

    def rank_text(self, moved: object) -> str:
        """↑2 / ↓1 / 持平 / — (the app's ui.compare.rank_text, without its session)."""
        if missing(moved):
            return self.L("na")
        n = int(moved)  # type: ignore[arg-type]
        return f"↑{n}" if n > 0 else (f"↓{-n}" if n < 0 else self.L("rank_same"))

    @staticmethod
    def _move_class(moved: object) -> str:
        if missing(moved) or int(moved) == 0:  # type: ignore[arg-type]
            return "flat"
        return "up" if int(moved) > 0 else "down"  # type: ignore[arg-type]
