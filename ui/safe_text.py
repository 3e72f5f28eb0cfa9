"""Names and URL values are data, never markup: escape them before Markdown or HTML sees them."""

from __future__ import annotations

import html

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~!()"})


def md(text: object) -> str:
    """Plain text made literal inside Markdown (labels, captions, alerts, buttons)."""
    return str(text).translate(_MD_SPECIAL)


def esc(text: object) -> str:
    """Plain text made literal inside HTML (st.html, pydeck tooltips)."""
    return html.escape(str(text), quote=True)
