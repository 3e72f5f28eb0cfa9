"""Streamlit pieces of the organisation page: the selected node (session + URL), breadcrumb, tree, table, detail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd
import streamlit as st

from data_access.guard import names_allowed
from data_access.models import GRASSROOTS_KINDS
from data_access.queries.org import AGE_BANDS, PARTY_YEARS, THREE_MEETINGS
from data_access.rollup_models import POINTS_BAND

from .. import charts, compare, numbers, prebuilt
from ..chrome.export import download_csv
from ..kpi import Tile, fmt_number, tile_row
from ..labels import TEXT, kind_label, t
from ..safe_text import md
from . import charts as org_charts
from . import tree as org_tree
from .tree import NODE_KINDS, Tree

NODE = "_org_node"  # the selected node's code, kept for the session
KINDS = "_org_kinds"  # the kinds shown
URL_READ = "_org_url_read"
ORG_KEY, KIND_KEY = "org", "kind"  # URL parameters of this page
TREE_KEY, TABLE_KEY = "org_tree:", "org_table:"  # + the current node's code: a fresh widget per node
TREE_HEIGHT = 620
EDUCATION_ORDER = ["初中及以下", "高中/中专", "大专", "本科", "研究生"]
REPORT_KINDS = ("town", "street", "park", "scenic", "community", "village", "enterprise")
OTHER_KINDS = ("agency", "institution", "social_org")


def kind_name(kind: str) -> str:
    return kind_label(kind)


def fold_name(kind: str, n: int) -> str:
    return t("fold_name", kind=kind_name(kind), n=n)


def node_name(tree: Tree, code: str) -> str:
    if org_tree.FOLD_SEP in code:
        return fold_name(tree.kind(code), len(tree.kids(code)))
    return str(tree.rows[code]["name"])


# ---------------------------------------------------------------- state and URL


def state(tree: Tree, known: Callable[[str], bool]) -> tuple[str, list[str]]:
    """The selected node and the kinds shown: from the URL on the first visit (bad values dropped with a
    notice), then from the session; a node outside a changed scope falls back to the scope's root."""
    notices: list[str] = []
    if not st.session_state.get(URL_READ):
        st.session_state[URL_READ] = True
        code = st.query_params.get(ORG_KEY)
        if code:
            if tree.has(code):
                st.session_state[NODE] = code
            else:
                notices.append(t("notice_org_outside" if known(code) else "notice_unknown_org", value=code))
        raw = st.query_params.get(KIND_KEY)
        if raw:
            wanted = [k for k in raw.split(",") if k]
            bad = [k for k in wanted if k not in NODE_KINDS]
            notices += [t("notice_unknown_kind", value=k) for k in bad]
            good = [k for k in NODE_KINDS if k in wanted]
            st.session_state[KINDS] = good or list(NODE_KINDS)
    node = st.session_state.get(NODE)
    if not node or not tree.has(node):
        node = tree.root
        st.session_state[NODE] = node
    kinds = st.session_state.get(KINDS) or list(NODE_KINDS)
    st.session_state[KINDS] = kinds
    _sync_url(tree, node, kinds)
    for text in notices:
        st.warning(md(text))
    return node, kinds


def _sync_url(tree: Tree, node: str, kinds: list[str]) -> None:
    want = {}
    if node != tree.root:
        want[ORG_KEY] = node
    if set(kinds) != set(NODE_KINDS):
        want[KIND_KEY] = ",".join(kinds)
    for key in (ORG_KEY, KIND_KEY):
        if key in want:
            if st.query_params.get(key) != want[key]:
                st.query_params[key] = want[key]
        elif key in st.query_params:
            del st.query_params[key]


def go(code: str) -> None:
    st.session_state[NODE] = code


def _drill(tree: Tree, node: str, target: str | None, widget_key: str) -> None:
    """Move to target (when it is a node of this tree and not the current one) and rerun."""
    if not target or target == node or not tree.has(target):
        return
    st.session_state.pop(widget_key, None)
    go(target)
    st.rerun()


