"""A table for paper: a frame drawn as a static HTML table, every row of it, with the header repeated on each
printed page. The export renderer draws tables with this instead of st.dataframe, whose grid draws only the
rows that fit its scrolling box (about ten), on a canvas a PDF cannot search.

Pure (no session): the column configs st.dataframe takes are read here, so a page's labels, hidden columns
and number formats are the same on paper as on screen."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime

import pandas as pd

MAX_ROWS = 2000  # beyond this a printed table says how many rows it leaves out (the CSV has them all)
CSS = """
table.print-table { width: 100%; border-collapse: collapse; font-size: .92rem; margin: .2rem 0 .6rem; }
table.print-table thead { display: table-header-group; }
table.print-table tr { break-inside: avoid; page-break-inside: avoid; }
table.print-table th { background: #f0f2f6; font-weight: 600; text-align: left; border-bottom: 1px solid #c6cbd2; }
table.print-table th, table.print-table td { padding: .22rem .5rem; border-top: 1px solid #e3e6ea; vertical-align: top; }
table.print-table td.num, table.print-table th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.print-table tbody tr:nth-child(even) td { background: #fafbfc; }
p.print-table-more { color: #555; font-size: .85rem; margin: 0 0 .6rem; }
"""
_PRINTF = re.compile(r"%([+,]*)(?:\.(\d+))?([dif])")


def _config(column_config: Mapping | None) -> dict[str, object]:
    return {str(k): v for k, v in (column_config or {}).items()}


def _label_of(name: str, conf: object) -> str:
    if isinstance(conf, str):
        return conf
    if isinstance(conf, Mapping) and conf.get("label"):
        return str(conf["label"])
    return name


def _hidden(conf: object) -> bool:
    return conf is None or (isinstance(conf, Mapping) and bool(conf.get("hidden")))


def _format_of(conf: object) -> str | None:
    if isinstance(conf, Mapping):
        type_config = conf.get("type_config") or {}
        return type_config.get("format") if isinstance(type_config, Mapping) else None
    return None


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def printf(value: float, fmt: str) -> str:
    """A number through a NumberColumn format: printf strings (%d, %.1f, %,d, %+,.1f, %.1f%%) and the named
    ones (localized, plain, percent)."""
    if fmt == "localized":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    if fmt == "percent":
        return f"{value:.2%}"
    if fmt == "plain":
        return _plain_number(value)
    hit = _PRINTF.search(fmt)
    if not hit:
        return _plain_number(value)
    flags, digits, kind = hit.groups()
    spec = ("+" if "+" in flags else "") + ("," if "," in flags else "")
    spec += ".0f" if kind in "di" else f".{digits if digits is not None else 6}f"
    whole = math.copysign(math.floor(abs(value) + 0.5), value)  # halves away from zero, as the grid's printf
    text = format(whole if kind in "di" else value, spec)
    return (fmt[: hit.start()] + text + fmt[hit.end() :]).replace("%%", "%")


def _plain_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def cell_text(value: object, fmt: str | None, placeholder: str) -> str:
    """One cell as the grid shows it: the placeholder where there is no value, numbers in their format."""
    if _missing(value):
        return placeholder
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value)):
        return printf(float(value), fmt) if fmt else _plain_number(float(value))
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return cell_text(value.item(), fmt, placeholder)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def frame_of(data: object) -> pd.DataFrame | None:
    """What st.dataframe was given, as a frame (a Styler's data, a Series, a list of rows); None otherwise."""
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "data") and isinstance(getattr(data, "data", None), pd.DataFrame):  # a pandas Styler
        return data.data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, (list, tuple, dict)):
        try:
            return pd.DataFrame(data)
        except (ValueError, TypeError):
            return None
    return None


def html_table(
    frame: pd.DataFrame,
    *,
    column_config: Mapping | None = None,
    column_order: Iterable[str] | None = None,
    hide_index: bool | None = None,
    placeholder: str | None = None,
    more_text: str = "… {n}",
    max_rows: int = MAX_ROWS,
) -> str:
    """The whole frame as one HTML table (names escaped: they are data), with its header in a thead that a
    printed page repeats."""
    config = _config(column_config)
    blank = "—" if placeholder is None else placeholder
    show_index = hide_index is False or (hide_index is None and not isinstance(frame.index, pd.RangeIndex))
    work = frame.reset_index() if show_index else frame
    names = [str(c) for c in work.columns]
    order = [str(c) for c in column_order] if column_order is not None else names
    keep = [c for c in order if c in names and not _hidden(config.get(c, {}))]
    positions = [names.index(c) for c in keep]
    types = pd.api.types
    numeric = [
        types.is_numeric_dtype(work.dtypes.iloc[i]) and not types.is_bool_dtype(work.dtypes.iloc[i]) for i in positions
    ]
    head = "".join(
        f"<th{' class=num' if num else ''}>{html.escape(_label_of(c, config.get(c)))}</th>"
        for c, num in zip(keep, numeric, strict=True)
    )
    formats = [_format_of(config.get(c)) for c in keep]
    rows = []
    for values in work.iloc[:max_rows].itertuples(index=False, name=None):
        cells = "".join(
            f"<td{' class=num' if num else ''}>{html.escape(cell_text(values[i], fmt, blank))}</td>"
            for i, fmt, num in zip(positions, formats, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    more = len(work) - max_rows
    tail = f'<p class="print-table-more">{html.escape(more_text.format(n=f"{more:,}"))}</p>' if more > 0 else ""
    return f'<table class="print-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>{tail}'
