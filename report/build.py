"""Gathering the briefing's data from the query layer, and build(): data -> HTML -> PDF file.

Every figure comes from data_access.queries (the same functions the pages' cached wrappers call), read
in one transaction so the report's figures agree with each other even while other systems write."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from data_access.compare import MODES, previous_period
from data_access.db import DatabaseConfigError, database_url, read_engine, safe_url_text
from data_access.filters import Filters
from data_access.queries import grid as gq
from data_access.queries import overview as ov
from data_access.queries import report as rq
from data_access.queries import volunteers as vq
from data_access.rollups import stale_tables

from .data import MapData, Place, ReportData
from .errors import ReportError
from .html import compose
from .period import Period, default_period, parse_period
from .text import LANGS, label


def file_name(place: Place, period: Period) -> str:
    """erqi-briefing-district-2017-09.pdf, erqi-briefing-S03-2017-Q3.pdf: ASCII for cron and mail."""
    who = "district" if place.code is None else re.sub(r"[^A-Za-z0-9_-]", "_", place.code)
    return f"erqi-briefing-{who}-{period.text}.pdf"


def resolve_url(url: str | URL | None) -> URL:
    """--url, else what the app uses (DATABASE_URL, else the embedded file)."""
    try:
        return make_url(url) if url else database_url()
    except (ArgumentError, DatabaseConfigError, ValueError) as exc:
        raise ReportError("数据库连接串无效", f"not a valid database URL ({exc.__class__.__name__})") from exc


def open_database(url: URL) -> Engine:
    """A read-only engine on a database that holds the dashboard's data; ReportError otherwise."""
    where = safe_url_text(url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        raise ReportError(
            f"找不到数据库文件 {url.database}（请先运行 python -m seed，或启动一次看板）",
            f"database file not found: {url.database} (run python -m seed, or start the dashboard once)",
        )
    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            if "dataset_meta" not in inspect(conn).get_table_names():
                raise ReportError(label("db_not_ready", "zh"), label("db_not_ready", "en"))
            if stale_tables(conn):
                raise ReportError(label("db_rollups_outdated", "zh"), label("db_rollups_outdated", "en"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise unreachable(exc, where) from exc
    except ReportError:
        engine.dispose()
        raise
    return engine


def unreachable(exc: SQLAlchemyError, where: str) -> ReportError:
    """The database failed: say which one (password hidden) and the driver's first line."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    return ReportError(f"无法读取数据库 {where}：{detail}", f"cannot read the database {where}: {detail}")


def resolve_place(conn: Connection, code: str | None) -> Place:
    """The place --place names: a street/town or community/village code (S03, S03C02), its full name
    (淮河路街道) or a part of one name only (淮河路); ReportError naming the candidates otherwise."""
    district = gq.scope_area(conn, Filters(date.min, date.min))
    top = str(district["name"].iloc[0]) if len(district) else label("district")
    if not code or not code.strip():
        return Place("district", None, (top,))
    places = ov.places(conn)
    wanted = code.strip()
    rows = place_rows(places)
    hits = [r for r in rows if r[1] in (wanted, wanted.upper())]  # a code
    hits = hits or [r for r in rows if r[2] == wanted]  # a whole name
    hits = hits or [r for r in rows if wanted in r[2]]  # a part of a name
    if len(hits) == 1:
        level, hit_code, name, street_id, community_id, street_name = hits[0]
        if level == "street":
            return Place("street", hit_code, (top, name), street_id)
        names = (top, street_name, name)
        return Place("community", hit_code, tuple(n for n in names if n), street_id, community_id)
    if hits:
        shown = "、".join(f"{r[1]} {r[2]}" for r in hits[:8]) + ("…" if len(hits) > 8 else "")
        shown_en = ", ".join(f"{r[1]} {r[2]}" for r in hits[:8]) + (" …" if len(hits) > 8 else "")
        raise ReportError(
            f"地点 {wanted!r} 不唯一，共 {len(hits)} 处：{shown}（请写全名或代码）",
            f"place {wanted!r} is ambiguous, {len(hits)} match: {shown_en} (give the whole name or the code)",
        )
    raise ReportError(
        f"未知的地点 {wanted!r}（应为街道/镇或社区/村的代码或名称，如 S03、淮河路街道；python -m report --list-places 列出全部）",
        f"unknown place {wanted!r} (a street/town or community/village code or name, such as S03 or 淮河路街道; "
        "python -m report --list-places lists them)",
    )


def place_rows(places) -> list[tuple[str, str, str, int, int | None, str]]:  # noqa: ANN001 - filters.Places
    """(level, code, name, street id, community id, street name) of every street/town and community/village,
    each street followed by its communities."""
    streets = {int(r.id): (str(r.code), str(r.name)) for r in places.streets.itertuples()}
    out: list[tuple[str, str, str, int, int | None, str]] = []
    for sid, (scode, sname) in streets.items():
        out.append(("street", scode, sname, sid, None, ""))
        mine = places.communities[places.communities["street_id"] == sid]
        out += [("community", str(r.code), str(r.name), sid, int(r.id), sname) for r in mine.itertuples()]
    return out


def list_places(url: str | URL | None) -> list[str]:
    """Every place --place accepts, one line each: code, then name (communities indented under their street)."""
    resolved = resolve_url(url)
    engine = open_database(resolved)
    try:
        with engine.connect() as conn:
            rows = place_rows(ov.places(conn))
    except SQLAlchemyError as exc:
        raise unreachable(exc, safe_url_text(resolved)) from exc
    finally:
        engine.dispose()
    return [f"{code:<8} {name}" if level == "street" else f"  {code:<8} {name}" for level, code, name, *_ in rows]


def gather(conn: Connection, place_code: str | None, period_text: str | None, mode: str, lang: str) -> ReportData:
    """Every frame and figure of the report, from the query layer."""
    info = ov.dataset_info(conn)
    first_day, as_of = ov.date_bounds(info)  # a live dataset is judged as of today, as the pages do
    place = resolve_place(conn, place_code)
    period = parse_period(period_text or default_period(first_day, as_of), first_day, as_of)
    f = Filters(period.start, period.end, place.street_id, place.community_id)
    before = previous_period(f, mode, first_day)
    ranking = ov.area_ranking(conn, f)
    return ReportData(
        place=place,
        period=period,
        mode=mode,
        lang=lang,
        filters=f,
        previous=before,
        first_day=first_day,
        as_of=as_of,
        is_demo=info.get("is_demo") == "1",
        live=info.get("live") == "1",
        generated=datetime.now().astimezone(),
        kpis=ov.kpis(conn, f),
        kpis_before=ov.kpis(conn, before) if before else {},
        ranking=ranking,
        ranking_before=ov.area_ranking(conn, before) if before and not ranking.empty else None,
        warnings=ov.warning_counts(conn, f, as_of),
        overdue=ov.overdue_tasks(conn, f, as_of),
        meeting_gaps=rq.meeting_gap_orgs(conn, f, as_of),
        staffing_gaps=_staffing_gaps(conn, f),
        maps=_maps(conn, f),
    )


def _staffing_gaps(conn: Connection, f: Filters) -> pd.DataFrame:
    """Building-area grids with a 1+X+Y gap: the ones overview.warning_counts counts as staffing_gaps."""
    gaps = gq.grid_staffing(conn, f)
    return gaps[gaps["level"] == 4].reset_index(drop=True)


def _maps(conn: Connection, f: Filters) -> MapData:
    district, _neighbours = gq.base_outlines()  # neighbouring districts are left off: no names beyond the scope
    scope = gq.scope_area(conn, f) if f.level != "district" else pd.DataFrame()
    outline = str(scope["geometry"].iloc[0]) if len(scope) and scope["geometry"].notna().iloc[0] else None
    local = f.level != "district"  # a 400 m cell is too coarse for a street: its areas and groups instead
    return MapData(
        district=district["features"][0]["geometry"],
        scope=outline,
        areas=gq.grid_areas(conn, f),
        groups=gq.building_groups(conn, f),
        siblings=gq.sibling_areas(conn, f),
        cells=pd.DataFrame(columns=["lon", "lat", "value"]) if local else vq.service_cells(conn, f, "hours"),
        area_hours=rq.area_service(conn, f) if local else pd.DataFrame(columns=["code", "hours"]),
        group_hours=rq.group_service(conn, f) if local else pd.DataFrame(columns=["lon", "lat", "hours"]),
    )


def read_report(url: str | URL | None, place: str | None, period: str | None, cmp: str, lang: str) -> ReportData:
    """Check the options, open the database and gather the report's data; ReportError for bad input."""
    if cmp not in MODES:
        raise ReportError(f"对比方式应为 yoy（同比）或 pop（环比）：{cmp!r}", f"--cmp must be yoy or pop: {cmp!r}")
    if lang not in LANGS:
        raise ReportError(f"语言应为 zh 或 en：{lang!r}", f"--lang must be zh or en: {lang!r}")
    resolved = resolve_url(url)
    engine = open_database(resolved)
    try:
        conn = engine.connect()
        if resolved.get_backend_name() == "postgresql":  # one snapshot for every figure, whatever writes
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn:
            return gather(conn, place, period, cmp, lang)
    except SQLAlchemyError as exc:
        raise unreachable(exc, safe_url_text(resolved)) from exc
    finally:
        engine.dispose()


def build(
    url: str | URL | None,
    place: str | None,
    period: str | None,
    out_dir: Path,
    cmp: str = "yoy",
    lang: str = "zh",
) -> Path:
    """Make the briefing PDF for a place and period in out_dir and return its path; ReportError (nothing
    written) when an option, the database or the renderer is wrong."""
    return make(url, place, period, out_dir, cmp, lang)[0]


def make(
    url: str | URL | None, place: str | None, period: str | None, out_dir: Path, cmp: str, lang: str
) -> tuple[Path, ReportData]:
    """build(), also returning the data the report was made of (the mail's subject is taken from it)."""
    from render.chromium import RendererMissing, executable, pdf_from_html

    try:
        executable()  # before any work: no renderer, no report
    except RendererMissing as exc:
        raise ReportError("未安装 Chromium，无法生成 PDF（apt-get install chromium fonts-noto-cjk）", str(exc)) from exc
    data = read_report(url, place, period, cmp, lang)
    document = compose(data)
    out = Path(out_dir) / file_name(data.place, data.period)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")  # a reader of out never sees half a file
    try:
        pdf_from_html(document, partial)
        os.replace(partial, out)
    except Exception as exc:  # noqa: BLE001 - the browser's, Playwright's and the disk's failures alike
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
        raise ReportError(f"PDF 生成失败：{detail}", f"could not make the PDF: {detail}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return out, data
