"""A database that is locked, slow, unreachable, or stopped and restarted: every page says so plainly
(no traceback, no connection string), offers a retry and recovers; bugs are not disguised as outages."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access import failures
from seed.generator import SeedConfig
from ui.chrome.shell import PAGES

from .conftest import PROJECT, clear_caches, point_app_at, seed_into
from .pg_cluster import PrivateCluster, _free_port
from .test_app import run_app

APP = str(PROJECT / "app.py")
PAGE_PATHS = [path for path, _key in PAGES]  # every page, the data page included
BUSY, SLOW, UNREACHABLE = "数据库正忙", "数据库响应过慢", "暂时无法连接数据库"
SMALL = SeedConfig(scale=0.02)


@pytest.fixture(scope="module")
def small_sqlite(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("fail") / "small.sqlite"
    seed_into(f"sqlite:///{path}", SMALL)
    return str(path)


@pytest.fixture()
def db_copy(small_sqlite, tmp_path, monkeypatch):
    """A private copy of the small database, the app pointed at it, caches empty."""
    path = tmp_path / "db.sqlite"
    shutil.copy(small_sqlite, path)
    monkeypatch.setenv("QUERY_TIMEOUT_SECONDS", "1")
    point_app_at(monkeypatch, f"sqlite:///{path}")
    yield path
    clear_caches()


@contextmanager
def exclusive_lock(path):
    """Another program holding SQLite's exclusive lock (as a bulk loader in rollback mode would)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("UPDATE dataset_meta SET value = value")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def visible_text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("error", "warning", "info", "success", "caption", "markdown", "text")
        for e in getattr(at, kind)
    ]
    parts += [str(e.value) for e in at.metric]
    return "\n".join(str(p) for p in parts)


def assert_plain_message(at: AppTest, words: str, *secrets: str) -> None:
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert words in errors, errors
    assert at.button(key="db_retry").label == "重试"
    shown = visible_text(at)
    for leak in ("Traceback", "sqlalchemy", "psycopg", "OperationalError", "sqlite:", "postgresql", *secrets):
        assert leak not in shown, leak
    assert not at.metric, "figures shown although the database failed"


def test_locked_sqlite_every_page_says_busy_then_retry_recovers(db_copy):
    at = run_app()
    assert at.metric, "the overview did not render before the lock"
    with exclusive_lock(db_copy):
        for path in PAGE_PATHS:
            clear_caches()  # as when the cached results have expired
            at.switch_page(path).run()
            assert_plain_message(at, BUSY, str(db_copy))
    at.switch_page("pages/overview.py")
    at.button(key="db_retry").click().run()
    assert not at.exception and not at.error
    assert {m.label for m in at.metric} >= {"基层党组织", "党员"}


def test_locked_sqlite_in_kiosk_mode(db_copy):
    with exclusive_lock(db_copy):
        at = run_app({"kiosk": "1", "cycle": "30"})
        assert_plain_message(at, BUSY, str(db_copy))


def test_a_wall_stopped_by_the_message_keeps_no_fragment_of_the_wall_before(db_copy):
    """The kiosk's timer and its data watch are fragments the browser ticks by itself. When a full run ends in
    the database's message, a tick already on its way must find none of them: run, it sent its elements to a
    place the message's short page does not have, the browser rejected them ("Bad delta path index 5 (should
    be between [0, 2])") and the wall went blank instead of saying the database was down."""
    at = run_app({"kiosk": "1", "cycle": "30"})
    storage = at._fragment_storage  # the session's fragments, as a server's AppSession holds them
    before = set(storage._fragments)
    assert len(before) >= 2, before  # the rotation's timer and the data watch
    with exclusive_lock(db_copy):
        clear_caches()
        at.run()
        assert_plain_message(at, BUSY, str(db_copy))
    stale = {f for f in before if storage.contains(f)}
    assert not stale, f"a tick of these would draw into the message's page: {stale}"
    assert len(storage._fragments) == 1  # the message's own re-check, which brings the wall back


