"""组织体系 Organisation: the party organisation tree, drill-down to one org, its party work and members' points."""

import streamlit as st

from data_access import cached
from data_access.prefetch import fetch
from ui import compare, data_quality, prebuilt
from ui.chrome.shell import page_setup
from ui.labels import t
from ui.org import view as org_view
from ui.org.tree import Tree

ctx = page_setup()
f = ctx.filters
district = fetch(  # the scope's tree and the figures no node changes, side by side
    tree=(cached.org_tree, f),
    problems=(cached.org_tree_problems,),
    quarter=(cached.org_points_quarter, f),
    year=(cached.org_points_year, f),
)
tree = prebuilt.memo(Tree.of, district.tree)
node, _ = org_view.state(tree, known=cached.org_node_known)
# the scope's total has a past; the tiles are the data date's, so compared when the range runs to it
before = compare.compared(f, ctx.first_day) if node == tree.root and f.end >= ctx.as_of else None
at = fetch(  # the chosen node's figures (and the scope's totals to compare), side by side
    **({"kpis": (cached.kpis, f), "kpis_before": (cached.kpis, before)} if before else {}),
    kinds=(cached.org_kinds_under, node),
    wishes=(cached.org_wishes_claimed, f, node),
    tasks=(cached.org_open_tasks, node, ctx.as_of),
    employed=(cached.org_employed_members, node),
    composition=(cached.org_member_composition, node, ctx.as_of),
    meetings=(cached.org_meeting_compliance, f, node),
    points_trend=(cached.org_points_trend, f, node),
    histogram=(cached.member_points_histogram, f, node),
    top=(cached.member_points_top, f, node),
)

st.markdown(f"#### {t('org_title')}")
org_view.breadcrumb(tree, node)
change = org_view.total_change(tree, at.kinds, at.kpis, at.kpis_before) if before else None
org_view.kind_tiles(at.kinds, change)
if not at.kinds.empty:
    st.caption(org_view.kinds_caption(f, before if change else None, ctx))
kinds, size, colour = org_view.controls()
org_view.tree_chart(tree, node, kinds, size, colour)
data_quality.org_tree_notes(district.problems)
org_view.issues_panel(tree, node)
org_view.org_table(tree, node, kinds)

st.divider()
org_view.detail_header(tree, node)
wish_counts, recent_wishes = at.wishes
org_view.detail_tiles(tree, node, at.employed, wish_counts, at.tasks, district.quarter)
org_view.composition(at.composition)
org_view.meetings(at.meetings)
trend_col, wish_col, task_col = st.columns([2, 2, 2])
with trend_col:
    org_view.points_trend(at.points_trend)
with wish_col:
    org_view.wishes_list(recent_wishes)
with task_col:
    org_view.tasks_list(at.tasks)

st.divider()
org_view.member_points(district.year, at.histogram, at.top)
st.caption(t("org_intro"))
