"""Load mode: real app servers, many viewers over the websocket protocol, timed as a viewer waits.

Servers are started as the README starts them (`streamlit run serve.py`, the production config's
settings given on the command line), each on its own loopback port, all on one database. Viewers are
`bench.viewer.Viewer`s spread over the servers; each opens a page (a deep link: a page and sometimes a
street or community in the URL) and then, after a think time, clicks: another page from the navigation,
or another street or community in the filter bar (some of them seen before, so warm; some new, so cache
misses). Three shapes:

- think:  N viewers, one click each think seconds on average (uniform 0.5x..1.5x), for a duration;
- burst:  N viewers arriving together: each one's first page, from connect to finish;
- saturate: N viewers clicking back to back on a small warm mix; runs per second.

Beside the app, the burst and think shapes run against the floor (bench/floor_app.py: the overview's shape
drawn from constants, on a server of its own started the same way), just before the app's run of the same
shape on the same machine: the ratio of the two holds where a time alone would follow the machine's load.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .report import markdown
from .report import ms as _ms
from .viewer import Viewer, ViewerError

PROJECT = Path(__file__).resolve().parent.parent
FLOOR_SCRIPT = Path(__file__).resolve().parent / "floor_app.py"
# what a visitor opens and clicks, with weights: the overview most, the data page least
PAGES = {"overview": 4, "grid_map": 3, "volunteers": 3, "organization": 2, "explore": 2, "briefing": 1, "data": 1}
FILTERED = ("overview", "grid_map", "volunteers", "organization", "explore")  # pages with the filter bar's place choice
STREETS = [f"S{i:02d}" for i in range(1, 10)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int, children: bool = True) -> float:
    """Resident memory of a process and (children) its children: the live demo's simulator, the exports'
    renderer."""
    pids = [pid]
    if children:  # a child started by any of the server's threads (a script run's) is listed under that thread
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                pids += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return sum(_vm_rss(p) for p in pids)


def arena_mb(pid: int) -> float:
    """Resident memory in glibc's extra malloc arenas (serving/memory.py). Read from outside the process."""
    return sum(arena_mappings(pid))


def arena_mappings(pid: int) -> list[float]:
    """Resident MB of each heap of glibc's extra malloc arenas, read from /proc/<pid>/smaps: a heap is a
    read-write anonymous mapping that starts on a 64 MB boundary and, with the inaccessible rest glibc
    reserved after it, fills exactly those 64 MB (a thread's stack or another mapping that starts on such a
    boundary by chance does not)."""
    maps: list[list] = []  # [start, end, permissions, anonymous, resident MB]
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
            lo, hi = (int(x, 16) for x in head[0].split("-"))
            maps.append([lo, hi, head[1], len(head) == 5, 0.0])
        elif maps and head and head[0] == "Rss:":
            maps[-1][4] += int(head[1]) / 1024
    heap = 64 << 20
    out = []
    for i, (lo, hi, perms, anonymous, rss) in enumerate(maps):
        if perms != "rw-p" or not anonymous or lo % heap:
            continue
        rest = maps[i + 1] if i + 1 < len(maps) else None
        if hi - lo == heap or (rest and rest[0] == hi and rest[2] == "---p" and rest[1] == lo + heap):
            out.append(rss)
    return out


