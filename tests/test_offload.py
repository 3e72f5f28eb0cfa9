"""Queries that miss the cache run in a worker process (data_access.offload): the same results as in the
process, the same failures, a lost worker replaced, a page's run giving its turn up while one computes, and
no worker outliving its server."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import threading
import time
from contextlib import contextmanager
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from data_access import failures, offload
from data_access.db import write_engine
from data_access.filters import Filters
from data_access.queries import overview, volunteers

from .conftest import clear_caches, point_app_at

DISTRICT = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31))


@pytest.fixture()
def workers(sqlite_url, monkeypatch):
    """One worker for the demo database, which the app is pointed at too (empty caches)."""
    point_app_at(monkeypatch, sqlite_url)
    url = make_url(sqlite_url)
    assert offload.start(url, 1)
    yield url
    offload.stop()
    clear_caches()


@pytest.fixture()
def entered(monkeypatch) -> list[str]:
    """The threads that gave their turn up to wait for a worker (offload.waiting), in order."""
    threads: list[str] = []

    @contextmanager
    def waiting():
        threads.append(threading.current_thread().name)
        yield

    monkeypatch.setattr(offload, "waiting", waiting)
    return threads


def _local(url, fn, *args):
    from data_access.db import read_engine
    from data_access.visible import visible

    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            return visible(fn(conn, *args))
    finally:
        engine.dispose()


def test_a_worker_answers_as_the_process_would(workers, sqlite_url):
    pid = offload.children()
    assert len(pid) == 1 and pid[0] != os.getpid()
    for module, fn, args in [
        ("data_access.queries.overview", overview.kpis, (DISTRICT,)),
        ("data_access.queries.overview", overview.area_ranking, (DISTRICT,)),
        ("data_access.queries.volunteers", volunteers.station_supply_demand, (DISTRICT,)),
        ("data_access.queries.overview", overview.places, ()),
    ]:
        assert offload.remote(module, workers)
        there = offload.call(module, fn.__name__, args, {})
        here = _local(sqlite_url, fn, *args)
        _same(there, here)


def _same(there, here) -> None:
    assert type(there) is type(here)
    if isinstance(here, pd.DataFrame):
        pd.testing.assert_frame_equal(there, here)
    elif dataclasses.is_dataclass(here):
        for field in dataclasses.fields(here):
            _same(getattr(there, field.name), getattr(here, field.name))
    else:
        assert there == here


def test_only_the_query_modules_and_only_this_database_go_to_a_worker(workers, tmp_path):
    assert offload.remote("data_access.queries.grid", workers)
    assert not offload.remote("data_access.live.refresh", workers)  # freshness: tiny, and read every 2 s
    assert not offload.remote("data_access.cached", workers)  # wrappers that read other cached results
    assert not offload.remote("data_access.queries.grid", make_url(f"sqlite:///{tmp_path / 'other.sqlite'}"))
    offload.stop()
    assert not offload.remote("data_access.queries.grid", workers)


def test_a_database_failure_in_the_worker_is_raised_and_told_as_in_the_process(tmp_path):
    missing = make_url(f"sqlite:///{tmp_path / 'gone' / 'erqi.sqlite'}")
    assert offload.start(missing, 1)
    try:
        with pytest.raises(Exception) as there:
            offload.call("data_access.queries.overview", "kpis", (DISTRICT,), {})
        with pytest.raises(Exception) as here:
            _local(missing, overview.kpis, DISTRICT)
        assert type(there.value) is type(here.value)
        assert failures.classify(there.value) == failures.classify(here.value) == failures.UNREACHABLE
    finally:
        offload.stop()


def _kpis_script():
    import streamlit as st

    from data_access import cached, guard
    from data_access.scope import DISTRICT as WHOLE
    from data_access.scope import Privacy
    from tests.test_offload import DISTRICT

    st.session_state[guard.ACCESS] = guard.Access("office", "district", WHOLE, Privacy())
    st.write(f"members={cached.kpis(DISTRICT)['members']}")


def test_a_lost_worker_is_replaced_and_the_query_runs_here_meanwhile(workers, monkeypatch):
    (pid,) = offload.children()
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    at = AppTest.from_function(_kpis_script, default_timeout=60)
    at.run()  # the page's query: answered (in the process), the broken pool replaced
    assert not at.exception, at.exception
    here = _local(workers, overview.kpis, DISTRICT)
    assert at.markdown[0].value == f"members={here['members']}"
    assert offload.status()["query_processes_replaced"] == 1
    again = offload.call("data_access.queries.overview", "kpis", (DISTRICT,), {})  # the new worker answers
    new = offload.children()
    assert new and pid not in new
    assert again == here


def test_a_worker_that_does_not_answer_is_given_up(workers, monkeypatch):
    (pid,) = offload.children()
    os.kill(pid, signal.SIGSTOP)  # alive, never answering
    try:
        monkeypatch.setattr(offload, "_backstop", lambda: 1.0)
        with pytest.raises(offload.WorkerLost):
            offload.call("data_access.queries.overview", "kpis", (DISTRICT,), {})
        assert pid not in offload.children()
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_the_worker_drops_hidden_characters_as_the_process_does(sqlite_url, tmp_path):
    copy = tmp_path / "hostile.sqlite"
    shutil.copy(make_url(sqlite_url).database, copy)
    engine = write_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE grid SET name = :n WHERE level = 2 AND id = (SELECT MIN(id) FROM grid WHERE level = 2)"), {"n": "\u202e淮河路街道"})
    engine.dispose()
    url = make_url(f"sqlite:///{copy}")
    assert offload.start(url, 1)
    try:
        streets = offload.call("data_access.queries.overview", "places", (), {}).streets
    finally:
        offload.stop()
    assert "淮河路街道" in streets["name"].tolist()
    assert not any("\u202e" in name for name in streets["name"])


def _prefetch_script():
    import streamlit as st

    from data_access import cached, guard
    from data_access.prefetch import prefetch
    from data_access.scope import DISTRICT as WHOLE
    from data_access.scope import Privacy
    from tests.test_offload import DISTRICT

    st.session_state[guard.ACCESS] = guard.Access("office", "district", WHOLE, Privacy())
    prefetch((cached.kpis, DISTRICT), (cached.area_ranking, DISTRICT))
    st.write(f"rows={len(cached.area_ranking(DISTRICT))}")


def test_a_page_gives_its_turn_up_while_a_worker_computes(workers, entered, monkeypatch):
    real = offload.call

    def slow_call(*args, **kwargs):  # both calls still out when the page's thread looks, however busy the machine
        result = real(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(offload, "call", slow_call)
    at = AppTest.from_function(_prefetch_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.markdown[0].value.startswith("rows=")
    assert len(entered) == 1  # the page's own thread, once, while both calls were in the worker
    at.run()  # cache hits now: nothing goes to the worker, and the turn is kept
    assert len(entered) == 1


def test_the_setting():
    assert offload.processes_wanted({}) == 1
    assert offload.processes_wanted({"ERQI_QUERY_PROCESSES": "0"}) == 0
    assert offload.processes_wanted({"ERQI_QUERY_PROCESSES": "2"}) == 2
    assert offload.processes_wanted({"ERQI_QUERY_PROCESSES": "many"}) == 1
    assert offload.processes_wanted({"ERQI_QUERY_PROCESSES": "-1"}) == 1


def test_a_call_that_cannot_be_sent_runs_here_and_keeps_the_worker(workers):
    (pid,) = offload.children()
    with pytest.raises(offload.WorkerLost):
        offload.call("data_access.queries.overview", "kpis", (lambda: None,), {})  # a lambda does not pickle
    assert offload.children() == [pid] and offload.status()["query_processes_replaced"] == 0


def test_the_worker_runs_nothing_but_the_query_functions(workers):
    worker = offload._workers[0]
    with pytest.raises(PermissionError):
        worker.submit("os", "system", ("true",), {}).result(timeout=30)


def test_a_query_of_the_page_s_own_thread_keeps_the_turn(workers, entered):
    """It runs inside Streamlit's lock on its cache entry: giving the turn up there could leave another run,
    holding the turn, waiting on that lock while this one waits for the turn."""
    at = AppTest.from_function(_kpis_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert offload.status()["queries_in_workers"] >= 1  # the query did go to the worker
    assert entered == []