def test_a_run_replaced_by_a_newer_one_leaves_the_newer_runs_fragments(monkeypatch):
    """A click on the wall (the clicker, a filter) starts a newer run and tells the running one to stop. If that
    older run then reached one of our stops, clearing would drop the fragments the newer run had just
    registered (its timer, its redraw, the message's re-check): the wall would freeze. It stops at the check
    instead and leaves the store alone. Our own stop, on a run nobody replaced, still clears."""
    from types import SimpleNamespace

    from streamlit.runtime.fragment import MemoryFragmentStorage
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from ui import stopping

    def run(told_to_stop: bool):
        storage = MemoryFragmentStorage()
        for key in ("older_timer", "newer_timer"):
            storage.register(key, lambda: None)

        def yield_check():
            if told_to_stop:
                raise StopException()

        def stop():  # st.stop() as Streamlit's runner meets it
            raise StopException()

        shared = SimpleNamespace(new_fragment_ids=SimpleNamespace(snapshot=frozenset))  # this run drew none
        ctx = SimpleNamespace(fragment_ids_this_run=None, yield_check=yield_check, fragment_storage=storage, shared=shared)
        monkeypatch.setattr(stopping, "get_script_run_ctx", lambda: ctx)
        monkeypatch.setattr(stopping.st, "stop", stop)
        with pytest.raises(StopException):
            stopping.stop_run()
        return {k for k in ("older_timer", "newer_timer") if storage.contains(k)}

    assert run(told_to_stop=True) == {"older_timer", "newer_timer"}  # replaced: nothing touched
    assert run(told_to_stop=False) == set()  # our own stop: the earlier runs' fragments are gone


def test_slow_sqlite_query_is_stopped_and_said(db_copy, monkeypatch):
    # every statement gets a millisecond, checked every 50 SQLite steps: a real page query overruns it
    monkeypatch.setenv("QUERY_TIMEOUT_SECONDS", "0.001")
    monkeypatch.setattr("data_access.db.SQLITE_GUARD_STEPS", 50)
    at = run_app()
    assert_plain_message(at, SLOW, str(db_copy))
    assert "超过 0.001 秒" in visible_text(at)


def test_summary_tables_from_an_older_version_are_said_and_rebuilt_by_the_seed_cli(db_copy, capsys):
    """A database seeded by an older version lacks a summary table: every page says what to run (the app
    never writes to a configured database); `python -m seed --rollups-only` rebuilds them, data untouched."""
    from seed.__main__ import main as seed_cli

    url = f"sqlite:///{db_copy}"
    with sqlite3.connect(db_copy) as conn:
        conn.execute("DROP TABLE ru_org_points")
        members = conn.execute("SELECT count(*) FROM member").fetchone()[0]
    at = run_app()
    assert_plain_message(at, "汇总表缺失或来自旧版本", str(db_copy))
    assert "--rollups-only" in visible_text(at)
    assert seed_cli(["--url", url, "--rollups-only"]) == 0
    assert "ru_org_points" in capsys.readouterr().out
    with sqlite3.connect(db_copy) as conn:
        assert conn.execute("SELECT count(*) FROM member").fetchone()[0] == members
        assert conn.execute("SELECT sum(members) FROM ru_org_points").fetchone()[0] > 0
    clear_caches()
    at.button(key="db_retry").click().run()
    assert not at.exception and not at.error
    assert {m.label for m in at.metric} >= {"基层党组织", "党员"}


def test_the_embedded_demo_file_rebuilds_its_own_summary_tables(db_copy, monkeypatch):
    """The demo file is the app's own: an older one is brought up to date on first start, with progress;
    any other database is only reported (RollupsOutdated)."""
    from sqlalchemy.engine import make_url

    from data_access import bootstrap

    url = make_url(f"sqlite:///{db_copy}")
    with sqlite3.connect(db_copy) as conn:
        conn.execute("DROP TABLE ru_group_points")
    assert not bootstrap.rollups_current(url)
    with pytest.raises(bootstrap.RollupsOutdated):
        bootstrap.ensure_rollups(url, lambda *_: None)
    monkeypatch.setattr(bootstrap, "is_default_database", lambda u: u == url)
    steps = []
    bootstrap.ensure_rollups(url, lambda fraction, message: steps.append(fraction))
    assert bootstrap.rollups_current(url) and steps[-1] == 1.0
    with sqlite3.connect(db_copy) as conn:  # left readable without -wal/-shm files, as after seeding
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_the_seed_cli_refuses_to_rebuild_summaries_of_an_empty_database(tmp_path, capsys):
    from seed.__main__ import main as seed_cli

    assert seed_cli(["--url", f"sqlite:///{tmp_path / 'empty.sqlite'}", "--rollups-only"]) == 2
    assert "no dashboard data" in capsys.readouterr().err


def test_unreachable_postgres_is_said_without_address(monkeypatch):
    port = _free_port()  # nothing listens there
    point_app_at(monkeypatch, f"postgresql+psycopg://erqi:s3cret@127.0.0.1:{port}/erqi")
    at = run_app()
    assert_plain_message(at, UNREACHABLE, str(port), "s3cret", "127.0.0.1")
    clear_caches()


