"""`python -m render`: the export worker, run by render.worker in a process of its own (never inside a
viewer's server process).

- `page --url URL --kind png|pdf --out FILE [--wall]`: start a browser, capture one page, exit.
- `serve [--idle SECONDS]`: start a browser, say `ready` on stdout, then wait for one job on stdin (a JSON
  line: url, kind, out, wall, timeout), capture it and exit; exit quietly after the idle time or when
  stdin closes (its server went away). The server keeps one such warm worker, so a click does not wait
  for a browser to start.

Exit codes: 0 the file is written (or a warm worker idled out); 2 bad arguments or job; 3 the browser is
missing; 4 the page did not come up as an export."""

from __future__ import annotations

import argparse
import json
import select
import sys
from pathlib import Path


def _capture(job: dict, running: object | None = None) -> int:
    from .chromium import RendererMissing
    from .page import CaptureFailed, capture

    try:
        capture(
            job["url"],
            job["kind"],
            Path(job["out"]),
            wall=bool(job.get("wall")),
            timeout_ms=int(float(job.get("timeout", 45)) * 1000),
            running=running,
            allow=tuple(job.get("allow", ())),
        )
    except RendererMissing as exc:
        print(f"renderer missing: {exc}", file=sys.stderr)
        return 3
    except CaptureFailed as exc:
        print(f"capture failed: {exc}", file=sys.stderr)
        return 4
    except Exception as exc:  # noqa: BLE001 - a browser error or timeout: one line for the server log
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"capture failed: {type(exc).__name__}: {first}", file=sys.stderr)
        return 4
    return 0


def _serve(idle: float) -> int:
    from .chromium import RendererMissing, browser

    try:
        with browser() as running:
            print("ready", flush=True)
            ready, _w, _x = select.select([sys.stdin], [], [], idle)
            line = sys.stdin.readline() if ready else ""
            if not line.strip():
                return 0  # idled out, or the server closed the pipe
            try:
                job = json.loads(line)
            except ValueError:
                print("bad job", file=sys.stderr)
                return 2
            return _capture(job, running)
    except RendererMissing as exc:
        print(f"renderer missing: {exc}", file=sys.stderr)
        return 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m render")
    sub = parser.add_subparsers(dest="job", required=True)
    page = sub.add_parser("page", help="capture one page of the running app")
    page.add_argument("--url", required=True)
    page.add_argument("--kind", choices=("png", "pdf"), required=True)
    page.add_argument("--out", type=Path, required=True)
    page.add_argument("--wall", action="store_true", help="one 16:9 screen (the briefing wall)")
    page.add_argument("--timeout", type=float, default=45.0, help="seconds for the page to come up")
    serve = sub.add_parser("serve", help="a warm worker: a started browser waiting for one job on stdin")
    serve.add_argument("--idle", type=float, default=600.0, help="seconds to wait for the job (600)")
    args = parser.parse_args(argv)
    if args.job == "serve":
        return _serve(args.idle)
    job = {"url": args.url, "kind": args.kind, "out": str(args.out), "wall": args.wall, "timeout": args.timeout}
    return _capture(job)


if __name__ == "__main__":
    sys.exit(main())
