"""Stocks with a past: each stock as of a past day equals a count over the raw spells made here (members who
moved between streets included), the spells agree with the registers on the data date, and the overview's
tiles and the wall's figures and ranking show a change for the stocks."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import create_engine, text

from data_access import schema
from data_access.filters import Filters
from data_access.live import capture
from data_access.queries import overview as q

from .test_app import run_app

AS_OF = date(2017, 9, 30)
PAST = [date(2013, 3, 31), date(2015, 9, 30), date(2016, 9, 30), date(2016, 12, 31), date(2017, 6, 30)]
# stock -> (kpis key, the register and its current rows' condition) on the data date
REGISTERS = {
    "member": ("members", "SELECT street_id, community_id FROM member"),
    "org": ("orgs", "SELECT street_id, community_id FROM org WHERE kind <> 'district'"),
    "building_group": ("building_groups", "SELECT street_id, community_id FROM building_group"),
    "team": ("teams", "SELECT street_id, community_id FROM team"),
    "volunteer": ("volunteers", "SELECT street_id, community_id FROM volunteer"),
    "service_center": ("service_centers", "SELECT street_id, community_id FROM facility WHERE kind = 'service_center'"),
    "kitchen": ("kitchens", "SELECT street_id, community_id FROM facility WHERE kind = 'kitchen'"),
}


@pytest.fixture()
def spells(engine) -> pd.DataFrame:
    """Every spell, read raw; the counts below are made over it in Python, not by the app's SQL."""
    with engine.connect() as conn:
        frame = pd.read_sql_query(text("SELECT * FROM stock_spell"), conn)
    frame["valid_from"] = pd.to_datetime(frame["valid_from"]).dt.date
    frame["valid_to"] = [None if v is None or v != v else pd.Timestamp(v).date() for v in frame["valid_to"]]
    return frame


def held(spells: pd.DataFrame, stock: str, day: date, **place) -> pd.DataFrame:
    """The spells of a stock open on day (begun on or before it, not ended by it), at a place."""
    rows = spells[spells["stock"] == stock]
    rows = rows[[f <= day and (t is None or t > day) for f, t in zip(rows["valid_from"], rows["valid_to"])]]
    for key, value in place.items():
        rows = rows[rows[key] == value]
    return rows


def _month_range(day: date) -> Filters:
    return Filters(date(day.year, day.month, 1), day)


def test_the_spells_are_the_registers_on_the_data_date(engine, spells):
    with engine.connect() as conn:
        for stock, (_key, sql) in REGISTERS.items():
            register = pd.read_sql_query(text(sql), conn)
            now = held(spells, stock, AS_OF)
            assert len(now) == len(register), stock
            assert now["street_id"].value_counts().to_dict() == register["street_id"].value_counts().to_dict(), stock
        assert q.dataset_info(conn)["history_from"] == "2012-10-01"


@pytest.mark.parametrize("day", PAST, ids=str)
def test_each_stock_as_of_a_past_day_is_its_spells_count(engine, spells, day):
    with engine.connect() as conn:
        streets = q.places(conn).streets["id"].tolist()
        street = streets[2]
        got = q.kpis(conn, _month_range(day))
        for stock, (key, _sql) in REGISTERS.items():
            assert got[key] == len(held(spells, stock, day)), (stock, day)
        in_street = q.kpis(conn, Filters(date(day.year, day.month, 1), day, street_id=street))
        for stock, (key, _sql) in REGISTERS.items():
            assert in_street[key] == len(held(spells, stock, day, street_id=street)), (stock, day)
        community = int(held(spells, "member", day, street_id=street)["community_id"].dropna().iloc[0])
        in_community = q.kpis(
            conn, Filters(date(day.year, day.month, 1), day, street_id=street, community_id=community)
        )
        assert in_community["members"] == len(held(spells, "member", day, community_id=community))
        assert in_community["volunteers"] == len(held(spells, "volunteer", day, community_id=community))
        ranking = q.area_ranking(conn, _month_range(day)).set_index("area_id")
        for street_id in streets:
            assert ranking.loc[street_id, "members"] == len(held(spells, "member", day, street_id=street_id))
            assert ranking.loc[street_id, "volunteers"] == len(held(spells, "volunteer", day, street_id=street_id))
    # a past that differs from today: the check above could not pass by counting today's registers
    assert len(held(spells, "volunteer", day)) != len(held(spells, "volunteer", AS_OF))


