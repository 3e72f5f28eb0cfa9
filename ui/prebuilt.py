"""Maps and derived frames built once per content: a rerun with the same data sends the same map without
building it again (charts are built once per shape instead: ui/charts.py).

Serialising a pydeck map costs 50–500 ms a run; on a warm rerun the data has not changed, so the
finished map is reused. The memo key is a digest of the
builder, its arguments (the data frames included, by content) and the session's language and name
privacy, so a spec is only ever reused for exactly the inputs it was built from: the scope and the
masking are already in those inputs.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd

from data_access.guard import names_allowed

from .labels import current_lang

MAX_ENTRIES = 48  # specs are up to ~1 MB; this bounds the memo's memory
SMALL_ENTRIES = 512  # derived frames (a table as shown, a tree): small, and many per page and place


class Once:
    """Values by key, each computed once per process however many sessions ask at the same moment: a
    session asking for a key another session is computing waits for that value instead of computing it
    again (thirty viewers arriving together would otherwise build the same map thirty times over, one
    core shared by all). Least recently used entries go beyond max_entries."""

    def __init__(self, max_entries: int | None = None) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[str, threading.Lock] = {}

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                if key in self._values:  # computed by the session we waited for
                    return self._values[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._flights.pop(key, None)
            with self._lock:
                self._values[key] = value
                while self.max_entries is not None and len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


_memo = Once(MAX_ENTRIES)  # maps
_small = Once(SMALL_ENTRIES)  # memo(): kept apart, so a page's tables never push its maps out


def forget() -> None:
    """Drop every memoised map and value (the data version moved: the old ones would only wait to be evicted)."""
    _memo.clear()
    _small.clear()


def _canonical(value: Any, digest: Any) -> None:
    """Feed value's content into digest: frames by their pickle, plain containers as JSON where JSON says
    them exactly (else item by item), a tree by its frame's digest, anything else by its pickle."""
    if isinstance(value, pd.DataFrame | pd.Series):
        # the pickle holds the whole content, and takes a tenth of the time of hashing row by row; a frame
        # built the same way from the same shared results pickles the same (tests/test_shared_cache.py
        # checks that a second session of each page hits), and one that does not only misses
        digest.update(type(value).__name__.encode())
        digest.update(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    elif isinstance(value, dict | list | tuple) and (text := _as_json(value)) is not None:
        digest.update(f"{type(value).__name__}:".encode() + text)  # GeoJSON and the like, in C: 30x faster
    elif isinstance(value, dict):
        digest.update(b"{")
        for k in sorted(value, key=repr):
            _canonical(k, digest)
            _canonical(value[k], digest)
        digest.update(b"}")
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        digest.update(f"{type(value).__name__}[".encode())
        for item in items:
            _canonical(item, digest)
        digest.update(b"]")
    elif value is None or isinstance(value, str | int | float | bool | date | datetime):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(getattr(value, "content_key", None), str) and value.content_key:  # a value that knows its content (ui.org.tree.Tree)
        digest.update(f"{type(value).__module__}.{type(value).__qualname__}<{value.content_key}>;".encode())
    else:
        digest.update(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _json_leaf(value: Any) -> str:
    """What the JSON fast path writes for a date; anything else (a frame, a set, a numpy number) is left to
    the slow path, which knows how to key it."""
    if isinstance(value, date | datetime):
        return f"\x00{type(value).__name__}:{value.isoformat()}"
    raise TypeError(type(value).__name__)


def _as_json(value: dict | list | tuple) -> bytes | None:
    """value as canonical JSON (keys sorted), or None when it holds what JSON cannot say exactly (frames,
    sets, numpy numbers: the slow path keys those). JSON reads a key 1 as "1": no builder is given both."""
    try:
        text = json.dumps(value, sort_keys=True, default=_json_leaf, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return text.encode()


def digest(*values: Any) -> str:
    """A key for values by their content (frames, dicts and lists included)."""
    out = hashlib.blake2b(digest_size=20)
    for value in values:
        _canonical(value, out)
    return out.hexdigest()


def _key(builder: Callable, args: tuple, kwargs: dict) -> str:
    return digest((builder.__module__, builder.__qualname__, current_lang(), names_allowed()), args, kwargs)


def _memoised(
    kind: str, builder: Callable, args: tuple, kwargs: dict, make: Callable[[], Any], store: Once = _memo
) -> Any:
    return store.get(kind + _key(builder, args, kwargs), make)


class Deck:
    """A map already serialised: what st.pydeck_chart reads from a pydeck.Deck, nothing more."""

    layers = None  # nothing left to convert
    mapbox_key = None
    deck_widget = None

    def __init__(self, json_text: str, tooltip: dict | None, width: int | None) -> None:
        self._json, self._tooltip, self.width = json_text, tooltip, width

    def to_json(self) -> str:
        return self._json


def _serialised(built: Any) -> Deck:
    from streamlit.elements.deck_gl_json_chart import _prepare_pydeck_for_json

    _prepare_pydeck_for_json(built)
    tooltip = getattr(built, "_tooltip", None)
    return Deck(built.to_json(), tooltip if isinstance(tooltip, dict) else None, getattr(built, "width", None))


def deck(builder: Callable, *args: Any, **kwargs: Any) -> Deck:
    """builder(*args, **kwargs)'s pydeck map, serialised once per content."""
    return _memoised("deck", builder, args, kwargs, lambda: _serialised(builder(*args, **kwargs)))


def deck_with(builder: Callable, *args: Any, **kwargs: Any) -> tuple[Deck, Any]:
    """For a builder that returns (pydeck map, what else the page reads off the same inputs, such as the rows
    it left off the map): both once per content, so a new session neither sorts the rows again nor keys the
    map twice."""

    def make() -> tuple[Deck, Any]:
        built, extra = builder(*args, **kwargs)
        return _serialised(built), extra

    built, extra = _memoised("deck+", builder, args, kwargs, make)
    return built, _own(extra)


def arrow(frame: pd.DataFrame, columns: list | None = None) -> Any:
    """frame (only columns, in their order, when given) as the Arrow table Streamlit sends for a chart,
    converted once per content by Streamlit's own conversion: a new session sends it without converting."""

    def make() -> Any:
        from streamlit import dataframe_util

        part = frame if columns is None or list(columns) == list(frame.columns) else frame[list(columns)]
        return dataframe_util.convert_pandas_df_to_arrow_table(part)

    return _memoised("arrow", arrow, (frame, None if columns is None else list(columns)), {}, make, _small)


def memo(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs), computed once per content (fn must be pure, and its result is shared: a data
    frame comes back as a copy, anything else must be treated as read-only)."""
    value = _memoised("fn", fn, args, kwargs, lambda: fn(*args, **kwargs), _small)
    return _own(value)


def _own(value: Any) -> Any:
    """A memoised value as one caller gets it: frames (also inside a tuple) as copies, the rest shared."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)  # copy-on-write: the caller's changes never reach the shared frame
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_own(v) for v in value)
    if isinstance(value, dict):
        return dict(value)  # a table's column formats: the caller may add one
    return value
