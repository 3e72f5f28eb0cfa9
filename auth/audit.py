"""The audit log: one JSON object per line, appended; sign-ins (both outcomes), sign-outs, expiries, exports."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

_lock = threading.Lock()
MAX_VALUE_CHARS = 300  # what a visitor typed cannot make one event longer than this per field


def clip(value: object) -> object:
    """A text value cut to MAX_VALUE_CHARS (marked with …, the original length kept in the text)."""
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return f"{value[:MAX_VALUE_CHARS]}…({len(value)} chars)"
    return value


def record(path: Path, event: str, user: str, role: str = "", scope: str = "", **detail: object) -> None:
    """Append one event; never holds a password. A log that cannot be written is reported, not ignored.
    Every text value is clipped (MAX_VALUE_CHARS), so no input makes the log grow without bound."""
    entry = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "event": event,
        "user": clip(user),
        "role": clip(role),
        "scope": clip(scope),
        **{k: clip(v) for k, v in detail.items()},
    }
    line = json.dumps(entry, ensure_ascii=False, default=str)
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def read(path: Path) -> list[dict]:
    """Every event in the log (for tests and for whoever reviews it)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
