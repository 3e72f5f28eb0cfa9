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
from data_access.failures import DB_ERRORS

from . import write
from .build import build_rows, latest_cell, latest_date
from .check import validate
from .problems import Problem
from .read import SourceError, read_source
from .unusual import current_dataset, unusual_changes, unusual_values
from .write import RunRecord, dataset_meta, ensure_tables, record_run, replace_dataset

__all__ = ["ImportResult", "Problem", "SourceError", "restore_previous", "run_import"]


@dataclass
class ImportResult:
    status: str  # imported / valid (dry run, no problems) / rejected / failed
    row_counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    as_of: date | None = None
    before: dict[str, int] = field(default_factory=dict)  # rows per entity of the dataset it replaces
    unusual: bool = False  # rejected only for what --confirm-unusual would accept
    notices: list[str] = field(default_factory=list)  # said, but not a failure
    unusual_count: int = 0  # of the problems, the implausible values and changes (--confirm-unusual's)

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
    Implausible values and changes (seed.importer.unusual) stop it too, unless confirm_unusual.
    A file that cannot be read (its encoding) or a database that fails is a failed run: one problem that
    says what happened, recorded like every run when the database lets it be."""
    started = datetime.now().replace(microsecond=0)
    name = source.name or str(source)
    mode = "dry_run" if dry_run else "import"
    run = _Run(started, name, mode)
    try:
        return _run_import(source, engine, run, dry_run, as_of, confirm_unusual)
    except SourceError as exc:
        return _failed(engine, run, exc.problem)
    except DB_ERRORS as exc:
        return _failed(engine, run, database_failure(name, exc))


@dataclass
class _Run:
    """What is known of a run so far, for the record of a run that fails part way."""

    started: datetime
    name: str
    mode: str
    counts: dict[str, int] = field(default_factory=dict)
    replaced: dict | None = None
    as_of: date | None = None


def _run_import(
    source: Path, engine: Engine, run: _Run, dry_run: bool, as_of: date | None, confirm_unusual: bool
) -> ImportResult:
    started, name, mode = run.started, run.name, run.mode
    sheets, problems = read_source(source)
    checked = validate(sheets)
    problems = problems + checked.problems
    counts = run.counts = checked.counts()
    before, as_of_before, demo = current_dataset(engine)
    replaced = run.replaced = {"rows": before, "as_of": as_of_before, "demo": demo}
    # every problem in one round: what is wrong and what is implausible (values, changes) alike
    dated = not problems
    as_of_from = None if as_of else latest_cell(checked)
    as_of = as_of or latest_date(checked) or date.today()
    if dated:
        run.as_of = as_of
    odd: list[Problem] = []
    if not confirm_unusual:
        odd = unusual_values(checked, started) + unusual_changes(
            before, counts, None if demo else as_of_before, as_of, as_of_from
        )
    unusual = bool(odd) and not problems  # confirming would let it through
    problems = problems + odd
    if problems or dry_run:
        status = "rejected" if problems else "valid"
        _history_tables(engine)
        with engine.begin() as conn:
            record_run(
                conn, RunRecord(started, name, mode, status, counts, problems, replaced, as_of if dated else None)
            )
        return ImportResult(status, counts, problems, as_of if dated else None, before, unusual, unusual_count=len(odd))

    ensure_tables(engine)
    try:
        with engine.begin() as conn:
            replace_dataset(conn, build_rows(checked), dataset_meta(name, as_of, started))
            record_run(conn, RunRecord(started, name, mode, "imported", counts, [], replaced, as_of))
    except Exception as exc:  # noqa: BLE001 - the transaction rolled back; say so and record it
        return _failed(engine, run, database_failure(name, exc))
    return ImportResult("imported", counts, [], as_of, before, notices=_tidy(engine))


def database_failure(name: str, exc: BaseException) -> Problem:
    """One line that names what went wrong in the database (not a bare driver class); nothing was written."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(orig, "sqlstate", None) or ""
    first = next((line.strip() for line in str(orig).splitlines() if line.strip()), type(exc).__name__)[:200]
    kind = type(orig).__name__
    if code == "40P01" or "deadlock" in first.lower():
        zh = "与同时写入数据库的程序（刷新程序或其他系统）互相等待（死锁）"
        en = "deadlocked with a program writing at the same time (the refresher or a feeding system)"
    elif code == "55P03":
        zh = f"等待刷新程序完成当前一轮超过 {write.TURN_WAIT_SECONDS} 秒"
        en = f"waited more than {write.TURN_WAIT_SECONDS} s for the refresher to finish its turn"
    elif "locked" in first.lower() or "busy" in first.lower():
        zh = "数据库一直被其他程序（刷新程序或其他系统）占用"
        en = "the database stayed locked by another program (the refresher or a feeding system)"
    elif isinstance(exc, DB_ERRORS):
        zh, en = f"写入数据库失败（{kind}: {first}）", f"writing to the database failed ({kind}: {first})"
    else:
        zh, en = f"导入失败（{kind}: {first}）", f"the import failed ({kind}: {first})"
    return Problem(
        name,
        None,
        None,
        None,
        f"{zh}，数据库未做任何更改；请稍后重试",
        f"{en}; nothing was changed; try again",
    )


def _failed(engine: Engine, run: _Run, problem: Problem) -> ImportResult:
    """A failed run: recorded (for the data page) unless the database itself refuses, which is then said."""
    problems = [problem]
    try:
        _history_tables(engine)
        with engine.begin() as conn:
            record_run(
                conn,
                RunRecord(run.started, run.name, run.mode, "failed", run.counts, problems, run.replaced, run.as_of),
            )
    except DB_ERRORS as exc:
        first = next((line for line in str(getattr(exc, "orig", None) or exc).splitlines() if line.strip()), "")
        problems.append(
            Problem(
                run.name,
                None,
                None,
                None,
                f"本次运行也未能记录到数据库（{type(exc).__name__}: {first[:200]}）",
                f"the run could not be recorded either ({type(exc).__name__}: {first[:200]})",
            )
        )
    return ImportResult("failed", run.counts, problems, run.as_of, (run.replaced or {}).get("rows", {}))


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
