"""CSV downloads: the frame on screen (already masked and scoped by the query layer), made only when the
viewer clicks, for a session that may still have it, and logged then.

The file is not put on the server when the page is drawn (Streamlit's deferred download: the button holds
a callable, the browser asks for it over the session's own websocket when clicked). At that moment the
session's access is checked as it is then (signed out, expired, revoked or changed: refused and logged as
`export_refused`), the `export` entry is written, and the file is made; its address lives until the
session's next runs clear it. No address exists before a click, and none outlives the session.

A text cell that a spreadsheet would take for a formula (it starts with = + - @, a tab or a carriage
return: `=HYPERLINK(...)` in an organisation's name) goes out with a leading apostrophe, so Excel and WPS
show it as text and never evaluate it."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from auth import audit
from auth.settings import load
from data_access import guard
from data_access.guard import ACCESS

from ..labels import t

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The file's bytes: UTF-8 with BOM (Excel), text cells that look like formulas made plain text."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    safe = frame.copy() if text_columns else frame
    for c in text_columns:
        safe[c] = frame[c].map(_as_text)
    header = [_as_text(str(c)) for c in frame.columns]
    return safe.to_csv(index=False, header=header).encode("utf-8-sig")


class ExportRefused(PermissionError):
    """The session may no longer take this file."""


def log_export(event: str, access: guard.Access | None, **detail: object) -> None:
    """An export (or its refusal or failure) in the audit log, with the session's user, role and scope."""
    audit.record(
        load().audit_log,
        event,
        getattr(access, "user", ""),
        role=getattr(access, "role", ""),
        scope=access.scope.label if isinstance(access, guard.Access) else "",
        **detail,
    )


def may_export(access: object) -> bool:
    """The session's access allows a file now: signed in (or the open demo), not the public screen, not
    expired, still granted by the configuration as it is at this moment."""
    return (
        isinstance(access, guard.Access)
        and access.role != "public"
        and not access.expired
        and guard.still_granted(access)
    )


def exports_allowed() -> bool:
    """The public screen offers no downloads; every signed-in role does (with the same masking)."""
    access = st.session_state.get(ACCESS)
    return access is not None and access.role != "public"


def _session_access(state) -> object:
    try:
        return state[ACCESS]
    except KeyError:
        return None


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """An .xlsx of the frame (one sheet), text cells that look like formulas made plain text as in the CSV."""
    import io

    safe = frame.copy()
    for c in safe.columns:
        if safe[c].dtype == object or pd.api.types.is_string_dtype(safe[c]):
            safe[c] = safe[c].map(_as_text)
    safe.columns = [_as_text(str(c)) for c in safe.columns]
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False)
        sheet = writer.sheets["Sheet1"]
        for i, c in enumerate(safe.columns, start=1):  # thousands separators, as the table shows them
            if pd.api.types.is_bool_dtype(safe[c]) or not pd.api.types.is_numeric_dtype(safe[c]):
                continue
            whole = pd.api.types.is_integer_dtype(safe[c])
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "#,##0" if whole else "#,##0.0"
    return out.getvalue()


def _still_theirs(issued_to: object):
    """A check for the moment of a click: does the session that was offered a file (its state captured now)
    still have the access it was offered it with? Signed out, expired, revoked or changed: no."""
    ctx = get_script_run_ctx()
    state = ctx.session_state if ctx is not None else None

    def check() -> guard.Access | None:
        access = _session_access(state) if state is not None else None
        usable = (
            may_export(access)
            and isinstance(issued_to, guard.Access)
            and (access.user, access.scope, access.privacy) == (issued_to.user, issued_to.scope, issued_to.privacy)
        )
        return access if usable else None

    return check


def csv_maker(frame: pd.DataFrame, file_name: str, render=csv_bytes):
    """The callable a download button holds: checks the session when clicked, logs, makes the bytes."""
    issued_to = st.session_state.get(ACCESS)
    check = _still_theirs(issued_to)

    def make() -> bytes:
        access = check()
        if access is None:
            log_export("export_refused", issued_to, file=file_name, rows=len(frame))
            raise ExportRefused(f"{file_name}: the session may no longer export it")
        log_export("export", access, file=file_name, rows=len(frame))
        return render(frame)

    return make


def held_file(data: bytes, file_name: str):
    """The callable a download button holds for a file already made and kept in the session (a PNG or PDF
    export): the bytes are handed over only at the click, over the session's own connection, and only
    while the session may still have them. No address of the file exists before that click; the one the
    click makes lives until the session's next run."""
    issued_to = st.session_state.get(ACCESS)
    check = _still_theirs(issued_to)

    def hand_over() -> bytes:
        if check() is None:
            log_export("export_refused", issued_to, file=file_name, reason="session")
            raise ExportRefused(f"{file_name}: the session may no longer have it")
        return data

    return hand_over


def download_csv(container, frame: pd.DataFrame, file_name: str, key: str, label: str | None = None, **kw) -> None:
    """A CSV download of frame (UTF-8 with BOM, for Excel), made and logged when clicked (see above)."""
    if not exports_allowed():
        return
    container.download_button(
        label or t("download_csv"),
        csv_maker(frame, file_name),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        **kw,
    )


def download_xlsx(container, frame: pd.DataFrame, file_name: str, key: str, **kw) -> None:
    """An .xlsx download of frame, made, checked and logged when clicked like the CSV."""
    if not exports_allowed():
        return
    container.download_button(
        t("download_xlsx"),
        csv_maker(frame, file_name, xlsx_bytes),
        file_name=file_name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
        on_click="ignore",
        **kw,
    )
