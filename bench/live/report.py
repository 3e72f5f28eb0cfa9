"""The live bench's report: its three tables (refresh, capture, lag) and the targets met or missed."""

from __future__ import annotations

from ..report import markdown
from .soak import pickup_seconds

# targets
REFRESH_1000_S = 1.0  # at scale 10: a 1,000-row change refreshed within a second
SMALL_SHARE = 0.10  # a 10-row change costs less than this share of a full rebuild
CAPTURE_RATIO = 2.0  # an insert with the triggers at most this many times a bare one
SCREEN_P95_S = 60.0  # write → on screen, p95


def _grid(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return markdown([head, *rows]).splitlines()


def _s(v: float | None, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def table(results: list[dict]) -> str:
    """The live part's three tables (refresh, capture, lag) for results of run() with backend and scale."""
    out = ["refresh after a write (incremental vs full rebuild; drift: full rebuild vs incremental result)", ""]
    rows = []
    for r in results:
        for s in r["live"]["steps"]:
            rows.append(
                (
                    r["backend"],
                    str(r["scale"]),
                    f"{s['changed_rows']:,}",
                    f"{s['write_seconds']:.2f}",
                    f"{s['refresh_seconds']:.3f}",
                    f"{s['groups']:,}",
                    f"{s['rows_written']:,}",
                    f"{s['full_seconds']:.2f}",
                    f"{s['ratio'] * 100:.1f} %",
                    "none" if not s["drift"] else "DRIFT",
                )
            )
    head = ("backend", "scale", "changed rows", "write s", "refresh s", "groups", "rows written", "full s")
    out += _grid((*head, "refresh/full", "drift"), rows)
    out += ["", "capture triggers' cost per inserted service record (best of 2)", ""]
    rows = []
    for r in results:
        c = r["live"]["capture"]
        rows.append(
            (
                r["backend"],
                str(r["scale"]),
                f"{c['singles']:,} × 1",
                f"{c['single_bare_us']:,.0f}",
                f"{c['single_captured_us']:,.0f}",
                f"{c['single_ratio']:.2f}×",
                f"{c['batch']:,}",
                f"{c['batch_bare_us']:,.1f}",
                f"{c['batch_captured_us']:,.1f}",
                f"{c['batch_ratio']:.2f}×",
            )
        )
    head = ("backend", "scale", "single txns", "bare µs", "captured µs", "ratio", "batch rows", "bare µs/row")
    out += _grid((*head, "captured µs/row", "ratio"), rows)
    out += ["", "write → refresh lag with the simulator and `refresher run --interval 5`", ""]
    rows = []
    for r in results:
        g = r["live"]["lag"]
        pick = sum(g["pickup"].values())
        rows.append(
            (
                r["backend"],
                str(r["scale"]),
                f"{g['seconds']:g} s ×{g['speed']:g}",
                f"{g['runs']} / {g['changes']:,}",
                f"{_s(g['run_seconds_p50'])} ({_s(g['run_seconds_max'])})",
                _s(g["lag_p50"], ".0f"),
                _s(g["lag_p95"], ".0f"),
                _s(g["lag_max"], ".0f"),
                f"{pick:g}",
                _s(g["screen_p95"], ".0f"),
                "none" if not g["drift"] else "DRIFT",
            )
        )
    head = ("backend", "scale", "simulated", "runs / changes", "run s p50 (max)", "lag p50 s", "lag p95 s")
    out += _grid((*head, "lag max s", "pickup s", "on screen p95 s", "drift"), rows)
    pk = results[0]["live"]["lag"]["pickup"] if results else pickup_seconds()
    out.append(
        f"\npickup = freshness cache ttl {pk['freshness_ttl']:g} s + the wall's redraw {pk['wall_redraw']:g} s; "
        "on screen = lag p95 + pickup"
    )
    seeds = [
        f"- seed {r['backend']} scale {r['scale']}: "
        + ("reused" if r["seed"]["reused"] else f"{r['seed']['seed_seconds']:.0f} s")
        + f"; baseline full rebuild {r['live']['baseline_full_seconds']:.2f} s; simulator: {r['live']['lag']['simulator']}"
        for r in results
    ]
    return "\n".join(out + [""] + seeds)


def check_targets(results: list[dict]) -> list[str]:
    """The live targets: one line per miss, or a line saying all were met."""
    misses = []
    for r in results:
        tag, live = f"{r['backend']} scale {r['scale']:g}", r["live"]
        for s in live["steps"]:
            n = s["changed_rows"]
            if s["drift"]:
                misses.append(f"{tag} {n:,} rows: incremental result differs from the full rebuild: {s['drift']}")
            if n == 1_000 and r["scale"] >= 10 and s["refresh_seconds"] > REFRESH_1000_S:
                misses.append(
                    f"{tag}: refresh of 1,000 changed rows {s['refresh_seconds']:.2f} s > {REFRESH_1000_S:g} s"
                )
            if n <= 10 and s["ratio"] >= SMALL_SHARE:
                misses.append(
                    f"{tag}: refresh of {n} changed rows {s['ratio'] * 100:.0f} % of a full rebuild (≥ {SMALL_SHARE:.0%})"
                )
        c = live["capture"]
        for kind in ("single", "batch"):
            if c[f"{kind}_ratio"] > CAPTURE_RATIO:
                misses.append(f"{tag}: {kind} insert with the capture triggers {c[f'{kind}_ratio']:.2f}× a bare one")
        g = live["lag"]
        if g["drift"]:
            misses.append(f"{tag}: after the simulated writes the incremental result differs: {g['drift']}")
        if g["screen_p95"] is None:
            misses.append(f"{tag}: no refresh consumed a simulated write; lag not measured")
        elif g["screen_p95"] > SCREEN_P95_S:
            misses.append(f"{tag}: write → screen p95 {g['screen_p95']:.0f} s > {SCREEN_P95_S:g} s")
        if g["backlog_after"]:
            misses.append(f"{tag}: {g['backlog_after']} journal rows still waiting after the simulator stopped")
    return misses or ["all targets met"]
