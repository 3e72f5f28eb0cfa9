"""python -m seed.importer DIR_OR_XLSX [--url URL] [--dry-run] [--as-of DATE] [--confirm-unusual] [--templates DIR]
python -m seed.importer --restore-previous [--url URL]
python -m seed.importer --export DIR [--url URL]"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, make_url

from data_access.dataset_format.template_files import write_templates
from data_access.db import database_url, safe_url_text, write_engine

from . import database_failure, restore_previous, run_import
from .export import export_dataset


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m seed.importer",
        description="导入真实数据（完整替换）Import a full dataset: a folder of CSV files or one .xlsx workbook.",
    )
    parser.add_argument("source", type=Path, nargs="?", help="folder of CSV files, or an .xlsx workbook")
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, else the embedded SQLite file)")
    parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing but the run's record")
    parser.add_argument("--as-of", type=_day, help="data-as-of date (default: the latest date in the data)")
    parser.add_argument(
        "--confirm-unusual",
        action="store_true",
        help="import even with implausible values or changes (a table emptied or halved, the data date jumping)",
    )
    parser.add_argument(
        "--restore-previous",
        action="store_true",
        help="go back to the dataset the last import replaced (run again to go forward)",
    )
    parser.add_argument(
        "--export",
        type=Path,
        metavar="DIR",
        help="write the database's dataset to DIR in the import format (one CSV per entity) and exit",
    )
    parser.add_argument(
        "--templates", type=Path, metavar="DIR", help="write the templates (CSV + .xlsx) to DIR and exit"
    )
    args = parser.parse_args(argv)

    if args.templates:
        for path in write_templates(args.templates):
            print(f"  {path}")
        return 0
    if args.restore_previous:
        return _restore(args.url)
    if args.export:
        return _export(args.url, args.export)
    if args.source is None:
        parser.error("give a folder of CSV files or an .xlsx workbook")
    if not args.source.exists():
        print(f"找不到 not found: {args.source}", file=sys.stderr)
        return 2
    engine = write_engine(args.url or database_url())
    print(f"{'检查 checking' if args.dry_run else '导入 importing'} {args.source.name} → {safe_url_text(engine.url)}")
    try:
        result = run_import(
            args.source, engine, dry_run=args.dry_run, as_of=args.as_of, confirm_unusual=args.confirm_unusual
        )
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(database_failure(args.source.name, exc).line(), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    width = max(map(len, result.row_counts), default=0)
    print(f"  {'':<{width}} {'现有 now':>10} {'导入后 after':>12}")
    for entity, n in result.row_counts.items():
        print(f"  {entity:<{width}} {result.before.get(entity, 0):>10,} {n:>12,}")
    if result.as_of:
        print(f"数据截至 data as of: {result.as_of}")
    for problem in result.problems:
        print(problem.line(), file=sys.stderr)
    if result.status == "rejected" and result.unusual:
        print(
            f"发现 {len(result.problems)} 处不合常理的数据或变化，未写入任何数据；核实无误后加 --confirm-unusual 导入"
            f" | {len(result.problems)} implausible values or changes; nothing written; "
            "if they are right, run again with --confirm-unusual",
            file=sys.stderr,
        )
        return 1
    if result.status == "rejected":
        odd = (
            f"（其中 {result.unusual_count} 处不合常理，改正其余问题后核实无误可加 --confirm-unusual）"
            if result.unusual_count
            else ""
        )
        odd_en = f" ({result.unusual_count} of them implausible)" if result.unusual_count else ""
        print(
            f"发现 {len(result.problems)} 处问题{odd}，未写入任何数据 | {len(result.problems)} problems{odd_en}; "
            "nothing written",
            file=sys.stderr,
        )
        return 1
    if result.status == "failed":
        return 2
    for notice in result.notices:
        print(notice)
    if result.status == "valid":
        print("检查通过（未写入）| valid (dry run, nothing written)")
    else:
        print(f"导入完成，数据截至 {result.as_of} | imported, data as of {result.as_of}")
    return 0


def _restore(url: str | None) -> int:
    engine = write_engine(url or database_url())
    try:
        result = restore_previous(engine)
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(database_failure("--restore-previous", exc).line(), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if result.status != "imported":
        print(result.problems[0].line(), file=sys.stderr)
        return 1
    for notice in result.notices:
        print(notice)
    print(f"已恢复上一版数据，数据截至 {result.as_of} | back to the previous dataset, data as of {result.as_of}")
    return 0


def _export(url: str | None, target: Path) -> int:
    url_ = make_url(url or database_url())
    if url_.get_backend_name() == "sqlite" and not Path(url_.database or "").is_file():
        print(f"找不到数据库 no such database: {url_.database}", file=sys.stderr)
        return 2
    engine = create_engine(url_)  # reads only; no statement timeout: a whole table streams out
    try:
        written = export_dataset(engine, target)
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(f"失败 failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for entity, n in written.items():
        print(f"  {target / (entity + '.csv')}  {n:,}")
    print(f"已导出 {sum(written.values()):,} 行 | exported {sum(written.values()):,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
