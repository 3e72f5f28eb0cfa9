"""Organisation queries: the party organisation tree, its roll-ups and one node's party work.

A node is named by a code: an org code (``D``, ``S03``, ``S03C02``, ``E017`` …), a building group code
(``S03C02B04``) or a folded block of one kind of org under a parent (``S03~enterprise``). Subtrees are
walked with a recursive CTE over the adjacency list (org.parent_id), the same SQL on SQLite and
PostgreSQL. Person names leave this module masked (张*明); phone and ID numbers are never selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    true,
)

from .. import models as m
from ..filters import Filters
from ..rollup_models import RuGroupPoints, RuMeeting, RuOrgPoints
from .overview import _day_range, _months, month_of

# 三会一课 and how often each is due: 支部党员大会 and 党课 quarterly, 支委会 and 党小组会 monthly.
THREE_MEETINGS = ("branch_meeting", "committee_meeting", "group_meeting", "party_lecture")
MONTHLY = ("committee_meeting", "group_meeting")
QUARTERLY = ("branch_meeting", "party_lecture")
FOLD_SEP = "~"
# kinds of org that hang off many parents in numbers; the tree chart groups them into blocks first
UNIT_KINDS = ("enterprise", "agency", "institution", "social_org")
# (n, band): a member born (joined) less than n years before the as-of date falls in band; the rest in the last
AGE_BANDS = ((36, "le35"), (46, "36_45"), (56, "46_55"), (66, "56_65"), (None, "ge66"))
PARTY_YEARS = ((5, "lt5"), (10, "5_9"), (20, "10_19"), (30, "20_29"), (None, "ge30"))
GREEN_SHARE, AMBER_SHARE = 0.9, 0.5

o_t, bg_t, mem_t = m.Org.__table__, m.BuildingGroup.__table__, m.Member.__table__
mt_t, op_t, mp_t = RuMeeting.__table__, m.OrgPoints.__table__, m.MemberPoints.__table__


@dataclass(frozen=True)
class NodeRef:
    """What a node code names: an org, a building group, or a fold (orgs of one kind under a parent)."""

    code: str
    type: str  # org / bg / fold
    id: int  # the org, the building group, or the fold's parent org
    kind: str  # org kind; "building_group"; the folded kind
    parent_id: int | None  # parent org (a building group's community/village org)


# ---------------------------------------------------------------- helpers


def quarter_of(col, conn: Connection):
    """'YYYY-Qn' of a date column, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return func.to_char(col, 'YYYY-"Q"Q')
    month = cast(func.strftime("%m", col), Integer)
    return func.strftime("%Y", col, type_=String) + "-Q" + cast((month + 2) // 3, String)


def masked_name(col) -> ColumnElement[str]:
    """张*明 / 张*: the first and last character with the middle hidden, computed in SQL."""
    first = func.substr(col, 1, 1, type_=String)
    last = func.substr(col, func.length(col), 1, type_=String)
    return case((func.length(col) <= 2, first + "*"), else_=first + "*" + last)


def months_in(f: Filters) -> list[str]:
    """'YYYY-MM' of every month the date range touches."""
    return list(pd.period_range(f.start, f.end, freq="M").strftime("%Y-%m"))


def quarters_in(f: Filters) -> list[str]:
    """'YYYY-Qn' of every quarter the date range touches."""
    return [f"{p.year}-Q{p.quarter}" for p in pd.period_range(f.start, f.end, freq="Q")]


def due_per_org(f: Filters) -> int:
    """三会一课 requirement-periods due in the range of an org in the system all along: two monthly and
    two quarterly items."""
    return 2 * len(months_in(f)) + 2 * len(quarters_in(f))


def system_since(conn: Connection) -> pd.DataFrame:
    """(org_id, since): each org's first month in the information system, the month of its first recorded
    activity of any kind. 三会一课 are due from that month on (its quarter included); an org with no record
    is not yet in the system and owes nothing there (the figures say how many orgs they are over)."""
    frame = pd.read_sql_query(
        select(mt_t.c.org_id, func.min(mt_t.c.month).label("since")).group_by(mt_t.c.org_id), conn
    )
    frame["since"] = pd.PeriodIndex(pd.to_datetime(frame["since"]), freq="M")
    return frame


def due_since(since: pd.Series, f: Filters) -> pd.Series:
    """三会一课 requirement-periods due in the range for orgs in the system from `since` (a monthly Period,
    or missing: not in the system, nothing due): each month from since, and each quarter ending at or after it,
    for two monthly and two quarterly items."""
    months = pd.period_range(f.start, f.end, freq="M")
    q_ends = pd.period_range(f.start, f.end, freq="Q").asfreq("M", "end")
    due = [0 if pd.isna(s) else 2 * int((months >= s).sum()) + 2 * int((q_ends >= s).sum()) for s in since]
    return pd.Series(due, index=since.index, dtype=int)


def _quarter_start(d: date) -> date:
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


def points_quarter(conn: Connection, f: Filters) -> date | None:
    """The latest 堡垒积分 quarter inside the date range (org points are quarterly)."""
    stmt = select(func.max(op_t.c.period)).where(op_t.c.period >= _quarter_start(f.start), op_t.c.period <= f.end)
    value = conn.execute(stmt).scalar()
    return pd.Timestamp(value).date() if value is not None else None


def points_year(conn: Connection, f: Filters) -> date | None:
    """The latest 先锋积分 year inside the date range (member points are yearly)."""
    stmt = select(func.max(mp_t.c.period)).where(mp_t.c.period >= date(f.start.year, 1, 1), mp_t.c.period <= f.end)
    value = conn.execute(stmt).scalar()
    return pd.Timestamp(value).date() if value is not None else None


def root_org_id(conn: Connection, f: Filters) -> int:
    """The org at the top of the place scope: the community/village, the street/town, or the district."""
    if f.community_id:
        return f.community_id
    if f.street_id:
        return f.street_id
    return int(conn.execute(select(o_t.c.id).where(o_t.c.parent_id.is_(None)).order_by(o_t.c.id)).scalar())


def root_code(conn: Connection, f: Filters) -> str:
    """The code of the tree's root under the place scope (a building group's own code at that scope)."""
    if f.building_group_id:
        return str(conn.execute(select(bg_t.c.code).where(bg_t.c.id == f.building_group_id)).scalar())
    return str(conn.execute(select(o_t.c.code).where(o_t.c.id == root_org_id(conn, f))).scalar())


def resolve_node(conn: Connection, code: str) -> NodeRef | None:
    """The node a code names, or None when no such org, building group or fold exists."""
    if FOLD_SEP in code:
        parent_code, _, kind = code.partition(FOLD_SEP)
        if kind not in m.GRASSROOTS_KINDS:
            return None
        parent = conn.execute(select(o_t.c.id).where(o_t.c.code == parent_code)).scalar()
        if parent is None:
            return None
        n = conn.execute(
            select(func.count()).select_from(o_t).where(o_t.c.parent_id == parent, o_t.c.kind == kind)
        ).scalar()
        return NodeRef(code, "fold", int(parent), kind, int(parent)) if n else None
    row = conn.execute(select(o_t.c.id, o_t.c.kind, o_t.c.parent_id).where(o_t.c.code == code)).first()
    if row is not None:
        return NodeRef(code, "org", int(row.id), str(row.kind), row.parent_id)
    row = conn.execute(select(bg_t.c.id, bg_t.c.org_id).where(bg_t.c.code == code)).first()
    if row is not None:
        return NodeRef(code, "bg", int(row.id), "building_group", int(row.org_id))
    return None


def subtree(anchor: ColumnElement[bool], name: str = "subtree") -> CTE:
    """Ids of the orgs matching anchor and all their descendants (UNION, so a bad cycle still ends)."""
    sub = select(o_t.c.id).where(anchor).cte(name, recursive=True)
    return sub.union(select(o_t.c.id).where(o_t.c.parent_id == sub.c.id))


def _node_orgs(ref: NodeRef) -> CTE | None:
    """The orgs a node stands for (none for a building group)."""
    if ref.type == "org":
        return subtree(o_t.c.id == ref.id)
    if ref.type == "fold":
        return subtree(and_(o_t.c.parent_id == ref.id, o_t.c.kind == ref.kind))
    return None


def _member_scope(conn: Connection, ref: NodeRef) -> ColumnElement[bool]:
    """Members of the node: of its orgs' subtree, or living in the building group. The subtree's ids are
    read first and passed as a list: PostgreSQL cannot estimate a recursive CTE's size, and took the
    whole table's path (a hash over every member's points) for a subtree of twenty orgs."""
    orgs = _node_orgs(ref)
    if orgs is None:
        return mem_t.c.building_group_id == ref.id
    return mem_t.c.org_id.in_(_org_ids(conn, orgs))


def _org_ids(conn: Connection, orgs: CTE) -> list[int]:
    """The ids a subtree CTE stands for, read once (see _member_scope)."""
    return [int(i) for i in conn.execute(select(orgs.c.id)).scalars()]


def _require(conn: Connection, code: str) -> NodeRef:
    ref = resolve_node(conn, code)
    if ref is None:
        raise ValueError(f"unknown org node {code!r}")
    return ref


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        frame[c] = pd.to_datetime(frame[c]).dt.date
    return frame


# ---------------------------------------------------------------- the tree


TREE_COLUMNS = [
    "code",
    "name",
    "kind",
    "parent",
    "depth",
    "members",
    "own_members",
    "sub_orgs",
    "building_groups",
    "own_building_groups",
    "joint",
    "points",
    "rank",
    "peers",
    "points_avg",
    "compliance",
    "compliance_avg",
    "last_branch_meeting",
    "last_committee_meeting",
    "last_group_meeting",
    "last_party_lecture",
    "place_members",
    "place_orgs",
    "place_building_groups",
    "issues",
]


def _per_org_meetings(conn: Connection, f: Filters):
    """Per org in the range: periods with each 三会一课 item held, and the last date of each."""
    mth, qtr = month_of(mt_t.c.month, conn), quarter_of(mt_t.c.month, conn)
    k = mt_t.c.kind
    cols = [
        func.count(case((k == "committee_meeting", mth)).distinct()).label("cm"),
        func.count(case((k == "group_meeting", mth)).distinct()).label("gm"),
        func.count(case((k == "branch_meeting", qtr)).distinct()).label("bq"),
        func.count(case((k == "party_lecture", qtr)).distinct()).label("lq"),
    ]
    cols += [func.max(case((k == kind, mt_t.c.last_held_on))).label(f"last_{kind}") for kind in THREE_MEETINGS]
    return (
        select(mt_t.c.org_id, *cols)
        .where(_months(mt_t.c.month, f), k.in_(THREE_MEETINGS))
        .group_by(mt_t.c.org_id)
        .subquery("per_org")
    )


@dataclass(frozen=True)
class OrgStock:
    """What the tree needs that no filter changes, read once per cache period (org_stock): every org with
    its own and subtree counts and its place-key counts, the closure (ancestor, descendant) of the
    adjacency list, and every building group with the members living there."""

    orgs: pd.DataFrame
    closure: pd.DataFrame
    groups: pd.DataFrame


def _closure(orgs: pd.DataFrame) -> pd.DataFrame:
    """(anc, id) for every org and each of its ancestors, itself included; a cycle in bad data ends when
    the walk comes back to an org it has seen (the same pairs the recursive CTE's UNION yields)."""
    parent = dict(zip(orgs["id"], orgs["parent_id"]))
    pairs = []
    for oid in orgs["id"]:
        seen, at = set(), oid
        while at is not None and at == at and at not in seen:  # at == at: not NaN
            seen.add(at)
            pairs.append((int(at), int(oid)))
            at = parent.get(at)
    return pd.DataFrame(pairs, columns=["anc", "id"]).astype(int)


def org_stock(conn: Connection) -> OrgStock:
    """Every org and building group with the counts that do not depend on the filters."""
    parent = o_t.alias("parent")
    orgs = pd.read_sql_query(
        select(
            o_t.c.id,
            o_t.c.parent_id,
            o_t.c.code,
            o_t.c.name,
            o_t.c.kind,
            parent.c.code.label("parent"),
            o_t.c.depth,
            o_t.c.is_joint_committee.label("joint"),
        ).select_from(o_t.outerjoin(parent, parent.c.id == o_t.c.parent_id)),
        conn,
    )
    own = pd.read_sql_query(
        select(mem_t.c.org_id.label("id"), func.count().label("own_members")).group_by(mem_t.c.org_id), conn
    )
    own_bg = pd.read_sql_query(
        select(bg_t.c.org_id.label("id"), func.count().label("own_building_groups")).group_by(bg_t.c.org_id), conn
    )
    orgs = orgs.merge(own, on="id", how="left").merge(own_bg, on="id", how="left")
    orgs[["own_members", "own_building_groups"]] = orgs[["own_members", "own_building_groups"]].fillna(0).astype(int)
    closure = _closure(orgs)
    below = closure.merge(orgs[["id", "own_members", "own_building_groups"]], on="id").groupby("anc")
    totals = pd.DataFrame(
        {
            "members": below["own_members"].sum(),
            "sub_orgs": below.size() - 1,
            "building_groups": below["own_building_groups"].sum(),
        }
    )
    orgs = orgs.merge(totals, left_on="id", right_index=True, how="left")
    orgs = _place_counts(conn, orgs)
    residents = (
        select(mem_t.c.building_group_id.label("id"), func.count().label("members"))
        .where(mem_t.c.building_group_id.is_not(None))
        .group_by(mem_t.c.building_group_id)
        .subquery("residents")
    )
    bg_parent = o_t.alias("bg_parent")
    groups = pd.read_sql_query(
        select(
            bg_t.c.id,
            bg_t.c.org_id,
            bg_t.c.code,
            bg_t.c.name,
            bg_parent.c.code.label("parent"),
            (bg_parent.c.depth + 1).label("depth"),
            func.coalesce(residents.c.members, 0).label("members"),
        )
        .select_from(
            bg_t.join(bg_parent, bg_parent.c.id == bg_t.c.org_id).outerjoin(residents, residents.c.id == bg_t.c.id)
        )
        .order_by(bg_t.c.code),
        conn,
    )
    return OrgStock(orgs, closure, groups)


def org_tree(conn: Connection, f: Filters, stock: OrgStock | None = None) -> pd.DataFrame:
    """Every node under the place scope (orgs and building groups) with its roll-ups and reconciliation.

    members/sub_orgs/building_groups are subtree totals walked through the tree; place_* are the same
    figures counted by the place keys the other pages filter on; issues lists where they, or a node and
    the sum over its children, disagree (empty when the data reconciles). The counts come from stock
    (org_stock, read here when not given); only the figures of the date range (三会一课, 堡垒积分) are
    queried here.
    """
    stock = stock if stock is not None else org_stock(conn)
    if f.building_group_id:
        return _building_groups(conn, f, stock.groups[stock.groups["id"] == f.building_group_id], None)
    root = root_org_id(conn, f)
    closure = stock.closure[stock.closure["anc"].isin(stock.closure.loc[stock.closure["anc"] == root, "id"])]
    ids = closure.loc[closure["anc"] == root, "id"]
    nodes = stock.orgs[stock.orgs["id"].isin(ids)].sort_values(["depth", "code"]).drop(columns="parent_id")
    nodes = nodes.reset_index(drop=True)
    nodes.loc[nodes["id"] == root, "parent"] = None

    since = system_since(conn).rename(columns={"org_id": "id"})
    since = nodes.loc[nodes["kind"] != "district", ["id"]].merge(since, on="id", how="left")
    since["due"] = due_since(since["since"], f)
    per_org = pd.read_sql_query(select(_per_org_meetings(conn, f)), conn).rename(columns={"org_id": "id"})
    per_org["met"] = per_org[["cm", "gm", "bq", "lq"]].fillna(0).sum(axis=1)
    per_org = since[["id", "due"]].merge(per_org, on="id", how="left").fillna({"met": 0})
    # held over due from the month each org joined the system; no figure for an org owing nothing in range
    per_org["compliance"] = per_org["met"] / per_org["due"].where(per_org["due"] > 0)
    # over the grassroots orgs at and below each node: all they held over all they owed
    grass = closure.merge(per_org[["id", "met", "due"]], on="id")
    sums = grass.groupby("anc")[["met", "due"]].sum()
    avg = (sums["met"] / sums["due"].where(sums["due"] > 0)).rename("compliance_avg")
    nodes = nodes.merge(avg, left_on="id", right_index=True, how="left")
    nodes = nodes.merge(per_org[["id", "compliance", *[f"last_{k}" for k in THREE_MEETINGS]]], on="id", how="left")
    p_quarter = points_quarter(conn, f)
    if p_quarter is not None:
        peers = o_t.alias("peers")
        ranked = pd.read_sql_query(
            select(
                op_t.c.org_id.label("id"),
                op_t.c.points,
                func.rank().over(partition_by=peers.c.kind, order_by=op_t.c.points.desc()).label("rank"),
                func.count().over(partition_by=peers.c.kind).label("peers"),
            )
            .join(peers, peers.c.id == op_t.c.org_id)
            .where(op_t.c.period == p_quarter),
            conn,
        )
        points_avg = closure.merge(ranked[["id", "points"]], on="id").groupby("anc")["points"].mean()
        nodes = nodes.merge(points_avg.rename("points_avg"), left_on="id", right_index=True, how="left")
        nodes = nodes.merge(ranked, on="id", how="left")
    for col in ("points", "rank", "peers", "points_avg"):
        if col not in nodes:
            nodes[col] = float("nan")
    for col in ("members", "own_members", "sub_orgs", "building_groups", "own_building_groups"):
        nodes[col] = nodes[col].fillna(0).astype(int)
    nodes["compliance"] = nodes["compliance"].astype(float)  # missing: not in the system, or nothing due
    nodes["joint"] = nodes["joint"].astype(bool)
    nodes = _reconcile(nodes)

    groups = _building_groups(conn, f, stock.groups[stock.groups["org_id"].isin(ids)], nodes)
    frame = pd.concat([nodes, groups], ignore_index=True)
    frame = _dates(frame, *[f"last_{k}" for k in THREE_MEETINGS])
    return frame[TREE_COLUMNS]


def _building_groups(conn: Connection, f: Filters, groups: pd.DataFrame, orgs: pd.DataFrame | None) -> pd.DataFrame:
    """Building-group nodes: members living there, their group meetings (党小组会) in the range."""
    mth = month_of(mt_t.c.month, conn)
    meetings = pd.read_sql_query(
        select(
            mt_t.c.building_group_id.label("id"),
            func.count(mth.distinct()).label("gm"),
            func.max(mt_t.c.last_held_on).label("last_group_meeting"),
        )
        .where(mt_t.c.kind == "group_meeting", mt_t.c.building_group_id.is_not(None), _months(mt_t.c.month, f))
        .group_by(mt_t.c.building_group_id),
        conn,
    )
    frame = groups.merge(meetings, on="id", how="left").sort_values("code").reset_index(drop=True)
    frame["kind"] = "building_group"
    frame["gm"] = frame["gm"].fillna(0)
    last = frame["last_group_meeting"].astype(object)
    frame["last_group_meeting"] = last.where(last.notna(), None)
    frame["own_members"] = frame["members"]
    frame["compliance"] = frame.pop("gm") / max(len(months_in(f)), 1)
    frame["compliance_avg"] = frame["compliance"]
    for col in ("sub_orgs", "building_groups", "own_building_groups"):
        frame[col] = 0
    frame["joint"] = False
    frame["issues"] = ""
    if orgs is None:  # the building group is the whole scope: it has no parent in view
        frame["parent"] = None
    return frame.reindex(columns=TREE_COLUMNS)


def _place_counts(conn: Connection, nodes: pd.DataFrame) -> pd.DataFrame:
    """The same totals counted by place keys (street_id/community_id), as the overview and maps count them."""
    out = []
    for key, kinds in (("street_id", ("street", "town")), ("community_id", ("community", "village"))):
        mem_c, org_c, bg_c = mem_t.c[key], o_t.c[key], bg_t.c[key]
        counts = (
            pd.read_sql_query(select(mem_c.label("id"), func.count().label("place_members")).group_by(mem_c), conn)
            .merge(
                pd.read_sql_query(
                    select(org_c.label("id"), func.count().label("place_orgs"))
                    .where(o_t.c.kind != "district")
                    .group_by(org_c),
                    conn,
                ),
                on="id",
                how="outer",
            )
            .merge(
                pd.read_sql_query(
                    select(bg_c.label("id"), func.count().label("place_building_groups")).group_by(bg_c), conn
                ),
                on="id",
                how="outer",
            )
        )
        counts = counts.dropna(subset=["id"]).astype({"id": int})
        ids = nodes.loc[nodes["kind"].isin(kinds), ["id"]]
        out.append(ids.merge(counts, on="id", how="left").fillna(0))
    totals = conn.execute(
        select(
            select(func.count()).select_from(mem_t).scalar_subquery(),
            select(func.count()).select_from(o_t).where(o_t.c.kind != "district").scalar_subquery(),
            select(func.count()).select_from(bg_t).scalar_subquery(),
        )
    ).one()
    top = nodes.loc[nodes["kind"] == "district", ["id"]].assign(
        place_members=totals[0], place_orgs=totals[1] + 1, place_building_groups=totals[2]
    )
    place = pd.concat([*out, top], ignore_index=True)
    nodes = nodes.merge(place, on="id", how="left")
    return nodes


def _reconcile(nodes: pd.DataFrame) -> pd.DataFrame:
    """Flag nodes whose totals disagree with their children's sum or with the place-key counts."""
    kids = (
        nodes.dropna(subset=["parent"])
        .groupby("parent")
        .agg(
            kid_members=("members", "sum"),
            kid_orgs=("sub_orgs", lambda s: int(s.sum()) + len(s)),
            kid_bgs=("building_groups", "sum"),
        )
    )
    n = nodes.merge(kids, left_on="code", right_index=True, how="left")
    n[["kid_members", "kid_orgs", "kid_bgs"]] = n[["kid_members", "kid_orgs", "kid_bgs"]].fillna(0)
    checks = {
        "members_children": n["members"] != n["own_members"] + n["kid_members"],
        "orgs_children": n["sub_orgs"] != n["kid_orgs"],
        "bgs_children": n["building_groups"] != n["own_building_groups"] + n["kid_bgs"],
        "members_place": n["place_members"].notna() & (n["members"] != n["place_members"]),
        "orgs_place": n["place_orgs"].notna() & (n["sub_orgs"] + 1 != n["place_orgs"]),
        "bgs_place": n["place_building_groups"].notna() & (n["building_groups"] != n["place_building_groups"]),
    }
    flags = pd.DataFrame(checks)
    nodes["issues"] = flags.apply(lambda r: ",".join(k for k, bad in r.items() if bad), axis=1)
    return nodes


def kinds_under(conn: Connection, code: str) -> pd.DataFrame:
    """Orgs below a node (not the node itself) per kind (kind, orgs), walked through the tree."""
    ref = _require(conn, code)
    if ref.type == "bg":
        return pd.DataFrame({"kind": pd.Series(dtype=str), "orgs": pd.Series(dtype=int)})
    if ref.type == "fold":
        sub, exclude = subtree(and_(o_t.c.parent_id == ref.id, o_t.c.kind == ref.kind)), None
    else:
        sub, exclude = subtree(o_t.c.id == ref.id), ref.id
    stmt = (
        select(o_t.c.kind, func.count().label("orgs"))
        .where(o_t.c.id.in_(select(sub.c.id)), o_t.c.id != exclude if exclude else true())
        .group_by(o_t.c.kind)
    )
    return pd.read_sql_query(stmt, conn)


# ---------------------------------------------------------------- one node's detail


def member_composition(conn: Connection, code: str, as_of: date) -> pd.DataFrame:
    """Members of a node by age band, gender, education and years since joining (dimension, band, members)."""
    ref = _require(conn, code)
    scope = _member_scope(conn, ref)

    def years_before(years: int) -> date:
        try:
            return as_of.replace(year=as_of.year - years)
        except ValueError:  # 29 February
            return as_of.replace(year=as_of.year - years, day=28)

    def banded(col, bands):
        return case(*[(col > years_before(n), band) for n, band in bands[:-1]], else_=bands[-1][1])

    dims = {
        "age": banded(mem_t.c.birth_date, AGE_BANDS),
        "gender": mem_t.c.gender,
        "education": mem_t.c.education,
        "party_years": banded(mem_t.c.joined_on, PARTY_YEARS),
    }
    frames = []
    for dim, expr in dims.items():
        band = expr.label("band")
        got = pd.read_sql_query(select(band, func.count().label("members")).where(scope).group_by(band), conn)
        frames.append(got.assign(dimension=dim))
    if not frames:
        return pd.DataFrame(columns=["dimension", "band", "members"])
    return pd.concat(frames, ignore_index=True)[["dimension", "band", "members"]]


def employed_members(conn: Connection, code: str) -> dict[str, int]:
    """在职党员 of the node and how many have reported to a community; for a community/village, how many
    members of other orgs reported to it."""
    ref = _require(conn, code)
    scope = _member_scope(conn, ref)
    total, employed, reported = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((mem_t.c.is_employed, 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((and_(mem_t.c.is_employed, mem_t.c.reported_community_id.is_not(None)), 1), else_=0)), 0
            ),
        ).where(scope)
    ).one()
    out = {"members": int(total), "employed": int(employed), "reported": int(reported), "reported_here": 0}
    if ref.type == "org" and ref.kind in ("community", "village"):
        out["reported_here"] = int(
            conn.execute(select(func.count()).where(mem_t.c.reported_community_id == ref.id)).scalar() or 0
        )
    return out


