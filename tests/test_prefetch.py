"""prefetch: a page's cached queries run side by side, act for the session, and fail as the page would."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_access.prefetch import prefetch


def _side_by_side_script():
    import threading

    import streamlit as st

    from data_access.prefetch import prefetch

    st.session_state["who"] = "S03"
    barrier = threading.Barrier(3, timeout=20)  # breaks unless all three calls run at the same time
    runs = st.session_state.setdefault("runs", [])

    @st.cache_data(show_spinner=False)
    def figure(x: int) -> str:
        runs.append(x)
        barrier.wait()
        return f"{st.session_state['who']}:{x}"  # the session's state, read from a pool thread

    prefetch((figure, 1), (figure, 2), (figure, 3))
    st.write(" ".join(figure(x) for x in (1, 2, 3)))  # cache hits: nothing runs twice
    st.write(f"runs={sorted(runs)}")


def _failing_script():
    import streamlit as st

    from data_access.prefetch import prefetch

    @st.cache_data(show_spinner=False)
    def fine(x: int) -> int:
        return x

    @st.cache_data(show_spinner=False)
    def broken(x: int) -> int:
        raise LookupError(f"database says no to {x}")

    try:
        prefetch((fine, 1), (broken, 2))
        st.write("not reached")
    except LookupError as error:  # in the page's own thread, where the database-failure guard runs
        st.write(f"caught: {error}")


def test_calls_run_side_by_side_for_the_session_and_are_then_cached():
    at = AppTest.from_function(_side_by_side_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["S03:1 S03:2 S03:3", "runs=[1, 2, 3]"]


def test_a_failing_call_raises_in_the_page():
    at = AppTest.from_function(_failing_script, default_timeout=60)
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["caught: database says no to 2"]


def test_outside_a_streamlit_run_nothing_runs():
    calls = []
    prefetch((calls.append, 1), (calls.append, 2))
    assert calls == []
