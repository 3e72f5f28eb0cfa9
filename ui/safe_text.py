"""Names and URL values are data, never markup: escape them before Markdown or HTML sees them.

Data comes from other systems too (a live database has writers besides the importer), so the rules hold
here, where text meets the screen: Markdown specials are escaped, a web address is never turned into a
link, and the invisible characters that reorder or hide text (bidirectional controls, other control
characters) are dropped.
"""

from __future__ import annotations

import html
import re

from data_access.dataset_format.spec import HIDDEN_CHARACTERS

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~!()"})
HIDDEN = HIDDEN_CHARACTERS
# what Markdown renderers turn into a link by themselves: scheme://, www., and an email address's @
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<![a-z0-9_.])(www)(\.)|(@)(?=[\w-]+\.)")


def visible(text: object) -> str:
    """The text without characters that reorder or hide what is shown."""
    return HIDDEN.sub("", str(text))


_JOINER = "\u2060"  # WORD JOINER: invisible, and breaks the renderer's address pattern (escapes do not)


def _unlink(m: re.Match) -> str:
    colon, www, _dot, at = m.groups()
    if colon:
        return ":" + _JOINER
    if www:
        return www + _JOINER + "."
    return _JOINER + at


def md(text: object) -> str:
    """Plain text made literal inside Markdown (labels, captions, alerts, buttons); never a link."""
    return _AUTOLINK.sub(_unlink, visible(text).translate(_MD_SPECIAL))


def esc(text: object) -> str:
    """Plain text made literal inside HTML (st.html, pydeck tooltips)."""
    return html.escape(visible(text), quote=True)