def _vm_rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class AppServer:
    """One app process (`streamlit run serve.py`) on a loopback port."""

    db_url: str
    port: int = 0
    extra: list[str] = field(default_factory=list)  # further --option value pairs
    env: dict[str, str] = field(default_factory=dict)
    script: str = "serve.py"
    project: Path = PROJECT  # the checkout to serve (another one to measure an older version)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 120) -> AppServer:
        self.port = self.port or free_port()
        cmd = [sys.executable, "-m", "streamlit", "run", self.script, "--server.port", str(self.port)]
        cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
        cmd += ["--browser.gatherUsageStats", "false", *self.extra]
        # seeded demo data, open; the bench's viewers come through a "proxy" on this machine that names each one
        env = {**os.environ, "DATABASE_URL": self.db_url, "ERQI_OPEN_DEMO": "1", "ERQI_TRUSTED_PROXIES": "127.0.0.1"}
        env |= self.env
        self.proc = subprocess.Popen(
            cmd, cwd=self.project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the app server did not start")

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid) if self.proc else 0.0

    def wait_predrawn(self, wait: float = 300) -> float | None:
        """Wait until the process has pre-drawn its pages (serving.predraw, as /healthz tells this machine);
        the seconds it said the drawing took, or None for a process that does not pre-draw."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as r:
                    body = json.load(r)
            except urllib.error.HTTPError as exc:  # 503: the database is away for a moment
                body = json.load(exc)
            state = body.get("predraw")
            if state in (None, "off", "sign-in"):
                return None
            if state == "done":
                if body.get("predraw_failed"):
                    raise RuntimeError(f"the app server did not draw {body['predraw_failed']} of its pages")
                return body.get("predraw_seconds")
            time.sleep(0.5)
        raise RuntimeError("the app server did not finish pre-drawing")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Record:
    kind: str  # "first" (a viewer's first page), "page" (navigation), "filter" (a filter-bar click)
    page: str
    seconds: float
    ok: bool
    at: float  # time.monotonic() when it finished
    error: str = ""


class Click:
    """What a viewer does next, drawn from a seeded random source so runs are comparable."""

    def __init__(self, rng: random.Random, warm_only: bool = False):
        self.rng = rng
        self.warm_only = warm_only

    def page(self) -> str:
        names, weights = zip(*PAGES.items())
        return self.rng.choices(names, weights)[0]

    def deep_link(self) -> tuple[str, str]:
        page = self.page()
        if page in FILTERED and not self.warm_only and self.rng.random() < 0.4:
            return page, f"street={self.rng.choice(STREETS)}"
        return page, ""


async def _act(v: Viewer, click: Click, current: str) -> tuple[str, str, float]:
    """One click: another page (half the time) or another place in the filter bar. Returns (kind, page, s)."""
    rng = click.rng
    if current == "explore" and "_xw_measure" in v.selects and rng.random() < 0.3:  # another question
        n = len(v.selects["_xw_measure"].options)
        return "filter", current, await v.pick("_xw_measure", rng.randrange(3 if click.warm_only else n))
    if current in FILTERED and "_w_street" in v.selects and rng.random() < 0.5:
        streets = v.selects["_w_street"].options
        if "_w_community" in v.selects and not click.warm_only and rng.random() < 0.5:
            n = len(v.selects["_w_community"].options)
            return "filter", current, await v.pick("_w_community", rng.randrange(n))
        pool = 3 if click.warm_only else len(streets)  # the warm mix keeps to the first few streets
        return "filter", current, await v.pick("_w_street", rng.randrange(pool))
    page = click.page()
    return "page", page, await v.page(page, v.query)


def client_address(i: int) -> str:
    """Viewer i's own address: a room of machines behind the proxy, not one client (the session cap gives
    one client at most ERQI_MAX_ANONYMOUS_PER_CLIENT anonymous seats)."""
    return f"10.77.{i // 250}.{i % 250 + 1}"


async def _viewer(
    base: str, click: Click, records: list[Record], stop_at: float, think: float, client: str = ""
) -> None:
    v = Viewer(base, client=client)
    page, query = click.deep_link()
    started = time.perf_counter()
    try:
        await v.open()
        await v.page(page, query)
        records.append(Record("first", page, time.perf_counter() - started, True, time.monotonic()))
    except (TimeoutError, ViewerError, OSError) as exc:
        records.append(Record("first", page, time.perf_counter() - started, False, time.monotonic(), str(exc)))
        await v.close()
        return
    current = page
    try:
        while time.monotonic() < stop_at:
            if think:
                await asyncio.sleep(think * click.rng.uniform(0.5, 1.5))
                if time.monotonic() >= stop_at:
                    break
            try:
                kind, current, seconds = await _act(v, click, current)
                records.append(Record(kind, current, seconds, True, time.monotonic()))
            except (TimeoutError, ViewerError, KeyError) as exc:
                records.append(Record("click", current, float("nan"), False, time.monotonic(), str(exc)[:200]))
                if isinstance(exc, ViewerError) and "closed" in str(exc):
                    return
    finally:
        await v.close()


async def drive(
    bases: list[str],
    viewers: int,
    seconds: float,
    think: float,
    seed: int = 1,
    warm_only: bool = False,
    stagger: float = 0.0,
) -> list[Record]:
    """Run viewers against the servers (round robin) for seconds; every request's record."""
    records: list[Record] = []
    stop_at = time.monotonic() + seconds
    tasks = []
    for i in range(viewers):
        click = Click(random.Random(seed * 1000 + i), warm_only)
        base = bases[i % len(bases)]
        tasks.append(asyncio.create_task(_viewer(base, click, records, stop_at, think, client_address(i))))
        if stagger:
            await asyncio.sleep(stagger)
    await asyncio.gather(*tasks)
    return records


