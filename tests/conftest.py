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

# every Altair spec a page builds is checked against the Vega-Lite schema in the tests (a served process
# skips the check: ui/charts.py); set before any app module or test server reads it
os.environ.setdefault("ERQI_VALIDATE_CHARTS", "1")

PROJECT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]


def clear_caches() -> None:
    """Empty Streamlit's caches, as when every cached result has expired."""
    from data_access.bootstrap import forget_checks

    st.cache_data.clear()
    st.cache_resource.clear()
    forget_checks()


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
    name = f"{url.database}_{suffix}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # one per worker
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


# ---------------------------------------------------------------- one seed per run, copied to each worker
# Seeding scale 1 takes about half a minute on SQLite and a minute on PostgreSQL. Under pytest-xdist every
# worker would seed its own; instead the first worker to ask seeds a template (under a file lock in the
# run's shared temporary folder) and every worker takes a copy: a file copy on SQLite, CREATE DATABASE ...
# TEMPLATE on PostgreSQL. Each worker still has a database of its own, so tests that write never meet.


def worker_id() -> str:
    """This pytest-xdist worker's name ('gw0', ...), or 'main' when the run is not distributed."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def run_dir(tmp_path_factory) -> Path:
    """A folder every worker of this run shares (the workers' base temp dirs sit side by side in it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id() != "main" else base


@contextmanager
def run_lock(tmp_path_factory, name: str) -> Iterator[Path]:
    import fcntl

    folder = run_dir(tmp_path_factory)
    with open(folder / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _cfg_key(cfg: SeedConfig) -> str:
    import hashlib

    return hashlib.sha1(repr(cfg).encode()).hexdigest()[:10]


def seeded_sqlite(tmp_path_factory, dest: Path, cfg: SeedConfig | None = None) -> str:
    """A SQLite file at dest holding the demo data of cfg, copied from this run's template."""
    import shutil

    cfg = cfg or SeedConfig()
    key = _cfg_key(cfg)
    with run_lock(tmp_path_factory, f"seed-sqlite-{key}") as folder:
        template = folder / f"seed-{key}.sqlite"
        done = folder / f"seed-{key}.sqlite.done"
        if not done.exists():
            seed_into(f"sqlite:///{template}", cfg)
            done.touch()
        shutil.copyfile(template, dest)
    return f"sqlite:///{dest}"


def _pg_admin(base: str) -> Engine:
    return create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")


def seeded_postgres(tmp_path_factory, suffix: str, cfg: SeedConfig | None = None) -> str:
    """A PostgreSQL database beside TEST_DATABASE_URL's, named with suffix, holding the demo data of cfg
    (created from this run's template database); dropped when the run ends."""
    base = _pg_url()
    assert base is not None
    cfg = cfg or SeedConfig()
    key = _cfg_key(cfg)
    url = make_url(base)
    template = f"{url.database}_tpl_{key}"
    name = f"{url.database}_{suffix}"
    admin = _pg_admin(base)
    try:
        with run_lock(tmp_path_factory, f"seed-pg-{key}") as folder:
            done = folder / f"seed-{key}.pg.done"
            if not done.exists():
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{template}"'))
                seed_into(url.set(database=template).render_as_string(hide_password=False), cfg)
                done.touch()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


# The longest files, longest first: with whole files per worker (--dist loadfile, --no-loadscope-reorder) the
# run ends when its last file does, so the files of several minutes start at once and the short ones fill in
# around them. Measured with --durations=0 on this machine; a file not named here keeps its collection place.
LONG_FILES = (
    "tests/e2e/test_export_browser.py",
    "tests/e2e/test_export_street_browser.py",
    "tests/test_import_roundtrip.py",
    "tests/e2e/test_browser.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest in order


def pytest_sessionfinish(session, exitstatus) -> None:
    """Drop the run's template and per-worker PostgreSQL databases (once, in the controlling process)."""
    base = _pg_url()
    if base is None or hasattr(session.config, "workerinput"):
        return
    prefix = make_url(base).database + "_"
    try:
        admin = _pg_admin(base)
        with admin.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
            for name in names:
                if name.startswith(prefix):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    except Exception as exc:  # cleanup only: never turn a green run red
        print(f"could not drop the run's PostgreSQL databases: {exc}")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return seeded_sqlite(tmp_path_factory, tmp_path_factory.mktemp("db") / "erqi.sqlite")


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory) -> str:
    url = _pg_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL variant not requested")
    # set but unreachable must fail loudly, so no try/except here
    return seeded_postgres(tmp_path_factory, f"w_{worker_id()}")


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
