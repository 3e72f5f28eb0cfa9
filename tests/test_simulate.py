"""The live-data simulator: consistent rows at the times it is given, requests in stage order, determinism, a
loop that stops when told and survives a database that fails."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, select, text

from data_access import models as m
from data_access.db import write_engine
from seed import geo, names
from seed.generator import SeedConfig
from seed.simulate import STAGE_COLUMN, STAGES, Simulator, main

from .conftest import seed_into

TODAY = date.today()
DAY = datetime.combine(TODAY, datetime.min.time())
# a day of ticks: early, the morning peak (twice in a row), midday, the afternoon, evening, night
NOWS = [DAY + timedelta(seconds=round(h * 3600)) for h in (7, 8, 9, 9.001, 10.5, 12, 14, 15.5, 17, 19, 21, 23.5)]
WISHES = "SELECT id, posted_on, claimed_by, claimed_on, fulfilled_on FROM micro_wish"
TASKS = "SELECT id, assigned_on, due_on, completed_on FROM supervision_task"
SPEED = 200  # many ticks' worth in each step, so the rare events (transfers, fixes) happen in a dozen steps


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> str:
    """A small demo database as of today, seeded once; tests work on copies."""
    path = tmp_path_factory.mktemp("sim") / "seeded.sqlite"
    seed_into(f"sqlite:///{path}", SeedConfig(scale=0.05, as_of=TODAY))
    return str(path)


def _copy(seeded: str, tmp_path, name: str = "db") -> Engine:
    """A write engine on a fresh copy of the seeded database."""
    target = tmp_path / f"{name}.sqlite"
    shutil.copyfile(seeded, target)
    return write_engine(f"sqlite:///{target}")


@pytest.fixture()
def engine(seeded, tmp_path):
    e = _copy(seeded, tmp_path)
    yield e
    e.dispose()


def _rows(engine: Engine, sql: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


def _max_id(engine: Engine, table: str) -> int:
    return _rows(engine, f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0][0]


def _ts(value) -> datetime | None:
    """A datetime as raw SQL returns it on SQLite (ISO text)."""
    return None if value is None else datetime.fromisoformat(str(value))


@pytest.fixture()
def day(engine):
    """The database before, the simulator's counts per step, and the database after a day of steps."""
    before = {
        "record": _max_id(engine, "service_record"),
        "request": _max_id(engine, "service_request"),
        "activity": _max_id(engine, "activity"),
        "member": _max_id(engine, "member"),
        "task": _max_id(engine, "supervision_task"),
        "requests": {
            r[0]: tuple(_ts(v) for v in r[1:])
            for r in _rows(engine, f"SELECT id, {', '.join(STAGE_COLUMN)} FROM service_request")
        },
        "member_org": dict(_rows(engine, "SELECT id, org_id FROM member")),
        "wishes": {r[0]: r for r in _rows(engine, WISHES)},
        "tasks": {r[0]: r for r in _rows(engine, TASKS)},
    }
    sim = Simulator(engine, seed=11, speed=SPEED)
    counts = [sim.step(now) for now in NOWS]
    return before, counts, sim


