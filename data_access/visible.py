"""A query's result without the characters that reorder or hide text, once per result, before it is cached."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from .dataset_format.spec import HIDDEN_CHARACTERS as HIDDEN


def visible(value: Any) -> Any:
    """A fresh result without the characters that reorder or hide text (HIDDEN_CHARACTERS: a name written by
    another system with a right-to-left override reads backwards in every table and chart label). The
    importer refuses them; this holds for every other writer, once per result, before it is cached."""
    if isinstance(value, pd.DataFrame):
        texts = [c for c in value.columns if value[c].dtype == object or pd.api.types.is_string_dtype(value[c])]
        dirty = [c for c in texts if HIDDEN.search("\n".join(v for v in value[c].to_numpy() if isinstance(v, str)))]
        if not dirty:
            return value
        value = value.copy()
        for c in dirty:
            value[c] = value[c].map(lambda v: HIDDEN.sub("", v) if isinstance(v, str) else v)
        return value
    if isinstance(value, dict):
        return {k: visible(v) for k, v in value.items()}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(visible(v) for v in value)
    if isinstance(value, str):
        return HIDDEN.sub("", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # Places: the filter bar's names
        changes = {f.name: visible(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value
