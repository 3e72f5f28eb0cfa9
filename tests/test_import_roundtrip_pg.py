"""The round trip of test_import_roundtrip on PostgreSQL: the seeded demo's export imports into an empty
PostgreSQL database with exit 0 and reproduces every row, summary table and published figure. A file of its
own so that a second test worker takes it while the first runs the SQLite round trip."""

from __future__ import annotations

from .conftest import scratch_pg_database
from .test_import_roundtrip import round_trip, source  # noqa: F401 - source is the shared fixture


def test_the_seeded_dataset_round_trips_on_postgresql(source):  # noqa: F811 - the fixture imported above
    with scratch_pg_database("roundtrip") as url:
        round_trip(source, url)