def pct(values: list[float], q: float) -> float | None:
    values = sorted(v for v in values if v == v)
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def summary(records: list[Record], seconds: float | None = None) -> dict:
    """Percentiles per page and over all clicks (first pages apart), errors, throughput."""
    clicks = [r for r in records if r.kind != "first"]
    ok = [r.seconds for r in clicks if r.ok]
    firsts = [r.seconds for r in records if r.kind == "first" and r.ok]
    out = {
        "clicks": len(clicks),
        "errors": sum(not r.ok for r in records),
        "error_samples": sorted({r.error for r in records if not r.ok})[:5],
        "p50": pct(ok, 50),
        "p90": pct(ok, 90),
        "p99": pct(ok, 99),
        "first_p50": pct(firsts, 50),
        "first_p90": pct(firsts, 90),
        "first_p99": pct(firsts, 99),
        "first_max": max(firsts) if firsts else None,
        "first_count": len(firsts),
        "per_page": {},
    }
    if seconds:
        out["runs_per_s"] = len(ok) / seconds
    for page in PAGES:
        mine = [r.seconds for r in clicks if r.ok and r.page == page]
        if mine:
            out["per_page"][page] = {"n": len(mine), "p50": pct(mine, 50), "p90": pct(mine, 90), "p99": pct(mine, 99)}
    return out


def run_think(bases, viewers=30, seconds=120.0, think=10.0, seed=1) -> dict:
    records = asyncio.run(drive(bases, viewers, seconds, think, seed, stagger=think / max(viewers, 1)))
    return summary(records, seconds) | {"records": records}


def run_burst(bases, viewers=30, seed=2) -> dict:
    records = asyncio.run(drive(bases, viewers, 0.0, 0.0, seed))
    return summary(records) | {"viewers": viewers}


def run_saturate(bases, viewers=10, seconds=60.0, seed=3) -> dict:
    # a short warm-up so the warm mix is warm, then the measured run
    asyncio.run(drive(bases, viewers, 15.0, 0.0, seed, warm_only=True))
    records = asyncio.run(drive(bases, viewers, seconds, 0.0, seed + 1, warm_only=True))
    return summary(records, seconds)


def run_target(
    db_url: str,
    *,
    viewers: int,
    think: float,
    seconds: float,
    sat_viewers: int,
    sat_seconds: float,
    servers: tuple[int, ...],
    project: Path = PROJECT,
    script: str = "serve.py",
    extra: tuple[str, ...] = (),
    log=print,
    floor: bool = True,
) -> dict:
    """Every load shape against one database: think on the first server count; burst (a fresh start) and
    saturate on every server count; with floor, burst and think on the floor app first, on the same machine."""
    out: dict = {"servers": {}}
    if floor:
        out["floor"] = run_floor(viewers, think, seconds, extra, log)
    for n in servers:
        procs = [AppServer(db_url, script=script, project=project, extra=list(extra)) for _ in range(n)]
        try:
            for p in procs:
                p.start()
            bases = [p.base for p in procs]
            rss_start = sum(p.rss_mb() for p in procs)
            fig: dict = {"rss_start_mb": rss_start}
            log(f"   burst: {viewers} viewers arriving together on {n} server(s)")
            fig["burst"] = run_burst(bases, viewers)
            if n == servers[0]:
                log(f"   think: {viewers} viewers, ~{think:g} s think time, {seconds:g} s")
                think_fig = run_think(bases, viewers, seconds, think)
                think_fig.pop("records")
                fig["think"] = think_fig
            log(f"   saturate: {sat_viewers} viewers back to back on the warm mix, {sat_seconds:g} s, {n} server(s)")
            fig["saturate"] = run_saturate(bases, sat_viewers, sat_seconds)
            fig["rss_end_mb"] = sum(p.rss_mb() for p in procs)
            out["servers"][n] = fig
        finally:
            for p in procs:
                p.stop()
        out["servers"][n] |= run_predrawn_burst(db_url, n, viewers, project, script, extra, log)
    return out


def run_predrawn_burst(db_url, n, viewers, project, script, extra, log=print) -> dict:
    """The burst again, at fresh processes that have finished pre-drawing their pages (serving.predraw)."""
    procs = [AppServer(db_url, script=script, project=project, extra=list(extra)) for _ in range(n)]
    try:
        for p in procs:
            p.start()
        drawn = [p.wait_predrawn() for p in procs]
        if any(d is None for d in drawn):
            return {}  # a checkout that does not pre-draw
        log(f"   burst: {viewers} viewers arriving together on {n} pre-drawn server(s) ({max(drawn):g} s drawing)")
        return {"burst_predrawn": run_burst([p.base for p in procs], viewers) | {"predraw_s": max(drawn)}}
    finally:
        for p in procs:
            p.stop()


