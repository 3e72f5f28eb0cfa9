"""The briefing report (python -m report): the PDFs' figures against the query layer, a street's report
naming no other street, the mail attachment through a local SMTP sink, and bad input refused with exit 2.

Needs Debian's Chromium and poppler-utils (pdftotext); without them these tests fail, they never skip."""

from __future__ import annotations

import email
import os
import re
import socketserver
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import text as sql_text

from data_access.compare import change, previous_period
from data_access.db import read_engine
from data_access.filters import Filters
from data_access.queries import overview as ov
from data_access.queries import volunteers as vq
from report import ReportError
from report.period import default_period, parse_period
from ui.kpi import fmt_number
from ui.labels import TEXT

from .conftest import PROJECT

PERIOD = "2017-09"  # the seed's last month: 同比 against 2016-09
FIGURES = ("orgs", "members", "building_groups", "hours", "activities", "volunteers", "served")
DEFINITIONS = (
    "def_orgs",
    "def_members",
    "def_building_groups",
    "def_hours",
    "def_activities",
    "def_overdue",
    "cmp_help",
)


def run_report(url: str, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "report", "--url", url, "--out", str(out), *extra]
    return subprocess.run(args, cwd=PROJECT, capture_output=True, text=True, timeout=180, env=env)


def pdf_text(path: Path) -> str:
    """The PDF's text with all white space removed (a name wrapped across lines is still found)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


@pytest.fixture(scope="module")
def reports(sqlite_url, tmp_path_factory) -> dict[str, Path]:
    """The district's and 铭功路街道's (S03) reports for 2017-09, made by the command, side by side."""
    assert Path("/usr/bin/chromium").exists(), "Debian's chromium is required (apt-get install chromium)"
    out = tmp_path_factory.mktemp("reports")
    args = [sys.executable, "-m", "report", "--url", sqlite_url, "--period", PERIOD, "--out", str(out)]
    runs = {
        key: subprocess.Popen([*args, *extra], cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for key, extra in (("district", []), ("S03", ["--place", "S03"]))
    }
    for key, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"{key}: {stderr}"
        assert stdout.strip().endswith(f"erqi-briefing-{key}-{PERIOD}.pdf")
    return {key: out / f"erqi-briefing-{key}-{PERIOD}.pdf" for key in runs}


@pytest.fixture(scope="module")
def expected(sqlite_url) -> dict:
    """The figures, ranking and places as the query layer gives them."""
    engine = read_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            first, _as_of = ov.date_bounds(ov.dataset_info(conn))
            places = ov.places(conn)
            s03 = int(places.streets.loc[places.streets["code"] == "S03", "id"].iloc[0])
            out = {"places": places, "s03_name": str(places.streets.loc[places.streets["id"] == s03, "name"].iloc[0])}
            for key, f in (
                ("district", Filters(date(2017, 9, 1), date(2017, 9, 30))),
                ("S03", Filters(date(2017, 9, 1), date(2017, 9, 30), street_id=s03)),
            ):
                before = previous_period(f, "yoy", first)
                out[key] = {
                    "kpis": ov.kpis(conn, f),
                    "before": ov.kpis(conn, before),
                    "ranking": ov.area_ranking(conn, f).sort_values("hours", ascending=False),
                }
            return out
    finally:
        engine.dispose()


def arrow(current: float, previous: float) -> str:
    diff, share = change(current, previous)
    assert share is not None and diff
    return f"▲{share:.1%}" if diff > 0 else f"▼{-share:.1%}"


@pytest.mark.parametrize("key", ["district", "S03"])
def test_headline_figures_and_change(reports, expected, key):
    text = pdf_text(reports[key])
    k, k0 = expected[key]["kpis"], expected[key]["before"]
    for name in FIGURES:
        assert fmt_number(k[name]) in text, (key, name, fmt_number(k[name]))
    assert f"同比{arrow(k['hours'], k0['hours'])}" in text  # a flow against 2016-09
    assert f"同比{arrow(k['requests'], k0['requests'])}" in text
    assert f"同比{arrow(k['volunteers'], k0['volunteers'])}" in text  # a stock against its number on 2016-09-30
    assert "无历史" in text  # a figure without a dated history says so
    assert "二七区城市基层党建工作简报" in text and "2017年9月" in text and "数据截至2017-09-30" in text
    assert "示例数据" in text
    for definition in DEFINITIONS:
        assert re.sub(r"\s+", "", TEXT[definition][0]) in text, definition


@pytest.mark.parametrize("key", ["district", "S03"])
def test_ranking_in_order(reports, expected, key):
    text = pdf_text(reports[key])
    heading = "街道（镇）排名" if key == "district" else "社区（村）排名"
    section = text[text.index(heading) : text.index("当前预警")]
    names = list(expected[key]["ranking"]["area"])
    assert len(names) >= 5
    positions = [section.index(name) for name in names]
    assert positions == sorted(positions), names


def test_street_report_names_no_other_street(reports, expected):
    text = pdf_text(reports["S03"])
    assert f"二七区›{expected['s03_name']}" in text
    others = [n for n in expected["places"].streets["name"] if n != expected["s03_name"]]
    assert len(others) == 16
    for name in others:
        short = re.sub(r"(街道|镇)$", "", name)
        assert name not in text and short not in text, name
    district = pdf_text(reports["district"])
    assert all(name in district for name in expected["places"].streets["name"])


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")


def summary_text(path: Path) -> str:
    """The 数据解读 box of a report, its spaces removed, without the quoted task title and the fixed terms
    (90 天, 1+X+Y) whose digits are not figures."""
    text = pdf_text(path)
    box = text[text.index("数据解读") + 4 : text.index("一、主要指标")]
    return re.sub(r"“[^”]*”", "“”", box)


@pytest.mark.parametrize("key", ["district", "S03"])
def test_summary_numbers_match_the_query_layer(reports, expected, sqlite_url, key):
    """Every number the 数据解读 says is a figure of the query layer that the tables below print, and its
    claims (the hours' change, who rose and fell most, the warnings) are the query layer's."""
    from data_access.queries import report as rq
    from ui import numbers
    from ui.compare import rank_change

    box = summary_text(reports[key])
    engine = read_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            first, as_of = ov.date_bounds(ov.dataset_info(conn))
            sid = None if key == "district" else int(expected["places"].streets.set_index("code").loc[key, "id"])
            f = Filters(date(2017, 9, 1), date(2017, 9, 30), street_id=sid)
            before = previous_period(f, "yoy", first)
            ranking, ranking_before = ov.area_ranking(conn, f), ov.area_ranking(conn, before)
            warnings = ov.warning_counts(conn, f, as_of)
            overdue = ov.overdue_tasks(conn, f, as_of)
            meetings = rq.meeting_gap_orgs(conn, f, as_of)
    finally:
        engine.dispose()
    k, k0 = expected[key]["kpis"], expected[key]["before"]
    allowed = {"2016-09", "90", "1"}  # the compared month; 90 天 and 1+X+Y are terms
    # the flows, and the stocks with a past (their number on the two periods' last days)
    flows = ("activities", "hours", "served", "events", "joint_meetings", "requests", "wishes")
    stocks = ("orgs", "members", "building_groups", "teams", "volunteers", "service_centers", "kitchens")
    for name in flows + stocks:
        allowed |= {fmt_number(k[name]), fmt_number(k0[name])}
        diff, share = change(k[name], k0[name])
        if share is not None:
            allowed.add(numbers.signed_percent(abs(share)).lstrip("+"))
    moved = rank_change(ranking, ranking_before, "area_id", "hours")
    ranks = ranking["hours"].rank(ascending=False, method="min").astype(int)
    allowed |= {fmt_number(numbers.round_whole(float(h))) for h in ranking["hours"]}
    allowed |= {fmt_number(int(r)) for r in ranks} | {fmt_number(abs(int(m))) for m in moved.dropna()}
    totals = warnings[["overdue_tasks", "meeting_gaps", "staffing_gaps"]].sum()
    allowed |= {fmt_number(int(v)) for v in totals} | {fmt_number(int(d)) for d in overdue["days_overdue"]}
    allowed |= {fmt_number(int(v)) for v in warnings["staffing_gaps"]}
    if key != "district":  # a street's gaps gather by community
        from data_access.queries import grid as gq

        engine = read_engine(sqlite_url)
        with engine.connect() as conn:
            gaps = gq.grid_staffing(conn, f)
        engine.dispose()
        allowed |= {fmt_number(int(n)) for n in gaps[gaps["level"] == 4].groupby("community").size()}
    said = NUMBER.findall(box.replace("2016-09", ""))
    assert said and set(said) <= allowed, set(said) - allowed

    # the claims: hours and its change, the leader, the largest movers, the warnings' counts
    diff, share = change(k["hours"], k0["hours"])
    word = "增长" if diff > 0 else "下降"
    assert f"志愿服务时数{fmt_number(k['hours'])}小时，{word}{numbers.signed_percent(abs(share)).lstrip('+')}" in box
    leader = ranking.loc[ranks == 1, "area"].iloc[0]
    assert f"{leader}居首" in box
    if (moved > 0).any():
        rose = ranking.loc[moved == moved.max(), "area"]
        assert all(name in box for name in rose.head(3)) and f"上升{int(moved.max())}位" in box
    if (moved < 0).any():
        assert f"下降{-int(moved.min())}位" in box
    assert f"督查任务逾期{int(totals['overdue_tasks'])}项" in box or int(totals["overdue_tasks"]) == 0
    if len(meetings):
        assert f"{len(meetings)}个社区/村党组织90天未开展三会一课" in box
    if key != "district":  # the street's report names no other street, in its summary too
        others = [n for n in expected["places"].streets["name"] if n != expected["s03_name"]]
        assert not any(n in box for n in others)


def test_place_by_name_and_list(sqlite_url, capsys):
    from report.__main__ import main
    from report.build import resolve_place

    engine = read_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            street = ov.places(conn).streets.set_index("code").loc["S03", "name"]
            assert resolve_place(conn, street).code == "S03"  # the whole name
            assert resolve_place(conn, street.removesuffix("街道")).code == "S03"  # a unique part of it
            assert resolve_place(conn, "s03").code == "S03"
            with pytest.raises(ReportError) as ambiguous:
                resolve_place(conn, "街道")
            assert "S01" in str(ambiguous.value) and "不唯一" in str(ambiguous.value)
    finally:
        engine.dispose()
    assert main(["--url", sqlite_url, "--list-places"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["S03", street] for line in lines)
    assert sum(not line.startswith(" ") for line in lines) == 17


def test_bad_place_and_period_exit_2(sqlite_url, tmp_path):
    for extra, words in (
        (["--place", "S99"], "S99"),
        (["--place", "街道"], "S01"),  # ambiguous: one line naming the candidates
        (["--period", "2017-13"], "2017-13"),
        (["--period", "2030-01"], "2030-01"),
    ):
        out = tmp_path / "out"
        done = run_report(sqlite_url, out, *extra)
        assert done.returncode == 2, (extra, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in done.stderr, done.stderr
        assert done.stdout == "" and not (out.exists() and any(out.iterdir()))


def test_missing_chromium_exits_2(sqlite_url, tmp_path, monkeypatch, capsys):
    import render.chromium
    from report.__main__ import main

    def missing() -> str:
        raise render.chromium.RendererMissing("chromium is not installed")

    monkeypatch.setattr(render.chromium, "executable", missing)
    assert main(["--url", sqlite_url, "--out", str(tmp_path)]) == 2
    assert "Chromium" in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_periods():
    first, as_of = date(2012, 10, 1), date(2017, 9, 30)
    assert default_period(first, as_of) == "2017-09"
    assert default_period(first, date(2017, 9, 12)) == "2017-08"
    q = parse_period("2017-q3", first, as_of)
    assert (q.text, q.start, q.end, q.clipped, q.name("zh")) == (
        "2017-Q3",
        date(2017, 7, 1),
        as_of,
        False,
        "2017年第三季度",
    )
    y = parse_period("2017", first, as_of)
    assert (y.start, y.end, y.clipped) == (date(2017, 1, 1), as_of, True)
    for bad in ("2017-9", "17-09", "2017-Q0", "2017/09", "", "2012-09"):
        with pytest.raises(ReportError):
            parse_period(bad, first, as_of)


def test_names_are_escaped(sqlite_url):
    from report.build import read_report
    from report.html import compose

    data = read_report(sqlite_url, "S03", PERIOD, "yoy", "zh")
    hostile = '<img src=x onerror="alert(1)">&'
    ranking = data.ranking.assign(area=data.ranking["area"].where(data.ranking.index != 0, hostile))
    areas = data.maps.areas.assign(name=hostile)
    page = compose(replace(data, ranking=ranking, maps=replace(data.maps, areas=areas)))
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in page


def svg_of(page: str, title: str) -> str:
    """The inline SVG map whose title is title, from a composed report."""
    start = page.rindex("<svg", 0, page.index(f'aria-label="{title}"'))
    return page[start : page.index("</svg>", start)]


def test_street_heat_map_at_its_own_scale(sqlite_url, expected):
    """A street's heat map is drawn at the street's scale: every community shaded by its hours and every
    building group with service a circle, many more marks than the ~14 coarse 400 m cells of the district's
    grid that fall in a street (what it drew before)."""
    from report.build import read_report
    from report.html import compose

    data = read_report(sqlite_url, "S03", PERIOD, "yoy", "zh")
    heat = svg_of(compose(data), TEXT["brief_heat"][0])
    engine = read_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            groups = conn.execute(
                sql_text(
                    "SELECT count(*) FROM (SELECT building_group_id FROM service_record WHERE street_id = :s "
                    "AND building_group_id IS NOT NULL AND started_at >= '2017-09-01' AND started_at < '2017-10-01' "
                    "GROUP BY building_group_id HAVING sum(hours) > 0) AS g"
                ),
                {"s": data.place.street_id},
            ).scalar()
            cells = len(vq.service_cells(conn, data.filters, "hours"))
    finally:
        engine.dispose()
    places = expected["places"]
    communities = int((places.communities["street_id"] == data.place.street_id).sum())
    assert cells <= 20 and groups > 2 * cells  # the demo street: 400 m cells are too coarse to read
    assert heat.count('class="svc"') == groups
    assert heat.count('class="heat-area"') == communities
    assert 'class="cell"' not in heat


@pytest.mark.parametrize(
    ("period", "cmp", "shown", "compared", "caption"),
    [
        ("2017-09", "yoy", "2017年9月", "同比（2016-09）", "同比：各指标与 2016-09 比较"),
        ("2017-Q3", "pop", "2017年第三季度", "环比（2017-04 — 2017-06）", "环比：各指标与 2017-04 — 2017-06 比较"),
        ("2017", "yoy", "2017年", "同比（2016-01 — 2016-09）", "同比：各指标与 2016-01 — 2016-09 比较"),
        ("2012-10", "yoy", "2012年10月", "同比（无对比时段）", "同比：对比时段（2011-10）早于数据起始（2012-10）"),
    ],
)
def test_header_period_lines(sqlite_url, expected, period, cmp, shown, compared, caption):
    """The cover's period and comparison, and the figures' caption, for a month, a quarter and a (clipped)
    year: one month reads as one month, never "2016-09 — 2016-09"."""
    from report.build import read_report
    from report.html import compose

    page = compose(read_report(sqlite_url, "S03", period, cmp, "zh"))
    cover = page[page.index('<header class="cover">') : page.index("</header>")]
    clipped = "（数据自 2017-01-01 至 2017-09-30）" if period == "2017" else ""
    items = re.findall(r'<span class="key">[^<]*</span>([^<]*)</span>', cover)
    assert items == [f"二七区 › {expected['s03_name']}", shown + clipped, compared]
    assert f'<div class="cover-period">{shown}</div>' in cover
    assert caption in page
    assert not re.search(r"(\d{4}-\d{2}) — \1", page)  # no one-month span written as a range


# ---------------------------------------------------------------- mail


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib: 220, 250, 354, 221; every message kept with its envelope."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[tuple[str, list[str], bytes]] = []


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif verb.startswith("MAIL FROM:"):
                sender, recipients = line.decode().strip()[10:], []
                self.reply("250 OK")
            elif verb.startswith("RCPT TO:"):
                recipients.append(line.decode().strip()[8:].strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    body.append(data[1:] if data.startswith(b"..") else data)  # undo dot-stuffing
                self.server.messages.append((sender, recipients, b"".join(body)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture()
def smtp_sink():
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


def test_mail_sends_the_pdf(sqlite_url, tmp_path, smtp_sink, expected):
    env = {**os.environ, "ERQI_SMTP_HOST": "127.0.0.1", "ERQI_SMTP_PORT": str(smtp_sink.server_address[1])}
    env |= {"ERQI_SMTP_FROM": "briefing@example.org", "ERQI_SMTP_STARTTLS": "0"}
    env.pop("ERQI_SMTP_USER", None)
    to = ["office@example.org", "s03@example.org"]
    done = run_report(
        sqlite_url,
        tmp_path,
        "--place",
        "S03C02",
        "--period",
        PERIOD,
        *[a for t in to for a in ("--mail-to", t)],
        env=env,
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / f"erqi-briefing-S03C02-{PERIOD}.pdf"
    assert len(smtp_sink.messages) == 1
    _sender, recipients, raw = smtp_sink.messages[0]
    assert recipients == to
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert "工作简报" in msg["Subject"] and msg["From"] == "briefing@example.org"
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == pdf.name and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf.read_bytes()
    # a community's report names no other community of its street
    text = pdf_text(pdf)
    places = expected["places"]
    mine = places.communities[places.communities["code"] == "S03C02"].iloc[0]
    siblings = places.communities[
        (places.communities["street_id"] == mine["street_id"]) & (places.communities["id"] != mine["id"])
    ]
    assert mine["name"] in text and not [n for n in siblings["name"] if n in text]


def test_mail_failure_is_exit_3(tmp_path, monkeypatch):
    from report.mail import send

    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
        port = closed.server_address[1]  # bound then closed below: nothing listens there
    monkeypatch.setenv("ERQI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ERQI_SMTP_PORT", str(port))
    monkeypatch.setenv("ERQI_SMTP_FROM", "briefing@example.org")
    with pytest.raises(ReportError) as failed:
        send(pdf, ["office@example.org"], "s", "b")
    assert failed.value.code == 3 and str(port) in str(failed.value)
    monkeypatch.delenv("ERQI_SMTP_HOST")
    with pytest.raises(ReportError) as unset:
        send(pdf, ["office@example.org"], "s", "b")
    assert unset.value.code == 3 and "ERQI_SMTP_HOST" in str(unset.value)
