"""AppTest of the explore page (自助分析) and of the overview's 同比/环比: every answer the page shows is
checked against pandas over the raw rows of the seeded database (service records, activities, requests
and the registers), never against the query layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.compare import GRAIN_MONTHS, add_months, previous_period
from data_access.db import read_engine
from data_access.filters import Filters, month_end
from data_access.models import REQUEST_STAGES
from data_access.queries.volunteers import bucket_bounds, bucket_of
from ui.explore.question import Question
from ui.labels import TEXT

from .conftest import PROJECT

APP = str(PROJECT / "app.py")
PAGE = "pages/explore.py"
zh = lambda key: TEXT[key][0]  # noqa: E731


@pytest.fixture(scope="module")
def raw(db_url):
    """Every raw table the measures come from, read once per backend."""
    engine = read_engine(db_url)
    tables = (
        "service_record", "activity", "service_request", "micro_wish", "member", "org", "building_group",
        "volunteer", "team", "station", "facility", "supervision_task", "grid", "volunteer_category",
        "need_category", "org_points", "member_points", "stock_spell",
    )  # fmt: skip
    with engine.connect() as conn:
        out = {name: pd.read_sql(text(f"SELECT * FROM {name}"), conn) for name in tables}
        as_of = date.fromisoformat(conn.execute(text("SELECT value FROM dataset_meta WHERE key = 'as_of'")).scalar())
    engine.dispose()
    out["as_of"] = as_of
    out["first"] = date(as_of.year - 5, as_of.month, as_of.day) + timedelta(days=1)
    for name, col in (("service_record", "started_at"), ("activity", "held_on"), ("service_request", "ordered_at")):
        out[name][col] = pd.to_datetime(out[name][col])
    out["micro_wish"]["fulfilled_on"] = pd.to_datetime(out["micro_wish"]["fulfilled_on"])
    spells = out["stock_spell"]
    spells["valid_from"] = pd.to_datetime(spells["valid_from"]).dt.date
    spells["valid_to"] = [None if v is None or v != v else pd.Timestamp(v).date() for v in spells["valid_to"]]
    return out


# ---------------------------------------------------------------- the measures in pandas


def _in(frame: pd.DataFrame, col: str, f: Filters) -> pd.DataFrame:
    t = frame[col]
    return frame[(t >= pd.Timestamp(f.start)) & (t < pd.Timestamp(f.end + timedelta(days=1)))]


def _placed(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    if f.community_id:
        return frame[frame["community_id"] == f.community_id]
    if f.street_id:
        return frame[frame["street_id"] == f.street_id]
    return frame


def _stage(req: pd.DataFrame, cutoff: datetime) -> pd.Series:
    furthest = pd.Series(0, index=req.index)
    for i, s in enumerate(REQUEST_STAGES[1:], start=1):
        at = pd.to_datetime(req[f"{s}_at"])
        furthest = furthest.where(~(at.notna() & (at < cutoff)), i)
    return furthest


def rows_of(raw: dict, measure: str, f: Filters) -> tuple[pd.DataFrame, str | None]:
    """The raw rows a measure counts under f, with the column summed (None: count rows) and the time
    column `when`, the place columns and every breakdown attribute beside them."""
    org = raw["org"][["id", "kind", "street_id", "community_id"]]
    if measure in ("hours", "served", "sessions"):
        rec = _placed(_in(raw["service_record"], "started_at", f), f).rename(columns={"started_at": "when"})
        rec = rec.rename(columns={"category_id": "category", "team_id": "team", "station_id": "station"})
        rec["building_group"] = rec["building_group_id"]
        return rec, {"hours": "hours", "served": "people_served", "sessions": None}[measure]
    if measure in ("activities", "participations", "activities_by_org"):
        act = _in(raw["activity"], "held_on", f).rename(columns={"held_on": "when", "kind": "activity_kind"})
        if measure == "activities_by_org":  # placed where the holding organisation is
            act = act.drop(columns=["street_id", "community_id"]).merge(
                org.rename(columns={"id": "org_id", "kind": "org_kind"}), on="org_id"
            )
        act = _placed(act, f)
        act["building_group"] = act["building_group_id"]
        return act, ("participants" if measure == "participations" else None)
    if measure in ("requests", "unanswered", "requests_done", "wait"):
        req = _placed(_in(raw["service_request"], "ordered_at", f), f).rename(columns={"ordered_at": "when"})
        cutoff = datetime.combine(raw["as_of"] + timedelta(days=1), datetime.min.time())
        req = req.assign(stage=_stage(req, cutoff).map(lambda i: REQUEST_STAGES[i]), need=req["need_category_id"])
        req["building_group"] = req["building_group_id"]
        if measure == "unanswered":
            req = req[req["stage"].isin(["ordered", "dispatched"])]
        if measure == "requests_done":
            req = req[req["stage"].isin(["done", "rated"])]
        if measure == "wait":  # order to acceptance, of the requests accepted by the data date only
            acc = pd.to_datetime(req["accepted_at"])
            req = req[acc.notna() & (acc < cutoff)]
            req = req.assign(wait=((acc[req.index] - req["when"]).dt.total_seconds() / 3600).clip(lower=0))
        return req, None
    if measure == "wishes":
        w = _placed(_in(raw["micro_wish"].dropna(subset=["fulfilled_on"]), "fulfilled_on", f), f)
        return w.rename(columns={"fulfilled_on": "when"}).assign(building_group=lambda d: d["building_group_id"]), None
    if measure in PASTS and f.end < raw["as_of"]:  # a stock on a past day: its spells open then
        return _held(raw, measure, f), None
    if measure == "members":
        mem = _placed(raw["member"], f).merge(org[["id", "kind"]].rename(columns={"id": "org_id", "kind": "org_kind"}))
        return mem.assign(building_group=mem["building_group_id"]), None
    if measure == "orgs":
        o = _placed(raw["org"], f)
        return o[o["kind"] != "district"].rename(columns={"kind": "org_kind"}), None
    if measure == "building_groups":
        bg = _placed(raw["building_group"], f)
        demo = bg["is_demonstration"].astype(bool).map({True: "yes", False: "no"})
        return bg.assign(demonstration=demo, building_group=bg["id"]), None
    if measure == "volunteers":
        v = _placed(raw["volunteer"], f)
        return v.assign(station=v["station_id"], building_group=v["building_group_id"]), None
    if measure == "teams":
        return _placed(raw["team"], f).rename(columns={"category_id": "category", "station_id": "station"}), None
    if measure == "stations":
        return _placed(raw["station"], f), None
    if measure == "people_fed":
        fac = _placed(raw["facility"], f)
        return fac[fac["kind"] == "kitchen"], "people_fed"
    if measure == "overdue":
        t = _placed(raw["supervision_task"], f)
        as_of = pd.Timestamp(raw["as_of"])
        done = pd.to_datetime(t["completed_on"])
        late = t[(pd.to_datetime(t["due_on"]) < as_of) & (done.isna() | (done > as_of))]
        return late.merge(org[["id", "kind"]].rename(columns={"id": "org_id", "kind": "org_kind"})), None
    raise KeyError(measure)


PASTS = {"members": "member", "orgs": "org", "building_groups": "building_group", "volunteers": "volunteer", "teams": "team"}


def _held(raw: dict, measure: str, f: Filters) -> pd.DataFrame:
    """A stock's spells open on f's last day, placed where each was then, with its register row's attributes
    (a spell of something gone before the data has none: no attribute breakdown counts it)."""
    sp = raw["stock_spell"]
    sp = sp[sp["stock"] == PASTS[measure]]
    sp = _placed(sp[[a <= f.end and (b is None or b > f.end) for a, b in zip(sp["valid_from"], sp["valid_to"])]], f)
    kinds = raw["org"][["id", "kind"]].rename(columns={"id": "org_id", "kind": "org_kind"})
    attrs = {
        "members": lambda: raw["member"][["id", "org_id"]].merge(kinds)[["id", "org_kind"]],
        "orgs": lambda: raw["org"][["id", "kind"]].rename(columns={"kind": "org_kind"}),
        "building_groups": lambda: raw["building_group"][["id"]].assign(
            demonstration=raw["building_group"]["is_demonstration"].astype(bool).map({True: "yes", False: "no"})
        ),
        "volunteers": lambda: raw["volunteer"][["id", "station_id"]].rename(columns={"station_id": "station"}),
        "teams": lambda: raw["team"][["id", "category_id", "station_id"]].rename(
            columns={"category_id": "category", "station_id": "station"}
        ),
    }[measure]()
    out = sp.drop(columns=["id"]).merge(attrs.rename(columns={"id": "ref_id"}), on="ref_id", how="left")
    return out.assign(building_group=out["building_group_id"])


THREE = ("branch_meeting", "committee_meeting", "group_meeting", "party_lecture")


def compliance(raw: dict, by: tuple[str, ...], f: Filters) -> pd.DataFrame:
    """三会一课: org-periods held over org-periods due (monthly: committee and group meetings; quarterly:
    branch meetings and party lectures), for the organisations in scope other than the district's, each
    due from the month of its first recorded activity (when it joined the system), its quarter included."""
    org = _placed(raw["org"], f)
    org = org[org["kind"] != "district"].rename(columns={"kind": "org_kind"}).copy()
    since = raw["activity"].groupby("org_id")["held_on"].min().dt.to_period("M")
    months = pd.period_range(f.start, f.end, freq="M")
    q_ends = pd.period_range(f.start, f.end, freq="Q").asfreq("M", "end")
    org["due"] = [
        0 if pd.isna(s) else 2 * int((months >= s).sum()) + 2 * int((q_ends >= s).sum()) for s in org["id"].map(since)
    ]
    act = _in(raw["activity"], "held_on", f)
    act = act[act["kind"].isin(THREE) & act["org_id"].isin(org["id"])].copy()
    monthly = act["kind"].isin(["committee_meeting", "group_meeting"])
    act["period"] = act["held_on"].dt.strftime("%Y-%m").where(monthly, act["held_on"].dt.to_period("Q").astype(str))
    held = act.drop_duplicates(["org_id", "kind", "period"])[["org_id", "kind", "period"]].merge(
        org[["id", "street_id", "community_id", "org_kind"]].rename(columns={"id": "org_id"}), on="org_id"
    )
    keys = []
    for i, b in enumerate(by):
        org[f"k{i}"] = _labelled(raw, org, b)
        held[f"k{i}"] = _labelled(raw, held, b)
        keys.append(f"k{i}")
    if not keys:
        return pd.DataFrame({"value": [len(held) / org["due"].sum() if org["due"].sum() else float("nan")]})
    due = org.groupby(keys)["due"].sum()
    met = held.groupby(keys).size().rename("met")
    out = pd.concat([due, met], axis=1).fillna(0)
    return (out["met"] / out["due"].where(out["due"] > 0)).rename("value").reset_index()


def points(raw: dict, measure: str, by: tuple[str, ...], f: Filters) -> pd.DataFrame:
    """Mean 堡垒积分 over organisation-quarters, or mean 先锋积分 over member-years, in range and scope."""
    org = raw["org"][["id", "kind", "street_id", "community_id"]].rename(columns={"kind": "org_kind"})
    if measure == "org_points":
        rows = raw["org_points"].merge(org.rename(columns={"id": "org_id"}), on="org_id")
        q0 = date(f.start.year, 3 * ((f.start.month - 1) // 3) + 1, 1)
    else:
        mem = raw["member"][["id", "org_id", "building_group_id"]].rename(columns={"id": "member_id"})
        rows = raw["member_points"].merge(mem, on="member_id").merge(org.rename(columns={"id": "org_id"}), on="org_id")
        rows["building_group"] = rows["building_group_id"]
        q0 = date(f.start.year, 1, 1)
        if "building_group" in by:  # placed where the member lives
            bg = raw["building_group"][["id", "street_id", "community_id"]].rename(columns={"id": "building_group_id"})
            rows = rows.drop(columns=["street_id", "community_id"]).merge(bg, on="building_group_id")
    period = pd.to_datetime(rows["period"])
    rows = _placed(rows[(period >= pd.Timestamp(q0)) & (period <= pd.Timestamp(f.end))], f).copy()
    rows["when"] = pd.to_datetime(rows["period"])
    keys = []
    for i, b in enumerate(by):
        rows[f"k{i}"] = _labelled(raw, rows, b)
        keys.append(f"k{i}")
    rows = rows.dropna(subset=keys)
    if not keys:
        return pd.DataFrame({"value": [rows["points"].mean()]})
    return rows.groupby(keys)["points"].mean().rename("value").reset_index()


def _period(when: pd.Series, grain: str) -> pd.Series:
    p = pd.to_datetime(when)
    if grain == "month":
        return p.dt.strftime("%Y-%m")
    if grain == "quarter":
        return p.dt.year.astype(str) + "Q" + p.dt.quarter.astype(str)
    return p.dt.year.astype(str)


def _names(raw: dict, b: str) -> dict:
    g = raw["grid"]
    if b in ("street", "community"):
        level = g[g["level"] == (2 if b == "street" else 3)]
        return dict(zip(level["org_id"], level["name"]))
    table = {"building_group": "building_group", "team": "team", "station": "station"}.get(b)
    if table:
        return dict(zip(raw[table]["id"], raw[table]["name"]))
    table = {"category": "volunteer_category", "need": "need_category"}[b]
    return dict(zip(raw[table]["id"], raw[table]["name"]))


def _labelled(raw: dict, rows: pd.DataFrame, b: str) -> pd.Series:
    if b in ("month", "quarter", "year"):
        return _period(rows["when"], b)
    col = {"street": "street_id", "community": "community_id"}.get(b, b)
    if b in ("street", "community", "building_group", "team", "station", "category", "need"):
        return rows[col].map(_names(raw, b))
    if b == "org_kind":  # a spell of something gone before the data has no register row: no kind
        return rows[b].map(lambda k: None if pd.isna(k) else zh(f"kind_{k}"))
    if b == "activity_kind":
        return rows[b].map(lambda k: zh(f"grid_act_{k}"))
    if b == "stage":
        return rows[b].map(lambda s: zh(f"stage_{s}"))
    return rows[b].map(lambda v: zh(f"x_demo_{v}"))


def expected(raw: dict, measure: str, by: tuple[str, ...], f: Filters) -> pd.DataFrame:
    """The answer in pandas: one row per combination of the breakdowns' labels, `value`."""
    if measure == "compliance":
        return compliance(raw, by, f)
    if measure in ("org_points", "member_points"):
        return points(raw, measure, by, f)
    source = "activities_by_org" if measure == "activities" and set(by) & {"org_kind", "activity_kind"} else measure
    rows, col = rows_of(raw, "wait" if measure == "wait_median" else source, f)
    rows = rows.copy()
    keys = []
    for i, b in enumerate(by):
        rows[f"k{i}"] = _labelled(raw, rows, b)
        keys.append(f"k{i}")
    rows = rows.dropna(subset=keys)
    if measure == "wait_median":
        return rows.groupby(keys)["wait"].median().rename("value").reset_index()
    if not keys:
        return pd.DataFrame({"value": [float(rows[col].sum()) if col else float(len(rows))]})
    grouped = rows.groupby(keys)[col].sum() if col else rows.groupby(keys).size()
    return grouped.rename("value").reset_index()