def test_service_records_at_the_step_times_with_their_teams_places(engine, day):
    before, counts, _ = day
    rows = _rows(
        engine,
        "SELECT r.started_at, r.team_id, r.category_id, r.station_id, r.street_id, r.community_id,"
        " r.building_group_id, r.lon, r.lat, r.hours, r.volunteers, r.people_served,"
        " t.station_id, t.category_id, s.street_id, s.community_id, s.lon, s.lat, b.community_id, b.lon, b.lat"
        " FROM service_record r JOIN team t ON t.id = r.team_id JOIN station s ON s.id = t.station_id"
        f" LEFT JOIN building_group b ON b.id = r.building_group_id WHERE r.id > {before['record']}",
    )
    assert len(rows) > 100
    written = sum(c.get("service_record+", 0) for c in counts)
    deleted = sum(c.get("service_record-", 0) for c in counts)
    assert written - deleted <= len(rows) <= written
    assert {_ts(r[0]) for r in rows} <= set(NOWS)
    # the day's rhythm: the morning peak writes far more than the night
    assert counts[2].get("service_record+", 0) > 3 * counts[-1].get("service_record+", 0)
    outline = geo.district_outline()
    assert geo.points_in_ring(np.array([r[7] for r in rows]), np.array([r[8] for r in rows]), outline).all()
    for r in rows:
        (_, _, cat, station, street, comm, bg, lon, lat, hours, vols, served) = r[:12]
        t_station, t_cat, s_street, s_comm, s_lon, s_lat, bg_comm, bg_lon, bg_lat = r[12:]
        assert (station, cat) == (t_station, t_cat)
        assert (street, comm) == (s_street, s_comm)  # the team's station's place
        base = (s_lon, s_lat) if bg is None else (bg_lon, bg_lat)
        if bg is not None:
            assert bg_comm == comm
        assert abs(lon - base[0]) < 0.003 and abs(lat - base[1]) < 0.003  # a few dozen metres off
        assert hours >= 0.5 and vols >= 2 and served >= 0


def test_requests_advance_in_stage_order(engine, day):
    before, counts, _ = day
    assert sum(c.get("service_request+", 0) for c in counts) > 20
    assert sum(c.get("service_request~", 0) for c in counts) > 20
    cols = ", ".join(f"q.{c}" for c in STAGE_COLUMN)
    rows = _rows(
        engine,
        f"SELECT q.id, q.status, {cols}, q.team_id, q.rating, q.street_id, q.community_id, q.building_group_id,"
        " s.street_id, s.community_id, b.community_id"
        " FROM service_request q JOIN station s ON s.id = q.station_id"
        " LEFT JOIN building_group b ON b.id = q.building_group_id",
    )
    in_run = set(NOWS)
    advanced, furthest = 0, 0
    for rid, status, *rest in rows:
        stamps = [_ts(v) for v in rest[:5]]
        team, rating, street, comm, bg, s_street, s_comm, bg_comm = rest[5:]
        reached = [s is not None for s in stamps]
        k = STAGES.index(status)
        assert reached == [True] * (k + 1) + [False] * (len(STAGES) - k - 1), rid  # none skipped; status = furthest
        got = [s for s in stamps if s is not None]
        assert got == sorted(got), rid  # non-decreasing stamps
        assert (rating is not None) == reached[4], rid
        assert (team is not None) == reached[2], rid  # the accepting team (接单队伍), as the seed and importer have it
        old = before["requests"].get(rid)
        if old is None:  # ordered during the run, at a step's time, at its station's place
            assert stamps[0] in in_run, rid
            assert (street, comm) == (s_street, s_comm), rid
            assert bg is None or bg_comm == comm, rid
        else:  # only stages not reached before are stamped, and with a step's time
            assert all(o == s or (o is None and s in in_run) for o, s in zip(old, stamps)), rid
        new = [s for s in stamps if s in in_run]
        assert len(new) == len(set(new)), rid  # one stage per step at most
        advanced += any(s in in_run for s in stamps[1:])
        furthest = max(furthest, len(new))
    assert advanced > 20
    assert furthest == len(STAGES)  # some request ordered during the run went all the way to rated


