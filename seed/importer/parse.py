"""Cell parsing: text -> typed value, or a reason (zh, en) why the cell is rejected."""

from __future__ import annotations

import json
import math
import re
import sys
from datetime import date, datetime, timedelta
from functools import lru_cache

from data_access.dataset_format.spec import HIDDEN_CHARACTERS as HIDDEN
from data_access.dataset_format.spec import Col, id_check_digit

INT_MAX = 2**31 - 1
SHORT_TEXT = 8  # text this short is shared between the cells that hold it (names, categories, yes-words)
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔"}
FALSE = {"否", "n", "no", "false", "0", "", "×", "✗", "✕"}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATETIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:日?[ T]\s*|日\s*)(\d{1,2})[:：时](\d{2})分?(?:[:：](\d{2})(?:\.\d+)?)?$"
)
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")  # an Excel date serial left unformatted (1908–2119: 3000–80000)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # 1,234 or 12,345.5 as a clerk types it
_SCIENTIFIC = re.compile(r"^[-+]?\d+(?:\.\d*)?[eE][-+]?\d+$")  # 4.10103E+17: what Excel shows of a long number
_POINT_ZERO = re.compile(r"^\d+\.0+$")  # 13812345678.0: a number column written out by a program
_ID_NUMBER = re.compile(r"^(?:\d{17}[\dXx]|\d{15})$")
AS_TEXT = "请将该列设为文本格式后重新导出"
AS_TEXT_EN = "format the column as text and export again"