def test_a_member_who_moved_counts_in_the_old_street_before_and_the_new_one_after(engine, spells):
    members = spells[(spells["stock"] == "member") & spells["ref_id"].notna()]
    closed = members[members["valid_to"].notna()]
    moves = closed.merge(members[members["valid_to"].isna()], on="ref_id", suffixes=("_old", "_new"))
    moves = moves[
        (moves["street_id_old"] != moves["street_id_new"])
        & moves["street_id_old"].notna()
        & moves["street_id_new"].notna()
        & (moves["valid_to_old"] == moves["valid_from_new"])
    ]
    moves = moves[[d.day != 1 for d in moves["valid_to_old"]]]  # inside a month: the day before is in it too
    assert len(moves) > 100  # the seed moves members between streets
    move = moves.iloc[0]
    moved_on, old, new = move["valid_to_old"], int(move["street_id_old"]), int(move["street_id_new"])
    before, after = moved_on - timedelta(days=1), moved_on
    assert move["ref_id"] in set(held(spells, "member", before, street_id=old)["ref_id"])
    assert move["ref_id"] not in set(held(spells, "member", before, street_id=new)["ref_id"])
    assert move["ref_id"] in set(held(spells, "member", after, street_id=new)["ref_id"])
    assert move["ref_id"] not in set(held(spells, "member", after, street_id=old)["ref_id"])
    with engine.connect() as conn:
        for day in (before, after):
            for street in (old, new):
                got = q.kpis(conn, Filters(date(day.year, day.month, 1), day, street_id=street))["members"]
                assert got == len(held(spells, "member", day, street_id=street)), (day, street)


def test_explore_and_the_volunteer_page_count_stocks_on_a_past_day_as_the_overview(engine, spells):
    """Issue 35: the explore page and the volunteer page counted today's registers whatever the range. On a
    past day each stock broken down by street (a moved member where they were then) is its spells' count and
    sums to the overview's; the volunteer page's teams (of a category, too) and kitchens likewise."""
    from data_access.queries import explore
    from data_access.queries import volunteers as vq

    day = date(2016, 9, 30)
    f = Filters(date(2016, 1, 1), day)
    with engine.connect() as conn:
        kpis = q.kpis(conn, f)
        for measure, stock in (("members", "member"), ("volunteers", "volunteer"), ("teams", "team"),
                               ("orgs", "org"), ("building_groups", "building_group")):  # fmt: skip
            by_street = explore.explore(conn, f, measure, ("street",)).set_index("street")["value"]
            raw = held(spells, stock, day).groupby("street_id").size()  # spells with no street left out
            assert {int(k): int(v) for k, v in by_street.items() if v} == {int(k): int(v) for k, v in raw.items()}
            whole = float(explore.explore(conn, f, measure, ())["value"].iloc[0])
            assert whole == kpis[measure] == len(held(spells, stock, day)), measure
        assert len(held(spells, "member", day)) != len(held(spells, "member", AS_OF))  # a past unlike today
        totals = vq.totals(conn, f)
        assert totals["teams"] == len(held(spells, "team", day)) == kpis["teams"]
        assert totals["kitchens"] == len(held(spells, "kitchen", day)) == kpis["kitchens"]
        category = int(conn.execute(text("SELECT category_id FROM team ORDER BY id LIMIT 1")).scalar())
        of_one = vq.totals(conn, Filters(date(2016, 1, 1), day, categories=(category,)))
        ids = set(pd.read_sql_query(text(f"SELECT id FROM team WHERE category_id = {category}"), conn)["id"])
        assert of_one["teams"] == held(spells, "team", day)["ref_id"].isin(ids).sum()
        assert 0 < of_one["teams"] < totals["teams"]


