"""The organisation tree as the page sees it: paths, folding of numerous leaf orgs, and the icicle layout.

Pure functions over the frame data_access.queries.org.org_tree returns (one row per org or building
group under the place scope); nothing here talks to the database or to Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from data_access.models import GRASSROOTS_KINDS, ORG_KINDS
from data_access.queries.org import FOLD_SEP, UNIT_KINDS

from .. import numbers


def _digest(frame: pd.DataFrame) -> str:
    from ..prebuilt import digest  # the memo's own digest, imported when used: this module needs no Streamlit

    return digest(frame)

NODE_KINDS = (*ORG_KINDS[1:], "building_group")  # what the kind filter offers
KIND_ORDER = {k: i for i, k in enumerate((*ORG_KINDS, "building_group"))}
LEVELS = 2  # levels shown below the current node
# By level below the view root: which kinds of sibling orgs are folded into one block, and from how many.
# Streets stay apart one level down (they are what one drills into); two levels down every kind folds, so the
# district's view shows "社区党组织 ×9" per street instead of 166 hairlines. Building groups never fold.
FOLD_KINDS = {1: UNIT_KINDS, 2: GRASSROOTS_KINDS}
FOLD_AT = {1: 6, 2: 3}
# column widths by how many levels the view has: the current node's column is narrow (a single bar)
COLUMN_WEIGHTS = {0: (1.0,), 1: (0.25, 0.75), 2: (0.16, 0.42, 0.42)}
MIN_LABEL_PX = 12


@dataclass
class Tree:
    """Parent/children lookups over the tree frame."""

    frame: pd.DataFrame
    root: str
    rows: dict[str, dict] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    # a digest of frame, set by of() only (a replace() or a hand-built tree has none, and is pickled instead):
    # what a memo keys a tree on
    content_key: str = field(default="", init=False, compare=False)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Tree:
        rows = {r["code"]: r for r in frame.to_dict("records")}
        children: dict[str, list[str]] = {c: [] for c in rows}
        root = None
        for code, r in rows.items():
            parent = r["parent"]
            if isinstance(parent, str) and parent in rows:
                children[parent].append(code)
            elif root is None:
                root = code
        for kids in children.values():
            kids.sort(key=lambda c: (KIND_ORDER.get(rows[c]["kind"], 99), c))
        tree = cls(frame, root or "", rows, children)
        tree.content_key = _digest(frame)
        return tree

    # ---- nodes, folds included

    def has(self, code: str) -> bool:
        if FOLD_SEP in code:
            parent, kind = split_fold(code)
            return parent in self.rows and any(self.rows[c]["kind"] == kind for c in self.children[parent])
        return code in self.rows

    def parent(self, code: str) -> str | None:
        if FOLD_SEP in code:
            return split_fold(code)[0]
        p = self.rows[code]["parent"]
        return p if isinstance(p, str) and p in self.rows else None

    def kids(self, code: str) -> list[str]:
        if FOLD_SEP in code:
            parent, kind = split_fold(code)
            return [c for c in self.children[parent] if self.rows[c]["kind"] == kind]
        return self.children[code]

    def kind(self, code: str) -> str:
        return split_fold(code)[1] if FOLD_SEP in code else self.rows[code]["kind"]

    def path(self, code: str) -> list[str]:
        """Codes from the root down to code."""
        out = [code]
        while (p := self.parent(out[-1])) is not None:
            out.append(p)
        return out[::-1]

    def descendants(self, code: str) -> list[str]:
        """Every node below code, depth first, in display order."""
        out: list[str] = []
        stack = list(reversed(self.kids(code)))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(self.children[c]))
        return out

    def view_root(self, code: str) -> str:
        """The node a chart is drawn from: the node itself, or its parent when it has nothing below."""
        if self.kids(code) or self.parent(code) is None:
            return code
        return self.parent(code) or code


def split_fold(code: str) -> tuple[str, str]:
    parent, _, kind = code.partition(FOLD_SEP)
    return parent, kind


def fold_code(parent: str, kind: str) -> str:
    return f"{parent}{FOLD_SEP}{kind}"


# ---------------------------------------------------------------- sizes


def node_values(tree: Tree, size: str, kinds: Iterable[str]) -> dict[str, float]:
    """Each node's extent in the icicle: its own part (if its kind is shown) plus its children's.

    size "members": an org's own members; a community/village hands its own members to its building groups
    in proportion to members living in each. size "orgs": one per node shown.
    """
    keep = set(kinds)
    own: dict[str, float] = {}
    for code, r in tree.rows.items():
        if r["kind"] == "building_group":
            continue
        if size == "orgs":
            own[code] = 1.0 if r["kind"] in keep else 0.0
            for g in tree.children[code]:
                if tree.rows[g]["kind"] == "building_group":
                    own[g] = 1.0 if "building_group" in keep else 0.0
            continue
        groups = [g for g in tree.children[code] if tree.rows[g]["kind"] == "building_group"]
        mine = _count(r["own_members"])
        given = 0.0
        if groups and "building_group" in keep:
            living = [_count(tree.rows[g]["members"]) for g in groups]
            total = sum(living)
            for g, n in zip(groups, living):
                own[g] = mine * (n / total if total else 1 / len(groups))
            given = mine
        else:
            for g in groups:
                own[g] = 0.0
        own[code] = (mine - given) if r["kind"] in keep else 0.0
    for code in tree.rows:  # a building group scope: the group is the whole tree
        own.setdefault(code, _count(tree.rows[code]["members"]) if size == "members" else 1.0)
    value: dict[str, float] = {}
    for code in reversed([tree.root, *tree.descendants(tree.root)]):
        value[code] = own[code] + sum(value[c] for c in tree.children[code])
    return value


# ---------------------------------------------------------------- the icicle


@dataclass(frozen=True)
class Block:
    """One rectangle of the icicle: a node or a fold of several leaf orgs."""

    code: str
    level: int
    members: list[str]  # the tree nodes it stands for (one unless a fold)


def _window(tree: Tree, root: str, value: dict[str, float]) -> list[tuple[Block, str | None]]:
    """The blocks of the view (with their parent block's code), folding numerous unit-kind siblings."""
    if FOLD_SEP in root:
        top = Block(root, 0, tree.kids(root))
    else:
        top = Block(root, 0, [root])
    out: list[tuple[Block, str | None]] = [(top, None)]
    frontier = [top]
    for level in range(1, LEVELS + 1):
        nxt = []
        for block in frontier:
            kids: list[str] = []
            if FOLD_SEP in block.code and level == 1:
                kids = block.members  # the opened fold: its orgs side by side
            elif FOLD_SEP not in block.code:
                kids = tree.children[block.code]
            kids = [k for k in kids if value.get(k, 0) > 0]
            by_kind: dict[str, list[str]] = {}
            for k in kids:
                by_kind.setdefault(tree.rows[k]["kind"], []).append(k)
            for k in kids:
                kind = tree.rows[k]["kind"]
                same = by_kind[kind]
                fold = (
                    kind in FOLD_KINDS[level]
                    and FOLD_SEP not in block.code
                    and len(same) >= FOLD_AT[level]
                    and len(same) < len(kids)  # a block that would be all of the parent stays open
                )
                if fold:
                    if k != same[0]:
                        continue
                    child = Block(fold_code(block.code, kind), level, same)
                else:
                    child = Block(k, level, [k])
                out.append((child, block.code))
                nxt.append(child)
        frontier = nxt
    return out


def icicle(
    tree: Tree,
    view_root: str,
    size: str,
    kinds: Iterable[str],
    height_px: int,
    fold_name: Callable[[str, int], str],
    selected: str | None = None,
    values: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Rectangles (x0, x1, y0, y1 in 0..1, y from the top) of the view root and two levels below it.

    values: node_values(tree, size, kinds) when the caller already has them."""
    value = values if values is not None else node_values(tree, size, kinds)
    blocks = _window(tree, view_root, value)
    edges = [0.0]
    for w in COLUMN_WEIGHTS[max(b.level for b, _ in blocks)]:
        edges.append(edges[-1] + w)
    total = sum(value.get(c, 0) for c in blocks[0][0].members)
    if total <= 0:
        return pd.DataFrame()
    pos: dict[str, tuple[float, float]] = {blocks[0][0].code: (0.0, 1.0)}
    cursor: dict[str, float] = {blocks[0][0].code: 0.0}
    rows = []
    for block, parent in blocks:
        v = sum(value.get(c, 0) for c in block.members)
        if parent is not None:
            start = pos[parent][0] + cursor[parent]
            pos[block.code] = (start, start + v / total)
            cursor[parent] += v / total
            cursor[block.code] = 0.0
        y0, y1 = pos[block.code]
        rows.append(_describe(tree, block, v, y0, y1, edges, height_px, fold_name, selected))
    return pd.DataFrame(rows)


def _count(value) -> float:
    """A member count as a size; one suppressed on the public screen (NaN) sizes nothing."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def _mean(values: Iterable) -> float | None:
    """Mean of the values that are present (None when none is)."""
    got = [float(v) for v in values if v is not None and not pd.isna(v)]
    return sum(got) / len(got) if got else None


def _describe(tree, block: Block, v, y0, y1, edges, height_px, fold_name, selected) -> dict:
    rs = [tree.rows[c] for c in block.members]
    is_fold = FOLD_SEP in block.code
    kind = tree.kind(block.code)
    name = fold_name(kind, len(rs)) if is_fold else rs[0]["name"]
    # a count the public screen suppressed (NaN) leaves the block's total unknown rather than too small
    members = None if any(pd.isna(r["members"]) for r in rs) else int(sum(r["members"] for r in rs))
    sub_orgs = int(sum(r["sub_orgs"] for r in rs)) + (len(rs) if is_fold else 0)
    bgs = int(sum(r["building_groups"] for r in rs))
    points = _mean(r["points_avg"] for r in rs)
    compliance = _mean(r["compliance_avg"] for r in rs)
    issues = ",".join(sorted({i for r in rs for i in str(r["issues"] or "").split(",") if i}))
    tall = (y1 - y0) * height_px
    return {
        "code": block.code,
        "name": name,
        "kind": kind,
        "level": block.level,
        "x0": edges[block.level],
        "x1": edges[block.level + 1],
        "y0": y0,
        "y1": y1,
        "ym": (y0 + y1) / 2,
        "value": v,
        "members": members,
        "sub_orgs": sub_orgs,
        "building_groups": bgs,
        "points": None if points is None else numbers.round_half_up(points, 1),
        "compliance": compliance,
        "issues": issues,
        "flagged": bool(issues),
        "selected": block.code == selected,
        "label": name if tall >= MIN_LABEL_PX else "",
    }


# ---------------------------------------------------------------- the table


def table_rows(tree: Tree, code: str, kinds: Iterable[str], search: str = "") -> pd.DataFrame:
    """Rows of the orgs under code (the node itself when nothing is below), filtered by kind and search text."""
    codes = tree.descendants(code) or ([code] if FOLD_SEP not in code else [])
    frame = tree.frame.set_index("code").loc[codes].reset_index()
    frame = frame[frame["kind"].isin(set(kinds))]
    text = search.strip().lower()
    if text:
        hit = frame["name"].str.lower().str.contains(text, regex=False) | frame["code"].str.lower().str.contains(
            text, regex=False
        )
        frame = frame[hit]
    names = tree.frame.set_index("code")["name"]
    frame = frame.assign(parent_name=frame["parent"].map(names))
    return frame.reset_index(drop=True)


def flagged(tree: Tree, code: str) -> pd.DataFrame:
    """Nodes at or under code whose totals disagree (see data_access.queries.org.org_tree)."""
    codes = [c for c in [*([code] if code in tree.rows else []), *tree.descendants(code)]]
    frame = tree.frame.set_index("code").loc[codes].reset_index()
    return frame[frame["issues"].fillna("") != ""]
