"""Organisation queries: tree roll-ups, reconciliation, party work and members' points, against independent SQL."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text

from data_access.db import write_engine
from data_access.filters import Filters
from data_access.queries import org as oq
from data_access.queries import overview as q

SUBTREE = """WITH RECURSIVE t(id) AS (
    SELECT id FROM org WHERE code = :c
    UNION ALL SELECT o.id FROM org o JOIN t ON o.parent_id = t.id)"""


@pytest.fixture()
def conn(engine):
    with engine.connect() as c:
        yield c


@pytest.fixture()
def window(conn) -> Filters:
    return Filters(*q.date_bounds(q.dataset_info(conn)))


def _one(conn, sql, **params):
    return conn.execute(text(sql), params).scalar() or 0


def _mask(name: str) -> str:
    return name[0] + "*" if len(name) <= 2 else name[0] + "*" + name[-1]


def test_district_tree_holds_every_org_and_building_group(conn, window):
    tree = oq.org_tree(conn, window)
    assert len(tree) == _one(conn, "SELECT count(*) FROM org") + _one(conn, "SELECT count(*) FROM building_group")
    assert len(tree) == 1 + 631 + 838  # the scale-1 demo: structure does not scale
    root = tree[tree["parent"].isna()].iloc[0]
    assert root["code"] == "D"
    assert (root["members"], root["sub_orgs"], root["building_groups"]) == (25_218, 631, 838)
    assert tree["code"].is_unique and (tree["issues"] == "").all()


def test_kinds_under_the_district_are_the_reports_counts(conn):
    got = oq.kinds_under(conn, "D").set_index("kind")["orgs"].to_dict()
    rows = conn.execute(text("SELECT kind, count(*) FROM org WHERE kind <> 'district' GROUP BY kind")).all()
    assert got == {k: n for k, n in rows}
    assert sum(got.values()) == 631
    assert (got["town"], got["street"], got["park"], got["scenic"]) == (1, 16, 3, 1)
    assert (got["community"], got["village"], got["enterprise"]) == (115, 51, 248)
    assert got["agency"] + got["institution"] + got["social_org"] == 196


@pytest.mark.parametrize("code", ["D", "S03", "S17", "S03C02", "P01", "E001"])
def test_subtree_totals_match_an_independent_walk(conn, window, code):
    row = oq.org_tree(conn, window).set_index("code").loc[code]
    assert row["members"] == _one(
        conn, SUBTREE + " SELECT count(*) FROM member WHERE org_id IN (SELECT id FROM t)", c=code
    )
    assert row["sub_orgs"] == _one(conn, SUBTREE + " SELECT count(*) - 1 FROM t", c=code)
    assert row["building_groups"] == _one(
        conn, SUBTREE + " SELECT count(*) FROM building_group WHERE org_id IN (SELECT id FROM t)", c=code
    )
    assert row["own_members"] == _one(
        conn, "SELECT count(*) FROM member m JOIN org o ON o.id = m.org_id WHERE o.code = :c", c=code
    )


def test_street_scope_roots_the_tree_at_the_street(conn, window):
    sid = _one(conn, "SELECT id FROM org WHERE code = 'S05'")
    tree = oq.org_tree(conn, Filters(window.start, window.end, street_id=sid))
    assert tree[tree["parent"].isna()]["code"].tolist() == ["S05"]
    n_orgs = _one(conn, SUBTREE + " SELECT count(*) FROM t", c="S05")
    n_groups = _one(conn, "SELECT count(*) FROM building_group WHERE street_id = :s", s=sid)
    assert len(tree) == n_orgs + n_groups
    assert oq.root_code(conn, Filters(window.start, window.end, street_id=sid)) == "S05"


def test_building_group_scope_is_one_node(conn, window):
    bg, comm, street, code = conn.execute(
        text("SELECT id, community_id, street_id, code FROM building_group ORDER BY id LIMIT 1")
    ).one()
    f = Filters(window.start, window.end, street_id=street, community_id=comm, building_group_id=bg)
    tree = oq.org_tree(conn, f)
    assert tree["code"].tolist() == [code] and tree["parent"].isna().all()
    assert tree["members"].iloc[0] == _one(conn, "SELECT count(*) FROM member WHERE building_group_id = :g", g=bg)


def test_points_are_the_latest_quarter_and_rank_among_the_same_kind(conn, window):
    tree = oq.org_tree(conn, window).set_index("code")
    quarter = oq.points_quarter(conn, window)
    assert (
        quarter
        == pd.Timestamp(
            conn.execute(text("SELECT max(period) FROM org_points WHERE period <= :e"), {"e": window.end}).scalar()
        ).date()
    )
    for code in ("S03C02", "E010", "A05"):
        points = conn.execute(
            text("SELECT p.points FROM org_points p JOIN org o ON o.id = p.org_id WHERE o.code = :c AND p.period = :q"),
            {"c": code, "q": quarter},
        ).scalar()
        better = _one(
            conn,
            """SELECT count(*) FROM org_points p JOIN org o ON o.id = p.org_id
               WHERE p.period = :q AND p.points > :p AND o.kind = (SELECT kind FROM org WHERE code = :c)""",
            q=quarter,
            p=points,
            c=code,
        )
        peers = _one(conn, "SELECT count(*) FROM org WHERE kind = (SELECT kind FROM org WHERE code = :c)", c=code)
        assert tree.loc[code, "points"] == pytest.approx(points)
        assert (tree.loc[code, "rank"], tree.loc[code, "peers"]) == (better + 1, peers)


def _meetings(conn, code: str, f: Filters) -> pd.DataFrame:
    rows = conn.execute(
        text(
            SUBTREE
            + """ SELECT a.org_id, a.kind, a.held_on FROM activity a WHERE a.org_id IN (SELECT id FROM t)
                  AND a.held_on BETWEEN :a AND :b
                  AND a.kind IN ('branch_meeting', 'committee_meeting', 'group_meeting', 'party_lecture')"""
        ),
        {"c": code, "a": f.start, "b": f.end},
    ).all()
    frame = pd.DataFrame(rows, columns=["org_id", "kind", "held_on"])
    day = pd.to_datetime(frame["held_on"])
    frame["period"] = [
        f"{d.year}-{d.month:02d}"
        if k in ("committee_meeting", "group_meeting")
        else f"{d.year}-Q{(d.month - 1) // 3 + 1}"
        for d, k in zip(day, frame["kind"])
    ]
    return frame


def test_compliance_counts_distinct_periods_at_the_required_frequency(conn, window):
    busiest = conn.execute(
        text(
            """SELECT o.code FROM activity a JOIN org o ON o.id = a.org_id
               WHERE a.kind IN ('branch_meeting', 'committee_meeting', 'group_meeting', 'party_lecture')
               GROUP BY o.code ORDER BY count(*) DESC, o.code LIMIT 1"""
        )
    ).scalar()
    held = _meetings(conn, busiest, window)
    held = held[held["org_id"] == held["org_id"].iloc[0]]
    met = held.drop_duplicates(["kind", "period"]).shape[0]
    # due from the month of the org's first recorded activity of any kind (when it joined the system)
    first = pd.Period(
        _one(conn, "SELECT min(held_on) FROM activity WHERE org_id = :o", o=int(held["org_id"].iloc[0])), "M"
    )
    months = pd.period_range(window.start, window.end, freq="M")
    quarters = pd.period_range(window.start, window.end, freq="Q")
    due = 2 * int((months >= first).sum()) + 2 * sum(1 for q in quarters if q.asfreq("M", "end") >= first)
    assert oq.due_per_org(window) == 2 * len(months) + 2 * len(quarters) > due > 0
    tree = oq.org_tree(conn, window).set_index("code")
    assert tree.loc[busiest, "compliance"] == pytest.approx(met / due)
    for kind in oq.THREE_MEETINGS:
        days = held.loc[held["kind"] == kind, "held_on"]
        last = tree.loc[busiest, f"last_{kind}"]
        if days.empty:
            assert pd.isna(last)
        else:
            assert last == pd.Timestamp(max(days)).date()


def test_monthly_compliance_of_a_street(conn, window):
    f = Filters(date(2015, 10, 1), date(2017, 9, 30))
    got = oq.meeting_compliance(conn, f, "S03")
    held = _meetings(conn, "S03", f)
    # the orgs of the subtree, each due from the month of its first recorded activity (when it joined)
    firsts = [
        pd.Period(d, "M")
        for (d,) in conn.execute(
            text(
                SUBTREE
                + " SELECT min(a.held_on) FROM activity a WHERE a.org_id IN (SELECT id FROM t) GROUP BY a.org_id"
            ),
            {"c": "S03"},
        )
    ]
    assert len(got) == 4 * 24
    met = held.groupby(["kind", "period"])["org_id"].nunique().to_dict()
    statuses = set()
    for r in got.itertuples():
        monthly = r.kind in oq.MONTHLY
        period = r.month.strftime("%Y-%m") if monthly else r.quarter
        end = pd.Period(r.month, "M") if monthly else pd.Period(r.quarter.replace("-", ""), "Q").asfreq("M", "end")
        due = sum(1 for s in firsts if s <= end)
        assert (r.met, r.due) == (met.get((r.kind, period), 0), due), (r.kind, period)
        share = r.met / due if due else None
        want = "none" if not due else "green" if share >= 0.9 else "amber" if share >= 0.5 else "red"
        assert r.status == want, (r.kind, period)
        statuses.add(r.status)
    assert "none" in statuses and "green" in statuses  # months before the system reached the street, and after


def test_building_group_meetings_are_its_group_meetings(conn, window):
    code, bg = conn.execute(
        text(
            """SELECT b.code, b.id FROM building_group b JOIN activity a ON a.building_group_id = b.id
               GROUP BY b.code, b.id ORDER BY count(*) DESC, b.code LIMIT 1"""
        )
    ).one()
    got = oq.meeting_compliance(conn, window, code)
    # due monthly from the month its community/village org joined the system (its first recorded activity)
    joined = _one(
        conn,
        "SELECT min(a.held_on) FROM activity a JOIN building_group b ON b.org_id = a.org_id WHERE b.id = :g",
        g=bg,
    )
    joined = pd.Timestamp(pd.Period(joined, "M").start_time)
    assert set(got["kind"]) == {"group_meeting"}
    assert (got["due"] == (got["month"] >= joined).astype(int)).all() and got["due"].sum() > 0
    assert (got.loc[got["due"] == 0, "status"] == "none").all()
    days = [
        pd.Timestamp(d)
        for (d,) in conn.execute(
            text("SELECT held_on FROM activity WHERE building_group_id = :g AND kind = 'group_meeting'"), {"g": bg}
        )
    ]
    assert set(got.loc[got["met"] == 1, "month"].dt.strftime("%Y-%m")) == {d.strftime("%Y-%m") for d in days}


def test_data_that_disagrees_is_flagged(db_url, window):
    """Move one member to another street and detach one enterprise: the affected nodes are flagged."""
    engine = write_engine(db_url)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                s03, s05 = (_one(conn, "SELECT id FROM org WHERE code = :c", c=c) for c in ("S03", "S05"))
                member = _one(conn, "SELECT min(id) FROM member WHERE street_id = :s", s=s03)
                conn.execute(text("UPDATE member SET street_id = :s WHERE id = :m"), {"s": s05, "m": member})
                conn.execute(text("UPDATE org SET parent_id = NULL WHERE code = 'E100'"))
                tree = oq.org_tree(conn, window).set_index("code")
            finally:
                trans.rollback()
    finally:
        engine.dispose()
    flagged = tree.loc[tree["issues"] != "", "issues"].to_dict()
    assert "members_place" in flagged["S03"] and "members_place" in flagged["S05"]
    assert "orgs_place" in flagged["D"] and "members_place" in flagged["D"]
    assert "E100" not in tree.index  # detached from the tree, so the district's totals fall short
    assert set(flagged) - {"S03", "S05", "D"} <= {
        c for c in tree.index if tree.loc[c, "kind"] in ("street", "town")
    }  # E100's street counts it by place key but no longer by tree


def test_member_composition_adds_up_and_bands_by_date(conn, window):
    as_of = window.end
    got = oq.member_composition(conn, "S03", as_of)
    total = _one(conn, SUBTREE + " SELECT count(*) FROM member WHERE org_id IN (SELECT id FROM t)", c="S03")
    assert (got.groupby("dimension")["members"].sum() == total).all()
    young = _one(
        conn,
        SUBTREE + " SELECT count(*) FROM member WHERE org_id IN (SELECT id FROM t) AND birth_date > :d",
        c="S03",
        d=date(as_of.year - 36, as_of.month, as_of.day),
    )
    assert got.set_index(["dimension", "band"]).loc[("age", "le35"), "members"] == young
    women = _one(
        conn, SUBTREE + " SELECT count(*) FROM member WHERE org_id IN (SELECT id FROM t) AND gender = 'F'", c="S03"
    )
    assert got.set_index(["dimension", "band"]).loc[("gender", "F"), "members"] == women


def test_employed_members_and_reports_to_a_community(conn):
    comm = _one(conn, "SELECT id FROM org WHERE code = 'S03C02'")
    got = oq.employed_members(conn, "S03C02")
    assert got["reported_here"] == _one(conn, "SELECT count(*) FROM member WHERE reported_community_id = :c", c=comm)
    street = oq.employed_members(conn, "S03")
    assert street["employed"] == _one(
        conn, SUBTREE + " SELECT count(*) FROM member WHERE org_id IN (SELECT id FROM t) AND is_employed", c="S03"
    )


def test_member_points_top_list_is_masked(conn, window):
    year = oq.points_year(conn, window)
    assert year == date(window.end.year, 1, 1)
    got = oq.member_points_top(conn, window, "S03C02")
    want = conn.execute(
        text(
            SUBTREE
            + """ SELECT m.name, p.points FROM member_points p JOIN member m ON m.id = p.member_id
                  WHERE m.org_id IN (SELECT id FROM t) AND p.period = :y ORDER BY p.points DESC, m.id LIMIT 10"""
        ),
        {"c": "S03C02", "y": year},
    ).all()
    assert got["name"].tolist() == [_mask(n) for n, _ in want]
    assert got["points"].tolist() == pytest.approx([p for _, p in want])
    assert not set(got["name"]) & {n for n, _ in want if len(n) > 1}
    assert all(re.fullmatch(r".\*.?", n) for n in got["name"])
    assert not {"phone", "id_number"} & set(got.columns)


def test_member_points_histogram_covers_every_member(conn, window):
    year = oq.points_year(conn, window)
    got = oq.member_points_histogram(conn, window, "D")
    assert got["members"].sum() == _one(conn, "SELECT count(*) FROM member_points WHERE period = :y", y=year)
    band = _one(conn, "SELECT count(*) FROM member_points WHERE period = :y AND points >= 30 AND points < 40", y=year)
    assert got.set_index("band_start").loc[30, "members"] == band


def test_open_tasks_and_claimed_wishes(conn, window):
    as_of = window.end
    tasks = oq.open_tasks(conn, "S03", as_of)
    want = _one(
        conn,
        """SELECT count(*) FROM supervision_task t JOIN org o ON o.id = t.org_id WHERE o.code = 'S03'
           AND t.assigned_on <= :d AND (t.completed_on IS NULL OR t.completed_on > :d)""",
        d=as_of,
    )
    assert len(tasks) == want > 0
    counts, recent = oq.wishes_claimed(conn, window, "S03")
    claimed = _one(
        conn,
        SUBTREE
        + """ SELECT count(*) FROM micro_wish w JOIN member m ON m.id = w.claimed_by
                      WHERE m.org_id IN (SELECT id FROM t) AND w.claimed_on BETWEEN :a AND :b""",
        c="S03",
        a=window.start,
        b=window.end,
    )
    assert counts["claimed"] == claimed and len(recent) == min(claimed, 50)
    assert all(re.fullmatch(r".\*.?", n) for n in recent["claimant"])


def test_points_trend_series(conn, window):
    got = oq.points_trend(conn, window, "S03")
    assert set(got["series"]) == {"own", "peers", "subtree"}
    quarters = len(pd.period_range(window.start, window.end, freq="Q"))
    assert (got.groupby("series").size() == quarters).all()
    assert oq.points_trend(conn, window, "E001")["series"].unique().tolist() in (["own", "peers"], ["peers", "own"])


@pytest.mark.parametrize(
    ("code", "kind"),
    [("D", "org"), ("S03C02", "org"), ("S03C02B01", "bg"), ("S03~enterprise", "fold"), ("S01~community", "fold")],
)
def test_resolve_node(conn, code, kind):
    assert oq.resolve_node(conn, code).type == kind


@pytest.mark.parametrize(
    "code", ["S99", "S03~bogus", "S03~district", "S03C02B01~community", "x'; DROP TABLE org;--", ""]
)
def test_resolve_node_rejects_what_does_not_exist(conn, code):
    assert oq.resolve_node(conn, code) is None


def test_fold_node_stands_for_its_orgs(conn, window):
    kinds = oq.kinds_under(conn, "S03~enterprise")
    n = _one(
        conn,
        "SELECT count(*) FROM org WHERE kind = 'enterprise' AND parent_id = (SELECT id FROM org WHERE code = 'S03')",
    )
    assert kinds.set_index("kind")["orgs"].to_dict() == {"enterprise": n}
    comp = oq.member_composition(conn, "S03~enterprise", window.end)
    members = _one(
        conn,
        """SELECT count(*) FROM member m JOIN org o ON o.id = m.org_id
           WHERE o.kind = 'enterprise' AND o.parent_id = (SELECT id FROM org WHERE code = 'S03')""",
    )
    assert comp.groupby("dimension")["members"].sum().eq(members).all()


def test_no_person_identifiers_in_any_frame(conn, window):
    """Names come out masked; phone and ID numbers never come out at all."""
    phones_ids = {
        v
        for row in conn.execute(
            text(SUBTREE + " SELECT phone, id_number FROM member WHERE org_id IN (SELECT id FROM t)"), {"c": "S03"}
        )
        for v in row
    }
    names = {n for (n,) in conn.execute(text("SELECT name FROM member")) if len(n) > 1}
    frames = [
        oq.org_tree(conn, window),
        oq.member_points_top(conn, window, "S03"),
        oq.wishes_claimed(conn, window, "S03")[1],
        oq.open_tasks(conn, "S03", window.end),
        oq.member_composition(conn, "S03", window.end),
    ]
    cells = defaultdict(set)
    for frame in frames:
        for col in frame.columns:
            cells[col] |= {str(v) for v in frame[col].dropna()}
    values = set().union(*cells.values())
    assert not values & phones_ids
    assert not (cells["claimant"] | cells["name"]) & names