def test_members_left_and_organisations_were_dissolved(spells):
    gone = spells[spells["ref_id"].isna()]
    assert {"member", "org", "team", "volunteer"} <= set(gone["stock"])
    assert all(gone["valid_to"].notna()) and all(t > f for f, t in zip(gone["valid_from"], gone["valid_to"]))


def test_a_database_without_history_keeps_one_from_its_migration(sqlite_url, tmp_path):
    """An older version's database: the migration starts the history on its data date and journals the
    spells' writes; before that day the stocks have no past (None), on it they are the registers'."""
    path = tmp_path / "old.sqlite"
    shutil.copy(sqlite_url.removeprefix("sqlite:///"), path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE stock_spell"))
        conn.execute(text("DELETE FROM dataset_meta WHERE key = 'history_from'"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    with engine.begin() as conn:
        schema.upgrade(conn)
    with engine.connect() as conn:
        assert q.dataset_info(conn)["history_from"] == AS_OF.isoformat()
        assert "cj_stock_spell_i" in capture.installed(conn)
        past = q.kpis(conn, _month_range(date(2016, 9, 30)))
        assert past["members"] is None and past["orgs"] is None
        assert past["grids"] == q.kpis(conn, _month_range(AS_OF))["grids"]  # no past: as of the data date
        now = q.kpis(conn, _month_range(AS_OF))
        assert now["members"] == 25_218
        assert conn.execute(text("SELECT count(*) FROM stock_spell WHERE stock = 'member'")).scalar() == 25_218
        ranking = q.area_ranking(conn, _month_range(date(2016, 9, 30)))
        assert ranking["members"].isna().all() and ranking["hours"].notna().all()
    engine.dispose()


# ---------------------------------------------------------------- on screen

YTD = {"from": "2017-01-01", "to": "2017-09-30", "cmp": "yoy"}
STOCK_TILES = ("基层党组织", "党员", "楼院党小组", "志愿服务队", "志愿者", "党群服务中心")
PERCENT = re.compile(r"^[+-]?\d+\.\d%$")


def test_overview_stock_tiles_show_their_change(app_env):
    at = run_app(YTD)
    deltas = {m.label: m.proto.delta for m in at.metric}
    for label in STOCK_TILES:
        assert PERCENT.match(deltas[label]), (label, deltas[label])
    assert sum(bool(PERCENT.match(d)) for d in deltas.values()) >= 10
    assert deltas["志愿服务站"] == "无历史"  # a figure without any dated history says so
    assert deltas["党员"] != "0.0%" and deltas["志愿者"].startswith("+")


def _html(at) -> str:
    return " ".join(str(h.proto.body) for h in at.get("html"))


def test_wall_shows_a_change_beside_every_figure_and_street(app_env):
    at = run_app(YTD)
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    body = _html(at)
    changes = re.findall(r'data-kpi="(\w+)">.*?data-change="(\w+)">([^<]*)<', body)
    assert len(changes) == 8
    for key, cls, shown in changes:  # a change, or a — that says why
        assert cls in ("up", "down") or shown.endswith("0.0%") or shown.split("—", 1)[-1].strip(), (key, shown)
    stocks = ("kpi_orgs", "kpi_members", "kpi_building_groups", "kpi_teams", "kpi_volunteers")
    assert all(cls in ("up", "down") for key, cls, _shown in changes if key in stocks), changes
    frames = [
        pa.ipc.open_stream(bytes(c.proto.data.data)).read_pandas()
        for c in at.get("vega_lite_chart")
        if c.proto.HasField("data")
    ]
    ranking = [frame for frame in frames if "area" in frame and "hours" in frame]
    assert len(ranking) == 1
    labels = ranking[0]["area"].tolist()
    assert len(labels) == 17
    assert all(re.search(r"(↑\d+|↓\d+|持平)$", label) for label in labels), labels
