"""数据说明 Data: where the data came from, what the last import rejected, what each figure means, templates."""

import streamlit as st

from data_access import cached
from data_access.filters import Filters
from seed.importer.spec import ENTITIES
from ui import data_view
from ui.labels import t
from ui.shell import page_setup

ctx = page_setup()
info = cached.dataset_info()
runs = cached.import_runs()

st.markdown(f"#### {t('data_sources')}")
left, right = st.columns([3, 2])
with left:
    data_view.sources(info, runs, cached.table_rows(tuple(e.model.__tablename__ for e in ENTITIES)))
with right:
    st.markdown(f"##### {t('data_runs')}")
    data_view.run_history(runs)
data_view.rejections(runs, cached.last_rejections())
data_view.indicators(cached.kpis(Filters(ctx.first_day, ctx.as_of)), cached.published_figures())
data_view.templates()