def meeting_compliance(conn: Connection, f: Filters, code: str) -> pd.DataFrame:
    """三会一课 per month in the range: for each item, orgs that held it in that period out of orgs due.

    Monthly items are judged by month, quarterly ones by quarter (each month shows its quarter). An org is
    due from the month it joined the information system (system_since); a building group when its
    community/village org is. status is green (>= 90 % of orgs), amber (>= 50 %, or the period runs past the
    range's end), red, or none (no org due: before the system reached the node).
    """
    ref = _require(conn, code)
    mth, qtr = month_of(mt_t.c.month, conn), quarter_of(mt_t.c.month, conn)
    since = system_since(conn)
    if ref.type == "bg":
        kinds = ("group_meeting",)
        who, scope = mt_t.c.building_group_id, mt_t.c.building_group_id == ref.id
        joined = since.loc[since["org_id"] == ref.parent_id, "since"]
    else:
        orgs = _node_orgs(ref)
        kinds = THREE_MEETINGS
        ids = conn.execute(select(o_t.c.id).where(o_t.c.id.in_(select(orgs.c.id)), o_t.c.kind != "district"))
        joined = since.loc[since["org_id"].isin(ids.scalars().all()), "since"]
        who, scope = mt_t.c.org_id, mt_t.c.org_id.in_(select(orgs.c.id))
    held = []
    for kind in kinds:
        period = (mth if kind in MONTHLY else qtr).label("period")
        got = pd.read_sql_query(
            select(period, func.count(who.distinct()).label("met"))
            .where(scope, mt_t.c.kind == kind, _months(mt_t.c.month, f))
            .group_by(period),
            conn,
        )
        held.append(got.assign(kind=kind))
    held_all = pd.concat(held, ignore_index=True) if held else pd.DataFrame(columns=["period", "met", "kind"])
    months = pd.DataFrame({"month": months_in(f)})
    months["quarter"] = [f"{p.year}-Q{p.quarter}" for p in pd.PeriodIndex(months["month"], freq="M")]
    rows = []
    for kind in kinds:
        grid = months.assign(kind=kind, period=months["month"] if kind in MONTHLY else months["quarter"])
        rows.append(grid)
    frame = pd.concat(rows, ignore_index=True).merge(held_all, on=["kind", "period"], how="left")
    frame["met"] = frame["met"].fillna(0).astype(int)
    period_end = [
        (pd.Period(p, freq="M") if k in MONTHLY else pd.Period(q, freq="Q").asfreq("M", "end"))
        for p, q, k in zip(frame["month"], frame["quarter"], frame["kind"])
    ]
    joined = list(joined.dropna())
    frame["due"] = [sum(1 for s in joined if s <= e) for e in period_end]
    frame["share"] = frame["met"] / frame["due"].where(frame["due"] > 0)
    frame["open"] = [e.end_time.date() > f.end for e in period_end]
    frame["status"] = [
        "none" if d == 0 else "green" if s >= GREEN_SHARE else "amber" if (s >= AMBER_SHARE or op) else "red"
        for s, d, op in zip(frame["share"].fillna(0), frame["due"], frame["open"])
    ]
    frame["month"] = pd.to_datetime(frame["month"] + "-01")
    return frame[["month", "quarter", "kind", "met", "due", "share", "status"]]


