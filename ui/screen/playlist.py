"""The kiosk playlist file: views (page + place) a big display rotates through."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from data_access.filters import Places

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_PLAYLIST = PROJECT_DIR / ".streamlit" / "playlist.toml"
MIN_CYCLE, MAX_CYCLE, DEFAULT_CYCLE = 5, 3600, 30


class PlaylistError(ValueError):
    """The playlist file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class Stop:
    """One step of the rotation: a page file and a place scope."""

    page: str  # e.g. "pages/briefing.py"
    street_id: int | None = None
    community_id: int | None = None
    reason: str = "playlist"  # or "warning"


def playlist_path() -> Path:
    return Path(os.environ.get("KIOSK_PLAYLIST", DEFAULT_PLAYLIST))


def load_playlist(path: Path, pages: list[str], places: Places) -> tuple[list[Stop], int]:
    """Expand the file's views into stops; returns (stops, default cycle seconds)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PlaylistError(f"{path.name}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlaylistError(f"{path.name}: {exc}") from exc
    cycle = data.get("cycle_seconds", DEFAULT_CYCLE)
    if not isinstance(cycle, int) or not MIN_CYCLE <= cycle <= MAX_CYCLE:
        raise PlaylistError(f"{path.name}: cycle_seconds must be a whole number from {MIN_CYCLE} to {MAX_CYCLE}")
    views = data.get("view")
    if not isinstance(views, list) or not views:
        raise PlaylistError(f"{path.name}: no [[view]] entries")
    stops: list[Stop] = []
    for n, view in enumerate(views, start=1):
        page = f"pages/{view.get('page')}.py"
        if page not in pages:
            raise PlaylistError(f"{path.name}: view {n}: unknown page {view.get('page')!r}")
        scope = str(view.get("scope", "district"))
        if scope == "district":
            stops.append(Stop(page))
        elif scope == "each_street":
            stops += [Stop(page, int(sid)) for sid in places.streets["id"]]
        elif scope in set(places.streets["code"]):
            stops.append(Stop(page, int(places.streets.set_index("code").loc[scope, "id"])))
        elif scope in set(places.communities["code"]):
            row = places.communities.set_index("code").loc[scope]
            stops.append(Stop(page, int(row["street_id"]), int(row["id"])))
        else:
            raise PlaylistError(f"{path.name}: view {n}: unknown scope {scope!r}")
    return stops, cycle


def parse_cycle(raw: str | None, default: int) -> tuple[int, bool]:
    """The cycle from the URL (seconds); returns (cycle, valid). Invalid values fall back to default."""
    if raw is None or raw == "":
        return default, True
    try:
        value = int(raw)
    except ValueError:
        return default, False
    if not MIN_CYCLE <= value <= MAX_CYCLE:
        return default, False
    return value, True
