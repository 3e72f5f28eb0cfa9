"""Alembic environment: migrate the connection handed over by data_access.schema, or DATABASE_URL's database
when run as `alembic upgrade head` from the project folder."""

from alembic import context

from data_access import models
from data_access.db import database_url, write_engine

config = context.config


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=models.Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = write_engine(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()
