"""The tree chart's layout: sizes add up, blocks nest, numerous orgs fold, and any building group is three clicks away."""

from __future__ import annotations

import pytest

from data_access.filters import Filters
from data_access.queries import org as oq
from data_access.queries import overview as q
from ui.org import tree as org_tree
from ui.org.tree import NODE_KINDS, Tree

HEIGHT = 620
_FRAMES: dict[str, object] = {}


def fold_name(kind: str, n: int) -> str:
    return f"{kind} x{n}"


@pytest.fixture()
def tree(engine, db_url) -> Tree:
    if db_url not in _FRAMES:
        with engine.connect() as conn:
            _FRAMES[db_url] = oq.org_tree(conn, Filters(*q.date_bounds(q.dataset_info(conn))))
    return Tree.of(_FRAMES[db_url])


def test_tree_lookups(tree):
    assert tree.root == "D"
    assert tree.path("S03C02B01") == ["D", "S03", "S03C02", "S03C02B01"]
    assert tree.has("S03~enterprise") and not tree.has("S03~park") and not tree.has("S99")
    assert tree.parent("S03~enterprise") == "S03"
    assert all(tree.kind(c) == "enterprise" for c in tree.kids("S03~enterprise"))
    assert len(tree.descendants("D")) == 631 + 838
    assert tree.view_root("S03C02B01") == "S03C02" and tree.view_root("S03") == "S03"


@pytest.mark.parametrize("size", ["members", "orgs"])
def test_sizes_add_up(tree, size):
    value = org_tree.node_values(tree, size, NODE_KINDS)
    for code in [tree.root, *tree.descendants(tree.root)]:
        kids = sum(value[c] for c in tree.children[code])
        assert value[code] >= kids - 1e-9
    if size == "members":
        assert value["D"] == pytest.approx(25_218)
        comm = tree.rows["S03C02"]
        groups = [g for g in tree.children["S03C02"] if tree.rows[g]["kind"] == "building_group"]
        assert sum(value[g] for g in groups) == pytest.approx(comm["own_members"])
        assert value["S03C02"] == pytest.approx(comm["members"])
    else:
        assert value["D"] == 631 + 838  # the district committee is the frame, not one of the kinds shown


def _check_nesting(rects):
    by_code = rects.set_index("code")
    for level in range(1, rects["level"].max() + 1):
        layer = rects[rects["level"] == level].sort_values("y0")
        assert (layer["y0"].iloc[1:].to_numpy() >= layer["y1"].iloc[:-1].to_numpy() - 1e-9).all()  # no overlap
    assert by_code["y0"].min() >= 0 and by_code["y1"].max() <= 1 + 1e-9
    assert (rects["y1"] > rects["y0"]).all()


def test_district_view_folds_deep_levels(tree):
    rects = org_tree.icicle(tree, "D", "members", NODE_KINDS, HEIGHT, fold_name)
    _check_nesting(rects)
    assert rects["level"].max() == 2 and len(rects) < 200  # legible: 1,470 nodes become a few dozen blocks
    level1 = rects[rects["level"] == 1]
    assert {"S01", "S16", "S17", "P01"} <= set(level1["code"])  # streets, the town, parks: each its own block
    assert {"D~agency", "D~institution"} <= set(level1["code"])  # 41 agencies, 40 institutions: one block each
    assert "S01~community" in set(rects["code"])
    assert not (rects["kind"] == "building_group").any()
    agencies = rects.set_index("code").loc["D~agency"]
    assert agencies["members"] == sum(tree.rows[c]["members"] for c in tree.kids("D~agency"))
    assert (rects.loc[rects["label"] != "", "y1"] - rects.loc[rects["label"] != "", "y0"]).min() * HEIGHT >= 12


def test_any_building_group_is_at_most_three_clicks_from_the_district(tree):
    """Clicking a block makes it the current node; count the clicks down to every building group."""
    groups = [c for c in tree.rows if tree.rows[c]["kind"] == "building_group"]
    reachable: dict[str, int] = {}
    values = org_tree.node_values(tree, "members", NODE_KINDS)
    frontier, clicks = ["D"], 0
    seen = {"D"}
    while frontier and clicks < 3:
        clicks += 1
        nxt = []
        for node in frontier:
            rects = org_tree.icicle(tree, tree.view_root(node), "members", NODE_KINDS, HEIGHT, fold_name, values=values)
            for code in rects["code"]:
                if code in seen:
                    continue
                seen.add(code)
                if code in tree.rows and tree.rows[code]["kind"] == "building_group":
                    reachable[code] = clicks
                else:
                    nxt.append(code)
        frontier = nxt
    assert set(reachable) == set(groups)
    assert max(reachable.values()) <= 3


def test_street_view_and_leaf_selection(tree):
    rects = org_tree.icicle(tree, "S03", "orgs", NODE_KINDS, HEIGHT, fold_name, selected="S03C02B01")
    _check_nesting(rects)
    assert rects.iloc[0]["code"] == "S03" and rects.iloc[0]["y1"] == 1.0
    assert "S03~enterprise" in set(rects["code"])  # ten enterprises, one block
    assert rects.set_index("code").loc["S03C02B01", "selected"]
    assert rects["selected"].sum() == 1


def test_opened_fold_lists_its_orgs(tree):
    rects = org_tree.icicle(tree, "D~agency", "members", NODE_KINDS, HEIGHT, fold_name)
    assert set(rects.loc[rects["level"] == 1, "code"]) == set(tree.kids("D~agency"))
    assert rects.iloc[0]["name"] == "agency x41"


def test_kind_filter_keeps_paths_and_sizes(tree):
    rects = org_tree.icicle(tree, "D", "members", ["enterprise"], HEIGHT, fold_name)
    shown = rects[rects["level"] == 2]
    assert set(shown["kind"]) == {"enterprise"}
    value = org_tree.node_values(tree, "members", ["enterprise"])
    enterprise_members = sum(r["members"] for r in tree.rows.values() if r["kind"] == "enterprise")
    assert value["D"] == pytest.approx(enterprise_members)
    assert org_tree.icicle(tree, "D", "members", [], HEIGHT, fold_name).empty


def test_table_rows(tree):
    assert len(org_tree.table_rows(tree, "D", NODE_KINDS)) == 631 + 838
    s03 = org_tree.table_rows(tree, "S03", ["community"])
    assert set(s03["kind"]) == {"community"} and (s03["parent_name"] == tree.rows["S03"]["name"]).all()
    name = tree.rows["S03C02"]["name"]
    hit = org_tree.table_rows(tree, "S03", NODE_KINDS, name[:3])
    assert "S03C02" in set(hit["code"]) and len(hit) < len(org_tree.table_rows(tree, "S03", NODE_KINDS))
    leaf = org_tree.table_rows(tree, "S03C02B01", NODE_KINDS)
    assert leaf["code"].tolist() == ["S03C02B01"]