# ---------------------------------------------------------------- the page


def _street(raw: dict, code: str) -> int:
    o = raw["org"]
    return int(o.loc[o["code"] == code, "id"].iloc[0])


def _filters(raw: dict, scope: str | None, months: int | None) -> Filters:
    end = raw["as_of"]
    start = raw["first"] if months is None else add_months(end, -(months - 1))
    street = _street(raw, scope) if scope else None
    return Filters(max(start, raw["first"]), month_end(end) if end == month_end(end) else end, street)


def show(at: AppTest, f: Filters, q: Question, mode: str) -> pd.DataFrame:
    at.session_state["_filters"] = f
    at.session_state["_cmp"] = mode
    at.session_state["_explore_q"] = q
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at.dataframe[0].value


@pytest.fixture(scope="module")
def page(db_url):
    import os

    os.environ["DATABASE_URL"] = db_url
    os.environ["ERQI_OPEN_DEMO"] = "1"
    from tests.conftest import clear_caches

    clear_caches()
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    yield at
    clear_caches()


# (measure, breakdowns, comparison, street scope or None, months back from the data date or None: all)
CASES = [
    ("hours", ("street",), "yoy", None, 12),
    ("hours", ("community",), "pop", "S03", 6),
    ("served", ("category",), "yoy", None, 12),
    ("sessions", ("month",), "pop", None, 12),
    ("hours", ("quarter", "category"), "yoy", None, 24),
    ("hours", ("team",), "yoy", "S03", 12),
    ("served", ("station",), "pop", "S05", 3),
    ("activities", ("street",), "yoy", None, 12),  # compared before the system's start: none
    ("activities", ("street",), "yoy", None, 1),  # 2017-09 against 2016-09, the system's first month
    ("activities", ("year",), "yoy", None, None),
    ("activities", ("org_kind",), "pop", None, 6),
    ("activities", ("activity_kind",), "yoy", "S03", 12),
    ("participations", ("community",), "pop", "S03", 6),
    ("activities", ("month",), "yoy", None, 9),  # 今年以来: only 2017-09 has its compared month recorded
    ("requests", ("need",), "yoy", None, 12),
    ("requests", ("stage",), "yoy", None, 12),
    ("requests", ("community", "quarter"), "yoy", "S03", 12),
    ("unanswered", ("need", "year"), "pop", None, None),
    ("requests_done", ("street",), "pop", None, 6),
    ("wait_median", ("need",), "yoy", None, 12),
    ("wishes", ("street",), "yoy", None, 12),
    ("members", ("community",), "yoy", "S03", 12),  # a stock: against its spells a year earlier
    ("members", ("org_kind",), "yoy", None, 12),
    ("orgs", ("org_kind",), "pop", None, 12),
    ("building_groups", ("street", "demonstration"), "yoy", None, 12),
    ("volunteers", ("street",), "yoy", None, 12),
    ("teams", ("category",), "yoy", "S03", 12),
    ("overdue", ("street",), "yoy", None, None),
    ("people_fed", ("street",), "yoy", None, None),
    ("hours", (), "yoy", None, 12),
    ("compliance", ("street",), "yoy", None, 12),
    ("compliance", ("org_kind",), "pop", "S03", 6),  # the period before still in the system's time
    ("org_points", ("street", "year"), "yoy", None, None),
    ("org_points", ("org_kind",), "pop", None, 12),
    ("member_points", ("community",), "yoy", "S03", 24),
    ("member_points", ("building_group",), "yoy", "S03", 12),
]


