"""A problem found in an import: where (file, Excel row, column) and why, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One rejected cell, row, column or file. row None: the file or its header row as a whole."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    zh: str
    en: str

    def line(self) -> str:
        """One line for the terminal: file:row [column] reason (value)."""
        where = self.file + (f" 第{self.row}行" if self.row else "") + (f" 列「{self.column}」" if self.column else "")
        shown = f" 值「{self.value}」" if self.value else ""
        return f"{where}: {self.zh}{shown} | {self.en}"
