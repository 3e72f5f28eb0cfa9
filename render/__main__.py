"""`python -m render page --url URL --kind png|pdf --out FILE [--wall]`: the export worker's one job.

Run by render.worker in a process of its own (never inside a viewer's server process). Exit codes: 0 the
file is written; 2 bad arguments; 3 the browser is missing; 4 the page did not come up as an export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m render")
    sub = parser.add_subparsers(dest="job", required=True)
    page = sub.add_parser("page", help="capture one page of the running app")
    page.add_argument("--url", required=True)
    page.add_argument("--kind", choices=("png", "pdf"), required=True)
    page.add_argument("--out", type=Path, required=True)
    page.add_argument("--wall", action="store_true", help="one 16:9 screen (the briefing wall)")
    page.add_argument("--profile", type=Path, help="a browser profile folder kept between runs (its cache)")
    page.add_argument("--timeout", type=float, default=45.0, help="seconds for the page to come up")
    args = parser.parse_args(argv)

    from .chromium import RendererMissing
    from .page import CaptureFailed, capture

    try:
        capture(
            args.url, args.kind, args.out, wall=args.wall, timeout_ms=int(args.timeout * 1000), profile=args.profile
        )
    except RendererMissing as exc:
        print(f"renderer missing: {exc}", file=sys.stderr)
        return 3
    except CaptureFailed as exc:
        print(f"capture failed: {exc}", file=sys.stderr)
        return 4
    except Exception as exc:  # noqa: BLE001 - a browser error or timeout: one line for the server log
        print(f"capture failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