def _plain_periods(table: pd.DataFrame, by: tuple[str, ...], f: Filters) -> pd.DataFrame:
    """The table with its period labels plain (2012, not 2012（自10月1日起，不完整）), after checking that a
    period the range holds only in part, and only such a one, says so with the days it holds."""
    grain = next((b for b in by if b in ("month", "quarter", "year")), None)
    if grain is None:
        return table
    col = zh(f"x_by_{grain}")
    plain = table[col].str.split("（").str[0]
    for label, p in zip(table[col], plain):
        start = _label_start(p, grain)
        end = month_end(add_months(start, GRAIN_MONTHS[grain] - 1))
        if start < f.start:
            assert label == zh("x_period_from").format(m=p, md=f"{f.start.month}月{f.start.day}日"), label
        elif end > f.end:
            assert label != p and "（" in label, label
        else:
            assert label == p, label
    return table.assign(**{col: plain})


def _table_keys(table: pd.DataFrame, by: tuple[str, ...]) -> list[str]:
    """The table's label columns in the order of the breakdowns (a time grain is listed last)."""
    names = {b: zh(f"x_by_{b}") for b in by}
    return [names[b] for b in by]


def _close(a: float, b: float, measure: str, rows: int = 1) -> bool:
    """a (the page's figure, or the sum of `rows` figures of one label) equal to b (pandas) as shown."""
    if measure == "compliance":
        return abs(a - b * 100) <= 0.06  # shown in %, to one decimal
    if measure in ("org_points", "member_points"):
        return abs(a - b) <= 0.051
    if measure == "wait_median":  # from the wait histogram: to within about one duration bucket
        lo, hi = bucket_bounds(bucket_of(b))
        return abs(a - b) <= 1.5 * (hi - lo) + 0.06
    return abs(a - b) <= 0.5 * rows  # the table shows whole numbers, each row rounded once


