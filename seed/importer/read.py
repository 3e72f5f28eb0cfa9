"""Read an import source: a folder of CSV files or one .xlsx workbook, every cell as text."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain
from pathlib import Path

from .problems import Problem


@dataclass
class Sheet:
    """One file or sheet: what the user calls it, its header and its rows (Excel row numbers, cells stripped).
    The rows are read as they are consumed, once: an import never holds a whole file's cells."""

    name: str  # file stem or sheet name, as found
    label: str  # what error messages call it: "org.csv" or the sheet name
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]] = field(default_factory=lambda: iter(()))
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
    if isinstance(value, int | float) and abs(value) >= 1e15:
        # past Excel's 15 significant digits: the number is already rounded (an identity number typed into a
        # number cell), so it is shown as Excel shows it, never as exact-looking digits
        return f"{value:.15G}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def _from_rows(name: str, label: str, rows: Iterable[list[str]]) -> Sheet:
    """The header row is the first non-empty one, passing over a title row above it (a row with one filled
    cell followed by a row with more, as a clerk's 二七区党员信息表 title); its number is kept for messages."""
    numbered = enumerate(rows, start=1)
    filled = (pair for pair in numbered if _filled(pair[1]))
    first = next(filled, None)
    if first is None:
        return Sheet(name, label, [])
    second = next(filled, None)
    if second is not None and _filled(first[1]) == 1 and _filled(second[1]) > 1:
        header, pending = second, []
    else:
        header, pending = first, [second] if second is not None else []
    headers = [c.strip() for c in header[1]]
    while headers and not headers[-1]:
        headers.pop()

    def data() -> Iterator[tuple[int, list[str]]]:
        for n, row in chain(pending, numbered):
            cells = [c.strip() for c in row]
            if any(cells):
                yield n, cells

    return Sheet(name, label, headers, data(), header_row=header[0])


class SourceError(Exception):
    """A file that cannot be read as text at all (an encoding the importer does not read, or two mixed):
    the import stops there, as a failed run, with this one problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.line())
        self.problem = problem


_SAVE_AS = "请在 Excel 中「另存为」→「CSV UTF-8（逗号分隔）」后重新导入"
_SAVE_AS_EN = "save it from Excel as 'CSV UTF-8 (comma delimited)' and import again"


def _unreadable(path: Path, row: int | None, zh: str, en: str) -> SourceError:
    return SourceError(Problem(path.name, row, None, None, f"{zh}；{_SAVE_AS}", f"{en}; {_SAVE_AS_EN}"))


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030 (Excel's plain CSV).
    Refused (SourceError, naming the row where it can): UTF-16/32 (Excel's 'Unicode text'), a file whose
    rows are partly UTF-8 and partly GBK (rows appended by another program), and one that is neither."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (head and head.count(0) * 4 >= len(head)):
        raise _unreadable(path, None, "文件是 UTF-16/Unicode 编码，无法读取", "the file is UTF-16 (Unicode text)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8-sig"
    _one_encoding(path)
    return "gb18030"


_CJK = re.compile("[\u4e00-\u9fff]")


def _one_encoding(path: Path) -> None:
    """A file that is not all UTF-8 must be all GB18030. Its first non-ASCII row (the Chinese headers) says
    which one it was meant to be: UTF-8, then the first row that is not UTF-8 is named (GBK rows appended by
    another program); GB18030, then the first row that is not GB18030, or that reads as Chinese in UTF-8
    (UTF-8 rows appended), is named."""
    meant = None
    with path.open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                as_utf8 = line.decode("utf-8")
            except UnicodeDecodeError:
                as_utf8 = None
            if meant is None:
                meant = "utf-8" if as_utf8 is not None else "gb18030"
            if meant == "utf-8" and as_utf8 is None:
                raise _unreadable(
                    path,
                    n,
                    "文件混用两种编码：前面的行是 UTF-8，这一行不是（可能是另一个程序追加的 GBK 编码的行）",
                    "the file mixes two encodings: the rows above are UTF-8, this one is not (GBK rows appended?)",
                )
            if meant == "gb18030":
                if as_utf8 is not None and len(_CJK.findall(as_utf8)) >= 2:
                    raise _unreadable(
                        path,
                        n,
                        "文件混用两种编码：前面的行是 GBK，这一行是 UTF-8（可能是另一个程序追加的）",
                        "the file mixes two encodings: the rows above are GBK, this one is UTF-8 (appended?)",
                    )
                try:
                    line.decode("gb18030")
                except UnicodeDecodeError:
                    raise _unreadable(
                        path,
                        n,
                        "这一行既不是 UTF-8 也不是 GBK/GB18030 编码",
                        "this row is neither UTF-8 nor GBK/GB18030",
                    ) from None


def read_csv_file(path: Path) -> Sheet:
    """One CSV file, UTF-8 (with or without BOM) or GB18030, its rows streamed from the file; SourceError
    when it is in neither."""
    encoding = _encoding(path)

    def records() -> Iterator[list[str]]:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(fh)
            try:
                yield from reader
            except UnicodeDecodeError:
                raise _unreadable(
                    path, reader.line_num + 1, f"这一行不是 {encoding} 编码", f"this row is not {encoding}"
                ) from None
            except csv.Error as exc:
                raise SourceError(
                    Problem(path.name, reader.line_num, None, None, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")
                ) from None

    return _from_rows(path.stem, path.name, records())


def read_source(path: Path) -> tuple[Iterable[Sheet], list[Problem]]:
    """Every sheet of a folder of CSV files or of an .xlsx workbook, read one after another as they are
    consumed; problems if it cannot be read."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            return [], [Problem(path.name, None, None, None, "文件夹中没有 CSV 文件", "no CSV files in the folder")]
        return (read_csv_file(p) for p in files), []
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    if path.suffix.lower() == ".csv":
        return [read_csv_file(path)], []
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


def _read_xlsx(path: Path) -> tuple[Iterable[Sheet], list[Problem]]:
    from openpyxl import load_workbook  # imported here: only .xlsx imports need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is one plain problem
        return [], [Problem(path.name, None, None, None, "无法读取该 .xlsx 文件", "the .xlsx file cannot be read")]

    def sheets() -> Iterator[Sheet]:
        try:
            for ws in book.worksheets:
                ws.reset_dimensions()  # the size a file declares can be stale: read every row there is
                rows = ([_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True))
                yield _from_rows(ws.title, ws.title, rows)
        finally:
            book.close()

    return sheets(), []
