"""自助分析 Explore: any headline measure by up to two breakdowns, compared with last year or the period before."""

import streamlit as st

from ui import compare
from ui.chrome.shell import page_setup
from ui.explore import controls, question, view
from ui.kpi import fmt_number
from ui.labels import t
from ui.safe_text import md

ctx = page_setup()
f = ctx.filters
q, notes = question.current(f, ctx.places)
for note in notes:
    st.warning(md(note))
st.markdown(f"#### {t('x_title')}")
q = controls.controls(q, f, ctx.places)
question.to_url(q, ctx.places)

out, before, comparable = view.answer(q, f, ctx.first_day)
st.caption(view.comparison_note(q, f, before, ctx.first_day, ctx.as_of if ctx.live else None))

rest = view.remainder(q, f, out)
if rest:
    st.caption(t("x_remainder", **{k: fmt_number(v) for k, v in rest.items()}))

if not q.by:
    row = out.iloc[0] if len(out) else None
    st.metric(
        t(f"x_m_{q.measure}"),
        view.shown_value(q.measure, None if row is None else row["value"]),
        border=True,
        **compare.metric_delta(
            None if row is None else row["value"],
            None if row is None else row["previous"],
            comparable,
            rate=q.measure in controls.RATES,  # a change in a rate: in 百分点
        ),
    )
    view.table(q, out, comparable, st)
else:
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        view.draw(q, out, f)
    view.table(q, out, comparable, table_col)