def test_members_join_and_transfer_with_their_orgs_places(engine, day):
    before, counts, _ = day
    assert sum(c.get("member~", 0) for c in counts) > 0
    assert sum(c.get("member+", 0) for c in counts) > 0
    rows = _rows(
        engine,
        "SELECT mem.id, mem.code, mem.org_id, mem.street_id, mem.community_id, o.street_id, o.community_id,"
        " mem.building_group_id, b.community_id, mem.reported_community_id, mem.joined_on"
        " FROM member mem JOIN org o ON o.id = mem.org_id LEFT JOIN building_group b ON b.id = mem.building_group_id",
    )
    moved = 0
    for mid, code, org_id, street, comm, o_street, o_comm, bg, bg_comm, reported, joined in rows:
        assert (street, comm) == (o_street, o_comm), mid
        old_org = before["member_org"].get(mid)
        if old_org is None:
            assert code == f"M{mid:07d}" and str(joined) == TODAY.isoformat()
        elif old_org != org_id:
            moved += 1
            assert bg is None or bg_comm in (o_comm, reported), mid  # lives in the new home community
    assert moved > 0


def test_activities_wishes_and_tasks(engine, day):
    before, counts, _ = day
    acts = _rows(
        engine,
        "SELECT a.id, a.kind, a.held_on, a.participants, a.street_id, a.community_id, o.street_id, o.community_id,"
        " (SELECT COUNT(*) FROM activity_participation p WHERE p.activity_id = a.id)"
        f" FROM activity a JOIN org o ON o.id = a.org_id WHERE a.id > {before['activity']}",
    )
    assert len(acts) == sum(c.get("activity+", 0) for c in counts) > 0
    codes = {c for c, _ in names.ACTIVITY_TYPES}
    for _, kind, held, participants, street, comm, o_street, o_comm, attended in acts:
        assert kind in codes and str(held) == TODAY.isoformat()
        assert participants == attended >= 1
        assert (street, comm) == (o_street, o_comm)
    # corrected attendance keeps the activity's count equal to its rows
    assert not _rows(
        engine,
        "SELECT a.id FROM activity a WHERE a.participants <>"
        " (SELECT COUNT(*) FROM activity_participation p WHERE p.activity_id = a.id)"
        f" AND a.id IN (SELECT id FROM activity WHERE held_on >= '{TODAY - timedelta(days=7)}')",
    )
    today = TODAY.isoformat()
    wishes = _rows(engine, WISHES)
    changed = [w for w in wishes if before["wishes"].get(w[0]) != w]
    assert changed
    for wid, posted, claimed_by, claimed_on, fulfilled_on in changed:
        old = before["wishes"].get(wid)
        if old is None:
            assert str(posted) == today
        if claimed_by is not None and (old is None or old[2] is None):
            assert str(claimed_on) == today  # claimed now
        if fulfilled_on is not None and (old is None or old[4] is None):
            assert str(fulfilled_on) == today and str(claimed_on) <= today
    tasks = _rows(engine, TASKS)
    new = [t for t in tasks if t[0] > before["task"]]
    done = [t for t in tasks if t[0] in before["tasks"] and before["tasks"][t[0]][3] is None and t[3] is not None]
    assert new and done
    assert all(str(t[1]) == today and str(t[2]) >= today for t in new)
    assert all(str(t[3]) == today for t in done)


def _dump(engine: Engine, before: dict[str, int]) -> dict[str, list]:
    """Everything the simulator may have written, in id order."""
    return {
        "service_record": _rows(engine, f"SELECT * FROM service_record WHERE id > {before['record']} ORDER BY id"),
        "service_request": _rows(engine, "SELECT * FROM service_request ORDER BY id"),
        "member": _rows(engine, "SELECT * FROM member ORDER BY id"),
        "activity": _rows(engine, "SELECT * FROM activity ORDER BY id"),
        "activity_participation": _rows(engine, "SELECT * FROM activity_participation ORDER BY 1, 2"),
        "micro_wish": _rows(engine, "SELECT * FROM micro_wish ORDER BY id"),
        "supervision_task": _rows(engine, "SELECT * FROM supervision_task ORDER BY id"),
    }


