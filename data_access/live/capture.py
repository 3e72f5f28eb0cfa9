"""Change capture: database triggers on every dataset table append what a write touched to change_journal.

The writers are other programs (the member system, the volunteer app, supervision), so nothing here
depends on them calling our code: the database records every insert, update and delete itself.
SQLite has row triggers (one journal row per changed row); PostgreSQL gets statement triggers over the
statement's transition tables, which group the changed rows by their keys (a bulk insert of a month's
records is a handful of journal rows) and also note a TRUNCATE.

A journal row carries the keys the summaries are grouped by: the month and place of a service record,
request or activity, the organisation of an activity or a member, the member of a points row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from .. import models as m
from ..rollup_models import ROLLUPS
from .models import BOOKKEEPING

PREFIX = "cj_"
KEY_COLUMNS = ("month", "street_id", "community_id", "building_group_id", "org_id", "member_id")


@dataclass(frozen=True)
class Keys:
    """Which columns of a table give the journal's keys (None: the table has none of that kind)."""

    month: str | None = None  # a date/datetime column, truncated to its month
    place: bool = False  # street_id, community_id, building_group_id
    org: str | None = None
    member: str | None = None


# Tables the summaries are computed from, and the keys that say which summary rows a change touches.
# Every other dataset table is journalled too (without keys): its row count and the pages' caches follow.
KEYED = {
    "service_record": Keys(month="started_at", place=True),
    "service_request": Keys(month="ordered_at", place=True),
    "activity": Keys(month="held_on", place=True, org="org_id"),
    "member": Keys(place=True, org="org_id", member="id"),
    "member_points": Keys(month="period", member="member_id"),
}


def dataset_tables() -> list[str]:
    """The dataset's tables (what the feeding systems write): not the summaries, the import history or
    this bookkeeping."""
    skip = {r.__tablename__ for r in ROLLUPS} | set(BOOKKEEPING)
    return [t.name for t in m.Base.metadata.sorted_tables if t.name not in skip and not t.name.startswith("import_")]


def _values(table: str, row: str, dialect: str) -> list[str]:
    """SQL expressions for KEY_COLUMNS over a row alias (NEW/OLD, or a transition table's alias)."""
    k = KEYED.get(table, Keys())
    none = "CAST(NULL AS integer)" if dialect == "postgresql" else "NULL"  # typed, or a grouped NULL is text
    if k.month is None:
        month = "CAST(NULL AS date)" if dialect == "postgresql" else "NULL"
    elif dialect == "postgresql":
        month = f"CAST(date_trunc('month', {row}.{k.month}) AS date)"
    else:
        month = f"date({row}.{k.month}, 'start of month')"
    place = [f"{row}.{c}" if k.place else none for c in ("street_id", "community_id", "building_group_id")]
    org = f"{row}.{k.org}" if k.org else none
    member = f"{row}.{k.member}" if k.member else none
    return [month, *place, org, member]


_COLUMNS = "table_name, op, " + ", ".join(KEY_COLUMNS) + ", n, changed_at"


def _sqlite_ddl(table: str) -> list[str]:
    def entry(op: str, row: str) -> str:
        vals = ", ".join(_values(table, row, "sqlite"))
        return f"INSERT INTO change_journal ({_COLUMNS}) VALUES ('{table}', '{op}', {vals}, 1, CURRENT_TIMESTAMP);"

    return [
        f"CREATE TRIGGER {PREFIX}{table}_i AFTER INSERT ON {table} BEGIN {entry('I', 'NEW')} END",
        f"CREATE TRIGGER {PREFIX}{table}_d AFTER DELETE ON {table} BEGIN {entry('D', 'OLD')} END",
        f"CREATE TRIGGER {PREFIX}{table}_u AFTER UPDATE ON {table} BEGIN {entry('O', 'OLD')} {entry('N', 'NEW')} END",
    ]


def _pg_entry(table: str, op: str, rows: str) -> str:
    vals = ", ".join(_values(table, "r", "postgresql"))
    return (
        f"INSERT INTO change_journal ({_COLUMNS}) "
        f"SELECT '{table}', '{op}', {vals}, count(*), now() AT TIME ZONE 'utc' FROM {rows} r "
        "GROUP BY 3, 4, 5, 6, 7, 8 HAVING count(*) > 0;"
    )


def _pg_ddl(table: str) -> list[str]:
    out = []
    bodies = {
        "i": ("INSERT", "REFERENCING NEW TABLE AS new_rows", _pg_entry(table, "I", "new_rows")),
        "d": ("DELETE", "REFERENCING OLD TABLE AS old_rows", _pg_entry(table, "D", "old_rows")),
        "u": (
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _pg_entry(table, "O", "old_rows") + " " + _pg_entry(table, "N", "new_rows"),
        ),
        "t": (
            "TRUNCATE",
            "",
            f"INSERT INTO change_journal ({_COLUMNS}) VALUES ('{table}', 'T', "
            + ", ".join(["NULL"] * len(KEY_COLUMNS))
            + ", 0, now() AT TIME ZONE 'utc');",
        ),
    }
    for suffix, (event, referencing, body) in bodies.items():
        name = f"{PREFIX}{table}_{suffix}"
        out.append(
            # SECURITY DEFINER: a feeding system's user needs no rights on the journal; the search path is
            # fixed to the one the migration ran with, so a writer's own path cannot redirect the insert
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            f"SET search_path FROM CURRENT AS $$ BEGIN {body} RETURN NULL; END $$"
        )
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return out


def install(conn: Connection) -> None:
    """(Re)create the triggers on every dataset table, in the caller's transaction."""
    uninstall(conn)
    for table in dataset_tables():
        ddl = _pg_ddl(table) if conn.dialect.name == "postgresql" else _sqlite_ddl(table)
        for statement in ddl:
            conn.exec_driver_sql(statement)


def uninstall(conn: Connection) -> None:
    """Drop the capture triggers (and PostgreSQL's trigger functions)."""
    for table in dataset_tables():
        for suffix in ("i", "d", "u", "t"):
            name = f"{PREFIX}{table}_{suffix}"
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
            elif suffix != "t":
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def installed(conn: Connection) -> set[str]:
    """Names of the capture triggers present."""
    if conn.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND starts_with(tgname, :prefix)"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, length(:prefix)) = :prefix"
    return {r[0] for r in conn.execute(text(sql), {"prefix": PREFIX})}


def expected() -> set[str]:
    """Names of every capture trigger on this dialect-independent list (PostgreSQL adds the _t ones)."""
    return {f"{PREFIX}{t}_{s}" for t in dataset_tables() for s in ("i", "d", "u")}
