"""python -m report [--url URL] [--place CODE|NAME] [--list-places] [--period P] [--cmp yoy|pop] [--lang zh|en] [--out DIR] [--mail-to ADDR]…

Exit codes: 0 written (and mailed); 2 bad input, nothing written; 3 written, the mail failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import BAD_INPUT, ReportError


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (and exit 2), like every other bad input here."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"参数错误 / bad arguments: {message} (python -m report --help)\n")
        raise SystemExit(BAD_INPUT)


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m report", description="二七区城市基层党建工作简报 (A4 PDF)")
    p.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, else the app's embedded SQLite file)")
    p.add_argument(
        "--place",
        help="street/town or community/village: its code (S03, S03C02), name (淮河路街道) or a unique part of "
        "the name (淮河路); none: the district",
    )
    p.add_argument("--list-places", action="store_true", help="print every place's code and name, and exit")
    p.add_argument("--period", help="YYYY-MM, YYYY-Qn or YYYY (default: the last whole month of the data)")
    p.add_argument("--cmp", default="yoy", help="yoy 同比 (default) or pop 环比")
    p.add_argument("--lang", default="zh", help="zh (default) or en")
    p.add_argument("--out", default=".", help="directory for the PDF (default: the current directory)")
    p.add_argument("--mail-to", action="append", default=[], metavar="ADDR", help="mail the PDF to ADDR (repeatable)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .build import list_places, make
    from .mail import check_addresses, send
    from .text import label

    if args.list_places:
        try:
            print("\n".join(list_places(args.url)))
        except ReportError as exc:
            print(exc, file=sys.stderr)
            return exc.code
        return 0
    try:
        recipients = check_addresses(args.mail_to)
        out, data = make(args.url, args.place, args.period, Path(args.out), args.cmp, args.lang)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    print(out)  # the file, for the script that scheduled us
    if not recipients:
        return 0
    lang = data.lang
    title = label("app_title", lang) + label("rep_briefing", lang)
    where, when = " › ".join(data.place.path), data.period.name(lang)
    lines = [f"{title}", f"{where} · {when}", label("as_of", lang, d=data.as_of.isoformat())]
    if data.is_demo:
        lines.append(label("rep_demo_note", lang))
    try:
        send(out, recipients, f"{title} · {where} · {when}", "\n".join(lines) + "\n")
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
