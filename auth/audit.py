"""The audit log: one JSON object per line, appended; sign-ins (both outcomes), sign-outs, expiries, exports."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

_lock = threading.Lock()


def record(path: Path, event: str, user: str, role: str = "", scope: str = "", **detail: object) -> None:
    """Append one event; never holds a password. A log that cannot be written is reported, not ignored."""
    entry = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "event": event,
        "user": user,
        "role": role,
        "scope": scope,
        **detail,
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