@pytest.mark.parametrize(("measure", "by", "mode", "scope", "months"), CASES)
def test_answer_matches_raw_rows(page, raw, measure, by, mode, scope, months):
    f = _filters(raw, scope, months)
    table = _plain_periods(show(page, f, Question(measure, by), mode), by, f)
    want = expected(raw, measure, by, f)
    value_col = zh(f"x_m_{measure}")
    keys = _table_keys(table, by)
    got = table[[*keys, value_col]].rename(columns=dict(zip(keys, [f"k{i}" for i in range(len(keys))])))
    got = got.rename(columns={value_col: "value"})
    if len(by) == 1:
        got = got[got["value"] != 0]  # the page lists places, teams … with nothing as 0; pandas has no row
        want = want[want["value"] != 0]
    if measure == "compliance":  # groups with nothing due in range (not yet in the system) have no figure
        got, want = got[got["value"].notna()], want[want["value"].notna()]
    ks = [f"k{i}" for i in range(len(by))]
    if ks and measure not in ("wait_median", "compliance", "org_points", "member_points"):  # two teams may
        # share a name: compare the sums per label, each shown row rounded on its own (17,380.5 and 2,735.5
        # hours shown as 17,381 and 2,736: their sum within half a unit per row of the raw 20,116)
        got = got.groupby(ks, as_index=False).agg(value=("value", "sum"), rows=("value", "size"))
        want = want.groupby(ks, as_index=False)["value"].sum()
    assert len(got) == len(want), (measure, by, len(got), len(want))
    merged = (
        got.merge(want, on=ks, how="outer", suffixes=("_app", "_raw"))
        if ks
        else got.join(want, lsuffix="_app", rsuffix="_raw")
    )
    bad = [r for r in merged.itertuples() if not _close(r.value_app, r.value_raw, measure, getattr(r, "rows", 1))]
    assert not bad, bad[:5]
    assert len(merged) >= 1
    _check_comparison(table, raw, measure, by, mode, f, keys)


