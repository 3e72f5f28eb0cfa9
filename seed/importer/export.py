"""Export the dataset in the database in the import format: one CSV per entity, Chinese headers, codes for
references, so that `python -m seed.importer DIR` brings it back (the round trip of a district's own data).

Rows are written in id order and streamed from the database, so the import gives every row its id again.
Volunteers and service events have no code in the database; they get V<id> and E<id>, the codes the
import uses only to link its own rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from data_access.dataset_format.spec import ENTITIES, Col, Entity

# Where a field of the format is not the column "<field>" (plain) or "<field>_id" (a reference).
COLUMN_OF = {
    ("org", "is_joint"): "is_joint_committee",
    ("grid", "lon"): "center_lon",
    ("grid", "lat"): "center_lat",
    ("member", "reported"): "reported_community_id",
    ("micro_wish", "org"): "community_id",
    ("micro_wish", "claimed_by"): "claimed_by",
}
SYNTHETIC_CODE = {"volunteer": "V", "service_event": "E"}  # entities whose codes exist only in a file
BATCH = 10_000


def _column(entity: Entity, col: Col) -> str | None:
    if col.kind == "crs":
        return None  # stored coordinates are WGS-84, the default
    if (entity.key, col.field) in COLUMN_OF:
        return COLUMN_OF[(entity.key, col.field)]
    if col.field == "code" and entity.key in SYNTHETIC_CODE:
        return "id"
    return f"{col.field}_id" if col.kind == "ref" else col.field


def _codes(conn: Connection, entity: Entity) -> dict[int, str]:
    table = entity.model.__table__
    if entity.key in SYNTHETIC_CODE:
        prefix = SYNTHETIC_CODE[entity.key]
        return {i: f"{prefix}{i}" for (i,) in conn.execute(select(table.c.id))}
    return dict(conn.execute(select(table.c.id, table.c.code)).tuples().all())


def _label_of(col: Col) -> dict:
    """Stored value -> the first label a clerk would write for it (kitchens have two; either imports)."""
    out: dict = {}
    for label, value in (col.choices or {}).items():
        out.setdefault(value, label)
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _rows(conn: Connection, entity: Entity, codes: dict[str, dict[int, str]]) -> Iterator[list[str]]:
    table = entity.model.__table__
    cols = [(c, _column(entity, c)) for c in entity.cols]
    selected = [table.c[name] for _c, name in cols if name]
    order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(select(*selected).order_by(*order))
    convert = []
    for col, name in cols:
        if name is None:
            convert.append(None)
        elif col.kind == "ref":
            convert.append(codes[col.ref].get)
        elif col.field == "code" and entity.key in SYNTHETIC_CODE:
            convert.append(lambda i, p=SYNTHETIC_CODE[entity.key]: f"{p}{i}")
        elif col.kind == "choice" and col.choices and not isinstance(next(iter(col.choices.values())), int):
            convert.append(_label_of(col).get)
        else:
            convert.append(None)
    for record in result:
        values = iter(record)
        out = []
        for (_col, name), conv in zip(cols, convert):
            if name is None:
                out.append("")
                continue
            value = next(values)
            out.append(_text(conv(value) if conv and value is not None else value))
        yield out


def export_dataset(engine: Engine, target: Path) -> dict[str, int]:
    """Write every entity of the database's dataset to target/<entity>.csv (UTF-8 with BOM, as the
    templates); returns the rows written per entity."""
    target.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with engine.connect() as conn:
        coded = {c.ref for e in ENTITIES for c in e.cols if c.kind == "ref"}
        codes = {key: _codes(conn, e) for e in ENTITIES if (key := e.key) in coded}
        for entity in ENTITIES:
            path = target / f"{entity.key}.csv"
            n = 0
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                out = csv.writer(fh)
                out.writerow([c.header for c in entity.cols])
                for row in _rows(conn, entity, codes):
                    out.writerow(row)
                    n += 1
            written[entity.key] = n
    return written
