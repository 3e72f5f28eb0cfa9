"""Seeded databases shared by the suite: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine, create_engine, make_url, text

from data_access.db import read_engine, write_engine
from seed.generator import SeedConfig, generate

PROJECT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]


def clear_caches() -> None:
    """Empty Streamlit's caches, as when every cached result has expired."""
    st.cache_data.clear()
    st.cache_resource.clear()


def point_app_at(monkeypatch, url: str) -> None:
    """Point the app at url (DATABASE_URL, seeded demo data: served without sign-in on purpose) and start
    with empty caches."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ERQI_OPEN_DEMO", "1")
    clear_caches()


def _pg_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@contextmanager
def scratch_pg_database(suffix: str) -> Iterator[str]:
    """An empty PostgreSQL database beside TEST_DATABASE_URL's (named with suffix), dropped afterwards;
    skips when TEST_DATABASE_URL is not set."""
    base = _pg_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL variant not requested")
    url = make_url(base)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    """An empty database: a new SQLite file, or a new PostgreSQL database beside TEST_DATABASE_URL's."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'import.sqlite'}"
        return
    with scratch_pg_database("fresh") as url:
        yield url


def seed_into(url: str, cfg: SeedConfig | None = None) -> None:
    cfg = cfg or SeedConfig()
    engine = write_engine(url)
    try:
        generate(engine, cfg, force=True)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "erqi.sqlite"
    url = f"sqlite:///{path}"
    seed_into(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = _pg_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL variant not requested")
    # set but unreachable must fail loudly, so no try/except here
    seed_into(url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request) -> str:
    """The scale-1 demo database on each backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture()
def engine(db_url) -> Engine:
    e = read_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture()
def app_env(monkeypatch, db_url):
    """Point the app at the test database and start with empty caches."""
    point_app_at(monkeypatch, db_url)
    yield db_url
    clear_caches()


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


# ---------------------------------------------------------------- signed-in users (access tests)

PASSWORD = "pass-word-1"
USERS = {  # login: (role, place)
    "office": ("district", ""),
    "s03": ("street", "S03"),
    "c0302": ("community", "S03C02"),
    "viewer": ("viewer", ""),
    "lost": ("street", "S99"),  # a place that does not exist: no scope
    "wall": ("wall", ""),  # the meeting-room screen
}


@pytest.fixture()
def users_env(app_env, tmp_path, monkeypatch):
    """A users file with one user per role, and an audit log of this test's own."""
    from auth.passwords import hash_password

    lines = []
    for login, (role, place) in USERS.items():
        lines += [f"[users.{login}]", f'role = "{role}"', f'place = "{place}"']
        lines.append(f'password = "{hash_password(PASSWORD, n=2**10)}"')
    path = tmp_path / "users.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("ERQI_USERS_FILE", str(path))
    monkeypatch.setenv("ERQI_AUDIT_LOG", str(log))
    from data_access import attempts

    attempts.forget()  # the sign-in attempts live in the database: each test starts with none
    yield log
    attempts.forget()
    attempts.dispose()
