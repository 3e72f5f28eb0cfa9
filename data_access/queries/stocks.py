"""Stocks as of a past day, from the dated spells (data_access.history): the overview's and the wall's
members, organisations, building groups, teams, volunteers and facilities at the end of any range."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, true

from .. import models as m
from ..filters import Filters
from ..history import BY_BUILDING_GROUP, STOCKS


def stock_day(f: Filters, as_of: date) -> date:
    """The day a range's stocks are counted on: its last day, or the data date when the range runs past it."""
    return min(f.end, as_of)


def open_on(day: date) -> ColumnElement[bool]:
    """The spells that hold on day: begun on or before it, not yet ended."""
    sp = m.StockSpell.__table__
    return and_(sp.c.valid_from <= day, or_(sp.c.valid_to.is_(None), sp.c.valid_to > day))


def _place(f: Filters) -> ColumnElement[bool]:
    c = m.StockSpell.__table__.c
    if f.building_group_id:
        return c.building_group_id == f.building_group_id
    if f.community_id:
        return c.community_id == f.community_id
    if f.street_id:
        return c.street_id == f.street_id
    return true()


def counts_on(conn: Connection, f: Filters, day: date, since: date | None) -> dict[str, int | None]:
    """Every stock with a past, as of day, in the filters' place (kpis keys). None where it has no past:
    day before the history begins, or a stock whose register names no building group at a group's scope."""
    out: dict[str, int | None] = dict.fromkeys(STOCKS.values())
    if since is None or day < since:
        return out
    sp = m.StockSpell.__table__
    wanted = [s for s in STOCKS if not f.building_group_id or s in BY_BUILDING_GROUP]
    rows = conn.execute(
        select(sp.c.stock, func.count()).where(sp.c.stock.in_(wanted), open_on(day), _place(f)).group_by(sp.c.stock)
    ).all()
    found = dict(rows)
    for stock in wanted:
        out[STOCKS[stock]] = int(found.get(stock, 0))
    return out


def count_on(conn: Connection, f: Filters, day: date, since: date | None, stock: str, *conds) -> int | None:
    """One stock as of day in the filters' place (conds narrow its spells further, e.g. by the register's
    rows of some categories); None when day is before the history begins."""
    if since is None or day < since:
        return None
    sp = m.StockSpell.__table__
    where = [sp.c.stock == stock, open_on(day), _place(f), *conds]
    return int(conn.execute(select(func.count()).select_from(sp).where(*where)).scalar() or 0)


def by_area(conn: Connection, f: Filters, day: date, key: str, stocks: dict[str, str]) -> pd.DataFrame:
    """Per area (key: street_id or community_id): the given stocks (stock -> column) as of day."""
    sp = m.StockSpell.__table__
    col = sp.c[key]
    rows = pd.read_sql_query(
        select(col.label("area_id"), sp.c.stock, func.count().label("n"))
        .where(sp.c.stock.in_(list(stocks)), open_on(day), _place(f), col.is_not(None))
        .group_by(col, sp.c.stock),
        conn,
    )
    wide = rows.pivot(index="area_id", columns="stock", values="n").reindex(columns=list(stocks)).fillna(0)
    return wide.rename(columns=stocks).reset_index().astype(int)