def points_trend(conn: Connection, f: Filters, code: str) -> pd.DataFrame:
    """堡垒积分 per quarter in the range (period, series, points): the org's own, the average over its
    subtree when it has one, and the average of its peers of the same kind across the district."""
    ref = _require(conn, code)
    window = and_(op_t.c.period >= _quarter_start(f.start), op_t.c.period <= f.end)
    frames = []
    if ref.type == "bg":
        return pd.DataFrame(columns=["period", "series", "points"])
    if ref.type == "org":
        frames.append(
            pd.read_sql_query(select(op_t.c.period, op_t.c.points).where(op_t.c.org_id == ref.id, window), conn).assign(
                series="own"
            )
        )
        peers = select(o_t.c.id).where(o_t.c.kind == ref.kind)
        frames.append(
            pd.read_sql_query(
                select(op_t.c.period, func.avg(op_t.c.points).label("points"))
                .where(op_t.c.org_id.in_(peers), window)
                .group_by(op_t.c.period),
                conn,
            ).assign(series="peers")
        )
    orgs = _node_orgs(ref)
    n_sub = conn.execute(select(func.count()).select_from(orgs)).scalar() or 0
    if ref.type == "fold" or n_sub > 1:
        frames.append(
            pd.read_sql_query(
                select(op_t.c.period, func.avg(op_t.c.points).label("points"))
                .where(op_t.c.org_id.in_(select(orgs.c.id)), window)
                .group_by(op_t.c.period),
                conn,
            ).assign(series="subtree")
        )
    frame = pd.concat(frames, ignore_index=True)[["period", "series", "points"]]
    frame["period"] = pd.to_datetime(frame["period"])
    return frame.sort_values(["series", "period"], ignore_index=True)


