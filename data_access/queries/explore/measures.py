"""The explore page's measures: what each one is, and the breakdowns it can take."""

from __future__ import annotations

from dataclasses import dataclass

from ... import models as m
from ...filters import Filters
from ...rollup_models import (
    LEVELS,
)

PLACE_BY = ("street", "community", "building_group")
TIME_BY = ("month", "quarter", "year")
OTHER_BY = ("org_kind", "activity_kind", "category", "need", "stage", "team", "station", "demonstration")
BREAKDOWNS = (*PLACE_BY, *TIME_BY, *OTHER_BY)
NAMED = frozenset({*PLACE_BY, "team", "station", "category", "need"})  # ids, with a name column beside them
ACCEPTED, DONE = m.REQUEST_STAGES.index("accepted"), m.REQUEST_STAGES.index("done")
PLACES = PLACE_BY
SERVICE_BY = (*PLACES, *TIME_BY, "category", "team", "station")


@dataclass(frozen=True)
class Measure:
    """One measure the explore page offers: where it comes from and how it may be broken down."""

    key: str
    by: tuple[str, ...]  # the breakdowns it supports
    stock: bool = False  # counted on a day (the range's last), not summed: no time breakdown
    past: str | None = None  # its dated history (stock_spell.stock): counted on any past day and compared
    additive: bool = True  # a sum (a median is not: its total is not the sum of its parts)
    unit: str | None = None  # a text key for the unit


MEASURES: dict[str, Measure] = {
    m_.key: m_
    for m_ in (
        Measure("hours", SERVICE_BY, unit="unit_hours"),
        Measure("served", SERVICE_BY),
        Measure("sessions", SERVICE_BY),
        Measure("activities", (*PLACES, *TIME_BY, "org_kind", "activity_kind")),
        Measure("participations", (*PLACES, *TIME_BY)),
        Measure("requests", (*PLACES, *TIME_BY, "need", "stage")),
        Measure("unanswered", (*PLACES, *TIME_BY, "need")),
        Measure("requests_done", (*PLACES, *TIME_BY, "need")),
        Measure("wait_median", (*PLACES, *TIME_BY, "need"), additive=False, unit="unit_hours_short"),
        Measure("wishes", (*PLACES, *TIME_BY)),
        Measure("compliance", ("street", "community", "org_kind"), additive=False),
        Measure("org_points", ("street", "community", "org_kind", "quarter", "year"), additive=False),
        Measure("member_points", (*PLACES, "org_kind", "year"), additive=False),
        Measure("members", (*PLACES, "org_kind"), stock=True, past="member"),
        Measure("orgs", ("street", "community", "org_kind"), stock=True, past="org"),
        Measure("building_groups", (*PLACES, "demonstration"), stock=True, past="building_group"),
        Measure("volunteers", (*PLACES, "station"), stock=True, past="volunteer"),
        Measure("teams", ("street", "community", "category", "station"), stock=True, past="team"),
        Measure("stations", ("street", "community"), stock=True),
        Measure("people_fed", ("street", "community"), stock=True),
        Measure("overdue", ("street", "community", "org_kind"), stock=True),
    )
}


def offered(measure: str, f: Filters) -> tuple[str, ...]:
    """The breakdowns the measure supports under f: a place level at or above the scope's own is not a
    breakdown (it is one row), so only finer ones are offered."""
    here = LEVELS[f.level]
    return tuple(b for b in MEASURES[measure].by if b not in PLACE_BY or LEVELS[b] > here)


def pairs_with(first: str, measure: str, f: Filters) -> tuple[str, ...]:
    """The second breakdowns that go with `first`: one place level and one time grain at most (a finer
    place already names its street)."""
    clash = lambda b: b == first or (b in PLACE_BY and first in PLACE_BY) or (b in TIME_BY and first in TIME_BY)  # noqa: E731
    return tuple(b for b in offered(measure, f) if not clash(b))
