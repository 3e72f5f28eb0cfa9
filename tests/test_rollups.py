"""Every rollup equals the same aggregate computed here, in pandas, from the raw rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from data_access.queries import volunteers as v
from data_access.rollup_models import ROLLUPS

PLACE = ["street_id", "community_id", "building_group_id"]


@pytest.fixture(scope="module")
def raw(db_url):
    """The raw fact tables, read once per backend."""
    from data_access.db import read_engine

    engine = read_engine(db_url)
    with engine.connect() as conn:
        out = {
            "rec": pd.read_sql(text("SELECT * FROM service_record"), conn),
            "act": pd.read_sql(text("SELECT * FROM activity"), conn),
            "req": pd.read_sql(text("SELECT * FROM service_request"), conn),
            "as_of": conn.execute(text("SELECT value FROM dataset_meta WHERE key = 'as_of'")).scalar(),
            "ru": {r.__tablename__: pd.read_sql(text(f"SELECT * FROM {r.__tablename__}"), conn) for r in ROLLUPS},
        }
    engine.dispose()
    for name, col in (("rec", "started_at"), ("act", "held_on"), ("req", "ordered_at")):
        out[name][col] = pd.to_datetime(out[name][col])
        out[name]["month"] = out[name][col].dt.to_period("M").dt.to_timestamp()
    for frame in out["ru"].values():
        if "month" in frame:
            frame["month"] = pd.to_datetime(frame["month"])
    return out


def _levels(df: pd.DataFrame, dims: list[str], measures: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """The rollup's rows recomputed: every level of the place hierarchy, grouped by its keys and dims."""
    parts = []
    for lvl in range(4):
        keys = PLACE[:lvl]
        sub = df.dropna(subset=keys) if keys else df
        g = sub.groupby(keys + dims, dropna=False).agg(**measures).reset_index()
        g["lvl"] = lvl
        parts.append(g)
    # lvl 4: the finest rows without a building group (no page reads them; the refresher moves the coarser
    # levels by their difference)
    rest = df[df["building_group_id"].isna()]
    g = rest.groupby(PLACE + dims, dropna=False).agg(**measures).reset_index()
    g["lvl"] = 4
    parts.append(g)
    return pd.concat(parts, ignore_index=True)