def wishes_claimed(conn: Connection, f: Filters, code: str, limit: int = 50) -> tuple[dict[str, int], pd.DataFrame]:
    """Micro-wishes claimed in the range by the node's members: counts, and the latest ones posted inside the
    filter's place (claimant masked)."""
    ref = _require(conn, code)
    w = m.MicroWish.__table__
    scope = _member_scope(conn, ref)
    base = (
        select(w.c.id)
        .select_from(w.join(mem_t, mem_t.c.id == w.c.claimed_by))
        .where(scope, _day_range(w.c.claimed_on, f))
    )
    ids = base.subquery("claimed")
    claimed, fulfilled = conn.execute(
        select(func.count(), func.count(w.c.fulfilled_on)).select_from(w).where(w.c.id.in_(select(ids.c.id)))
    ).one()
    # the list names residents' needs and members: only wishes posted inside the filter's place (members
    # often claim wishes elsewhere; those are counted above but not listed), each with its place for the
    # guard's check (scope.RECORD_PLACE)
    posted_here = [
        col == value
        for col, value in (
            (w.c.street_id, f.street_id),
            (w.c.community_id, f.community_id),
            (w.c.building_group_id, f.building_group_id),
        )
        if value is not None
    ]
    recent = pd.read_sql_query(  # joined directly (not through ids): the planner then sorts only the scope's
        select(
            w.c.title,
            masked_name(mem_t.c.name).label("claimant"),
            w.c.claimed_on,
            w.c.fulfilled_on,
            w.c.street_id.label("record_street_id"),
            w.c.community_id.label("record_community_id"),
        )
        .select_from(w.join(mem_t, mem_t.c.id == w.c.claimed_by))
        .where(scope, _day_range(w.c.claimed_on, f), *posted_here)
        .order_by(w.c.claimed_on.desc(), w.c.id.desc())
        .limit(limit),
        conn,
    )
    return {"claimed": int(claimed), "fulfilled": int(fulfilled)}, _dates(recent, "claimed_on", "fulfilled_on")