def test_a_bug_in_a_query_is_not_disguised_as_an_outage(db_copy, monkeypatch, caplog):
    from data_access.queries import overview as queries

    def broken(conn, f):
        return conn.execute(text("SELEC count(*) FROM org")).scalar()

    monkeypatch.setattr(queries, "kpis", broken)
    with caplog.at_level(logging.ERROR, logger="erqi.db"):
        at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.exception, "a syntax error must surface as an error, not as 'database unreachable'"
    assert "本页出现内部错误" in " ".join(e.value for e in at.error)
    assert UNREACHABLE not in visible_text(at)
    assert any("app's own code" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("exc", "key"),
    [
        (sqlite3.OperationalError("database is locked"), failures.BUSY),
        (sqlite3.OperationalError("interrupted"), failures.SLOW),
        (sqlite3.OperationalError("unable to open database file"), failures.UNREACHABLE),
        (sqlite3.OperationalError("no such table: org"), failures.NOT_READY),
        (sqlite3.OperationalError('near "SELEC": syntax error'), None),
        (ConnectionResetError("peer went away"), failures.UNREACHABLE),
        (KeyError("name"), None),
        (ZeroDivisionError(), None),
    ],
)
def test_classify(exc, key):
    assert failures.classify(exc) == key


def test_classify_postgres_states():
    import psycopg.errors as pe

    assert failures.classify(pe.QueryCanceled()) == failures.SLOW
    assert failures.classify(pe.LockNotAvailable()) == failures.BUSY
    assert failures.classify(pe.UndefinedTable()) == failures.NOT_READY
    assert failures.classify(pe.SyntaxError()) is None
    assert failures.classify(pe.ReadOnlySqlTransaction()) is None
    assert failures.classify(pe.AdminShutdown()) == failures.UNREACHABLE


def test_fragment_guard_reruns_the_page_on_an_outage_and_raises_bugs(monkeypatch):
    """The briefing wall and the kiosk timer run as fragments, whose exceptions Streamlit keeps inside
    them: an outage there reruns the whole page with the failure noted for the chrome to show; a bug is
    raised as it is."""
    from ui.chrome import db_status

    calls: list[str] = []
    state: dict = {}
    monkeypatch.setattr(db_status, "reconnect", lambda: calls.append("reconnect"))
    monkeypatch.setattr(db_status.st, "rerun", lambda scope="app": calls.append(f"rerun:{scope}"))
    monkeypatch.setattr(db_status.st, "session_state", state)

    @db_status.fragment_guard
    def outage():
        raise sqlite3.OperationalError("database is locked")

    @db_status.fragment_guard
    def bug():
        raise sqlite3.OperationalError('near "x": syntax error')

    outage()
    assert calls == ["reconnect", "rerun:app"]
    assert state == {db_status.FAILED: failures.BUSY}
    calls.clear()
    with pytest.raises(sqlite3.OperationalError):
        bug()
    assert calls == []


@pytest.fixture(scope="module")
def private_pg():
    cluster = PrivateCluster()
    cluster.start()
    try:
        seed_into(cluster.url, SMALL)
        yield cluster
    finally:
        cluster.remove()


def test_postgres_stopped_then_restarted_under_a_running_session(private_pg, monkeypatch):
    monkeypatch.setenv("QUERY_TIMEOUT_SECONDS", "5")
    point_app_at(monkeypatch, private_pg.url)
    at = run_app()
    assert at.metric
    private_pg.stop()
    try:
        for path in ("pages/overview.py", "pages/briefing.py"):
            clear_caches()
            at.switch_page(path).run()
            assert_plain_message(at, UNREACHABLE, str(private_pg.port), "127.0.0.1")
    finally:
        private_pg.start()
    at.button(key="db_retry").click().run()
    assert not at.exception and not at.error
    assert at.session_state["_db_checked"]
    clear_caches()


def test_postgres_lock_and_statement_timeout(private_pg, monkeypatch):
    """PostgreSQL: a table locked by another session, then a statement over the timeout."""
    from sqlalchemy import create_engine

    monkeypatch.setenv("QUERY_TIMEOUT_SECONDS", "1")
    point_app_at(monkeypatch, private_pg.url)
    locker = create_engine(private_pg.url)
    try:
        with locker.connect() as conn:
            conn.execute(text("LOCK TABLE org IN ACCESS EXCLUSIVE MODE"))
            at = run_app()
            assert_plain_message(at, BUSY, str(private_pg.port))
            conn.rollback()
    finally:
        locker.dispose()
    monkeypatch.setenv("QUERY_TIMEOUT_SECONDS", "0.001")
    clear_caches()
    at = run_app()
    assert_plain_message(at, SLOW, str(private_pg.port))
    clear_caches()
