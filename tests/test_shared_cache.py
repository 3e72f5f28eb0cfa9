"""The process-wide caches many sessions share: computed once however many ask at once, and never changed
by what one caller does with its copy."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pandas as pd
import pytest

from data_access.cached import _handout
from ui.prebuilt import Once


def test_once_computes_a_key_once_for_callers_arriving_together():
    once = Once()
    calls = []
    start = threading.Barrier(8, timeout=10)

    def make():
        calls.append(1)
        time.sleep(0.2)  # long enough for every other caller to arrive while it runs
        return {"built": len(calls)}

    got = []

    def caller():
        start.wait()
        got.append(once.get("k", make))

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert len(calls) == 1
    assert got == [{"built": 1}] * 8
    assert all(g is got[0] for g in got)


def test_once_other_keys_do_not_wait_and_a_failure_is_not_kept():
    once = Once(max_entries=2)
    with pytest.raises(ValueError):
        once.get("bad", lambda: (_ for _ in ()).throw(ValueError("no")))
    assert once.get("bad", lambda: 5) == 5  # the failed attempt left nothing behind
    once.get("a", lambda: 1)
    once.get("b", lambda: 2)
    assert len(once) == 2  # "bad", the least recently used, went
    assert once.get("bad", lambda: 6) == 6
    once.clear()
    assert len(once) == 0


@dataclass(frozen=True)
class _Pair:
    frame: pd.DataFrame
    label: str


def test_a_callers_changes_never_reach_the_shared_result():
    shared = pd.DataFrame({"name": ["张三", "李四"], "n": [1, 2]})
    mine = _handout(shared)
    mine["name"] = mine["name"].map(lambda s: s[0] + "*")  # what masking does
    mine.loc[0, "n"] = 99
    assert list(shared["name"]) == ["张三", "李四"] and list(shared["n"]) == [1, 2]

    box = {"frame": shared, "total": 3}
    got = _handout(box)
    got["total"] = 0
    got["frame"].loc[1, "n"] = -1
    assert box["total"] == 3 and shared.loc[1, "n"] == 2

    pair = _handout(_Pair(shared, "x"))
    pair.frame.loc[0, "n"] = 7
    assert shared.loc[0, "n"] == 1 and pair.label == "x"

    items = [1, 2]
    out = _handout(items)
    out.append(3)
    assert items == [1, 2]


def test_a_memo_key_follows_content_whatever_the_container():
    from datetime import date

    from ui.org.tree import Tree
    from ui.prebuilt import digest

    outline = {"type": "FeatureCollection", "features": [{"geometry": {"coordinates": [[113.6, 34.7], [113.7, 34.8]]}}]}
    same = {"features": [{"geometry": {"coordinates": [[113.6, 34.7], [113.7, 34.8]]}}], "type": "FeatureCollection"}
    moved = {"type": "FeatureCollection", "features": [{"geometry": {"coordinates": [[113.6, 34.7], [113.7, 34.9]]}}]}
    assert digest(outline) == digest(same) and digest(outline) != digest(moved)  # the JSON path: keys sorted
    assert digest({"d": date(2026, 1, 1)}) != digest({"d": "2026-01-01"})
    assert digest([1, 2]) != digest((1, 2))
    # a frame inside a dict is keyed by its content (the slow path), not by its text
    assert digest({"f": pd.DataFrame({"x": [1]})}) != digest({"f": pd.DataFrame({"x": [2]})})
    # a tree by its frame's digest; one not made by Tree.of (no key) by its pickled content
    frame = pd.DataFrame({"code": ["A", "B"], "parent": [None, "A"], "kind": ["district", "street"]})
    other = frame.assign(kind=["district", "community"])
    assert digest(Tree.of(frame)) == digest(Tree.of(frame.copy())) != digest(Tree.of(other))
    bare = Tree(frame, "A")
    assert bare.content_key == "" and digest(bare) != digest(Tree(other, "A"))


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("pages/grid_map.py", {}),
        ("pages/volunteers.py", {}),
        ("pages/organization.py", {}),
        ("pages/briefing.py", {}),
        ("pages/volunteers.py", {"street": "S03"}),
    ],
)
def test_a_new_session_finds_every_map_and_table_already_built(app_env, page, params):
    """A second session of the same page and place builds nothing again: each memo key (frames, maps,
    trees, GeoJSON) comes out the same for the same content, whichever session computed it."""
    from streamlit.testing.v1 import AppTest

    from ui import prebuilt

    from .conftest import PROJECT

    def session() -> tuple[set, set]:
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
        for k, v in params.items():
            at.query_params[k] = v
        at.switch_page(page).run()
        assert not at.exception, at.exception
        return set(prebuilt._memo._values), set(prebuilt._small._values)

    first = session()
    assert first[0] or first[1]  # the page memoises something
    assert session() == first
