"""The open demo (no sign-in) is decided by the dataset's own demo flag, not by where its file lies: the
embedded file holding imported data is shut (issue 34)."""

from __future__ import annotations

import sqlite3

import pytest

import data_access.db as db
from auth.settings import load
from ui.access import gate


def _dataset(path, is_demo: str | None) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE dataset_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))")
        if is_demo is not None:
            conn.execute("INSERT INTO dataset_meta VALUES ('is_demo', ?)", (is_demo,))


@pytest.fixture()
def embedded(tmp_path, monkeypatch):
    path = tmp_path / "erqi-demo.sqlite"
    monkeypatch.setattr(db, "DEFAULT_SQLITE_PATH", path)
    for name in ("DATABASE_URL", "ERQI_OPEN_DEMO", "ERQI_LIVE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    gate._demo_flags.clear()
    yield path
    gate._demo_flags.clear()


@pytest.mark.parametrize(("flag", "open_"), [("1", True), ("0", False), (None, False)])
def test_the_embedded_file_is_open_only_while_its_dataset_is_the_demo(embedded, flag, open_):
    _dataset(embedded, flag)
    assert gate.open_demo_allowed(load()) is open_


def test_an_embedded_file_not_built_yet_opens_as_the_demo_the_app_builds(embedded):
    assert not embedded.exists()
    assert gate.open_demo_allowed(load()) is True


def test_a_demo_dataset_elsewhere_is_open_only_on_purpose(embedded, tmp_path, monkeypatch):
    other = tmp_path / "copy.sqlite"
    _dataset(other, "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{other}")
    assert gate.open_demo_allowed(load()) is False
    monkeypatch.setenv("ERQI_OPEN_DEMO", "1")
    assert gate.open_demo_allowed(load()) is True
