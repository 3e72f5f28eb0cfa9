"""python -m bench [--scales 1,10] [--pg URL] [--reps N] [--json FILE] [--data DIR] [--live|--load|--imports|--exports [options]]

Seeds (or reuses) a database per scale on SQLite and, with --pg, on PostgreSQL; measures every page
in a child process (so each gets its own peak memory); prints a table; writes the figures as JSON.
With --live it measures the live-data path instead (bench/live/, on a copy of each database): the
incremental refresh after writes of 10 to 100,000 rows against a full rebuild, what the change-capture
triggers add to an insert, and the write → refresh → screen lag with the simulator running.
With --load it measures what viewers wait for instead (bench/load.py): real app servers started as the
README starts them, many viewers over Streamlit's websocket protocol, the p50/p90/p99 of their clicks,
the first page for viewers arriving together, saturation throughput on one and on more servers, RSS.
With --imports it measures the importer instead (bench/imports.py): per scale, the seed, an export of
it in the import format, a dry run and the import into a fresh database, each step's time and peak.
With --exports it measures the PNG/PDF export of every page through a running server (what the viewer
waits, the renderer's time and peak memory) and the 工作简报 report for the district and one street.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from .report import markdown
from .report import ms as _ms

PROJECT = Path(__file__).resolve().parent.parent


def _scale_of(url: str) -> str | None:
    """The scale recorded in a database's dataset_meta, or None when it has no dataset."""
    engine = create_engine(url)
    try:
        if "dataset_meta" not in inspect(engine).get_table_names():
            return None
        with engine.connect() as conn:
            return conn.execute(text("SELECT value FROM dataset_meta WHERE key = 'scale'")).scalar()
    finally:
        engine.dispose()


def _ensure_pg_database(base: str, name: str) -> str:
    url = make_url(base)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def ensure_seeded(url: str, scale: float) -> dict:
    """Seed url at scale unless it already holds that scale; returns seed time and peak memory."""
    if _scale_of(url) == repr(scale):
        return {"seed_seconds": None, "seed_peak_rss_mb": None, "reused": True}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "seed", "--url", url, "--scale", str(scale), "--force"],
        cwd=PROJECT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seed_seconds": time.perf_counter() - started,
        "seed_peak_rss_mb": max(after, before) / 1024,
        "reused": False,
    }


