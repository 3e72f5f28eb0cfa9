"""The benchmark harness works end to end at a tiny scale (CI proves it runs; it is not a timing test)."""

from __future__ import annotations

import json
import subprocess
import sys

from ui.shell import PAGES

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
    assert set(pages) == {path for path, *_ in PAGES}
    for path, p in pages.items():
        assert p["errors"] == []
        assert p["cold_median"] > 0 and p["warm_median"] > 0 and p["change_median"] > 0
        if path != "pages/data.py":  # the data page has no chart and no query that follows the street filter
            assert p["floor"] > 0 and p["largest_spec_bytes"] > 0, path
    assert results[0]["seed"]["seed_seconds"] > 0 and results[0]["peak_rss_mb"] > 0
    assert "| backend | scale | page" in done.stdout
