"""Dated spells of the demo's stocks (data_access.history): who and what was where, and since when.

Every current row gets an open spell; on top of that, over the data's five years:
- members: some transferred into the district (their spell starts on the transfer, not on joining the
  party), some moved between organisations (and streets) inside it (a closed spell at the old place, the
  open one from the move), and some left (died, transferred out): closed spells of people no longer in
  the member table;
- organisations: enterprise and social organisations dissolved (closed spells); the rest were founded
  on their established_on;
- building groups: founded over the years the report describes (the table has no date of its own);
- volunteer teams: a few disbanded; volunteers: some deregistered;
- facilities: opened on their opened_on, none closed.

Drawn from a generator of its own, so the rest of the demo (and every published figure) is unchanged:
the open spells are exactly today's rows, so every stock on the data date equals its register.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .places import Structure

MEMBER_TRANSFER_IN = 0.04  # share of today's members whose spell began with a transfer into the district
MEMBER_MOVED = 0.03  # … who moved between organisations inside the district during the five years
MEMBER_LEFT_PER_YEAR = 0.009  # members leaving the district per year, as a share of today's
ORGS_DISSOLVED = 24  # enterprise and social organisations dissolved during the five years
TEAMS_DISBANDED = 14
VOLUNTEERS_LEFT = 0.05  # of today's volunteers, deregistered during the five years
GROUPS_BEFORE = 0.35  # building groups older than the five years; the rest founded during them

Spell = tuple[str, int | None, int | None, int | None, int | None, date, date | None]
COLUMNS = ["stock", "ref_id", "street_id", "community_id", "building_group_id", "valid_from", "valid_to"]


def _day(rng: np.random.Generator, lo: date, hi: date) -> date:
    """A day in [lo, hi] (lo when the span is empty)."""
    span = (hi - lo).days
    return lo + timedelta(days=int(rng.integers(0, span + 1))) if span > 0 else lo


def _later_day(rng: np.random.Generator, lo: date, hi: date, growth: float) -> date:
    """A day in [lo, hi], more of them near hi (growth > 0)."""
    u = float(np.log1p(rng.random() * np.expm1(growth)) / growth)
    return lo + timedelta(days=int(u * (hi - lo).days))


def spells(
    seed: int,
    s: Structure,
    first_day: date,
    as_of: date,
    members: list[tuple],
    groups: list[tuple],
    teams: list[tuple],
    volunteers: list[tuple],
    facilities: list[tuple],
) -> list[Spell]:
    """Every spell of the demo's stocks; the data's window is first_day .. as_of."""
    rng = np.random.default_rng([seed, 35])
    out: list[Spell] = []
    orgs = [o for o in s.orgs if o.kind != "district"]

    def place_of_org(o) -> tuple[int | None, int | None, int | None]:
        """An organisation's place keys, and a building group a member of it might live in."""
        pool = s.groups_of.get(o.community_id or 0) or []
        bg = pool[int(rng.integers(len(pool)))] if pool and rng.random() < 0.9 else None
        return o.street_id, o.community_id, bg

    # members: id, code, name, gender, birth, education, joined_on, org_id, street, community, group, …
    for row in members:
        mid, joined, street, community, bg = row[0], row[6], row[8], row[9], row[10]
        draw = rng.random()
        start = joined
        if draw < MEMBER_MOVED and joined < as_of - timedelta(days=60):
            moved = _day(rng, max(first_day, joined + timedelta(days=30)), as_of)
            other = orgs[int(rng.integers(len(orgs)))]
            was = place_of_org(other)
            if was[:2] != (street, community):
                out.append(("member", mid, *was, joined, moved))
                start = moved
        elif draw < MEMBER_MOVED + MEMBER_TRANSFER_IN:
            start = max(joined, _day(rng, first_day, as_of))
        out.append(("member", mid, street, community, bg, start, None))
    years = (as_of - first_day).days / 365.25
    for _ in range(round(MEMBER_LEFT_PER_YEAR * years * len(members))):
        like = members[int(rng.integers(len(members)))]  # a place and a seniority like today's members'
        left = _day(rng, first_day, as_of - timedelta(days=1))
        joined = min(like[6], left - timedelta(days=365))
        out.append(("member", None, like[8], like[9], like[10], joined, left))

    for o in orgs:
        out.append(("org", o.id, o.street_id, o.community_id, None, o.established_on or first_day, None))
    small = [o for o in orgs if o.kind in ("enterprise", "social_org")]
    for _ in range(ORGS_DISSOLVED if small else 0):
        like = small[int(rng.integers(len(small)))]
        ended = _day(rng, first_day, as_of - timedelta(days=1))
        founded = _day(rng, date(first_day.year - 15, 1, 1), ended - timedelta(days=365))
        out.append(("org", None, like.street_id, like.community_id, None, founded, ended))

    # building groups: id, code, name, org_id, grid_id, street, community, …
    before = date(first_day.year - 3, 1, 1)
    for g in groups:
        if rng.random() < GROUPS_BEFORE:
            founded = _day(rng, before, first_day - timedelta(days=1))
        else:
            founded = _later_day(rng, first_day, as_of, 1.5)
        out.append(("building_group", g[0], g[5], g[6], g[0], founded, None))

    # teams: id, code, name, category, station, street, community, founded_on
    for t in teams:
        out.append(("team", t[0], t[5], t[6], None, t[7], None))
    for _ in range(TEAMS_DISBANDED if teams else 0):
        like = teams[int(rng.integers(len(teams)))]
        ended = _day(rng, first_day, as_of - timedelta(days=1))
        founded = _day(rng, first_day - timedelta(days=1500), ended - timedelta(days=180))
        out.append(("team", None, like[5], like[6], None, founded, ended))

    # volunteers: id, name, gender, birth_year, phone, team, station, street, community, group, registered_on
    for v in volunteers:
        out.append(("volunteer", v[0], v[7], v[8], v[9], v[10], None))
    for _ in range(round(VOLUNTEERS_LEFT * len(volunteers))):
        like = volunteers[int(rng.integers(len(volunteers)))]
        left = _day(rng, first_day, as_of - timedelta(days=1))
        registered = _day(rng, first_day - timedelta(days=365), left - timedelta(days=30))
        out.append(("volunteer", None, like[7], like[8], like[9], registered, left))

    # facilities: id, code, kind, name, org_id, street, community, lon, lat, opened_on, people_fed
    for fac in facilities:
        out.append((fac[2], fac[0], fac[5], fac[6], None, fac[9] or first_day, None))
    return out
