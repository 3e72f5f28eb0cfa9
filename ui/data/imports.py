"""Builders of the data page's import part: where the data came from, the import runs and what each
changed, and the rejected rows of the last run."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access.dataset_format.spec import ENTITIES

from ..kpi import fmt_number
from ..labels import t
from ..numbers import TABLE_COUNT


def sources(info: dict[str, str], runs: pd.DataFrame, rows_now: dict[str, int]) -> None:
    """Where the data came from, and rows per entity now and in the last import."""
    done = runs[runs["status"] == "imported"] if not runs.empty else runs
    if info.get("is_demo") == "1" or done.empty:
        st.info(
            t(
                "data_demo_source",
                seed=info.get("seed", "—"),
                scale=info.get("scale", "—"),
                as_of=info.get("as_of", "—"),
            )
        )
        counts: dict[str, int] = {}
    else:
        last = done.iloc[0]
        st.info(
            t(
                "data_imported_source",
                source=last["source"],
                at=f"{last['finished_at']:%Y-%m-%d %H:%M}",
                as_of=info.get("as_of", "—"),
            )
        )
        counts = last["row_counts"]
    st.caption(t("data_cache_note"))
    table = pd.DataFrame(
        {
            t("data_col_entity"): [e.sheet for e in ENTITIES],
            t("data_col_file"): [f"{e.key}.csv / {e.sheet}" for e in ENTITIES],
            t("data_col_rows_now"): [rows_now.get(e.model.__tablename__, 0) for e in ENTITIES],
        }
    )
    if counts:  # rows the last import read, beside what the database holds now
        table[t("data_col_rows_import")] = [counts.get(e.key, 0) for e in ENTITIES]
    formats = {c: st.column_config.NumberColumn(format=TABLE_COUNT) for c in table.columns[2:]}
    st.dataframe(table, hide_index=True, placeholder=t("na"), width="stretch", height=35 * 12, column_config=formats)


def run_history(runs: pd.DataFrame) -> None:
    """The latest import runs, newest first, each with the data date it set and what it changed."""
    if runs.empty:
        st.caption(t("data_no_runs"))
        return
    table = pd.DataFrame(
        {
            t("data_col_started"): runs["started_at"],
            t("data_col_source"): runs["source"],
            t("data_col_mode"): [t(f"data_mode_{v}") for v in runs["mode"]],
            t("data_col_status"): [t(f"data_status_{v}") for v in runs["status"]],
            t("data_col_errors"): runs["error_count"],
            t("data_col_as_of"): runs["as_of"],
            t("data_col_changed"): [_summary(r) for r in runs.itertuples()],
        }
    )
    st.dataframe(table, hide_index=True, placeholder=t("na"), width="stretch")


def changed(runs: pd.DataFrame) -> None:
    """What one import (the latest by default) changed: rows per entity before and after, and the data date."""
    st.markdown(f"##### {t('data_changes')}")
    known = runs[[r is not None for r in runs["replaced"]]] if not runs.empty else runs
    if known.empty:
        st.caption(t("data_changes_none"))
        return
    labels = {
        f"{r.started_at:%Y-%m-%d %H:%M} · {r.source} · {t(f'data_mode_{r.mode}')} · {t(f'data_status_{r.status}')}"
        f" · #{r.id}": i
        for i, r in zip(known.index, known.itertuples())
    }  # the options are the labels themselves (the run id keeps two runs of one minute apart)
    imported = [label for label, i in labels.items() if known.at[i, "status"] == "imported"]
    default = list(labels).index(imported[0]) if imported else 0  # the latest import that changed the data
    pick = st.selectbox(t("data_changes_pick"), list(labels), index=default, key="data_change_run")
    run = known.loc[labels[pick]]
    replaced = run["replaced"]
    before_as_of = replaced.get("as_of") or "—"
    what = t("data_changes_demo") if replaced.get("demo") else t("data_changes_data")
    if not any((replaced.get("rows") or {}).values()):
        st.caption(t("data_changes_first", after=run["as_of"] or "—"))
    elif run["status"] == "imported":
        st.caption(t("data_changes_done", what=what, before=before_as_of, after=run["as_of"] or "—"))
    else:
        st.caption(t("data_changes_not_written", what=what, before=before_as_of, after=run["as_of"] or "—"))
    table = _change_table(replaced.get("rows") or {}, run["row_counts"])
    formats = {c: st.column_config.NumberColumn(format=TABLE_COUNT) for c in table.columns[1:3]}
    st.dataframe(table, hide_index=True, placeholder=t("na"), width="stretch", height=35 * 10, column_config=formats)


def _row_changes(before: dict[str, int], after: dict[str, int]) -> list[tuple[str, int, int]]:
    """(entity, rows before, rows after) per entity; the entities that changed first, the largest on top."""
    rows = [(e.sheet, int(before.get(e.key, 0)), int(after.get(e.key, 0))) for e in ENTITIES]
    rows.sort(key=lambda r: -abs(r[2] - r[1]))  # stable: unchanged entities keep the format's order
    return rows


def _change_table(before: dict[str, int], after: dict[str, int]) -> pd.DataFrame:
    """Rows per entity before and after, with the change and its percentage."""
    names, old, new = (list(c) for c in zip(*_row_changes(before, after)))
    return pd.DataFrame(
        {
            t("data_col_entity"): names,
            t("data_col_before"): old,
            t("data_col_after"): new,
            t("data_col_delta"): [_signed(b - a) for a, b in zip(old, new)],
            t("data_col_delta_pct"): [_percent(a, b) for a, b in zip(old, new)],
        }
    )


def _signed(n: int) -> str:
    return "0" if n == 0 else f"{n:+,}".replace("-", "−")


def _percent(old: int, new: int) -> str | None:
    if old == new:
        return None
    if old == 0:
        return t("data_delta_new")
    return f"{(new - old) / old:+.1%}".replace("-", "−")


def _summary(run) -> str | None:
    """An imported run's change in a few words: the largest changes of rows, the data date if it moved."""
    if run.replaced is None or run.status != "imported":
        return None
    moves = [(name, b - a) for name, a, b in _row_changes(run.replaced.get("rows") or {}, run.row_counts) if b != a]
    parts = [f"{name} {_signed(d)}" for name, d in moves[:2]]
    if len(moves) > 2:
        parts.append(t("data_changed_more", n=len(moves) - 2))
    text = t("data_list_sep").join(parts) or t("data_changed_rows_none")
    old_as_of = run.replaced.get("as_of")
    if old_as_of and run.as_of and old_as_of != run.as_of:
        text += t("data_list_sep") + t("data_changed_as_of", before=old_as_of, after=run.as_of)
    return text


