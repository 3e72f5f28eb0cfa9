"""The declarative base every table derives from: the dataset's (models), the rollups' (rollup_models) and a
live database's bookkeeping (live.models) share its metadata without importing each other."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table."""