class CellError(ValueError):
    """A cell that does not fit its column; args are (zh, en)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.zh, self.en = zh, en


def _serial(raw: str) -> datetime | None:
    if _SERIAL.match(raw) and 3000 <= float(raw) <= 80000:
        return _EXCEL_EPOCH + timedelta(days=float(raw))
    return None


@lru_cache(maxsize=1 << 16)  # the same days recur down a column; one date object each, not one per cell
def parse_date(raw: str) -> date:
    hit = _DATE.match(raw)
    if hit:
        try:
            return date(int(hit[1]), int(hit[2]), int(hit[3]))
        except ValueError:
            pass
    serial = _serial(raw)
    if serial is not None:
        return serial.date()
    if _DATETIME.match(raw):  # a date column given a date with a time: the day
        return parse_datetime(raw).date()
    raise CellError("不是有效日期（应为 YYYY-MM-DD）", "not a valid date (YYYY-MM-DD)")


@lru_cache(maxsize=1 << 17)  # times recur too (to the minute, as clerks type them): one object per time
def parse_datetime(raw: str) -> datetime:
    hit = _DATETIME.match(raw)
    if hit:
        try:
            return datetime(int(hit[1]), int(hit[2]), int(hit[3]), int(hit[4]), int(hit[5]), int(hit[6] or 0))
        except ValueError:
            pass
    serial = _serial(raw)
    if serial is not None:
        return serial.replace(microsecond=0) + timedelta(seconds=round(serial.microsecond / 1e6))
    if _DATE.match(raw):
        return datetime.combine(parse_date(raw), datetime.min.time())
    raise CellError("不是有效时间（应为 YYYY-MM-DD HH:MM）", "not a valid time (YYYY-MM-DD HH:MM)")


@lru_cache(maxsize=1 << 16)  # hours, points, counts recur down a column: one number object per value
def _number(raw: str) -> float:
    if _THOUSANDS.match(raw):
        raw = raw.replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        raise CellError("不是数字", "not a number") from None
    if not math.isfinite(value):
        raise CellError("不是有限的数字", "not a finite number")
    return value


@lru_cache(maxsize=1 << 16)
def _whole(value: float) -> int:
    return int(value)


def _bounded(col: Col, value: float) -> None:
    if col.lo is not None and value < col.lo:
        raise CellError(f"不能小于 {col.lo:g}", f"must not be below {col.lo:g}")
    if col.hi is not None and value > col.hi:
        raise CellError(f"不能大于 {col.hi:g}", f"must not be above {col.hi:g}")


def _geojson(raw: str) -> str:
    try:
        geo = json.loads(raw)
    except ValueError:
        raise CellError("不是有效的 GeoJSON", "not valid GeoJSON") from None
    if not isinstance(geo, dict) or geo.get("type") not in ("Polygon", "MultiPolygon"):
        raise CellError("应为 GeoJSON Polygon 或 MultiPolygon", "must be a GeoJSON Polygon or MultiPolygon")

    def ok(c) -> bool:
        if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:2]):
            return True
        return isinstance(c, list) and bool(c) and all(ok(p) for p in c)

    if not ok(geo.get("coordinates")):
        raise CellError("GeoJSON 坐标不完整", "GeoJSON coordinates are malformed")
    return json.dumps(geo, separators=(",", ":"), ensure_ascii=False)


def _digits(kind: str, raw: str) -> None:
    """An identity or phone number a spreadsheet took for a number is damaged beyond repair (the digits past
    the 15th are gone): refuse it at its cell, with the way to export it intact."""
    if _SCIENTIFIC.match(raw):
        raise CellError(
            f"单元格显示为科学计数法，号码已被表格软件改写，{AS_TEXT}",
            f"shown in scientific notation: the spreadsheet rewrote the number; {AS_TEXT_EN}",
        )
    if _POINT_ZERO.match(raw):
        raise CellError(
            f"号码后带有“.0”，被当作数字处理过，{AS_TEXT}",
            f"the number ends in '.0': it was handled as a number; {AS_TEXT_EN}",
        )
    if kind == "id_number" and not _ID_NUMBER.match(raw):
        raise CellError(
            "身份证号应为18位（末位可为X）或15位数字",
            "an identity number has 18 characters (digits, the last may be X) or 15 digits",
        )
    if kind == "id_number" and len(raw) == 18 and raw.endswith("000") and id_check_digit(raw[:17]) != "0":
        # a spreadsheet keeps 15 significant digits of a number and writes the rest as zeros
        raise CellError(
            f"末三位为“000”且校验位不符，号码的后几位已被表格软件改为0，{AS_TEXT}",
            f"ends in '000' and its check digit does not match: a spreadsheet zeroed the digits past the 15th; {AS_TEXT_EN}",
        )


def parse_cell(col: Col, raw: str) -> object:
    """The typed value of a non-empty cell; raises CellError with the reason."""
    kind = col.kind
    if kind in ("text", "ref"):
        hidden = HIDDEN.search(raw)
        if hidden:
            code = f"U+{ord(hidden.group(0)):04X}"
            raise CellError(
                f"含有不可见的控制字符（{code}），会打乱或隐藏显示的文字，请删除",
                f"contains an invisible control character ({code}) that reorders or hides the text; remove it",
            )
        if col.digits:
            _digits(col.digits, raw)
        if col.max_len and len(raw) > col.max_len:
            raise CellError(f"超过 {col.max_len} 个字符", f"longer than {col.max_len} characters")
        # a code recurs on every row that refers to it, short text (a gender, a degree, a name) down a column
        return sys.intern(raw) if kind == "ref" or len(raw) <= SHORT_TEXT else raw
    if kind == "int":
        value = _number(raw)
        if not value.is_integer():
            raise CellError("应为整数", "must be a whole number")
        if abs(value) > INT_MAX:  # what an INTEGER column of every backend holds
            raise CellError(
                f"超出整数范围（绝对值不超过 {INT_MAX:,}）", f"out of range (at most {INT_MAX:,} either way)"
            )
        _bounded(col, value)
        return _whole(value)
    if kind in ("float", "lon", "lat"):
        value = _number(raw)
        _bounded(col, value)
        return value
    if kind == "date":
        return parse_date(raw)
    if kind == "datetime":
        return parse_datetime(raw)
    if kind == "bool":
        low = raw.lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise CellError("应为“是”或“否”", "must be 是 (yes) or 否 (no)")
    if kind in ("choice", "crs"):
        choices = col.choices or {}
        if raw in choices:
            return choices[raw]
        if raw.upper() in choices:
            return choices[raw.upper()]
        if raw in set(choices.values()) and not isinstance(next(iter(choices.values())), int):
            return raw
        shown = "、".join(choices)
        raise CellError(f"不是可选值之一：{shown}", f"not one of the allowed values: {shown}")
    if kind == "geojson":
        return _geojson(raw)
    raise AssertionError(f"unknown column kind {kind}")
