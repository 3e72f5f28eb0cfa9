"""Import a real dataset (a full export of the district's party-building information system).

An import is a complete replacement of the dataset: every file is read and checked first; only when
nothing is wrong is the database emptied and refilled, in one transaction, and the summary tables
rebuilt. Every run, and the problems it found, is recorded for the data page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from data_access import models as m
from data_access.bootstrap import settle

from . import write
from .build import build_rows, latest_date
from .check import validate
from .problems import Problem
from .read import read_source
from .unusual import current_dataset, unusual_changes, unusual_values
from .write import RunRecord, dataset_meta, ensure_tables, record_run, replace_dataset

__all__ = ["ImportResult", "Problem", "restore_previous", "run_import"]


@dataclass
class ImportResult:
    status: str  # imported / valid (dry run, no problems) / rejected / failed
    row_counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    as_of: date | None = None
    before: dict[str, int] = field(default_factory=dict)  # rows per entity of the dataset it replaces
    unusual: bool = False  # rejected only for what --confirm-unusual would accept
    notices: list[str] = field(default_factory=list)  # said, but not a failure

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "valid")


def _history_tables(engine: Engine) -> None:
    # A rejected or dry run records itself but must not create empty dataset tables: an app pointed at
    # this database would then take it for a loaded one.
    m.Base.metadata.create_all(engine, tables=[m.ImportRun.__table__, m.ImportRejection.__table__])


def run_import(
    source: Path, engine: Engine, dry_run: bool = False, as_of: date | None = None, confirm_unusual: bool = False
) -> ImportResult:
    """Validate source (a folder of CSV files or an .xlsx) and, unless dry_run or anything is wrong, import it.
    Implausible values and changes (seed.importer.unusual) stop it too, unless confirm_unusual."""
    started = datetime.now().replace(microsecond=0)
    name = source.name or str(source)
    sheets, problems = read_source(source)
    checked = validate(sheets)
    problems = problems + checked.problems
    counts = checked.counts()
    mode = "dry_run" if dry_run else "import"
    before, as_of_before, demo = current_dataset(engine)
    replaced = {"rows": before, "as_of": as_of_before, "demo": demo}
    dated, unusual = False, False
    if not problems:
        dated = True
        as_of = as_of or latest_date(checked) or date.today()
        if not confirm_unusual:
            problems = unusual_values(checked, started) + unusual_changes(
                before, counts, None if demo else as_of_before, as_of
            )
            unusual = bool(problems)
    if problems or dry_run:
        status = "rejected" if problems else "valid"
        _history_tables(engine)
        with engine.begin() as conn:
            record_run(
                conn, RunRecord(started, name, mode, status, counts, problems, replaced, as_of if dated else None)
            )
        return ImportResult(status, counts, problems, as_of if dated else None, before, unusual)

    ensure_tables(engine)
    try:
        with engine.begin() as conn:
            replace_dataset(conn, build_rows(checked), dataset_meta(name, as_of, started))
            record_run(conn, RunRecord(started, name, mode, "imported", counts, [], replaced, as_of))
    except Exception as exc:  # noqa: BLE001 - the transaction rolled back; say so and record it
        failure = Problem(
            name,
            None,
            None,
            None,
            f"写入数据库失败，数据库未做任何更改（{type(exc).__name__}）",
            f"writing to the database failed; nothing was changed ({type(exc).__name__})",
        )
        with engine.begin() as conn:
            record_run(conn, RunRecord(started, name, mode, "failed", counts, [failure], replaced, as_of))
        return ImportResult("failed", counts, [failure])
    return ImportResult("imported", counts, [], as_of, before, notices=_tidy(engine))


def _tidy(engine: Engine) -> list[str]:
    """The tidy-up after a commit (statistics, journal mode, id sequences); busy is a notice, not a failure."""
    try:
        settle(engine)
    except OperationalError as exc:  # busy (a viewer's app, its refresher): the data itself has landed
        return [
            f"数据已写入；收尾的统计信息更新因数据库忙未做（{type(exc).__name__}），不影响数据，下次导入或刷新时补上"
            " | written; the tidy-up after it (statistics) was skipped, the database being busy"
        ]
    return []


def restore_previous(engine: Engine) -> ImportResult:
    """Go back to the dataset the last import replaced (and, run again, forward). Recorded as a run."""
    started = datetime.now().replace(microsecond=0)
    before, as_of_before, demo = current_dataset(engine)
    with engine.begin() as conn:
        if not write.has_previous(conn):
            return ImportResult("rejected", problems=[_NO_PREVIOUS])
        source = write.restore_previous(conn)
    counts, as_of, _demo = current_dataset(engine)
    with engine.begin() as conn:
        replaced = {"rows": before, "as_of": as_of_before, "demo": demo}
        record_run(conn, RunRecord(started, source, "restore", "imported", counts, [], replaced, as_of))
    notices = _tidy(engine)
    return ImportResult("imported", counts, [], as_of, notices=notices)


_NO_PREVIOUS = Problem(
    "—", None, None, None, "没有可恢复的上一版数据（尚未导入过）", "no previous dataset to go back to (no import yet)"
)
