"""The import templates: one CSV per entity (shipped in templates/ beside this module) and the same as one .xlsx."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .spec import ENTITIES, Entity

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
README_SHEET = "说明"


def template_path(entity: Entity) -> Path:
    return TEMPLATE_DIR / f"{entity.key}.csv"


def template_csv(entity: Entity) -> bytes:
    """The shipped CSV template of one entity (UTF-8 with BOM, so Excel shows the Chinese headers)."""
    return template_path(entity).read_bytes()


def _rows(entity: Entity) -> list[list[str]]:
    text = template_csv(entity).decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text)) if row]


def readme_rows() -> list[list[str]]:
    """The workbook's 说明 sheet: every file, whether it is required, and its columns."""
    out = [["工作表 / 文件", "必需", "列（★ 为必填）", "说明"]]
    for e in ENTITIES:
        cols = "，".join(c.header + ("★" if c.required else "") for c in e.cols)
        out.append([f"{e.sheet} / {e.key}.csv", "是" if e.required else "否（缺省为空）", cols, e.note])
    return out


def template_xlsx() -> bytes:
    """All templates as one workbook: a 说明 sheet, then one sheet per entity named in Chinese."""
    from openpyxl import Workbook  # imported here: only the download and --templates need it

    book = Workbook()
    info = book.active
    info.title = README_SHEET
    for row in readme_rows():
        info.append(row)
    for e in ENTITIES:
        sheet = book.create_sheet(e.sheet)
        for row in _rows(e):
            sheet.append(row)  # kept as text: codes such as 0001 and dates stay exactly as typed
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_templates(target: Path) -> list[Path]:
    """Write every CSV template and the workbook into target; returns the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for e in ENTITIES:
        path = target / f"{e.key}.csv"
        path.write_bytes(template_csv(e))
        written.append(path)
    book = target / "erqi-import-template.xlsx"
    book.write_bytes(template_xlsx())
    return [*written, book]
