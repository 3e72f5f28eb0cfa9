"""The seed: deterministic, self-consistent at any scale, inside the district, careful with existing data."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
from sqlalchemy import inspect, text

from data_access.db import read_engine
from data_access.live.models import BOOKKEEPING
from seed import geo
from seed.generator import SeedConfig

from .conftest import PROJECT, seed_into


def _digest(url: str) -> dict[str, str]:
    """A hash of every table's full contents, in primary-key order (not the refresher's bookkeeping, which
    records when the database was built)."""
    engine = read_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in sorted(set(inspect(engine).get_table_names()) - set(BOOKKEEPING)):
            pk = inspect(engine).get_pk_constraint(table)["constrained_columns"] or ["1"]
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY {', '.join(pk)}")).all()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def small_dbs(tmp_path_factory):
    base = tmp_path_factory.mktemp("small")
    urls = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        urls[name] = f"sqlite:///{base / name}.sqlite"
        seed_into(urls[name], SeedConfig(scale=0.05, seed=seed))
    return urls


def test_same_seed_same_data(small_dbs):
    assert _digest(small_dbs["a"]) == _digest(small_dbs["b"])


def test_other_seed_other_data(small_dbs):
    a, c = _digest(small_dbs["a"]), _digest(small_dbs["c"])
    assert a["member"] != c["member"] and a["service_record"] != c["service_record"]


def test_scale_multiplies_volumes_not_structure(small_dbs):
    engine = read_engine(small_dbs["a"])
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        assert q("SELECT count(*) FROM member") == round(25_218 * 0.05)
        assert q("SELECT count(*) FROM activity") == round(3_677 * 0.05)
        assert q("SELECT count(*) FROM activity_participation") == q("SELECT sum(participants) FROM activity")
        assert q("SELECT count(*) FROM org WHERE kind <> 'district'") == 631
        assert q("SELECT count(*) FROM building_group") == 838
    engine.dispose()


def test_self_consistent(engine):
    """Denormalised counts and place keys agree with the rows they summarise."""
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        assert q("SELECT sum(participants) FROM activity") == q("SELECT count(*) FROM activity_participation")
        # every participant belongs to the org that held the activity
        assert (
            q("""SELECT count(*) FROM activity_participation p JOIN activity a ON a.id = p.activity_id
                    JOIN member m ON m.id = p.member_id WHERE m.org_id <> a.org_id""")
            == 0
        )
        # a member's place keys are those of the org
        assert (
            q("""SELECT count(*) FROM member m JOIN org o ON o.id = m.org_id
                    WHERE coalesce(m.street_id, 0) <> coalesce(o.street_id, 0)""")
            == 0
        )
        # request stages happen in order
        assert (
            q("""SELECT count(*) FROM service_request WHERE dispatched_at < ordered_at
                    OR accepted_at < dispatched_at OR done_at < accepted_at OR rated_at < done_at""")
            == 0
        )
        # one station per community/village, one building group per building-area grid
        assert q("SELECT count(*) FROM org WHERE kind IN ('community','village')") == q("SELECT count(*) FROM station")
        assert q("SELECT count(*) FROM grid WHERE level = 4") == q("SELECT count(*) FROM building_group")
        assert q("SELECT count(*) FROM org WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM org)") == 0
        # nothing happens after the as-of date
        assert q("SELECT count(*) FROM service_record WHERE started_at >= '2017-10-01'") == 0


def test_points_inside_the_district(engine):
    ring = geo.district_outline()
    with engine.connect() as conn:
        for table in ("building_group", "station", "facility"):
            pts = np.array(conn.execute(text(f"SELECT lon, lat FROM {table}")).all(), dtype=float)
            assert len(pts) and geo.points_in_ring(pts[:, 0], pts[:, 1], ring).all(), table


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "seed", *args], cwd=PROJECT, capture_output=True, text=True, timeout=600
    )


def test_refuses_non_empty_database_without_force(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert _cli("--url", url, "--scale", "0.01").returncode == 0
    before = _digest(url)
    again = _cli("--url", url, "--scale", "0.01", "--seed", "3")
    assert again.returncode == 2 and "--force" in again.stderr
    assert _digest(url) == before  # nothing changed
    forced = _cli("--url", url, "--scale", "0.01", "--seed", "3", "--force")
    assert forced.returncode == 0 and _digest(url) != before


def test_cli_rejects_bad_arguments():
    bad = _cli("--scale", "-1")
    assert bad.returncode == 2 and "scale" in bad.stderr
    assert _cli("--as-of", "yesterday").returncode == 2