ACTIVITY_MEASURES = ("activities", "participations", "compliance")  # recorded from the system's start


def _recorded_from(raw: dict, measure: str) -> date:
    """The first month a measure may be compared from, in pandas: the data's first day, or for the party
    activities (recorded from the month the information system went live) their first record's month."""
    if measure not in ACTIVITY_MEASURES:
        return raw["first"]
    return max(raw["first"], raw["activity"]["held_on"].min().date().replace(day=1))


def _check_comparison(table, raw, measure, by, mode, f, keys) -> None:
    """The comparison columns against pandas over the compared period's raw rows; none where the compared
    period begins before the measure's first record."""
    name = zh(f"cmp_{mode}")
    prev_col, pct_col = zh("x_col_previous").format(mode=name), zh("x_col_pct").format(mode=name)
    if measure in ("overdue", "people_fed", "stations"):  # no dated history: never compared
        assert prev_col not in table.columns
        return
    grain = next((b for b in by if b in ("month", "quarter", "year")), None)
    since = _recorded_from(raw, measure)
    if grain is None:
        before = previous_period(f, mode, raw["first"])
        assert before is not None
        if before.start < since:  # before the measure's first record: not compared, and said so
            assert prev_col not in table or table[prev_col].isna().all(), (measure, before)
            return
        prev = expected(raw, measure, by, before)
        if not by:
            want = float(prev["value"].iloc[0])
            assert _close(float(table[prev_col].iloc[0]), want, measure)
            return
        lookup = {tuple(r[:-1]): r[-1] for r in prev.itertuples(index=False)}
        shared = table.duplicated(keys, keep=False)  # two teams of one name: pandas cannot tell them apart
        checked = 0
        for _, row in table[~shared].iterrows():
            key = tuple(row[k] for k in keys)
            want = lookup.get(key)
            got = row[prev_col]
            if want is not None and pd.isna(want):  # nothing was due then (三会一课 before the system): no figure
                assert pd.isna(got), (key, got)
                continue
            if want is None or want == 0:
                continue
            checked += 1
            assert _close(float(got), float(want), measure), (key, got, want)
            cur = float(row[zh(f"x_m_{measure}")])
            if measure not in ("wait_median", "compliance", "org_points", "member_points"):
                assert math.isclose(float(row[pct_col]), 100 * (cur - want) / want, abs_tol=1.0), key  # in %
        assert checked > 0
        return
    # over time: each period against the same period a year earlier (同比) or the one before (环比)
    wide = f.with_dates(raw["first"], f.end)
    allrows = expected(raw, measure, by, wide)
    ti = by.index(grain)
    step = 12 if mode == "yoy" else {"month": 1, "quarter": 3, "year": 12}[grain]
    values = {tuple(r[:-1]): r[-1] for r in allrows.itertuples(index=False)}
    seen = 0
    for _, row in table.iterrows():
        key = [row[k] for k in keys]
        p = _shift_label(key[ti], grain, step)
        if p is None or _label_start(p, grain) < raw["first"]:
            continue
        if _label_start(p, grain) < since:  # compared with a period before the measure's first record: none
            assert pd.isna(row[prev_col]), (key, row[prev_col])
            seen += 1
            continue
        key[ti] = p
        want = values.get(tuple(key))
        got = row[prev_col]
        if want is None:
            continue
        assert _close(float(got), float(want), measure), (key, got, want)
        seen += 1
    assert seen > 0


def _label_start(label: str, grain: str) -> date:
    if grain == "month":
        return date.fromisoformat(label + "-01")
    if grain == "quarter":
        y, q = label.split("Q")
        return date(int(y), 3 * (int(q) - 1) + 1, 1)
    return date(int(label), 1, 1)


