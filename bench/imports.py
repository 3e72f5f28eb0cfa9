"""python -m bench --imports: what an import of a district's own data costs beside seeding the same data.

Per backend and scale: `python -m seed` into a fresh database, `python -m seed.importer --export` of it
(service-record coordinates included), `--dry-run` of the export (reading and every check, the coordinate
check among them), and the import itself into a second fresh database. Each step runs in a child process
of its own, so its time and its own peak memory (wait4's rusage of that child) are what is reported.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .report import markdown

PROJECT = Path(__file__).resolve().parent.parent
MEMORY_FACTOR = 3  # the import's peak within ~3x the seed's for the same data (issue 18)
DRY_RUN_SECONDS = 120  # reading and checking ten times the district: minutes would be a regression


def run_measured(argv: list[str]) -> dict:
    """Run `python argv` in the project: exit code, seconds, this child's own peak RSS (MB), stderr's tail."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    _pid, status, usage = os.wait4(proc.pid, 0)  # this child's rusage, not the largest of every child so far
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "code": proc.returncode,
        "seconds": time.perf_counter() - started,
        "peak_mb": usage.ru_maxrss / 1024,
        "stderr": err[-3000:],
    }


def _fresh_pg(base: str, name: str) -> str:
    url = make_url(base)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _fresh_sqlite(path: Path) -> str:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def run(backend: str, scale: float, data: Path, pg: str | None = None, log: Callable[[str], None] = print) -> dict:
    """Seed, export, check and import one scale on one backend; the figures of each step."""
    tag = f"{scale:g}".replace(".", "_")
    if backend == "postgresql":
        assert pg, "PostgreSQL needs a server URL"
        source = _fresh_pg(pg, f"erqi_bench_import_src_s{tag}")
        target = _fresh_pg(pg, f"erqi_bench_import_dst_s{tag}")
    else:
        source = _fresh_sqlite(data / f"import-src-s{tag}.sqlite")
        target = _fresh_sqlite(data / f"import-dst-s{tag}.sqlite")
    folder = data / f"import-{backend}-s{tag}"
    shutil.rmtree(folder, ignore_errors=True)
    steps = {
        "seed": ["-m", "seed", "--url", source, "--scale", str(scale), "--force"],
        "export": ["-m", "seed.importer", "--export", str(folder), "--url", source],
        "dry_run": ["-m", "seed.importer", str(folder), "--url", target, "--dry-run"],
        "import": ["-m", "seed.importer", str(folder), "--url", target],
    }
    out: dict = {"backend": backend, "scale": scale}
    for name, argv in steps.items():
        log(f"== imports {backend} scale {scale:g}: {name}")
        step = run_measured(argv)
        if step["code"] != 0:
            raise RuntimeError(f"{name} exited {step['code']}:\n{step['stderr']}")
        out[name] = {k: step[k] for k in ("seconds", "peak_mb")}
    out["rows"] = sum(_rows(f) for f in folder.glob("*.csv"))
    out["input_mb"] = sum(f.stat().st_size for f in folder.glob("*.csv")) / 1e6
    return out


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)  # records, not lines: a quoted value may hold one


def table(results: list[dict]) -> str:
    head = ("backend", "scale", "rows", "CSV MB", "seed s", "seed MB", "export s", "check s", "import s", "import MB")
    rows = [head]
    for r in results:
        rows.append(
            (
                r["backend"],
                f"{r['scale']:g}",
                f"{r['rows']:,}",
                f"{r['input_mb']:,.0f}",
                f"{r['seed']['seconds']:,.0f}",
                f"{r['seed']['peak_mb']:,.0f}",
                f"{r['export']['seconds']:,.0f}",
                f"{r['dry_run']['seconds']:,.0f}",
                f"{r['import']['seconds']:,.0f}",
                f"{r['import']['peak_mb']:,.0f} ({r['import']['peak_mb'] / r['seed']['peak_mb']:.1f}× seed)",
            )
        )
    return markdown(rows)


def check_targets(results: list[dict]) -> list[str]:
    misses = []
    for r in results:
        tag = f"{r['backend']} scale {r['scale']:g}"
        limit = MEMORY_FACTOR * r["seed"]["peak_mb"]
        if r["import"]["peak_mb"] > limit:
            misses.append(f"{tag}: import peak {r['import']['peak_mb']:.0f} MB > {MEMORY_FACTOR}x the seed's")
        if r["dry_run"]["seconds"] > DRY_RUN_SECONDS * max(r["scale"] / 10, 1):
            misses.append(f"{tag}: checking took {r['dry_run']['seconds']:.0f} s")
    return misses or ["all targets met"]