def picked(event, param: str, field: str) -> str | None:
    """The value of field in a point selection, from a chart event (or a dict shaped like one)."""
    if not isinstance(event, Mapping):
        return None
    selection = event.get("selection") or {}
    points = selection.get(param) if isinstance(selection, Mapping) else None
    if isinstance(points, list) and points and isinstance(points[0], Mapping):
        value = points[0].get(field)
        return str(value) if value is not None else None
    return None


# ---------------------------------------------------------------- top of the page


def breadcrumb(tree: Tree, node: str) -> None:
    """The path from the scope's root to the node: a button back to each level, the node itself in bold."""
    path = tree.path(node)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for code in path[:-1]:
            st.button(
                ("↑ " if code == path[-2] else "") + md(node_name(tree, code)),
                key=f"org_crumb:{code}",
                on_click=go,
                args=(code,),
                help=t("crumb_help"),
            )
            st.markdown("›")
        st.markdown(f"**{md(node_name(tree, node))}**")


def total_change(tree: Tree, kinds: pd.DataFrame, now: dict, before: dict) -> str | None:
    """The change of the orgs below the scope's root against the compared period ("同比 ▲ 1.2%"): the
    overview's grassroots orgs of the scope (dated spells), less the root itself where it is one of them.
    None when the two counts are not the same orgs (then there is nothing honest to compare)."""
    own = 1 if tree.kind(tree.root) in GRASSROOTS_KINDS else 0
    total = int(kinds["orgs"].sum()) if not kinds.empty else 0
    if now.get("orgs") is None or before.get("orgs") is None or now["orgs"] - own != total:
        return None
    return compare.named_change(total, before["orgs"] - own)


def kinds_caption(f, before, ctx) -> str:
    """What the tiles are counted on: the kinds as of the data date (a dissolved org's kind and parent are not
    on record); with before (the total was compared), the compared period and that the total is compared."""
    if before is None:
        return t("org_kinds_as_of", d=ctx.as_of.isoformat())
    head = compare.period_caption(f, before, ctx.first_day)
    return "　".join((head, t("org_kinds_as_of", d=ctx.as_of.isoformat()), t("org_total_compared")))


def kind_tiles(kinds: pd.DataFrame, change: str | None = None) -> None:
    """The orgs below the node per kind, in the report's categories (others = agencies, institutions, social);
    change: the total's change against the compared period (at the scope's root)."""
    if kinds.empty:  # a building group or a leaf org: nothing below to count
        return
    n = dict(zip(kinds["kind"], kinds["orgs"].astype(int)))
    others = {k: n.get(k, 0) for k in OTHER_KINDS}
    # widths follow the label lengths so that no label is cut at 1920 px
    cols = st.columns([136, 84, 116, 116, 116, 116, 100, 148, 220])
    cols[0].metric(
        t("org_total"),
        fmt_number(sum(n.values())),
        delta=change,
        delta_color="off",
        delta_arrow="off",
        help=t("org_total_help"),
        border=True,
    )
    for col, k in zip(cols[1:], REPORT_KINDS):
        col.metric(t(f"kind_{k}"), fmt_number(n.get(k, 0)), border=True)
    cols[-1].metric(
        t("kind_others"),
        fmt_number(sum(others.values())),
        delta=t("kind_others_sub", a=others["agency"], i=others["institution"], s=others["social_org"]),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )


def _restore(shadow: str, widget: str, default):
    st.session_state[widget] = st.session_state.get(shadow, default)


def _keep(shadow: str, widget: str) -> None:
    st.session_state[shadow] = st.session_state[widget]


def controls() -> tuple[list[str], str, str]:
    """Kind filter, size and colour of the tree (values survive page switches)."""
    left, mid, right = st.columns([3, 1, 2], vertical_alignment="bottom")
    _restore(KINDS, "_w_org_kinds", list(NODE_KINDS))
    left.multiselect(
        t("org_kinds"),
        list(NODE_KINDS),
        key="_w_org_kinds",
        on_change=_keep,
        args=(KINDS, "_w_org_kinds"),
        format_func=kind_name,
        help=t("org_kinds_help"),
        placeholder=t("org_kinds"),
    )
    _restore("_org_size", "org_size", "members")
    mid.segmented_control(
        t("org_size"),
        ["members", "orgs"],
        key="org_size",
        on_change=_keep,
        args=("_org_size", "org_size"),
        format_func=lambda s: t(f"size_{s}"),
    )
    _restore("_org_colour", "org_colour", "kind")
    right.segmented_control(
        t("org_colour"),
        ["kind", "points", "compliance"],
        key="org_colour",
        on_change=_keep,
        args=("_org_colour", "org_colour"),
        format_func=lambda s: t(f"colour_{s}"),
    )
    kinds = st.session_state.get(KINDS) or list(NODE_KINDS)
    return kinds, st.session_state.get("org_size") or "members", st.session_state.get("org_colour") or "kind"