def _same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], measures: list[str]) -> None:
    got = got[keys + measures].copy()
    want = want[keys + measures].copy()
    for frame in (got, want):
        for k in keys:
            if k not in ("month", "kind"):
                frame[k] = frame[k].astype("Float64").fillna(-1).astype(int)
    merged = got.merge(want, on=keys, how="outer", suffixes=("", "_raw"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert len(got) == len(want) > 0
    for col in measures:
        assert np.allclose(merged[col].astype(float), merged[f"{col}_raw"].astype(float)), col


def test_place_month(raw):
    rec, act, req = raw["rec"], raw["act"], raw["req"]
    frames = [
        rec.assign(served=rec["people_served"], sessions=1, activities=0, participants=0, requests=0),
        act.assign(hours=0.0, served=0, sessions=0, activities=1, requests=0),
        req.assign(hours=0.0, served=0, sessions=0, activities=0, participants=0, requests=1),
    ]
    cols = ["hours", "served", "sessions", "activities", "participants", "requests"]
    union = pd.concat([f[PLACE + ["month"] + cols] for f in frames], ignore_index=True)
    want = _levels(union, ["month"], {c: (c, "sum") for c in cols})
    _same(raw["ru"]["ru_place_month"], want, ["lvl", *PLACE, "month"], cols)


def test_service_month_and_slot(raw):
    rec = raw["rec"].assign(served=lambda d: d["people_served"], sessions=1)
    measures = {"hours": ("hours", "sum"), "served": ("served", "sum"), "sessions": ("sessions", "sum")}
    want = _levels(rec, ["month", "category_id"], measures)
    _same(raw["ru"]["ru_service_month"], want, ["lvl", *PLACE, "month", "category_id"], list(measures))
    rec["weekday"] = (rec["started_at"].dt.dayofweek + 1) % 7  # 0 = Sunday
    rec["hour"] = rec["started_at"].dt.hour
    want = _levels(rec, ["month", "category_id", "weekday", "hour"], measures)
    keys = ["lvl", *PLACE, "month", "category_id", "weekday", "hour"]
    _same(raw["ru"]["ru_service_slot"], want, keys, list(measures))


def test_service_cells_and_teams(raw):
    rec = raw["rec"].assign(served=lambda d: d["people_served"], sessions=1)
    inside = rec[
        (rec["lon"] >= v.GRID_LON0)
        & (rec["lon"] < v.GRID_LON1)
        & (rec["lat"] >= v.GRID_LAT0)
        & (rec["lat"] < v.GRID_LAT1)
    ].copy()
    inside["ix"] = np.floor((inside["lon"] - v.GRID_LON0) / v.CELL_DEG).astype(int)
    inside["iy"] = np.floor((inside["lat"] - v.GRID_LAT0) / v.CELL_DEG).astype(int)
    dims = ["month", "category_id", "ix", "iy"]
    want = _levels(inside, dims, {"hours": ("hours", "sum"), "served": ("served", "sum")})
    _same(raw["ru"]["ru_service_cell"], want, ["lvl", *PLACE, *dims], ["hours", "served"])
    dims = ["month", "team_id", "station_id", "category_id"]
    measures = {"hours": ("hours", "sum"), "served": ("served", "sum"), "sessions": ("sessions", "sum")}
    want = _levels(rec, dims, measures)
    _same(raw["ru"]["ru_service_team"], want, ["lvl", *PLACE, *dims], list(measures))


def _requests(raw) -> pd.DataFrame:
    req = raw["req"].copy()
    cutoff = datetime.fromisoformat(raw["as_of"]) + timedelta(days=1)
    for s in v.STAGES[1:]:
        at = pd.to_datetime(req[f"{s}_at"])
        req[f"{s}_at"] = at
        req[f"{s}_ok"] = at.notna() & (at < cutoff)
    req["stage"] = 0
    for i, s in enumerate(v.STAGES[1:], start=1):
        req.loc[req[f"{s}_ok"], "stage"] = i
    age = (cutoff - req["ordered_at"]).dt.total_seconds() / 3600
    req["age_bucket"] = np.searchsorted(np.asarray(v.AGE_BOUNDS_H, float), age.to_numpy(), side="right")
    req.loc[req["done_ok"], "age_bucket"] = -1
    answered = req["accepted_at"].where(req["accepted_ok"], cutoff)
    wait = (answered - req["ordered_at"]).dt.total_seconds() / 3600
    req["bucket"] = [v.bucket_of(h) for h in wait]
    req["answered"] = req["accepted_ok"].astype(int)
    req["requests"] = 1
    return req


def test_requests(raw):
    req = _requests(raw)
    n = {"requests": ("requests", "sum")}
    want = _levels(req, ["month", "need_category_id", "stage", "age_bucket"], n)
    keys = ["lvl", *PLACE, "month", "need_category_id", "stage", "age_bucket"]
    _same(raw["ru"]["ru_request"], want, keys, ["requests"])
    want = _levels(req, ["month", "need_category_id", "answered", "bucket"], n)
    keys = ["lvl", *PLACE, "month", "need_category_id", "answered", "bucket"]
    _same(raw["ru"]["ru_request_wait"], want, keys, ["requests"])
    dims = ["month", "station_id", "stage", "bucket"]
    want = _levels(req, dims, n)
    _same(raw["ru"]["ru_request_station"], want, ["lvl", *PLACE, *dims], ["requests"])


def test_request_stage_times(raw):
    req = _requests(raw)
    parts = []
    for i, (a, b) in enumerate(v.TRANSITIONS):
        start = req["ordered_at"] if a == "ordered" else req[f"{a}_at"]
        ok = req[f"{b}_ok"] & start.notna()
        hours = ((req.loc[ok, f"{b}_at"] - start[ok]).dt.total_seconds() / 3600).clip(lower=0)
        parts.append(req.loc[ok, PLACE + ["month"]].assign(transition=i, bucket=[v.bucket_of(h) for h in hours]))
    both = pd.concat(parts, ignore_index=True).assign(requests=1)
    want = _levels(both, ["month", "transition", "bucket"], {"requests": ("requests", "sum")})
    _same(raw["ru"]["ru_request_stage"], want, ["lvl", *PLACE, "month", "transition", "bucket"], ["requests"])


def test_meetings(raw):
    act = raw["act"].copy()
    act["building_group_id"] = act["building_group_id"].astype("Float64")
    want = (
        act.groupby(["org_id", "building_group_id", "kind", "month"], dropna=False)
        .agg(meetings=("id", "size"), first=("held_on", "min"), last=("held_on", "max"))
        .reset_index()
    )
    got = raw["ru"]["ru_meeting"].copy()
    for col, src in (("first", "first_held_on"), ("last", "last_held_on")):
        got[col] = pd.to_datetime(got[src]).map(pd.Timestamp.toordinal)
        want[col] = pd.to_datetime(want[col]).map(pd.Timestamp.toordinal)
    _same(got, want, ["org_id", "building_group_id", "kind", "month"], ["meetings", "first", "last"])


def test_table_rows(raw):
    counted = raw["ru"]["ru_table_rows"].set_index("table_name")["row_count"].to_dict()
    assert counted["service_record"] == len(raw["rec"]) and counted["service_request"] == len(raw["req"])
    assert counted["activity"] == len(raw["act"]) and counted["org"] > 600
    assert not any(name.startswith(("ru_", "import_")) for name in counted)


def test_member_points(raw, db_url):
    """Members and their points per year and band of 10, by organisation and by building group lived in."""
    from data_access.db import read_engine

    engine = read_engine(db_url)
    with engine.connect() as conn:
        points = pd.read_sql(
            text(
                "SELECT mp.period, mp.points, m.org_id, m.building_group_id"
                " FROM member_points mp JOIN member m ON m.id = mp.member_id"
            ),
            conn,
        )
    engine.dispose()
    points["period"] = pd.to_datetime(points["period"]).map(pd.Timestamp.toordinal)
    points["band_start"] = (np.floor(points["points"] / 10) * 10).astype(int)
    for table, key in (("ru_org_points", "org_id"), ("ru_group_points", "building_group_id")):
        want = (
            points.dropna(subset=[key])
            .groupby(["period", key, "band_start"])
            .agg(members=("points", "size"), points_sum=("points", "sum"))
            .reset_index()
        )
        got = raw["ru"][table].copy()
        got["period"] = pd.to_datetime(got["period"]).map(pd.Timestamp.toordinal)
        _same(got, want, ["period", key, "band_start"], ["members", "points_sum"])
    assert raw["ru"]["ru_org_points"]["members"].sum() == len(points)
