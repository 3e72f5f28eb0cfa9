"""Page runs take turns (serving.run_gate): how many at once, in what order, for how long at most, and
what lets a turn go."""

from __future__ import annotations

import threading
import time

import pytest

from serving import run_gate
from serving.run_gate import Gate


@pytest.fixture()
def one_at_a_time(monkeypatch):
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "1")
    monkeypatch.setenv("ERQI_RUN_WAIT_SECONDS", "5")
    return run_gate.gate()


def _run(name: str, log: list, started: threading.Event | None = None, hold: float = 0.05, inner=None):
    def body():
        with run_gate.turn():
            log.append(("in", name))
            if started is not None:
                started.set()
            if inner is not None:
                inner()
            time.sleep(hold)
            log.append(("out", name))

    t = threading.Thread(target=body, name=name)
    t.start()
    return t


def _wait_for(cond, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_settings(monkeypatch):
    monkeypatch.delenv("ERQI_RUNS_AT_ONCE", raising=False)
    monkeypatch.delenv("ERQI_RUN_WAIT_SECONDS", raising=False)
    assert (run_gate.at_once(), run_gate.wait_seconds()) == (1, 5.0)
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "3")
    monkeypatch.setenv("ERQI_RUN_WAIT_SECONDS", "2.5")
    assert (run_gate.gate().slots, run_gate.gate().wait) == (3, 2.5)
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "many")  # a bad value: the default, not a crash
    monkeypatch.setenv("ERQI_RUN_WAIT_SECONDS", "-4")
    assert (run_gate.at_once(), run_gate.wait_seconds()) == (1, 0.0)
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "0")
    assert run_gate.gate() is None
    with run_gate.turn():  # no gate: just runs
        pass


def test_one_run_draws_at_a_time_in_order_of_arrival(one_at_a_time):
    log: list = []
    first_in = threading.Event()
    threads = [_run("a", log, first_in, hold=0.2)]
    first_in.wait(5)
    for waiting, name in enumerate("bcd", start=1):  # arriving while a draws, one after the other
        threads.append(_run(name, log))
        _wait_for(lambda n=waiting: one_at_a_time.waiting >= n)
    for t in threads:
        t.join(10)
    assert log == [(k, n) for n in "abcd" for k in ("in", "out")]  # never two inside, first come first drawn
    assert one_at_a_time.running == 0 and one_at_a_time.waiting == 0


def test_two_at_once_lets_two_in(monkeypatch):
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "2")
    g = run_gate.gate()
    both = threading.Barrier(2, timeout=5)
    log: list = []
    threads = [_run(n, log, inner=both.wait) for n in "ab"]  # each waits for the other: only passes if both in
    for t in threads:
        t.join(10)
    assert sorted(log[:2]) == [("in", "a"), ("in", "b")]
    assert g.running == 0


def test_a_slow_run_holds_the_others_for_the_wait_at_most(monkeypatch):
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "1")
    monkeypatch.setenv("ERQI_RUN_WAIT_SECONDS", "0.3")
    g = run_gate.gate()
    log: list = []
    slow_in = threading.Event()
    slow = _run("slow", log, slow_in, hold=1.2)
    slow_in.wait(5)
    started = time.monotonic()
    quick = _run("quick", log)
    quick.join(5)
    waited = time.monotonic() - started
    assert ("out", "quick") in log and ("out", "slow") not in log  # drawn beside the slow one, not after it
    assert 0.25 <= waited < 2.0
    assert g.bypassed == 1
    slow.join(10)
    assert g.running == 0


def test_a_viewer_who_moves_on_leaves_the_queue(one_at_a_time, monkeypatch):
    """Streamlit's stop check raises while the run waits: it leaves the queue, and the next one is not held
    behind it."""

    class Moved(Exception):
        pass

    calls = {"n": 0}

    def check():
        calls["n"] += 1
        raise Moved

    log: list = []
    a_in = threading.Event()
    a = _run("a", log, a_in, hold=0.3)
    a_in.wait(5)
    with pytest.raises(Moved):
        with one_at_a_time_turn(one_at_a_time, check):
            log.append(("in", "gone"))
    assert calls["n"] == 1 and one_at_a_time.waiting == 0
    a.join(5)
    c = _run("c", log)
    c.join(5)
    assert ("in", "gone") not in log and log[-1] == ("out", "c")


def one_at_a_time_turn(g: Gate, check):
    """turn() with a given stop check (the real one is the script run's)."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        took = g._acquire(False, check)
        try:
            yield
        finally:
            if took:
                g._release()

    return cm()


def test_outside_gives_the_turn_up_and_comes_back_first(one_at_a_time):
    """A run waiting for work done elsewhere (the export's browser opens the page on this same server) lets
    the next run draw meanwhile, and then goes on before anyone who arrived after it."""
    log: list = []
    elsewhere = threading.Event()
    b_in = threading.Event()

    def exporting():
        with run_gate.outside():
            log.append(("outside", "a"))
            # the export's own page run: it gets a turn although a still holds its run open
            inner = _run("b", log, b_in, hold=0.5)
            b_in.wait(5)
            late = _run("late", log)  # arrives while b draws
            _wait_for(lambda: one_at_a_time.waiting == 1)
            elsewhere.set()
            return inner, late  # a asks for its turn back while b still draws and late waits

    holder: dict = {}

    def a_body():
        with run_gate.turn():
            log.append(("in", "a"))
            holder["late"] = exporting()
            log.append(("back", "a"))

    a = threading.Thread(target=a_body)
    a.start()
    a.join(10)
    for t in holder["late"]:
        t.join(10)
    assert elsewhere.is_set()
    assert log.index(("in", "b")) > log.index(("outside", "a"))
    assert log.index(("back", "a")) < log.index(("in", "late"))  # a went first: it had arrived before
    assert one_at_a_time.running == 0 and one_at_a_time.waiting == 0


def test_a_run_inside_its_turn_does_not_wait_for_itself(one_at_a_time):
    with run_gate.turn():
        with run_gate.turn():  # a nested page run (st.switch_page's follow-up, a helper): no deadlock
            assert one_at_a_time.running == 1
    assert one_at_a_time.running == 0


def test_the_health_answer_says_how_the_turns_go(monkeypatch):
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "0")
    assert run_gate.status() == {"runs_at_once": 0}
    monkeypatch.setenv("ERQI_RUNS_AT_ONCE", "1")
    monkeypatch.setenv("ERQI_RUN_WAIT_SECONDS", "7")  # a gate of its own, untouched by the other tests
    with run_gate.turn():
        assert run_gate.status() == {"runs_at_once": 1, "runs_drawing": 1, "runs_waiting": 0, "runs_past_wait": 0}
    assert run_gate.status()["runs_drawing"] == 0