def rejections(runs: pd.DataFrame, rejected: pd.DataFrame) -> None:
    """The rejected rows of the last run, or that it rejected none."""
    st.markdown(f"#### {t('data_rejections')}")
    if runs.empty:
        st.caption(t("data_no_runs"))
        return
    last = runs.iloc[0]
    at = f"{last['started_at']:%Y-%m-%d %H:%M}"
    if int(last["error_count"]) == 0:
        st.success(t("data_rejections_none", at=at, source=last["source"]))
        return
    st.error(
        t(
            "data_rejections_some",
            mode=t(f"data_mode_{last['mode']}"),
            at=at,
            source=last["source"],
            n=fmt_number(int(last["error_count"])),
        )
    )
    if len(rejected) < int(last["error_count"]):
        st.caption(t("data_rejections_capped", shown=fmt_number(len(rejected))))
    reason = rejected["reason_en"] if t("data_col_reason") == "Reason" else rejected["reason_zh"]
    table = pd.DataFrame(
        {
            t("data_col_file"): rejected["source_file"],
            t("data_col_row"): rejected["row_number"].astype("Int64"),
            t("data_col_column"): rejected["column_name"].fillna(""),
            t("data_col_value"): rejected["value"].fillna(""),
            t("data_col_reason"): reason,
        }
    )
    st.dataframe(table, hide_index=True, placeholder=t("na"), width="stretch")