def test_same_seed_same_writes(seeded, tmp_path):
    out = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        engine = _copy(seeded, tmp_path, name)
        before = {"record": _max_id(engine, "service_record")}
        sim = Simulator(engine, seed=seed, speed=100)
        counts = [sim.step(now) for now in NOWS[1:6]]
        out.append((counts, _dump(engine, before)))
        engine.dispose()
    assert out[0] == out[1]
    assert out[0][1]["service_record"] != out[2][1]["service_record"]


def test_run_stops_when_told(engine):
    sim = Simulator(engine, seed=1, speed=500)
    stop = threading.Event()
    worker = threading.Thread(target=sim.run, args=(stop, 0.05), daemon=True)
    worker.start()
    time.sleep(0.5)
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert sum(sim.totals.values()) > 0  # it wrote, at the real time
    with engine.connect() as conn:
        latest = conn.execute(select(m.ServiceRecord.started_at).order_by(m.ServiceRecord.id.desc())).first()
    assert abs((latest[0] - datetime.now()).total_seconds()) < 60


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_run_logs_database_errors_and_goes_on(seeded, tmp_path, caplog):
    folder = tmp_path / "later"
    engine = write_engine(f"sqlite:///{folder / 'db.sqlite'}")
    folder.rmdir()  # the database cannot be opened: every tick fails until it appears
    sim = Simulator(engine, seed=1, speed=500)
    stop = threading.Event()
    worker = threading.Thread(target=sim.run, args=(stop, 0.05), daemon=True)

    def logged(text: str) -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "erqi.simulate" and text in r.getMessage()]

    with caplog.at_level(logging.INFO, logger="erqi.simulate"):
        worker.start()
        assert _wait_for(lambda: logged("database error"))
        time.sleep(0.3)  # several more failing ticks
        staging = tmp_path / "staging"
        staging.mkdir()
        shutil.copyfile(seeded, staging / "db.sqlite")
        staging.rename(folder)  # the database appears at once, whole
        recovered = _wait_for(lambda: sum(sim.totals.values()) > 0)
        stop.set()
        worker.join(timeout=5)
    engine.dispose()
    assert not worker.is_alive()
    assert recovered  # the loop went on and wrote once the database was there
    assert len(logged("database error")) == 1  # the same error again is not logged every tick
    assert logged("database answers again")


def test_main_runs_for_its_duration(seeded, tmp_path, capsys):
    target = tmp_path / "cli.sqlite"
    shutil.copyfile(seeded, target)
    args = ["--url", f"sqlite:///{target}", "--tick", "0.05", "--duration", "0.4", "--speed", "500", "--seed", "3"]
    assert main(args) == 0
    assert "stopped after" in capsys.readouterr().out
    assert main(["--url", f"sqlite:///{tmp_path / 'none.sqlite'}", "--duration", "0.1"]) == 1


def test_members_joins_and_transfers_are_dated_spells(engine, day):
    """The member system's writes keep the stocks' history (data_access.history): every member has exactly one
    open spell, at the member's place now; a transfer ends the old place's spell on the day it opens the new."""
    open_spells = _rows(
        engine,
        "SELECT ref_id, street_id, community_id, building_group_id, valid_from FROM stock_spell"
        " WHERE stock = 'member' AND valid_to IS NULL",
    )
    now = {
        r[0]: tuple(r[1:]) for r in _rows(engine, "SELECT id, street_id, community_id, building_group_id FROM member")
    }
    assert len(open_spells) == len(now) and {r[0]: tuple(r[1:4]) for r in open_spells} == now
    today = TODAY.isoformat()
    joined = [r for r in open_spells if r[0] not in day[0]["member_org"]]
    assert joined and all(str(r[4]) == today for r in joined)
    ended = _rows(engine, f"SELECT ref_id FROM stock_spell WHERE stock = 'member' AND valid_to = '{today}'")
    moved = {
        mid for mid, org in _rows(engine, "SELECT id, org_id FROM member") if day[0]["member_org"].get(mid, org) != org
    }
    assert moved and moved <= {r[0] for r in ended}
