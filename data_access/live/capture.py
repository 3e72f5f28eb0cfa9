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

from sqlalchemy import Connection, inspect, text

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
    """SQL expressions for KEY_COLUMNS over a row alias (NEW/OLD, or a transition table's alias).
    PostgreSQL's names every type and function by its schema (pg_catalog): see _pg_ddl."""
    k = KEYED.get(table, Keys())
    none = "CAST(NULL AS pg_catalog.int4)" if dialect == "postgresql" else "NULL"  # typed, or a grouped NULL is text
    if k.month is None:
        month = "CAST(NULL AS pg_catalog.date)" if dialect == "postgresql" else "NULL"
    elif dialect == "postgresql":
        month = f"CAST(pg_catalog.date_trunc('month', {row}.{k.month}) AS pg_catalog.date)"
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


_PG_NOW = "pg_catalog.timezone('utc', pg_catalog.now())"


def _pg_entry(journal: str, table: str, op: str, rows: str) -> str:
    vals = ", ".join(_values(table, "r", "postgresql"))
    return (
        f"INSERT INTO {journal} ({_COLUMNS}) "
        f"SELECT '{table}', '{op}', {vals}, pg_catalog.count(*), {_PG_NOW} FROM {rows} r "
        "GROUP BY 3, 4, 5, 6, 7, 8;"
    )


def _pg_ddl(table: str, schema: str) -> list[str]:
    """The statement triggers of one table and their functions, every name qualified by its schema.

    The functions are SECURITY DEFINER so that a feeding system's user needs (and gets) no right on the
    journal: it can neither forge nor delete journal rows. Code that runs with the owner's rights must not
    let the writer choose what its names mean, so:
    - every name is qualified: the journal and the table by the schema they live in, every function and
      type by pg_catalog (a function of the same name in a schema a writer may create in cannot be picked
      by overload resolution); the transition tables are the trigger's own and are looked up first;
    - search_path is pinned to that schema with pg_temp last (`SET search_path = <schema>, pg_temp`), not
      taken FROM CURRENT: PostgreSQL searches the session's temporary schema first unless it is named, so
      a writer's temporary `change_journal` (with a trigger of its own) would otherwise receive the insert
      and run its code as the owner.
    A writer can therefore only make the journal get its rows; nothing of its own runs as the owner."""
    q = f'"{schema}"'
    journal, target = f"{q}.change_journal", f'{q}."{table}"'
    out = []
    bodies = {
        "i": ("INSERT", "REFERENCING NEW TABLE AS new_rows", _pg_entry(journal, table, "I", "new_rows")),
        "d": ("DELETE", "REFERENCING OLD TABLE AS old_rows", _pg_entry(journal, table, "D", "old_rows")),
        "u": (
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _pg_entry(journal, table, "O", "old_rows") + " " + _pg_entry(journal, table, "N", "new_rows"),
        ),
        "t": (
            "TRUNCATE",
            "",
            f"INSERT INTO {journal} ({_COLUMNS}) VALUES ('{table}', 'T', "
            + ", ".join(["NULL"] * len(KEY_COLUMNS))
            + f", 0, {_PG_NOW});",
        ),
    }
    for suffix, (event, referencing, body) in bodies.items():
        name = f"{PREFIX}{table}_{suffix}"
        function = f"{q}.{name}"
        out.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            f"SET search_path = {q}, pg_temp AS $$ BEGIN {body} RETURN NULL; END $$"
        )
        out.append(f"REVOKE ALL ON FUNCTION {function}() FROM PUBLIC")
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {target} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return out


def journal_schema(conn: Connection) -> str:
    """The PostgreSQL schema the journal (and every dashboard table) lives in."""
    found = conn.execute(
        text(
            "SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'change_journal' AND c.relkind = 'r' AND n.nspname = ANY (pg_catalog.current_schemas(false))"
            " ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) LIMIT 1"
        )
    ).scalar()
    schema = found or conn.execute(text("SELECT pg_catalog.current_schema()")).scalar()
    if not schema or '"' in schema:
        raise RuntimeError(f"no usable schema for the change journal: {schema!r}")
    return schema


def _present(conn: Connection) -> list[str]:
    """The dataset tables this database has: a migration runs at its own revision, where a table a later one
    creates (0006's stock_spell) is not there yet; that migration installs its table's triggers itself."""
    schema = journal_schema(conn) if conn.dialect.name == "postgresql" else None
    have = set(inspect(conn).get_table_names(schema=schema))
    return [t for t in dataset_tables() if t in have]


def install(conn: Connection) -> None:
    """(Re)create the triggers on every dataset table the database has, in the caller's transaction."""
    uninstall(conn)
    schema = journal_schema(conn) if conn.dialect.name == "postgresql" else ""
    for table in _present(conn):
        ddl = _pg_ddl(table, schema) if conn.dialect.name == "postgresql" else _sqlite_ddl(table)
        for statement in ddl:
            conn.exec_driver_sql(statement)


def uninstall(conn: Connection) -> None:
    """Drop the capture triggers (and PostgreSQL's trigger functions)."""
    for table in _present(conn):
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