def _issue_text(tree: Tree, codes: str, row: Mapping) -> str:
    """Readable words for a node's reconciliation issues."""
    if not codes:
        return t("check_ok")
    kids = [tree.rows[c] for c in tree.children.get(row["code"], []) if tree.rows[c]["kind"] != "building_group"]
    sums = {
        "members": sum(k["members"] for k in kids),
        "orgs": sum(k["sub_orgs"] + 1 for k in kids),
        "bgs": sum(k["building_groups"] for k in kids),
    }
    words = []
    for code in codes.split(","):
        what, where = code.split("_")
        a = {"members": row["members"], "orgs": row["sub_orgs"], "bgs": row["building_groups"]}[what]
        if where == "children":
            b = {"members": row["own_members"], "orgs": 0, "bgs": row["own_building_groups"]}[what]
            words.append(t(f"issue_{code}", a=fmt_number(a), b=fmt_number(b), c=fmt_number(sums[what])))
        else:
            place = {"members": "place_members", "orgs": "place_orgs", "bgs": "place_building_groups"}[what]
            b = row[place] - (1 if what == "orgs" else 0)
            words.append(t(f"issue_{code}", a=fmt_number(a), b=fmt_number(b)))
    return "；".join(words)


def tree_chart(tree: Tree, node: str, kinds: list[str], size: str, colour: str) -> None:
    """The icicle from the node (or its parent for a leaf); a click drills in, a click on the node goes up."""
    picture = prebuilt.memo(_tree_picture, tree, node, tuple(kinds), size, colour)  # once per tree and view
    if picture is None:
        st.info(t("tree_empty"))
        return
    data, chart = picture
    key = TREE_KEY + node
    event = st.vega_lite_chart(
        prebuilt.arrow(data), chart, on_select="rerun", selection_mode=org_charts.TREE_PARAM, key=key, width="stretch"
    )
    code = picked(event, org_charts.TREE_PARAM, "code")
    if code == node:
        code = tree.parent(node)
    _drill(tree, node, code, key)
    st.caption(t("tree_caption"))


def _tree_picture(tree: Tree, node: str, kinds: tuple[str, ...], size: str, colour: str) -> tuple | None:
    """The icicle's rectangles as the chart reads them, and its spec; None when there is nothing to draw."""
    view = tree.view_root(node)
    selected = node if node != view else None
    rects = org_tree.icicle(tree, view, size, list(kinds), TREE_HEIGHT, fold_name, selected=selected)
    if rects.empty:
        return None
    rects["issue_text"] = [
        _issue_text(tree, i, tree.rows[c]) if c in tree.rows else ("" if not i else i)
        for c, i in zip(rects["code"], rects["issues"])
    ]
    titles = {
        "name": t("col_name"),
        "kind": t("col_kind"),
        "members": t("col_members"),
        "sub_orgs": t("col_sub_orgs"),
        "building_groups": t("col_building_groups"),
        "points": t("col_points_avg"),
        "compliance": t("col_compliance_avg"),
        "check": t("col_check"),
    }
    names = {k: kind_name(k) for k in sorted(set(rects["kind"]))}
    data, shown = org_charts.icicle_frame(rects, colour, names)
    return data, charts.spec(data, org_charts.icicle, colour, TREE_HEIGHT, names, titles, shown)


def issues_panel(tree: Tree, node: str) -> None:
    """Nodes at or below the current one whose totals do not reconcile; shown, never hidden."""
    bad = prebuilt.memo(_issue_rows, tree, node)  # once per tree and node
    if bad.empty:
        return
    with st.expander(t("issues_title", n=len(bad)), expanded=True):
        st.dataframe(prebuilt.arrow(bad), hide_index=True, placeholder=t("na"), width="stretch")


