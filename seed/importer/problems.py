"""A problem found in an import: where (file, Excel row, column) and why, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass

from data_access.dataset_format.spec import HIDDEN_CHARACTERS


def visible(text: str | None) -> str | None:
    """text with every hidden or control character written out as <U+XXXX>: a NUL or a right-to-left override
    quoted back in a message must show (and PostgreSQL's text cannot hold a NUL at all)."""
    if text is None:
        return None
    return HIDDEN_CHARACTERS.sub(lambda hit: f"<U+{ord(hit.group(0)):04X}>", text)


@dataclass(frozen=True)
class Problem:
    """One rejected cell, row, column or file. row None: the file or its header row as a whole. The texts
    are kept visible (hidden and control characters written out), so they can be shown and stored."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    zh: str
    en: str

    def __post_init__(self) -> None:
        for name in ("file", "column", "value", "zh", "en"):
            text = getattr(self, name)
            if text is not None and HIDDEN_CHARACTERS.search(text):
                object.__setattr__(self, name, visible(text))

    def line(self) -> str:
        """One line for the terminal: file:row [column] reason (value)."""
        where = self.file + (f" 第{self.row}行" if self.row else "") + (f" 列「{self.column}」" if self.column else "")
        shown = f" 值「{self.value}」" if self.value else ""
        return f"{where}: {self.zh}{shown} | {self.en}"
