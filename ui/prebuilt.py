"""Charts and maps built once per content: a rerun with the same data sends the same spec without
building it again.

Building an Altair chart (schema validation) or serialising a pydeck map costs 50–500 ms a run; on a
warm rerun the data has not changed, so the finished spec is reused. The memo key is a digest of the
builder, its arguments (the data frames included, by content) and the session's language and name
privacy, so a spec is only ever reused for exactly the inputs it was built from: the scope and the
masking are already in those inputs.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from data_access.guard import names_allowed

from .labels import current_lang

MAX_ENTRIES = 48  # specs are up to ~1 MB; this bounds the memo's memory
_memo: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def _key(builder: Callable, args: tuple, kwargs: dict) -> str:
    context = (builder.__module__, builder.__qualname__, current_lang(), names_allowed())
    payload = pickle.dumps((context, args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(payload, digest_size=20).hexdigest()


def _memoised(kind: str, builder: Callable, args: tuple, kwargs: dict, make: Callable[[], Any]) -> Any:
    key = kind + _key(builder, args, kwargs)
    with _lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    value = make()
    with _lock:
        _memo[key] = value
        while len(_memo) > MAX_ENTRIES:
            _memo.popitem(last=False)
    return value


def chart(builder: Callable, *args: Any, **kwargs: Any) -> dict:
    """The full Vega-Lite spec (data included) of builder(*args, **kwargs), for st.vega_lite_chart.

    Altair's schema validation (two thirds of the build) runs under the test suite, where every builder
    is exercised; a running app skips it, since the same builders make the same shapes of spec."""
    validate = "PYTEST_CURRENT_TEST" in os.environ
    return _memoised("vl", builder, args, kwargs, lambda: builder(*args, **kwargs).to_dict(validate=validate))


class Deck:
    """A map already serialised: what st.pydeck_chart reads from a pydeck.Deck, nothing more."""

    layers = None  # nothing left to convert
    mapbox_key = None
    deck_widget = None

    def __init__(self, json_text: str, tooltip: dict | None, width: int | None) -> None:
        self._json, self._tooltip, self.width = json_text, tooltip, width

    def to_json(self) -> str:
        return self._json


def deck(builder: Callable, *args: Any, **kwargs: Any) -> Deck:
    """builder(*args, **kwargs)'s pydeck map, serialised once per content."""

    def make() -> Deck:
        built = builder(*args, **kwargs)
        from streamlit.elements.deck_gl_json_chart import _prepare_pydeck_for_json

        _prepare_pydeck_for_json(built)
        tooltip = getattr(built, "_tooltip", None)
        return Deck(built.to_json(), tooltip if isinstance(tooltip, dict) else None, getattr(built, "width", None))

    return _memoised("deck", builder, args, kwargs, make)


def memo(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs), computed once per content (fn must be pure, and its result is shared: a data
    frame comes back as a copy, anything else must be treated as read-only)."""
    value = _memoised("fn", fn, args, kwargs, lambda: fn(*args, **kwargs))
    return value.copy() if hasattr(value, "copy") and hasattr(value, "columns") else value
