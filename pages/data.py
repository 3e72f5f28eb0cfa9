"""数据说明 Data: where the data came from, what the last import rejected, what each figure means, templates."""

import streamlit as st

from data_access import cached
from data_access.dataset_format.spec import ENTITIES
from data_access.filters import Filters
from data_access.guard import full_view, names_allowed
from ui.chrome.shell import page_setup
from ui.data import imports as data_imports
from ui.data import view as data_view
from ui.labels import t

ctx = page_setup()
info = cached.dataset_info()
if full_view():
    runs = cached.import_runs()
    st.markdown(f"#### {t('data_sources')}")
    left, right = st.columns([3, 2])
    with left:
        data_imports.sources(info, runs, cached.table_rows(tuple(e.model.__tablename__ for e in ENTITIES)))
    with right:
        data_imports.changed(runs)
    st.markdown(f"##### {t('data_runs')}")
    data_imports.run_history(runs)
    data_view.refreshes(cached.refresh_runs(), ctx.fresh or {})
    data_imports.rejections(runs, cached.last_rejections())
    kpis = cached.kpis(Filters(ctx.first_day, ctx.as_of))
else:  # import facts and district totals are for the district office; definitions are for everyone
    st.info(t("data_scoped_note"))
    kpis = {}
data_view.indicators(kpis, cached.published_figures())
if names_allowed():  # a public screen offers no downloads at all
    data_view.templates()