def open_tasks(conn: Connection, code: str, as_of: date) -> pd.DataFrame:
    """Supervision tasks of the node's orgs not completed on the as-of date, overdue ones first."""
    ref = _require(conn, code)
    t = m.SupervisionTask.__table__
    orgs = _node_orgs(ref)
    if orgs is None:
        return pd.DataFrame(columns=["code", "title", "aspect", "org", "due_on", "days_overdue"])
    stmt = (
        select(t.c.code, t.c.title, t.c.aspect, o_t.c.name.label("org"), t.c.due_on)
        .join(o_t, o_t.c.id == t.c.org_id)
        .where(
            t.c.org_id.in_(select(orgs.c.id)),
            t.c.assigned_on <= as_of,
            or_(t.c.completed_on.is_(None), t.c.completed_on > as_of),
        )
        .order_by(t.c.due_on, t.c.code)
    )
    frame = _dates(pd.read_sql_query(stmt, conn), "due_on")
    frame["days_overdue"] = [max((as_of - d).days, 0) for d in frame["due_on"]]
    return frame


# ---------------------------------------------------------------- members' points (先锋积分)


def member_points_histogram(conn: Connection, f: Filters, code: str) -> pd.DataFrame:
    """Members of the node per band of POINTS_BAND 先锋积分 in the range's latest year (band_start,
    members), from the member-points rollups: the node's organisations, or the building group's residents."""
    ref = _require(conn, code)
    year = points_year(conn, f)
    if year is None:
        return pd.DataFrame({"band_start": pd.Series(dtype=int), "members": pd.Series(dtype=int)})
    orgs = _node_orgs(ref)
    if orgs is None:
        t, scope = RuGroupPoints.__table__, RuGroupPoints.__table__.c.building_group_id == ref.id
    else:
        t = RuOrgPoints.__table__
        scope = t.c.org_id.in_(_org_ids(conn, orgs))
    stmt = (
        select(t.c.band_start, func.sum(t.c.members).label("members"))
        .where(scope, t.c.period == year)
        .group_by(t.c.band_start)
        .order_by(t.c.band_start)
    )
    return pd.read_sql_query(stmt, conn).astype({"band_start": int, "members": int})


def member_points_top(conn: Connection, f: Filters, code: str, limit: int = 10) -> pd.DataFrame:
    """The node's members with the most 先锋积分 in the range's latest year; names masked in SQL."""
    ref = _require(conn, code)
    year = points_year(conn, f)
    cols = ["rank", "name", "org", "points"]
    if year is None:
        return pd.DataFrame(columns=cols)
    stmt = (
        select(masked_name(mem_t.c.name).label("name"), o_t.c.name.label("org"), mp_t.c.points)
        .select_from(mp_t.join(mem_t, mem_t.c.id == mp_t.c.member_id).join(o_t, o_t.c.id == mem_t.c.org_id))
        .where(_member_scope(conn, ref), mp_t.c.period == year)
        .order_by(mp_t.c.points.desc(), mem_t.c.id)
        .limit(limit)
    )
    frame = pd.read_sql_query(stmt, conn)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame[cols]
