"""The page context: what the chrome hands every page (page_setup's answer) and the footer and exports read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from data_access.filters import Filters, Places


@dataclass(frozen=True)
class PageContext:
    """What a page needs from the chrome: the filters and the dataset's facts."""

    filters: Filters
    places: Places
    as_of: date
    first_day: date
    is_demo: bool
    live: bool = False  # other systems write the data as things happen: judged as of now
    fresh: dict | None = None  # the refresher's state when the run started (ui.chrome.freshness)
    history_from: date | None = None  # the stocks' dated history is complete from this day (data_access.history)
