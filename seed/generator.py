"""Build the calibrated demo dataset into a database: schema, every table, dataset facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import Engine, inspect

from data_access import models as m
from data_access import rollups, schema
from data_access.bootstrap import settle
from data_access.history import HISTORY_FROM
from data_access.live import refresh

from . import history, people, places, service
from .bulk import insert_rows

Progress = Callable[[float, str], None]

DEFAULT_SEED = 20170930
DEFAULT_AS_OF = date(2017, 9, 30)


class DatabaseNotEmpty(RuntimeError):
    """The target database already holds tables; seeding would overwrite them."""


@dataclass(frozen=True)
class SeedConfig:
    scale: float = 1.0
    seed: int = DEFAULT_SEED
    as_of: date = DEFAULT_AS_OF
    live: bool = False  # other systems will write into it as things happen: judged as of now, not as_of


def _cols(model) -> list[str]:
    return [c.name for c in model.__table__.columns]


def existing_tables(engine: Engine) -> list[str]:
    """Names of tables already in the database (ours or anyone's)."""
    return sorted(inspect(engine).get_table_names())


def prepare_schema(engine: Engine, force: bool) -> None:
    """Create our tables; refuse if the database holds any table, unless force (then drop ours)."""
    tables = existing_tables(engine)
    if tables and not force:
        raise DatabaseNotEmpty(
            f"the database already holds {len(tables)} tables ({', '.join(tables[:5])}…); "
            "rerun with --force to replace the dashboard's tables"
        )
    if tables:
        m.Base.metadata.drop_all(engine)
    m.Base.metadata.create_all(engine)


def _indexes_after_load(conn) -> list:
    """On SQLite, drop the new tables' indexes for the bulk load and return them, to be built once the rows
    are in (cheaper than keeping each current row by row); elsewhere nothing (COPY is fast either way)."""
    if conn.dialect.name != "sqlite":
        return []
    found = [index for table in m.Base.metadata.sorted_tables for index in table.indexes]
    for index in found:
        index.drop(conn)
    return found


def generate(engine: Engine, cfg: SeedConfig, progress: Progress | None = None, force: bool = False) -> dict[str, int]:
    """Fill the database with the demo dataset; returns row counts per table."""
    if cfg.scale <= 0:
        raise ValueError("scale must be positive")
    say = progress or (lambda _f, _msg: None)
    say(0.0, "建表 creating tables")
    prepare_schema(engine, force)
    rng = np.random.default_rng(cfg.seed)
    counts: dict[str, int] = {}

    def put(conn, model, rows) -> None:
        counts[model.__tablename__] = counts.get(model.__tablename__, 0) + insert_rows(
            conn, model.__table__, _cols(model), rows
        )

    with engine.begin() as conn:
        later = _indexes_after_load(conn)
        say(0.03, "组织与网格 organisations, grids, building groups")
        s = places.build_structure(rng, cfg.as_of)
        put(
            conn,
            m.Org,
            [
                (
                    o.id,
                    o.code,
                    o.name,
                    o.kind,
                    o.parent_id,
                    o.depth,
                    o.street_id,
                    o.community_id,
                    o.is_joint,
                    o.established_on,
                )
                for o in s.orgs
            ],
        )
        put(conn, m.Grid, s.grids)
        put(conn, m.BuildingGroup, s.groups)
        put(conn, m.Station, s.stations)

        say(0.12, "党员 party members")
        who = people.People()
        member_rows = people.members(rng, s, cfg.scale, cfg.as_of, who)
        put(conn, m.Member, member_rows)
        put(conn, m.GridStaff, people.grid_staff(rng, s, who))
        say(0.22, "积分 points")
        put(conn, m.OrgPoints, people.org_points(rng, s, cfg.as_of))
        put(conn, m.MemberPoints, people.member_points(rng, who, cfg.as_of))
        say(0.32, "党内活动 party activities")
        acts, parts = people.activities(rng, s, who, cfg.scale, cfg.as_of)
        put(conn, m.Activity, acts)
        put(conn, m.ActivityParticipation, parts)
        put(conn, m.JointMeeting, people.joint_meetings(rng, s, cfg.as_of))
        put(conn, m.MicroWish, people.micro_wishes(rng, s, who, cfg.scale, cfg.as_of))
        put(conn, m.SupervisionTask, people.supervision_tasks(rng, s, cfg.as_of))

        say(0.40, "志愿服务队与志愿者 teams and volunteers")
        svc = service.Service()
        put(conn, m.VolunteerCategory, service.categories())
        need_cats, items = service.need_categories_and_items()
        put(conn, m.NeedCategory, need_cats)
        put(conn, m.ServiceItem, items)
        team_rows = service.teams(rng, s, cfg.as_of, svc)
        put(conn, m.Team, team_rows)
        put(conn, m.GridTeam, service.grid_teams(rng, s, svc))
        volunteer_rows = service.volunteers(rng, s, cfg.scale, cfg.as_of, svc)
        put(conn, m.Volunteer, volunteer_rows)
        facility_rows = service.facilities(rng, s, cfg.as_of)
        put(conn, m.Facility, facility_rows)
        event_rows = service.events(rng, s, cfg.scale, cfg.as_of, svc)
        put(conn, m.ServiceEvent, event_rows)
        say(0.55, "志愿服务记录 service records")
        put(conn, m.ServiceRecord, service.records(rng, s, cfg.scale, cfg.as_of, svc, event_rows))
        say(0.80, "居民点单 service requests")
        put(
            conn,
            m.ServiceRequest,
            service.requests(rng, s, cfg.scale, cfg.as_of, svc, len(items), {it[0]: it[3] for it in items}),
        )
        say(0.86, "存量历史 dated spells of the stocks")
        first_day = people._window(cfg.as_of)[0]
        spells = history.spells(
            cfg.seed, s, first_day, cfg.as_of, member_rows, s.groups, team_rows, volunteer_rows, facility_rows
        )
        counts["stock_spell"] = insert_rows(conn, m.StockSpell.__table__, history.COLUMNS, spells)
        for index in later:  # SQLite: each raw table's indexes built once, after its rows are in
            index.create(conn)
        put(
            conn,
            m.DatasetMeta,
            [
                ("as_of", cfg.as_of.isoformat()),
                ("is_demo", "1"),
                ("seed", str(cfg.seed)),
                ("scale", repr(cfg.scale)),
                ("source", "示例数据 demo dataset generated by `python -m seed`"),
                ("live", "1" if cfg.live else "0"),
                (HISTORY_FROM, first_day.isoformat()),  # the spells are complete from the data's first day
            ],
        )
        say(0.88, "汇总表 rollups")
        rollups.rebuild(conn)
        schema.stamp_current(conn)  # change capture from here on: the triggers start after the bulk load
        refresh.reset(conn, "seed")
    say(0.95, "整理 finishing")
    settle(engine)
    say(1.0, "完成 done")
    return counts