def _shift_label(label: str, grain: str, months: int) -> str | None:
    d = add_months(_label_start(label, grain), -months)
    if grain == "month":
        return f"{d:%Y-%m}"
    if grain == "quarter":
        return f"{d.year}Q{(d.month - 1) // 3 + 1}"
    return str(d.year)


def test_cases_cover_the_issue(raw):
    """At least 20 combinations of measure × breakdown × comparison, both comparisons, every kind."""
    assert len(CASES) >= 20
    assert {c[2] for c in CASES} == {"yoy", "pop"}
    assert len({c[0] for c in CASES}) >= 15


# ---------------------------------------------------------------- the overview's 同比 / 环比


def _pct(cur: float, prev: float) -> str:
    return f"{(cur - prev) / prev:+.1%}"


@pytest.mark.parametrize("mode", ["yoy", "pop"])
def test_overview_tiles_show_change_against_raw_rows(db_url, raw, monkeypatch, mode):
    from tests.conftest import point_app_at

    point_app_at(monkeypatch, db_url)
    monkeypatch.setenv("ERQI_OPEN_DEMO", "1")
    f = _filters(raw, None, 12)
    before = previous_period(f, mode, raw["first"])
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/overview.py")
    at.session_state["_filters"] = f
    at.session_state["_cmp"] = mode
    at.run()
    assert not at.exception
    tiles = {m.label: m for m in at.metric}
    for label, measure in (
        ("kpi_hours", "hours"),
        ("kpi_served", "served"),
        ("kpi_activities", "activities"),
        ("kpi_requests", "requests"),
    ):
        if before.start < _recorded_from(raw, measure):  # compared before the system recorded any: not compared
            assert tiles[zh(label)].delta == zh("cmp_not_compared"), (label, tiles[zh(label)].delta)
            continue
        cur = float(expected(raw, measure, (), f)["value"].iloc[0])
        prev = float(expected(raw, measure, (), before)["value"].iloc[0])
        assert tiles[zh(label)].delta == _pct(cur, prev), (label, tiles[zh(label)].delta)
    # a stock (党员) is counted on each period's last day from its dated history (the spells, read raw)
    from .test_stock_history import held

    engine = read_engine(db_url)
    with engine.connect() as conn:
        spells = pd.read_sql_query(text("SELECT stock, valid_from, valid_to FROM stock_spell"), conn)
    engine.dispose()
    spells["valid_from"] = pd.to_datetime(spells["valid_from"]).dt.date
    spells["valid_to"] = [None if v is None or v != v else pd.Timestamp(v).date() for v in spells["valid_to"]]
    cur, prev = len(held(spells, "member", f.end)), len(held(spells, "member", before.end))
    assert cur != prev  # a past that differs: the check could not pass by counting today's register twice
    assert tiles[zh("kpi_members")].delta == _pct(cur, prev), tiles[zh("kpi_members")].delta


def test_overview_whole_span_says_why_there_is_no_change(app_env, raw):
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["range"] = "all"  # the whole span (the page opens on 今年以来)
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    f = at.session_state["_filters"]
    assert (f.start, f.end) == (raw["first"], raw["as_of"]), f  # the whole span indeed
    assert all(m.delta in ("—", None) or m.delta[0] not in "+-" for m in at.metric)
    assert any("早于数据起始" in c.value for c in at.caption)


