"""The benchmark harness works end to end at a tiny scale (CI proves it runs; it is not a timing test)."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import create_engine, text

from ui.chrome.shell import PAGES

from .conftest import PROJECT


def test_bench_runs_and_reports_every_page(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scales", "0.01", "--reps", "1", "--json", str(out), "--data", str(tmp_path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert [r["backend"] for r in results] == ["sqlite"]
    pages = {p["page"]: p for p in results[0]["pages"]}
    from bench.measure import QUESTIONS

    asked = {f"explore {m} by {'×'.join(by)}" for m, by in QUESTIONS}
    assert set(pages) == {path for path, *_ in PAGES} | asked
    for path, p in pages.items():
        assert p["errors"] == []
        assert p["cold_median"] > 0 and p["warm_median"] > 0 and p["change_median"] > 0
        if path != "pages/data.py":  # the data page has no chart and no query that follows the street filter
            assert p["floor"] > 0 and p["largest_spec_bytes"] > 0, path
    assert results[0]["seed"]["seed_seconds"] > 0 and results[0]["peak_rss_mb"] > 0
    assert "| backend | scale | page" in done.stdout


def test_bench_live_measures_refresh_capture_and_lag_on_a_copy(tmp_path):
    out = tmp_path / "live.json"
    argv = ["--scales", "0.05", "--live", "--live-sizes", "10,1000", "--live-seconds", "15", "--live-speed", "20"]
    argv += ["--live-inserts", "200", "--live-batch", "2000", "--json", str(out), "--data", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *argv], cwd=PROJECT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["backend"], r["scale"]) for r in results] == [("sqlite", 0.05)]
    live = results[0]["live"]
    assert live["baseline_full_seconds"] > 0
    assert [s["changed_rows"] for s in live["steps"]] == [10, 1000]
    for s in live["steps"]:
        assert s["drift"] == "", s  # the incremental result equals the full rebuild
        assert s["journal_changes"] >= s["changed_rows"] * 0.9, s  # the triggers saw the writes
        assert s["records"] > s["requests_advanced"] + s["requests_new"] > 0 and s["activities"] > 0
        assert s["transfers"] > 0
        assert s["refresh_seconds"] > 0 and s["full_seconds"] > 0 and s["groups"] > 0 and s["rows_written"] > 0
        assert s["ratio"] == s["refresh_seconds"] / s["full_seconds"]
    c = live["capture"]
    for key in ("single_bare_us", "single_captured_us", "batch_bare_us", "batch_captured_us"):
        assert c[key] > 0, key
    assert c["single_ratio"] > 0 and c["batch_ratio"] > 0
    g = live["lag"]
    assert g["simulator_exit"] == 0 and g["simulator"].startswith("stopped after"), g
    assert g["runs"] >= 1 and g["changes"] > 0, g  # the refresher service consumed the simulator's writes
    assert g["lag_p50"] >= 0 and g["lag_max"] >= g["lag_p95"] >= g["lag_p50"]
    assert g["screen_p95"] == g["lag_p95"] + g["pickup"]["freshness_ttl"] + g["pickup"]["wall_redraw"] > 0
    assert g["drift"] == "" and g["backlog_after"] == 0
    assert "| backend | scale | changed rows" in done.stdout and "targets (live data):" in done.stdout
    # the bench's own database was left as seeded: the work happened on a copy, which is gone
    assert sorted(p.name for p in tmp_path.glob("*.sqlite*")) == ["erqi-s0_05.sqlite"]
    engine = create_engine(f"sqlite:///{tmp_path / 'erqi-s0_05.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM dataset_meta WHERE key = 'live'")).scalar() == "0"
        assert conn.execute(text("SELECT count(*) FROM change_journal")).scalar() == 0
        assert conn.execute(text("SELECT kind FROM refresh_run")).scalars().all() == ["seed"]
    engine.dispose()


def test_bench_imports_measures_seed_export_check_and_import(tmp_path):
    out = tmp_path / "imports.json"
    argv = ["--scales", "0.05", "--imports", "--json", str(out), "--data", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *argv], cwd=PROJECT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [r] = json.loads(out.read_text(encoding="utf-8"))
    assert (r["backend"], r["scale"]) == ("sqlite", 0.05)
    for step in ("seed", "export", "dry_run", "import"):
        assert r[step]["seconds"] > 0 and r[step]["peak_mb"] > 0, step
    assert r["import"]["peak_mb"] != r["seed"]["peak_mb"]  # each step's own peak, not the largest child's so far
    assert r["rows"] > 0 and r["input_mb"] > 0
    engine = create_engine(f"sqlite:///{tmp_path / 'import-dst-s0_05.sqlite'}")
    try:
        with engine.connect() as conn:  # the import really landed: the exported rows are in the target
            records = conn.execute(text("SELECT count(*) FROM service_record")).scalar()
    finally:
        engine.dispose()
    with (tmp_path / "import-sqlite-s0_05" / "service_record.csv").open("rb") as fh:
        assert records == sum(1 for _ in fh) - 1 > 0
    assert "| backend | scale | rows" in done.stdout and "targets (imports):" in done.stdout


def test_the_floor_app_draws_the_overviews_shape_from_constants():
    """bench --load's reference: 18 tiles, two charts, one table, the filter bar's two choices, on every page
    name the app has (so the same viewers click it the same way), and no database anywhere."""
    from streamlit.testing.v1 import AppTest

    from bench.floor_app import SLUGS
    from bench.load import FLOOR_SCRIPT, PAGES

    assert set(SLUGS) == set(PAGES)
    at = AppTest.from_file(str(FLOOR_SCRIPT), default_timeout=60).run()
    assert not at.exception
    assert len(at.metric) == 18
    assert len(at.get("vega_lite_chart")) == 2
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 17
    assert [s.key for s in at.sidebar.selectbox] == ["_w_street", "_w_community"]
    at.sidebar.selectbox(key="_w_street").select_index(3).run()
    assert not at.exception and "第3街道" in at.caption[0].value
