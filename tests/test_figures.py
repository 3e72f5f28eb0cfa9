"""Every figure the report publishes holds in the scale-1 demo database (published-figures.csv)."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import text

from geo import REFERENCE_DIR

FIGURES = REFERENCE_DIR / "published-figures.csv"

# Independent SQL for each non-context figure; written here, not taken from the app's query layer.
SQL = {
    "party_orgs_total": "SELECT count(*) FROM org WHERE kind <> 'district'",
    "town_committees": "SELECT count(*) FROM org WHERE kind = 'town'",
    "street_working_committees": "SELECT count(*) FROM org WHERE kind = 'street'",
    "park_working_committees": "SELECT count(*) FROM org WHERE kind = 'park'",
    "scenic_working_committees": "SELECT count(*) FROM org WHERE kind = 'scenic'",
    "community_party_orgs": "SELECT count(*) FROM org WHERE kind = 'community'",
    "village_party_orgs": "SELECT count(*) FROM org WHERE kind = 'village'",
    "nonpublic_enterprise_party_orgs": "SELECT count(*) FROM org WHERE kind = 'enterprise'",
    "party_members": "SELECT count(*) FROM member",
    "street_joint_committees": "SELECT count(*) FROM org WHERE kind = 'street' AND is_joint_committee",
    "community_joint_committees": "SELECT count(*) FROM org WHERE kind = 'community' AND is_joint_committee",
    "joint_meetings": "SELECT count(*) FROM joint_meeting",
    "grid_levels": "SELECT count(DISTINCT level) FROM grid",
    "building_party_groups": "SELECT count(*) FROM building_group",
    "demonstration_buildings": "SELECT count(*) FROM building_group WHERE is_demonstration",
    "system_activities": "SELECT count(*) FROM activity",
    "system_activity_participations": "SELECT count(*) FROM activity_participation",
    "party_mass_service_centers": "SELECT count(*) FROM facility WHERE kind = 'service_center'",
    "micro_wishes_fulfilled": "SELECT count(*) FROM micro_wish WHERE fulfilled_on IS NOT NULL",
    "resident_volunteers": "SELECT count(*) FROM volunteer",
    "resident_need_categories": "SELECT count(*) FROM need_category",
    "service_items": "SELECT count(*) FROM service_item",
    "volunteer_team_categories": "SELECT count(DISTINCT category_id) FROM team",
    "volunteer_teams": "SELECT count(*) FROM team",
    "volunteer_stations": "SELECT count(*) FROM station",
    "volunteer_events": "SELECT count(*) FROM service_event",
    "volunteer_hours": "SELECT sum(hours) FROM service_record",
    "people_served": "SELECT sum(people_served) FROM service_record",
    "community_kitchens": "SELECT count(*) FROM facility WHERE kind = 'kitchen'",
    "free_meal_recipients": "SELECT sum(people_fed) FROM facility WHERE kind = 'kitchen'",
}


def _figures() -> list[dict[str, str]]:
    with FIGURES.open(encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row["match"] != "context"]


def test_every_published_figure_has_a_check():
    assert {row["key"] for row in _figures()} == set(SQL)


@pytest.mark.parametrize("row", _figures(), ids=lambda r: r["key"])
def test_published_figure_holds(engine, row):
    with engine.connect() as conn:
        got = float(conn.execute(text(SQL[row["key"]])).scalar() or 0)
    want = float(row["value"])
    if row["match"] == "exact":
        assert got == want
    elif row["match"] == "at_least":
        assert got >= want
    else:
        assert abs(got - want) <= 0.05 * want, f"{got} not within 5% of {want}"