def measure(url: str, reps: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.measure", "--url", url, "--reps", str(reps)],
        cwd=PROJECT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def table(results: list[dict]) -> str:
    head = (
        "backend",
        "scale",
        "page",
        "cold ms",
        "warm ms (max)",
        "change ms (max)",
        "floor ms",
        "chg/floor",
        "spec KB",
        "RSS MB",
    )
    rows = [head]
    for r in results:
        for p in r["pages"]:
            ratio = p["change_median"] / p["floor"] if p["floor"] else float("nan")
            rows.append(
                (
                    r["backend"],
                    str(r["scale"]),
                    p["page"].removeprefix("pages/").removesuffix(".py"),
                    _ms(p["cold_median"]),
                    f"{_ms(p['warm_median'])} ({_ms(p['warm_max'])})",
                    f"{_ms(p['change_median'])} ({_ms(p['change_max'])})",
                    _ms(p["floor"]),
                    f"{ratio:.1f}×",
                    f"{p['largest_spec_bytes'] / 1024:,.0f}",
                    f"{r['peak_rss_mb']:,.0f}",
                )
            )
    lines = markdown(rows).splitlines()
    seeds = [
        f"- seed {r['backend']} scale {r['scale']}: "
        + (
            "reused"
            if r["seed"]["reused"]
            else f"{r['seed']['seed_seconds']:.0f} s, peak {r['seed']['seed_peak_rss_mb']:.0f} MB"
        )
        for r in results
    ]
    return "\n".join(lines + [""] + seeds)


CHANGE_MS, WARM_MS, SPEC_BYTES, RSS_MB, SEED_S = 300, 100, 1_000_000, 600, 300
RATIO_SCALE, RATIO_FLOOR = 1.5, 1.5


def check_targets(results: list[dict]) -> list[str]:
    """The issue's targets, checked against this run: one line per miss, or a line saying all were met."""
    misses = []
    by = {(r["backend"], r["scale"], p["page"]): p for r in results for p in r["pages"]}
    for r in results:
        tag = f"{r['backend']} scale {r['scale']:g}"
        for p in r["pages"]:
            name = p["page"].removeprefix("pages/").removesuffix(".py")
            if p["errors"]:
                misses.append(f"{tag} {name}: {len(p['errors'])} runs ended in an error; its times are not valid")
            if p["largest_spec_bytes"] > SPEC_BYTES:
                misses.append(f"{tag} {name}: largest spec {p['largest_spec_bytes'] / 1e6:.2f} MB > 1 MB")
            if p["floor"] and p["change_median"] > RATIO_FLOOR * p["floor"] and p["change_median"] > 0.05:
                misses.append(f"{tag} {name}: change {p['change_median'] / p['floor']:.1f}x its queries' floor")
            if r["scale"] >= 10:
                if p["change_median"] * 1000 > CHANGE_MS:
                    misses.append(f"{tag} {name}: filter change {p['change_median'] * 1000:.0f} ms > {CHANGE_MS} ms")
                if p["warm_median"] * 1000 > WARM_MS:
                    misses.append(f"{tag} {name}: warm rerun {p['warm_median'] * 1000:.0f} ms > {WARM_MS} ms")
                small = by.get((r["backend"], 1.0, p["page"]))
                for step in ("warm", "change"):
                    a, b = (small or {}).get(f"{step}_median"), p[f"{step}_median"]
                    if a and b > RATIO_SCALE * a and b > 0.05:
                        misses.append(f"{tag} {name}: {step} {b / a:.1f}x scale 1")
        if r["scale"] >= 10:
            if r["peak_rss_mb"] > RSS_MB:
                misses.append(f"{tag}: app peak memory {r['peak_rss_mb']:.0f} MB > {RSS_MB} MB")
            if r["seed"]["seed_seconds"] and r["seed"]["seed_seconds"] > SEED_S:
                misses.append(f"{tag}: seed {r['seed']['seed_seconds']:.0f} s > {SEED_S} s")
    return misses or ["all targets met"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="comma-separated seed scales (default 1,10)")
    parser.add_argument("--pg", help="PostgreSQL server URL; a database per scale is created on it")
    parser.add_argument("--reps", type=int, default=5, help="repetitions per step (default 5)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--data", type=Path, default=PROJECT / "data" / "bench", help="where SQLite files live")
    live_opts = parser.add_argument_group("live data (--live)")
    live_opts.add_argument("--live", action="store_true", help="measure the live-data path instead of the pages")
    live_opts.add_argument(
        "--live-sizes", default="10,1000,100000", help="rows changed per refresh measured (default 10,1000,100000)"
    )
    live_opts.add_argument(
        "--live-seconds", type=float, default=120.0, help="how long the simulator runs for the lag (default 120)"
    )
    live_opts.add_argument("--live-speed", type=float, default=1.0, help="the simulator's speed (default 1)")
    live_opts.add_argument(
        "--live-inserts", type=int, default=2000, help="single-row insert transactions per trigger-cost round"
    )
    live_opts.add_argument("--live-batch", type=int, default=10000, help="rows of the batch insert per round")
    live_opts.add_argument(
        "--live-profile", type=Path, help="also profile a 1,000-row refresh (cProfile .prof files into this folder)"
    )
    load_opts = parser.add_argument_group("many viewers (--load)")
    load_opts.add_argument("--load", action="store_true", help="drive real app servers with many viewers")
    load_opts.add_argument("--viewers", type=int, default=30, help="viewers thinking and arriving together (30)")
    load_opts.add_argument("--think", type=float, default=10.0, help="mean think time between clicks, s (10)")
    load_opts.add_argument("--load-seconds", type=float, default=180.0, help="length of the think run, s (180)")
    load_opts.add_argument("--sat-viewers", type=int, default=10, help="viewers clicking back to back (10)")
    load_opts.add_argument("--sat-seconds", type=float, default=60.0, help="length of the saturation run, s (60)")
    load_opts.add_argument("--servers", default="1,2", help="app processes for the saturation run (1,2)")
    load_opts.add_argument("--soak", type=float, metavar="MINUTES", help="instead: the think shape for MINUTES")
    load_opts.add_argument(
        "--live-demo",
        action="store_true",
        help="with --soak: soak the embedded live demo (its simulator and refresher run in the server)",
    )
    load_opts.add_argument("--project", type=Path, default=PROJECT, help="the checkout to serve (this one)")
    load_opts.add_argument("--script", default="serve.py", help="the script streamlit runs (serve.py)")
    load_opts.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a streamlit option for the servers, e.g. runner.postScriptGC=true (repeatable)",
    )
    parser.add_argument(
        "--imports", action="store_true", help="measure export, check and import beside the seed instead"
    )
    parser.add_argument(
        "--exports", action="store_true", help="measure PNG/PDF exports of every page and the 工作简报 instead"
    )
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    args.data.mkdir(parents=True, exist_ok=True)
    args.data = args.data.resolve()  # app servers run in the checkout they serve (--project): no relative paths
    targets = []
    for scale in scales:
        tag = f"{scale:g}".replace(".", "_")
        targets.append(("sqlite", scale, f"sqlite:///{args.data / f'erqi-s{tag}.sqlite'}"))
        if args.pg:
            targets.append(("postgresql", scale, _ensure_pg_database(args.pg, f"erqi_bench_s{tag}")))
    if args.imports:
        return _imports(args, scales)
    if args.exports:
        return _exports(args, targets)
    if args.live:
        return _live(args, targets)
    if args.load:
        return _load(args, targets)
    results = []
    for backend, scale, url in targets:
        print(f"== {backend} scale {scale:g}: seeding", file=sys.stderr, flush=True)
        seed = ensure_seeded(url, scale)
        print(f"== {backend} scale {scale:g}: measuring", file=sys.stderr, flush=True)
        results.append({"backend": backend, "scale": scale, "seed": seed, **measure(url, args.reps)})
    print(table(results))
    print("\ntargets (steps under 50 ms are not held to the ratios):")
    print("\n".join(f"- {line}" for line in check_targets(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def _report(args, results: list[dict], title: str | None, table_of, targets_of) -> int:
    """Print the table and the targets this run missed; write the figures as JSON when asked."""
    if title:
        print(table_of(results))
        print(f"\ntargets ({title}):")
        print("\n".join(f"- {line}" for line in targets_of(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def _imports(args, scales: list[float]) -> int:
    """The importer part: seed, export, dry run and import per backend and scale, on fresh databases."""
    from . import imports

    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    results = [
        imports.run(backend, scale, args.data, pg=args.pg, log=lambda line: print(line, file=sys.stderr, flush=True))
        for scale in scales
        for backend in backends
    ]
    return _report(args, results, "imports", imports.table, imports.check_targets)


def _exports(args, targets: list[tuple[str, float, str]]) -> int:
    """The export part: every page's PNG and PDF through a running server, and the two reports."""
    from . import exports

    results = []
    for backend, scale, url in targets:
        print(f"== {backend} scale {scale:g}: seeding", file=sys.stderr, flush=True)
        ensure_seeded(url, scale)
        print(f"== {backend} scale {scale:g}: exports", file=sys.stderr, flush=True)
        log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
        results.append(exports.run(url, backend, scale, max(1, args.reps), log))
    return _report(args, results, "exports", exports.table, exports.check_targets)


def _live(args, targets: list[tuple[str, float, str]]) -> int:
    """The live-data part: every measurement on a copy of each (seeded or reused) database."""
    from . import live

    sizes = tuple(int(n) for n in args.live_sizes.split(",") if n.strip())
    if args.live_profile:
        args.live_profile.mkdir(parents=True, exist_ok=True)
    results = []
    for backend, scale, url in targets:
        print(f"== {backend} scale {scale:g}: seeding", file=sys.stderr, flush=True)
        seed = ensure_seeded(url, scale)
        profile = None
        if args.live_profile:
            profile = args.live_profile / f"{backend}-s{scale:g}"
            profile.mkdir(exist_ok=True)
        figures = live.run(
            url,
            backend,
            scale,
            args.data,
            sizes=sizes,
            lag_seconds=args.live_seconds,
            speed=args.live_speed,
            singles=args.live_inserts,
            batch=args.live_batch,
            profile=profile,
        )
        results.append({"backend": backend, "scale": scale, "seed": seed, "live": figures})
    return _report(args, results, "live data", live.table, live.check_targets)


def _load(args, targets: list[tuple[str, float, str]]) -> int:
    """The many-viewers part: every load shape against each (seeded or reused) database."""
    from . import load

    extra: list[str] = []
    for opt in args.server_option:
        name, _, value = opt.partition("=")
        extra += [f"--{name}", value]
    servers = tuple(int(n) for n in args.servers.split(",") if n.strip())
    results = []
    if args.soak and args.live_demo:  # the embedded live demo is its own database: one soak, scale 1
        targets = [("sqlite (live demo)", 1.0, "")]
    for backend, scale, url in targets:
        print(f"== {backend} scale {scale:g}: seeding", file=sys.stderr, flush=True)
        seed = ensure_seeded(url, scale) if url else {}
        print(f"== {backend} scale {scale:g}: load", file=sys.stderr, flush=True)
        if args.soak:
            soak = load.run_soak(
                url,
                minutes=args.soak,
                viewers=args.viewers,
                think=args.think,
                project=args.project.resolve(),
                script=args.script,
                extra=tuple(extra),
                log=lambda line: print(line, file=sys.stderr, flush=True),
                live_demo=args.live_demo,
            )
            print(f"soak, {backend} scale {scale:g}, {args.viewers} viewers, ~{args.think:g} s think time")
            print(load.soak_table(soak))
            results.append({"backend": backend, "scale": scale, "soak": soak})
            continue
        figures = load.run_target(
            url,
            viewers=args.viewers,
            think=args.think,
            seconds=args.load_seconds,
            sat_viewers=args.sat_viewers,
            sat_seconds=args.sat_seconds,
            servers=servers,
            project=args.project.resolve(),
            script=args.script,
            extra=tuple(extra),
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
        results.append({"backend": backend, "scale": scale, "seed": seed, "load": figures})
    if args.soak:  # its tables were printed as each soak ended
        return _report(args, results, None, None, None)
    return _report(args, results, "many viewers", load.table, load.check_targets)


if __name__ == "__main__":
    sys.exit(main())