def _issue_rows(tree: Tree, node: str) -> pd.DataFrame:
    """The issues panel's rows, as shown: name, kind and what does not reconcile."""
    rows = [
        {
            t("col_name"): r["name"],
            t("col_kind"): kind_name(r["kind"]),
            t("col_check"): _issue_text(tree, r["issues"], r),
        }
        for r in org_tree.flagged(tree, node).to_dict("records")
    ]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the table


TABLE_COLUMNS = [
    "code",
    "name",
    "kind",
    "parent_name",
    "members",
    "sub_orgs",
    "building_groups",
    "joint",
    "points",
    "rank",
    "peers",
    "compliance",
    "last_branch_meeting",
    "last_committee_meeting",
    "last_group_meeting",
    "last_party_lecture",
    "check",
]


def table_frame(tree: Tree, node: str, kinds: list[str], search: str) -> pd.DataFrame:
    """The rows of the table under node, with readable kinds, flags and checks (untranslated headers)."""
    rows = org_tree.table_rows(tree, node, kinds, search)
    if rows.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    ok = t("check_ok")  # labels looked up once, not once a row
    rows["check"] = [_issue_text(tree, i, r) if i else ok for i, r in zip(rows["issues"], rows.to_dict("records"))]
    kinds_named = {k: kind_name(k) for k in rows["kind"].unique()}
    rows["kind"] = rows["kind"].map(kinds_named)
    yes, no = t("yes"), t("no")
    rows["joint"] = [yes if j else no for j in rows["joint"]]
    rows["compliance"] = rows["compliance"].astype(float) * 100
    for col in ("points", "rank", "peers"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype(float)
    for col in TABLE_COLUMNS:
        if col.startswith("last_"):  # ISO text sorts by date and leaves a blank where there is none
            rows[col] = [d.isoformat() if isinstance(d, date) and not pd.isna(d) else "" for d in rows[col]]
    return rows[TABLE_COLUMNS]


def org_table(tree: Tree, node: str, kinds: list[str]) -> None:
    """Searchable, sortable table of the orgs under the node; a picked row opens that org; CSV download."""
    leaf = not tree.descendants(node)
    st.markdown(f"#### {t('org_table_leaf' if leaf else 'org_table')}")
    search = st.text_input(t("org_search"), key="org_search", placeholder=t("org_search"), label_visibility="collapsed")
    frame = prebuilt.memo(table_frame, tree, node, kinds, search)
    if frame.empty:
        st.info(t("org_table_none"))
        return
    headers = {c: t(f"col_{c}") for c in TABLE_COLUMNS if c != "parent_name"}
    headers["parent_name"] = t("col_parent")
    shown = frame.rename(columns=headers)
    config = {
        headers["members"]: st.column_config.NumberColumn(format=numbers.TABLE_COUNT),
        headers["points"]: st.column_config.NumberColumn(format=numbers.TABLE_DECIMAL),
        headers["compliance"]: st.column_config.NumberColumn(format=numbers.TABLE_PERCENT),
        headers["rank"]: st.column_config.NumberColumn(format="%d"),
        headers["peers"]: st.column_config.NumberColumn(format="%d"),
    }
    key = TABLE_KEY + node
    event = st.dataframe(
        shown,
        hide_index=True,
        placeholder=t("na"),
        width="stretch",
        height=min(420, 38 + 35 * len(shown)),
        column_config=config,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
    )
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(t("org_table_hint", n=fmt_number(len(shown))))
    download_csv(right, shown, f"orgs-{node}.csv", "org_csv", width="stretch")
    rows = (event.get("selection") or {}).get("rows") if isinstance(event, Mapping) else None
    if rows:
        _drill(tree, node, str(frame.iloc[int(rows[0])]["code"]), key)


# ---------------------------------------------------------------- detail of the node


def summary(tree: Tree, node: str) -> dict:
    """The node's own figures from the tree (a fold adds up its orgs)."""
    if node in tree.rows:
        return dict(tree.rows[node])
    rs = [tree.rows[c] for c in tree.kids(node)]
    return {
        "code": node,
        "name": node_name(tree, node),
        "kind": tree.kind(node),
        "members": sum(r["members"] for r in rs),
        "sub_orgs": sum(r["sub_orgs"] for r in rs) + len(rs),
        "building_groups": sum(r["building_groups"] for r in rs),
        "points": float("nan"),
        "points_avg": pd.Series([r["points_avg"] for r in rs], dtype=float).mean(),
        "compliance_avg": pd.Series([r["compliance_avg"] for r in rs], dtype=float).mean(),
        "joint": False,
    }


def detail_header(tree: Tree, node: str) -> None:
    s = summary(tree, node)
    st.markdown(f"#### {t('detail_title', name=md(s['name']))}")
    bits = [kind_name(s["kind"])]
    parent = tree.parent(node)
    if parent:
        bits.append(f"{t('col_parent')}：{md(node_name(tree, parent))}")
    if s.get("joint"):
        bits.append(t("col_joint"))
    st.caption("　·　".join(bits))
    if org_tree.FOLD_SEP in node:
        st.info(t("detail_fold", n=len(tree.kids(node)), kind=kind_name(tree.kind(node))))


def detail_tiles(
    tree: Tree,
    node: str,
    employed: dict[str, int],
    wishes: dict[str, int],
    tasks: pd.DataFrame,
    quarter: date | None,
) -> None:
    s = summary(tree, node)
    is_bg = s["kind"] == "building_group"
    reported = t("sub_reported", n=fmt_number(employed["reported"]))
    if s["kind"] in ("community", "village"):
        reported = t("sub_reported_here", n=fmt_number(employed["reported_here"]))
    q = f"{quarter.year}Q{(quarter.month - 1) // 3 + 1}" if quarter else "—"
    own_points = s.get("points")
    if own_points is not None and not pd.isna(own_points):
        points, points_sub = float(own_points), t("sub_rank", r=int(s["rank"]), n=int(s["peers"]))
    elif s.get("points_avg") is not None and not pd.isna(s.get("points_avg")):
        points, points_sub = numbers.round_half_up(float(s["points_avg"]), 1), t("sub_avg")
    else:
        points, points_sub = None, None
    compliance = s.get("compliance_avg")
    overdue = int((tasks["days_overdue"] > 0).sum()) if not tasks.empty else 0
    tile_row(
        [
            Tile("kpi_members", s["members"], "def_org_members"),
            Tile("kpi_employed", employed["employed"], "def_employed", sub=reported),
            Tile("kpi_sub_orgs", None if is_bg else s["sub_orgs"], "def_sub_orgs"),
            Tile("kpi_building_groups", None if is_bg else s["building_groups"], "def_org_bgs"),
            Tile("kpi_points", points, "def_points", sub=points_sub),
            Tile(
                "kpi_compliance",
                None if compliance is None or pd.isna(compliance) else numbers.percent(compliance),
                "def_compliance",
            ),
            Tile(
                "kpi_wishes_claimed",
                wishes["claimed"],
                "def_wishes_claimed",
                sub=t("sub_fulfilled", n=wishes["fulfilled"]),
            ),
            Tile("kpi_open_tasks", None if is_bg else len(tasks), "def_open_tasks", sub=t("sub_overdue", n=overdue)),
        ]
    )
    st.caption(t("points_quarter", q=q))


def _band(b: str) -> str:
    key = f"band_{b}"
    return t(key) if key in TEXT else b


def composition(frame: pd.DataFrame) -> None:
    st.markdown(f"##### {t('composition')}")
    if frame.empty or frame["members"].sum() == 0:
        st.info(t("no_members"))
        return
    orders = {
        "age": [b for _, b in AGE_BANDS],
        "gender": ["M", "F"],
        "education": EDUCATION_ORDER,
        "party_years": [b for _, b in PARTY_YEARS],
    }
    colours = {"age": "#c62828", "gender": "#6a1b9a", "education": "#1565c0", "party_years": "#2e7d32"}
    for col, (dim, order) in zip(st.columns(4), orders.items()):
        part = frame[frame["dimension"] == dim]
        extra = [b for b in part["band"] if b not in order]
        labels = [_band(b) for b in [*order, *extra]]
        part = part.assign(band=part["band"].map(_band))
        col.markdown(f"**{t(f'dim_{dim}')}**")
        with col:
            charts.show(part, org_charts.ordered_bars, "band", "members", labels, colours[dim])


def meetings(frame: pd.DataFrame) -> None:
    st.markdown(f"##### {t('meetings')}")
    items = {k: t(f"mt_{k}") for k in THREE_MEETINGS if k in set(frame["kind"])}
    statuses = {s: t(f"status_{s}") for s in ("green", "amber", "red", "none")}
    titles = {
        "month": t("col_month"),
        "item": t("col_item"),
        "met": t("col_met"),
        "due": t("col_due_orgs"),
        "share": t("col_share"),
        "status": t("col_check"),
    }
    charts.show(org_charts.meeting_frame(frame, items, statuses), org_charts.meeting_heatmap, items, statuses, titles)
    st.caption(t("meetings_caption"))


def points_trend(frame: pd.DataFrame) -> None:
    st.markdown(f"##### {t('trend_points')}")
    if frame.empty:
        st.info(t("trend_none"))
        return
    series = {s: t(f"series_{s}") for s in ("own", "subtree", "peers")}
    titles = {"points": t("col_points"), "quarter": t("col_quarter"), "series": t("col_series")}
    data, shown = org_charts.points_frame(frame, series)
    charts.show(data, org_charts.points_lines, series, titles, shown)


def wishes_list(frame: pd.DataFrame) -> None:
    st.markdown(f"##### {t('wishes_recent')}")
    if not names_allowed():  # aggregates only: the query layer withheld the claimants
        st.caption(t("auth_names_hidden"))
        return
    if frame.empty:
        st.info(t("wishes_none"))
        return
    cols = {
        "title": "col_wish",
        "claimant": "col_claimant",
        "claimed_on": "col_claimed_on",
        "fulfilled_on": "col_fulfilled_on",
    }
    st.dataframe(
        frame.rename(columns={c: t(k) for c, k in cols.items()}),
        hide_index=True,
        placeholder=t("na"),
        width="stretch",
        height=min(300, 38 + 35 * len(frame)),
    )


def tasks_list(frame: pd.DataFrame) -> None:
    st.markdown(f"##### {t('tasks_open')}")
    if frame.empty:
        st.info(t("tasks_none"))
        return
    shown = frame[["title", "org", "due_on", "days_overdue"]]
    names = {"title": "col_title", "org": "col_org", "due_on": "col_due", "days_overdue": "col_days_overdue"}
    st.dataframe(
        shown.rename(columns={c: t(k) for c, k in names.items()}),
        hide_index=True,
        placeholder=t("na"),
        width="stretch",
        height=min(300, 38 + 35 * len(shown)),
    )


def member_points(year: date | None, hist: pd.DataFrame, top: pd.DataFrame) -> None:
    if year is None or hist.empty:
        st.markdown(f"#### {t('member_points', y='—')}")
        st.info(t("member_points_none"))
        return
    st.markdown(f"#### {t('member_points', y=year.year)}")
    left, right = st.columns([3, 2])
    titles = {"points": t("col_member_points"), "members": t("col_members"), "band": t("col_band")}
    with left:
        st.markdown(f"##### {t('points_hist')}")
        charts.show(org_charts.histogram_frame(hist, POINTS_BAND), org_charts.points_histogram, titles)
    with right:
        if not names_allowed():  # aggregates only: the query layer withheld the list
            st.markdown(f"##### {t('points_top_hidden')}")
            st.caption(t("auth_names_hidden"))
            return
        st.markdown(f"##### {t('points_top', n=len(top))}")
        names = {
            "rank": "col_rank_no",
            "name": "col_member",
            "org": "col_member_org",
            "points": "col_member_points",
        }
        shown = top.rename(columns={c: t(k) for c, k in names.items()})
        points = {t("col_member_points"): st.column_config.NumberColumn(format=numbers.TABLE_DECIMAL)}
        st.dataframe(
            shown,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
            height=38 + 35 * len(top),
            column_config=points,
        )
        download_csv(st, shown, "member-points.csv", "member_points_csv")
    st.caption(t("masked_note"))