def run_floor(viewers: int, think: float, seconds: float, extra: tuple[str, ...] = (), log=print) -> dict:
    """The burst and think shapes on the floor app (one fresh server), as the app gets them."""
    server = AppServer("", script=str(FLOOR_SCRIPT), project=PROJECT, extra=list(extra)).start()
    try:
        fig: dict = {"rss_start_mb": server.rss_mb()}
        log(f"   floor burst: {viewers} viewers arriving together")
        fig["burst"] = run_burst([server.base], viewers)
        log(f"   floor think: {viewers} viewers, ~{think:g} s think time, {seconds:g} s")
        fig["think"] = run_think([server.base], viewers, seconds, think)
        fig["think"].pop("records")
        fig["rss_end_mb"] = server.rss_mb()
        return fig
    finally:
        server.stop()


def table(results: list[dict]) -> str:
    head = (
        "backend",
        "scale",
        "shape",
        "servers",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "first max s",
        "runs/s",
        "errors",
        "RSS MB start→end",
    )
    rows = [head]
    for r in results:
        runs = list(r["load"]["servers"].items())
        if r["load"].get("floor"):
            runs.append(("1 (floor app)", r["load"]["floor"]))
        for n, fig in runs:
            rss = f"{fig['rss_start_mb']:,.0f}→{fig['rss_end_mb']:,.0f}"
            for shape in SHAPES:
                s = fig.get(shape)
                if not s:
                    continue
                burst = shape.startswith("burst")
                first = "—" if not burst or s["first_max"] is None else f"{s['first_max']:.1f}"
                if burst:  # the first page of each arriving viewer
                    p50, p90, p99 = s["first_p50"], s["first_p90"], s["first_p99"]
                else:
                    p50, p90, p99 = s["p50"], s["p90"], s["p99"]
                runs = f"{s['runs_per_s']:.1f}" if "runs_per_s" in s else "—"
                rows.append(
                    (
                        r["backend"],
                        f"{r['scale']:g}",
                        SHAPE_NAMES[shape],
                        str(n),
                        _ms(p50),
                        _ms(p90),
                        _ms(p99),
                        first,
                        runs,
                        str(s["errors"]),
                        rss,
                    )
                )
    lines = markdown(rows).splitlines()
    per_page = []
    for r in results:
        for fig in [*r["load"]["servers"].values(), *([r["load"]["floor"]] if r["load"].get("floor") else [])]:
            th = fig.get("think")
            if th:
                cells = ", ".join(
                    f"{p} {_ms(v['p50'])}/{_ms(v['p90'])}/{_ms(v['p99'])}" for p, v in th["per_page"].items()
                )
                per_page.append(f"- {r['backend']} scale {r['scale']:g}, think, p50/p90/p99 ms per page: {cells}")
            for shape in SHAPES:
                if fig.get(shape) and fig[shape]["error_samples"]:
                    per_page.append(
                        f"- {r['backend']} scale {r['scale']:g} {shape} errors: {fig[shape]['error_samples']}"
                    )
    return "\n".join(lines + [""] + per_page)


THINK_P90, THINK_P99, BURST_FIRST, FLOOR_RATIO = 0.5, 1.0, 3.0, 3.0
SHAPES = ("think", "burst", "burst_predrawn", "saturate")
SHAPE_NAMES = {"think": "think", "burst": "burst (fresh start)", "burst_predrawn": "burst (pre-drawn)", "saturate": "saturate"}


def _s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.1f}"