def test_url_holds_the_question_and_drops_bad_values(app_env):
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(PAGE)
    for k, v in {"measure": "requests", "by": "need,quarter", "chart": "heat", "cmp": "pop"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    q = at.session_state["_explore_q"]
    assert (q.measure, q.by, q.chart) == ("requests", ("need", "quarter"), "heat")
    assert at.session_state["_cmp"] == "pop"
    assert at.query_params["measure"] in ("requests", ["requests"])
    assert at.query_params["by"] in ("need,quarter", ["need,quarter"])

    bad = AppTest.from_file(APP, default_timeout=180)
    bad.switch_page(PAGE)
    for k, v in {"measure": "members", "by": "month,nope", "chart": "pie", "cmp": "later"}.items():
        bad.query_params[k] = v
    bad.run()
    assert not bad.exception
    q = bad.session_state["_explore_q"]
    assert q.measure == "members" and q.by == () and q.chart is None  # a stock has no months; nope is unknown
    warned = " ".join(w.value for w in bad.warning)
    assert "month" in warned and "nope" in warned and "pie" in warned and "cmp=later" in warned


def test_public_screen_suppresses_small_counts_and_offers_no_list(app_env, monkeypatch, tmp_path):
    """On the public screen a people count below the minimum is withheld on the explore page as on every
    other page, and the table has no download."""
    from .test_access_app import new_app, no_users_file

    no_users_file(monkeypatch, tmp_path)
    monkeypatch.setenv("ERQI_PUBLIC_SCREEN", "1")
    monkeypatch.setenv("ERQI_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = new_app({"community": "S03C02", "measure": "members", "by": "building_group"})
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    values = at.dataframe[0].value[zh("x_m_members")]
    assert values.isna().any()  # small counts withheld
    assert not [v for v in values.dropna() if 0 < v < 5]
    assert not at.get("download_button")


def test_a_street_user_explores_only_the_street(users_env, raw):
    """Scope holds on the explore page as elsewhere: a street user asking for the whole district by street
    gets the street's communities only, and a link naming another street's place is refused with a notice."""
    from .test_access_app import new_app, sign_in

    at = sign_in(new_app({"measure": "members", "by": "community", "places": "S05C01"}), "s03")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    s03 = _street(raw, "S03")
    g = raw["grid"]
    own = set(g[(g["level"] == 3) & (g["street_id"] == s03)]["name"])
    names = set(table[zh("x_by_community")])
    assert names and names <= own
    f = at.session_state["_filters"]
    assert f.street_id == s03
    assert " ".join(w.value for w in at.warning)  # the outside place code is reported


def _chart_data(at: AppTest) -> tuple[dict, pd.DataFrame]:
    """The first chart's Vega-Lite spec and its data."""
    import pyarrow as pa

    el = at.get("vega_lite_chart")[0]
    arrow = el.proto.datasets[0].data.data if el.proto.datasets else el.proto.data.data
    return json.loads(el.proto.spec), pa.ipc.open_stream(arrow).read_pandas()


def test_compliance_is_drawn_in_percent(page, raw):
    """三会一课达标率 on the chart's axis in % (0–100, titled so), the figures the table shows: not 0.000–0.065."""
    f = _filters(raw, None, 9)
    table = show(page, f, Question("compliance", ("street",)), "yoy")
    spec, data = _chart_data(page)
    assert "（%）" in json.dumps(spec, ensure_ascii=False)
    drawn = data.dropna(subset=["value"]).set_index("label")["value"]
    shown = table.set_index(zh("x_by_street"))[zh("x_m_compliance")].dropna()
    assert drawn.max() > 50  # the demo's organisations mostly hold their meetings: most above half, in %
    for name, v in shown.items():
        assert abs(drawn[name] - v) <= 0.051, name  # the table's one decimal of the same percentage


# ---------------------------------------------------------------- the comparison in the chart


def _this_year(raw: dict) -> Filters:
    """今年以来, the pages' default range."""
    return Filters(date(raw["as_of"].year, 1, 1), raw["as_of"])


def _fields(spec) -> set[str]:
    """Every field a chart spec's encodings and folds name."""
    out: set[str] = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("field"), str):
            out.add(spec["field"])
        if isinstance(spec.get("fold"), list):
            out.update(spec["fold"])
        for v in spec.values():
            out |= _fields(v)
    elif isinstance(spec, list):
        for v in spec:
            out |= _fields(v)
    return out


def _dashed_previous(spec) -> bool:
    """Whether some layer draws `previous` as a line dashed by its series."""
    if isinstance(spec, dict):
        enc = spec.get("encoding", {})
        if enc.get("y", {}).get("field") == "previous" and "strokeDash" in enc:
            return True
        return any(_dashed_previous(v) for v in spec.values())
    if isinstance(spec, list):
        return any(_dashed_previous(v) for v in spec)
    return False


def test_time_chart_draws_the_compared_period(page, raw):
    """A time answer with 同比 draws last year's same months as a dashed series on the same x, the values the
    table shows, the change in the tooltip; with nothing to compare with, no compared series at all."""
    f = _this_year(raw)
    table = show(page, f, Question("hours", ("month",)), "yoy")
    spec, data = _chart_data(page)
    assert _dashed_previous(spec)
    prev_col, pct_col = zh("x_col_previous").format(mode=zh("cmp_yoy")), zh("x_col_pct").format(mode=zh("cmp_yoy"))
    shown = table.set_index(zh("x_by_month"))
    drawn = data.assign(m=pd.to_datetime(data["period"]).dt.strftime("%Y-%m")).set_index("m")
    assert len(drawn) == len(shown) == raw["as_of"].month
    for month, row in shown.iterrows():
        assert abs(drawn.loc[month, "previous"] - row[prev_col]) <= 0.5, month
        assert drawn.loc[month, "change_text"] == f"{row[pct_col]:+.1f}%", month  # as the table rounds it

    first_year = Filters(raw["first"], month_end(add_months(raw["first"], 11)))  # compared before the data
    show(page, first_year, Question("hours", ("month",)), "yoy")
    spec, data = _chart_data(page)
    assert "previous" not in _fields(spec) and "previous" not in data.columns
    assert not _dashed_previous(spec)


def test_breakdown_draws_paired_bars(page, raw):
    """A breakdown with 同比: each bar beside its compared period's (folded into two bars a row), a stock with a
    dated history too; a figure never compared (no history) draws single bars."""
    f = _this_year(raw)
    table = show(page, f, Question("hours", ("category",)), "yoy")
    spec, data = _chart_data(page)
    assert {"value", "previous"} <= _fields(spec)
    assert "yOffset" in json.dumps(spec)
    prev_col = zh("x_col_previous").format(mode=zh("cmp_yoy"))
    shown = table.set_index(zh("x_by_category"))[prev_col]
    drawn = data.set_index("label")["previous"]
    assert set(drawn.index) == set(shown.index)
    for name, v in shown.items():
        assert abs(drawn[name] - v) <= 0.5, name

    show(page, f, Question("members", ("street",)), "yoy")  # a stock with a past: compared, as the flows
    spec, data = _chart_data(page)
    assert {"value", "previous"} <= _fields(spec) and data["previous"].notna().all()
    show(page, f, Question("people_fed", ("street",)), "yoy")  # no dated history: never compared
    spec, data = _chart_data(page)
    assert "previous" not in _fields(spec) and "yOffset" not in json.dumps(spec)


def test_ten_categories_draw_five_and_the_rest_as_other(page, raw):
    """Month × 10 categories: the 5 largest by total and 其他 (the sum of the other 5, value and compared value,
    each month) in panels of their own, never ten tangled lines; the caption names what 其他 holds."""
    f = _this_year(raw)
    table = show(page, f, Question("hours", ("month", "category")), "yoy")
    spec, data = _chart_data(page)
    assert "facet" in spec
    other = zh("x_other_series")
    assert data["label2"].nunique() <= 6 and other in set(data["label2"])
    cat, month, value = zh("x_by_category"), zh("x_by_month"), zh("x_m_hours")
    prev_col = zh("x_col_previous").format(mode=zh("cmp_yoy"))
    assert table[cat].nunique() == 10
    top = table.groupby(cat)[value].sum().nlargest(5).index
    assert set(data["label2"]) - {other} == set(top)
    rest = table[~table[cat].isin(top)].groupby(month)[[value, prev_col]].sum()
    drawn = data[data["label2"] == other].assign(m=lambda d: pd.to_datetime(d["period"]).dt.strftime("%Y-%m"))
    drawn = drawn.set_index("m")
    assert len(drawn) == len(rest) == raw["as_of"].month
    for m, row in rest.iterrows():
        assert abs(drawn.loc[m, "value"] - row[value]) <= 3, m  # five table values, each rounded
        assert abs(drawn.loc[m, "previous"] - row[prev_col]) <= 3, m
    captions = " ".join(c.value for c in page.caption)
    assert other in captions and all(name in captions for name in set(table[cat]) - set(top))


def test_rate_change_in_points_in_the_tooltip(page, raw):
    """三会一课达标率's change in the chart's tooltip is in 百分点 (ui.numbers), as the table's change column."""
    f = Filters(add_months(raw["as_of"], -5), raw["as_of"])
    table = show(page, f, Question("compliance", ("street",)), "pop")
    _, data = _chart_data(page)
    change = table.set_index(zh("x_by_street"))[zh("x_col_change_pp")].dropna()
    assert len(change) > 0
    drawn = data.set_index("label")["change_text"]
    for name, v in change.items():
        assert drawn[name] == (f"{v:+,.1f}" if v else "0.0") + "个百分点", (name, drawn[name], v)


# ---------------------------------------------------------------- compared before the measure's first record


def test_recorded_from_is_the_later_of_the_data_and_the_first_record():
    """The rule on any dates: a compared period starting before the measure's first recorded month is left out."""
    from data_access.compare import before_records, recorded_from

    first = date(2020, 3, 1)
    assert recorded_from(first, None) == first
    assert recorded_from(first, date(2019, 5, 20)) == first
    assert recorded_from(first, date(2021, 7, 19)) == date(2021, 7, 1)
    f = Filters(date(2022, 1, 1), date(2022, 6, 30))
    yoy = previous_period(f, "yoy", first)
    assert before_records(yoy, date(2021, 7, 19))
    assert not before_records(yoy, date(2021, 1, 31))  # its month: recorded in the compared period's first month
    assert not before_records(None, date(2021, 7, 19)) and not before_records(yoy, None)


def test_first_records_are_the_registers_first_months(engine, raw):
    """Each flow's first record is read from the data (the month of its register's smallest date, the big
    registers' from the monthly summaries), not a constant; the rule compares by month, so a month it is."""
    from data_access.queries.first_records import first_records

    def month(col):
        return col.min().date().replace(day=1)

    with engine.connect() as conn:
        got = first_records(conn)
    assert got["activities"] == got["compliance"] == month(raw["activity"]["held_on"])
    assert got["hours"] == month(raw["service_record"]["started_at"])
    assert got["requests"] == month(raw["service_request"]["ordered_at"])
    assert got["wishes"] == month(raw["micro_wish"]["fulfilled_on"])
    assert got["activities"] > raw["first"]  # the demo's activities begin with the information system


def test_explore_says_why_activities_are_not_compared(page, raw):
    """今年以来 同比 reaches back before the system's first record: activities show no change, and say why."""
    first = _recorded_from(raw, "activities")
    table = show(page, _this_year(raw), Question("activities", ("street",)), "yoy")
    prev_col = zh("x_col_previous").format(mode=zh("cmp_yoy"))
    assert prev_col not in table or table[prev_col].isna().all()
    captions = " ".join(c.value for c in page.caption)
    assert f"系统启用（{first:%Y-%m}" in captions
    _, data = _chart_data(page)
    assert "previous" not in data.columns  # nothing compared: single bars


def test_overview_says_why_activities_are_not_compared(app_env, raw):
    """On the first screen (今年以来, 同比) 党内活动 shows 不作比较 with the system's start, hours a real change."""
    first = _recorded_from(raw, "activities")
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    tiles = {m.label: m for m in at.metric}
    assert tiles[zh("kpi_activities")].delta == zh("cmp_not_compared")
    assert f"{first:%Y-%m}" in tiles[zh("kpi_activities")].help
    assert tiles[zh("kpi_hours")].delta[0] in "+-"
    captions = " ".join(c.value for c in at.caption)
    assert zh("kpi_activities") in captions and f"系统启用（{first:%Y-%m}" in captions
