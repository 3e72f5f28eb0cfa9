"""Numbers in one style, as Chinese government statistics print them: thousands separators everywhere,
durations in a unit a person reads, a change in a rate in 百分点, signed changes, one rounding rule.

Pure Python (no Streamlit, no pandas): the pages, the wall, the exports and the printed report all format
through here. Rounding is half away from zero on the exact binary value, which is what JavaScript's
toFixed (and so Vega-Lite's d3-format and the table's printf) does, so a chart and a table of the same
value print the same digits. Builders format charts with the d3 strings below and tables with the printf
strings below, on values rounded here.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

NA = "—"
DAYS_FROM_H = 48.0  # a duration from two days on reads in days

UNITS = {
    "zh": {"h": "小时", "d": "天", "pp": "个百分点"},
    "en": {"h": "h", "d": "d", "pp": "pp"},
}

# Vega-Lite (d3-format) strings for axes, labels and tooltips
D3_COUNT = ",.0f"  # whole, with separators
D3_DECIMAL = ",.1f"  # one decimal, with separators
D3_SHARE = ".1%"  # a share as a percentage, one decimal
D3_SHARE_AXIS = ".0%"  # axis ticks of a share

# st.column_config.NumberColumn printf strings (values rounded with round_half_up first)
TABLE_COUNT = "%,d"
TABLE_DECIMAL = "%,.1f"
TABLE_PERCENT = "%,.1f%%"  # of a share × 100 (percent_points)
TABLE_POINTS = "%+,.1f"  # a change in a rate, in 百分点 (the header names the unit)
TABLE_SIGNED_COUNT = "%+,d"  # a change in a count
TABLE_SIGNED_DECIMAL = "%+,.1f"  # a change in a figure with decimals
TABLE_SIGNED_PERCENT = "%+,.1f%%"  # a change as a share, × 100
TABLE_SECONDS = "%,.2f"  # a run's seconds


def missing(value: object) -> bool:
    """None, NaN or pandas' NA: no figure."""
    if value is None:
        return True
    try:
        return bool(value != value)  # noqa: PLR0124 - NaN is the one value unequal to itself
    except TypeError:  # pd.NA refuses truth tests
        return True


def round_half_up(value: float, digits: int = 0) -> float:
    """value rounded to digits decimals, halves away from zero (417,094.5 → 417,095), as toFixed does.

    Python's round() rounds halves to even (417,094.5 → 417,094) and pandas' round() likewise; a chart
    printing with d3-format would then disagree with a table by one."""
    if missing(value) or math.isinf(value):
        return value
    q = Decimal(float(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(q)


def round_whole(value: float) -> int:
    """round_half_up to a whole number, as an int."""
    return int(round_half_up(value))


def whole(values) -> list[int | None]:
    """Each value rounded to a whole number (None where there is none): round once, then give the same
    numbers to the chart and the table."""
    return [None if missing(v) else round_whole(float(v)) for v in values]


def count(value: object, na: str = NA) -> str:
    """A count or a whole quantity: 417,095."""
    if isinstance(value, str):
        return value
    if missing(value):
        return na
    return f"{round_whole(float(value)):,}"


def decimal(value: object, digits: int = 1, na: str = NA) -> str:
    """A value with digits decimals and separators: 1,234.5."""
    if missing(value):
        return na
    return f"{round_half_up(float(value), digits):,.{digits}f}"


def number(value: object, na: str = NA) -> str:
    """A figure as the tiles show it: whole numbers (and anything from 1,000 up) without decimals, smaller
    fractions with one; text passes through."""
    if isinstance(value, str):
        return value
    if missing(value):
        return na
    v = float(value)
    if v.is_integer() or abs(v) >= 1000:
        return count(v)
    return decimal(v, 1)


def duration(hours: object, lang: str = "zh", na: str = NA) -> str:
    """A duration given in hours, in the unit a person reads: 27.5 小时 below two days, 3.2 天 from then."""
    if missing(hours):
        return na
    unit, value = duration_unit(float(hours))
    return f"{decimal(value, 1)} {UNITS[_lang(lang)][unit]}"


def duration_unit(hours: float) -> tuple[str, float]:
    """("h" or "d", the value in that unit) for a duration in hours."""
    days = round_half_up(hours, 1) >= DAYS_FROM_H  # by the value as shown: 47.99 h is 2.0 天, not 48.0 小时
    return ("d", hours / 24.0) if days else ("h", hours)


def column_unit(hours: list[float]) -> str:
    """The unit for a table column of durations in hours: days when any reaches two days, else hours
    (one unit per column, so the column still sorts)."""
    shown = [h for h in hours if not missing(h)]
    return "d" if shown and duration_unit(max(shown))[0] == "d" else "h"


def in_unit(hours: object, unit: str) -> float | None:
    """hours converted to unit ("h" or "d"), rounded to one decimal as shown."""
    if missing(hours):
        return None
    return round_half_up(float(hours) / (24.0 if unit == "d" else 1.0), 1)


def unit_name(unit: str, lang: str = "zh") -> str:
    return UNITS[_lang(lang)][unit]


def percent(share: object, digits: int = 1, na: str = NA) -> str:
    """A share as a percentage: 12.3%. A share is a part of its whole and never passes 100 %: a value
    that does is a fault in what was counted, and is shown as it is, never clipped."""
    if missing(share):
        return na
    return f"{round_half_up(float(share) * 100, digits):,.{digits}f}%"


def percent_points(share: object, digits: int = 1) -> float | None:
    """A share as the number a % column shows (0.1234 → 12.3)."""
    return None if missing(share) else round_half_up(float(share) * 100, digits)


def signed_percent(share: object, digits: int = 1, na: str = NA) -> str:
    """A relative change: +12.3%, -4.0%; 0.0% without a sign."""
    if missing(share):
        return na
    v = round_half_up(float(share) * 100, digits)
    return f"{v:,.{digits}f}%" if v == 0 else f"{v:+,.{digits}f}%"


def points(diff: object, lang: str = "zh", digits: int = 1, na: str = NA) -> str:
    """A change in a rate (the difference of two shares) in 百分点: +1.2个百分点, -0.5个百分点 (pp in English)."""
    if missing(diff):
        return na
    v = round_half_up(float(diff) * 100, digits)
    sep = "" if _lang(lang) == "zh" else " "
    text = f"{v:,.{digits}f}" if v == 0 else f"{v:+,.{digits}f}"
    return f"{text}{sep}{UNITS[_lang(lang)]['pp']}"


def signed(value: object, digits: int = 0, na: str = NA) -> str:
    """A change in a count or quantity: +1,234, -56; 0 without a sign."""
    if missing(value):
        return na
    v = round_half_up(float(value), digits)
    return f"{v:,.{digits}f}" if v == 0 else f"{v:+,.{digits}f}"


def large(value: object, lang: str = "zh", na: str = NA) -> str:
    """A figure for the back of the room: 万 from 100,000 on in Chinese (41.7万), M from a million in English,
    separators otherwise."""
    if missing(value):
        return na
    v = float(value)
    if _lang(lang) == "zh" and abs(v) >= 100_000:
        return f"{round_half_up(v / 10_000, 1):,.1f}万"
    if _lang(lang) == "en" and abs(v) >= 1_000_000:
        return f"{round_half_up(v / 1_000_000, 2):,.2f}M"
    return number(round_whole(v) if abs(v) >= 1000 else value)


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"
