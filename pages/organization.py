"""组织体系 Organisation: the party organisation tree, drill-down to one org, its party work and members' points."""

import streamlit as st

from data_access import cached
from data_access.prefetch import prefetch
from ui import data_quality, prebuilt
from ui.labels import t
from ui.org import view as org_view
from ui.org.tree import Tree
from ui.shell import page_setup

ctx = page_setup()
f = ctx.filters
prefetch((cached.org_tree, f), (cached.org_tree_problems,), (cached.org_points_quarter, f), (cached.org_points_year, f))
tree = prebuilt.memo(Tree.of, cached.org_tree(f))
node, _ = org_view.state(tree, known=cached.org_node_known)
prefetch(  # the node's figures, side by side; the calls below find them cached
    (cached.org_kinds_under, node),
    (cached.org_wishes_claimed, f, node),
    (cached.org_open_tasks, node, ctx.as_of),
    (cached.org_employed_members, node),
    (cached.org_member_composition, node, ctx.as_of),
    (cached.org_meeting_compliance, f, node),
    (cached.org_points_trend, f, node),
    (cached.member_points_histogram, f, node),
    (cached.member_points_top, f, node),
)

st.markdown(f"#### {t('org_title')}")
org_view.breadcrumb(tree, node)
org_view.kind_tiles(cached.org_kinds_under(node))
kinds, size, colour = org_view.controls()
org_view.tree_chart(tree, node, kinds, size, colour)
data_quality.org_tree_notes(cached.org_tree_problems())
org_view.issues_panel(tree, node)
org_view.org_table(tree, node, kinds)

st.divider()
org_view.detail_header(tree, node)
wish_counts, recent_wishes = cached.org_wishes_claimed(f, node)
tasks = cached.org_open_tasks(node, ctx.as_of)
org_view.detail_tiles(tree, node, cached.org_employed_members(node), wish_counts, tasks, cached.org_points_quarter(f))
org_view.composition(cached.org_member_composition(node, ctx.as_of))
org_view.meetings(cached.org_meeting_compliance(f, node))
trend_col, wish_col, task_col = st.columns([2, 2, 2])
with trend_col:
    org_view.points_trend(cached.org_points_trend(f, node))
with wish_col:
    org_view.wishes_list(recent_wishes)
with task_col:
    org_view.tasks_list(tasks)

st.divider()
org_view.member_points(
    cached.org_points_year(f), cached.member_points_histogram(f, node), cached.member_points_top(f, node)
)
st.caption(t("org_intro"))
