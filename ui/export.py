"""CSV downloads: the frame on screen (already masked and scoped by the query layer), logged when taken."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auth import audit
from auth.settings import load
from data_access.guard import ACCESS

from .labels import t


def _log(file_name: str, rows: int) -> None:
    access = st.session_state.get(ACCESS)
    audit.record(
        load().audit_log,
        "export",
        getattr(access, "user", ""),
        role=getattr(access, "role", ""),
        scope=access.scope.label if access else "",
        file=file_name,
        rows=rows,
    )


def exports_allowed() -> bool:
    """The public screen offers no downloads; every signed-in role does (with the same masking)."""
    access = st.session_state.get(ACCESS)
    return access is not None and access.role != "public"


def download_csv(container, frame: pd.DataFrame, file_name: str, key: str, label: str | None = None, **kw) -> None:
    """A CSV download of frame (UTF-8 with BOM, for Excel); each download is written to the audit log."""
    if not exports_allowed():
        return
    container.download_button(
        label or t("download_csv"),
        frame.to_csv(index=False).encode("utf-8-sig"),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click=_log,
        args=(file_name, len(frame)),
        **kw,
    )