def check_targets(results: list[dict]) -> list[str]:
    misses = []
    for r in results:
        tag = f"{r['backend']} scale {r['scale']:g}"
        servers = r["load"]["servers"]
        one = servers.get(min(servers))
        th = one.get("think")
        if th:
            if th["p90"] is None or th["p90"] > THINK_P90:
                misses.append(f"{tag}: think p90 {_ms(th['p90'])} ms > {THINK_P90 * 1000:.0f} ms")
            if th["p99"] is None or th["p99"] > THINK_P99:
                misses.append(f"{tag}: think p99 {_ms(th['p99'])} ms > {THINK_P99 * 1000:.0f} ms")
        floor = (r["load"].get("floor") or {}).get("burst") or {}
        for which in ("burst", "burst_predrawn"):  # at a fresh start, and once the process has pre-drawn
            bu, shape = one.get(which), SHAPE_NAMES[which]
            if not bu:
                continue
            if bu["first_max"] is None or bu["first_max"] > BURST_FIRST or bu["first_count"] < bu["viewers"]:
                misses.append(f"{tag}: {shape}, slowest first page {_s(bu['first_max'])} s (target {BURST_FIRST:g} s)")
            if bu["first_max"] and floor.get("first_max"):
                ratio = bu["first_max"] / floor["first_max"]
                if ratio > FLOOR_RATIO:
                    misses.append(f"{tag}: {shape}, slowest first page {ratio:.1f}x the floor's (target {FLOOR_RATIO:g}x)")
        for n, fig in servers.items():
            for shape in SHAPES:
                if fig.get(shape) and fig[shape]["errors"]:
                    misses.append(f"{tag} {shape} on {n} server(s): {fig[shape]['errors']} errors")
    return misses or ["all targets met"]


def run_soak(
    db_url: str,
    *,
    minutes: float,
    viewers: int,
    think: float,
    window: float = 300.0,
    project: Path = PROJECT,
    script: str = "serve.py",
    extra: tuple[str, ...] = (),
    log=print,
    live_demo: bool = False,
) -> dict:
    """The think shape for minutes on one server: RSS every 30 s, percentiles and errors per window.
    live_demo: the server runs the embedded live demo (ERQI_LIVE_DEMO=1: its simulator writes and its
    refresher follows as the viewers click); one viewer opens it first, so its first-start build is not
    part of the soak."""
    env = {"ERQI_LIVE_DEMO": "1"} if live_demo else {}
    server = AppServer("" if live_demo else db_url, script=script, project=project, extra=list(extra), env=env)
    server.start()
    if live_demo:
        asyncio.run(drive([server.base], 1, 0.0, 0.0, 99))  # the build of the demo file, outside the clock
        log("   the live demo is built; the soak starts")
    # (seconds, the server with its children, the server alone, the server's extra malloc arenas)
    rss: list[tuple[float, float, float, float]] = []
    t0 = time.monotonic()

    async def sample() -> None:
        while True:
            rss.append(_memory(server, t0))
            await asyncio.sleep(30)

    async def both() -> list[Record]:
        sampler = asyncio.create_task(sample())
        try:
            return await drive([server.base], viewers, minutes * 60, think, 7, stagger=think / max(viewers, 1))
        finally:
            sampler.cancel()

    try:
        records = asyncio.run(both())
        rss.append(_memory(server, t0))
    finally:
        server.stop()
    windows = []
    for k in range(int(minutes * 60 // window + 0.999)):
        lo, hi = t0 + k * window, t0 + (k + 1) * window
        mine = [r for r in records if lo <= r.at < hi]
        s = summary(mine, window)
        w_rss = [(m, own, arenas) for t, m, own, arenas in rss if k * window <= t < (k + 1) * window]
        windows.append(
            {
                "minutes": f"{k * window / 60:g}-{(k + 1) * window / 60:g}",
                "clicks": s["clicks"],
                "errors": s["errors"],
                "p50": s["p50"],
                "p90": s["p90"],
                "p99": s["p99"],
                "rss_mb": w_rss[-1][0] if w_rss else None,
                "server_rss_mb": w_rss[-1][1] if w_rss else None,
                "arena_mb": w_rss[-1][2] if w_rss else None,
            }
        )
        log(f"   window {windows[-1]}")
    return {"windows": windows, "rss": rss, "total": summary(records, minutes * 60) | {"records": None}}


def _memory(server: AppServer, t0: float) -> tuple[float, float, float, float]:
    pid = server.proc.pid
    return (time.monotonic() - t0, server.rss_mb(), rss_mb(pid, children=False), arena_mb(pid))


def soak_table(fig: dict) -> str:
    rows = [("minutes", "clicks", "errors", "p50 ms", "p90 ms", "p99 ms", "RSS MB, with children", "server alone")]
    rows[0] += ("of it in malloc arenas",)
    for w in fig["windows"]:
        rows.append(
            (
                w["minutes"],
                str(w["clicks"]),
                str(w["errors"]),
                _ms(w["p50"]),
                _ms(w["p90"]),
                _ms(w["p99"]),
                "—" if w["rss_mb"] is None else f"{w['rss_mb']:,.0f}",
                "—" if w.get("server_rss_mb") is None else f"{w['server_rss_mb']:,.0f}",
                "—" if w.get("arena_mb") is None else f"{w['arena_mb']:,.0f}",
            )
        )
    return markdown(rows)
