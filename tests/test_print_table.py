"""The export's static tables (ui.chrome.print_table): every row, the screen's labels, hidden columns and number
formats, names escaped."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.chrome.print_table import html_table, printf


def test_every_row_with_the_screens_formats():
    frame = pd.DataFrame(
        {
            "地区": [f"街道{i}" for i in range(40)] + ["<b>x</b>"],
            "时数": pd.array([1000 * i for i in range(40)] + [None], dtype="Int64"),
            "内部": range(41),
            "比例": [12.345] * 41,
        }
    )
    config = {
        "时数": st.column_config.NumberColumn("服务时数", format="localized"),
        "内部": None,
        "比例": st.column_config.NumberColumn(format="%.1f%%"),
    }
    out = html_table(frame, column_config=config, hide_index=True, placeholder="—")
    assert out.count("<tr>") == 42  # the header and all 41 rows
    assert "<thead>" in out and "<th class=num>服务时数</th>" in out and "内部" not in out
    assert "<td class=num>39,000</td>" in out and "<td class=num>12.3%</td>" in out and ">—<" in out
    assert "<b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out


def test_column_order_index_and_cap():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}, index=pd.Index(["i", "j", "k"], name="键"))
    out = html_table(frame, column_order=["b"], max_rows=2, more_text="另有 {n} 行")
    assert "<th>b</th>" in out and "<th>a</th>" not in out and "<th>键</th>" not in out
    assert out.count("<tr>") == 3 and "另有 1 行" in out


def test_printf():
    assert printf(1234.5, "%,d") == "1,235" and printf(-2.5, "%d") == "-3"
    assert printf(0.26, "%+,.1f") == "+0.3" and printf(-1234.56, "%+,.1f") == "-1,234.6"
    assert printf(1234567.0, "localized") == "1,234,567" and printf(0.5, "percent") == "50.00%"
    assert printf(7.0, "%d 人") == "7 人"
