"""python -m bench --exports: what a viewer waits for an export of each page (PNG and PDF) through a running
app server, the renderer's own time and peak memory (from the audit log the server writes), and the
scheduled 工作简报 for the district and one street (time and the renderer's peak)."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from render.worker import tree_memory_kb

from .load import PROJECT, AppServer
from .report import markdown
from .viewer import Viewer

PAGES = ["overview", "organization", "grid_map", "volunteers", "explore", "data", "briefing"]
PAGE_TARGET, REPORT_TARGET = 10.0, 60.0  # seconds: an export of a page, a report at scale 10


async def _export(base: str, slug: str, kind: str) -> float:
    viewer = Viewer(base, timeout=120)
    await viewer.open()
    try:
        await viewer.page(slug)
        seconds = await viewer.click(f"snap_{kind}")
        if "snap_file" not in viewer.buttons:
            raise RuntimeError(f"{slug} {kind}: no file offered")
        return seconds
    finally:
        await viewer.close()


def _report(url: str, place: str | None, out: Path) -> dict:
    cmd = [sys.executable, "-m", "report", "--url", url, "--out", str(out)] + (["--place", place] if place else [])
    started = time.perf_counter()
    errors = out / f"report-{place or 'district'}.err"  # a file, not a pipe that could fill while polled
    out.mkdir(parents=True, exist_ok=True)
    with errors.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_memory_kb(proc.pid))
            time.sleep(0.1)
    if proc.returncode != 0:
        raise RuntimeError(f"report {place}: {errors.read_text(errors='replace')[-300:]}")
    return {"place": place or "district", "seconds": time.perf_counter() - started, "peak_mb": peak / 1024}


def run(url: str, backend: str, scale: float, reps: int, log) -> dict:
    """Every page's PNG and PDF export (reps each, after one warm-up of the page) and the two reports."""
    with tempfile.TemporaryDirectory(prefix="erqi-bench-export-") as tmp:
        audit = Path(tmp) / "audit.jsonl"
        server = AppServer(url, env={"ERQI_AUDIT_LOG": str(audit)}).start()
        pages = []
        try:
            for slug in PAGES:
                for kind in ("png", "pdf"):
                    waits = []
                    for _ in range(reps):
                        waits.append(asyncio.run(_export(server.base, slug, kind)))
                    done = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
                    mine = [
                        e for e in done if e["event"] == "export" and e.get("page") == slug and e.get("format") == kind
                    ]
                    if not mine:
                        raise RuntimeError(f"{slug} {kind}: no export in the audit log: {done[-2:]}")
                    pages.append(
                        {
                            "page": slug,
                            "kind": kind,
                            "wait_s": statistics.median(waits),
                            "worst_s": max(waits),
                            "render_s": statistics.median(e["seconds"] for e in mine),
                            "peak_mb": max(e["peak_mb"] for e in mine),
                            "kb": statistics.median(e["bytes"] for e in mine) / 1024,
                        }
                    )
                    log(f"   {slug} {kind}: {pages[-1]['wait_s']:.1f} s")
        finally:
            server.stop()
        reports = [_report(url, place, Path(tmp) / "reports") for place in (None, "S03")]
    return {"backend": backend, "scale": scale, "pages": pages, "reports": reports}


def table(results: list[dict]) -> str:
    rows = [
        (
            "backend",
            "scale",
            "export",
            "viewer waits s (median)",
            "worst s",
            "renderer s",
            "renderer peak MB",
            "file KB",
        )
    ]
    for r in results:
        for p in r["pages"]:
            rows.append(
                (
                    r["backend"],
                    f"{r['scale']:g}",
                    f"{p['page']} {p['kind'].upper()}",
                    f"{p['wait_s']:.1f}",
                    f"{p['worst_s']:.1f}",
                    f"{p['render_s']:.1f}",
                    f"{p['peak_mb']:,.0f}",
                    f"{p['kb']:,.0f}",
                )
            )
        for rep in r["reports"]:
            rows.append(
                (
                    r["backend"],
                    f"{r['scale']:g}",
                    f"工作简报 {rep['place']}",
                    f"{rep['seconds']:.1f}",
                    "",
                    "",
                    f"{rep['peak_mb']:,.0f}",
                    "",
                )
            )
    return markdown(rows)


def check_targets(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        slow = [f"{p['page']} {p['kind']} {p['worst_s']:.1f} s" for p in r["pages"] if p["worst_s"] > PAGE_TARGET]
        out.append(
            f"{r['backend']} scale {r['scale']:g}: a page's export ≤ {PAGE_TARGET:g} s: "
            + ("met" if not slow else "missed by " + ", ".join(slow))
        )
        for rep in r["reports"]:
            ok = rep["seconds"] <= REPORT_TARGET
            out.append(
                f"{r['backend']} scale {r['scale']:g}: 工作简报 {rep['place']} ≤ {REPORT_TARGET:g} s: "
                + ("met" if ok else f"missed ({rep['seconds']:.1f} s)")
            )
    return out
