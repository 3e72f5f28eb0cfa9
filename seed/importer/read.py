"""Read an import source: a folder of CSV files or one .xlsx workbook, every cell as text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from .problems import Problem

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel saves "CSV UTF-8" with a BOM, plain "CSV" as GBK


@dataclass
class Sheet:
    """One file or sheet: what the user calls it, its header and its rows (Excel row numbers)."""

    name: str  # file stem or sheet name, as found
    label: str  # what error messages call it: "org.csv" or the sheet name
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    header_row: int = 1  # the row number Excel shows for the header


def _cell_text(value: object) -> str:
    """An Excel cell as the text a user would type; dates and whole numbers without noise."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != time.min else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def _from_rows(name: str, label: str, rows: list[list[str]]) -> Sheet:
    """The header row is the first non-empty one, passing over title rows above it (a row with one filled
    cell followed by a row with more, as a clerk's 二七区党员信息表 title); its number is kept for messages."""
    filled = [i for i, r in enumerate(rows) if _filled(r)]
    if not filled:
        return Sheet(name, label, [])
    pick = 0
    while pick + 1 < len(filled) and _filled(rows[filled[pick]]) == 1 and _filled(rows[filled[pick + 1]]) > 1:
        pick += 1
    header_at = filled[pick]
    headers = [c.strip() for c in rows[header_at]]
    while headers and not headers[-1]:
        headers.pop()
    sheet = Sheet(name, label, headers, header_row=header_at + 1)
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = [c.strip() for c in row]
        if any(cells):
            sheet.rows.append((i, (cells + [""] * len(headers))[: max(len(headers), len(cells))]))
    return sheet


def read_csv_bytes(name: str, label: str, data: bytes) -> Sheet:
    """One CSV file's bytes, UTF-8 (with or without BOM) or GB18030."""
    for enc in CSV_ENCODINGS:
        try:
            decoded = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValueError("undecodable")
    return _from_rows(name, label, [list(r) for r in csv.reader(io.StringIO(decoded))])


def read_source(path: Path) -> tuple[list[Sheet], list[Problem]]:
    """Every sheet of a folder of CSV files or of an .xlsx workbook; problems if it cannot be read."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            return [], [Problem(path.name, None, None, None, "文件夹中没有 CSV 文件", "no CSV files in the folder")]
        return [read_csv_bytes(p.stem, p.name, p.read_bytes()) for p in files], []
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    if path.suffix.lower() == ".csv":
        return [read_csv_bytes(path.stem, path.name, path.read_bytes())], []
    return [], [
        Problem(
            path.name,
            None,
            None,
            None,
            "只能导入 CSV 文件夹或 .xlsx 工作簿",
            "import a folder of CSV files or an .xlsx",
        )
    ]


def _read_xlsx(path: Path) -> tuple[list[Sheet], list[Problem]]:
    from openpyxl import load_workbook  # imported here: only .xlsx imports need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is one plain problem
        return [], [Problem(path.name, None, None, None, "无法读取该 .xlsx 文件", "the .xlsx file cannot be read")]
    try:
        sheets = []
        for ws in book.worksheets:
            ws.reset_dimensions()  # the size a file declares can be stale: read every row there is
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheets.append(_from_rows(ws.title, ws.title, rows))
    finally:
        book.close()
    return sheets, []
