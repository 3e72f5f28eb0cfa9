"""The app's own connection cannot write."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def test_app_connection_cannot_write(engine):
    with engine.connect() as conn:
        with pytest.raises(DBAPIError):
            conn.execute(text("UPDATE org SET name = 'x' WHERE id = 1"))
            conn.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM org WHERE id = 1")).scalar() != "x"
