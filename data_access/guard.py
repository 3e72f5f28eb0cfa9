"""The access guard under every cached query: clamps Filters to the viewer's scope before the cache is
consulted (so the cache key is the clamped value), checks ids and codes that name one place, and applies
the privacy rules to what comes back. `install()` wraps every cached query of cached.py;
a wrapper whose arguments the guard does not understand stops the import (deny by default)."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from .filters import Filters, Places
from .scope import (
    AccessDenied,
    Privacy,
    Scope,
    apply_privacy,
    clamp,
    node_place,
    restrict_places,
    restrict_records,
    within,
)

ACCESS = "_access"  # the session's Access, set by the sign-in gate only

# How the guard treats a cached query, declared with the query in cached.py (query(..., access=...)):
SCOPED = "scoped"  # the default: Filters clamped to the scope, ids and codes checked, privacy applied
OPEN = "open"  # reference data and counts of unusable rows, naming no person and no place's figures:
#                passed through (a session is still required)
WHOLE_DISTRICT = "whole_district"  # facts about the whole database (import runs, rejected rows, table sizes):
#                only for a whole-district session that may see names (a rejected row may quote a name)
PLACES = "places"  # the places table, cut down to the session's scope
EXISTENCE = "existence"  # says only whether a node code exists (to word a notice): the code is not checked
ACCESS_KINDS = frozenset({SCOPED, OPEN, WHOLE_DISTRICT, PLACES, EXISTENCE})


@dataclass(frozen=True)
class Policy:
    """What the guard needs to know about one cached query beyond its arguments."""

    access: str = SCOPED
    persons: frozenset[str] = frozenset()  # result columns that name a person (masked; withheld without names)

    def __post_init__(self) -> None:
        if self.access not in ACCESS_KINDS:
            raise TypeError(f"unknown access kind {self.access!r}")


PLAIN_ARGS = frozenset({"as_of", "measure", "weekday", "hour", "by"})  # arguments that select no place
NODE_ARGS = frozenset({"code"})  # an organisation-tree node code
GROUP_ARGS = frozenset({"bg_id"})  # a building group id


@dataclass(frozen=True)
class Access:
    """What this session may see, and until when."""

    user: str
    role: str  # district / street / community / viewer / public / demo
    scope: Scope
    privacy: Privacy
    expires_at: float = float("inf")  # absolute end of the session (time.time())
    idle_until: float = float("inf")  # the session ends when nothing happened until then
    grant: tuple = ()  # what the access was granted on (method, role, place, credential): see still_granted

    @property
    def expired(self) -> bool:
        now = time.time()
        return now >= self.expires_at or now >= self.idle_until


# Set by the sign-in gate (ui.access.gate): True while the configuration still grants this access as it was
# granted (the user is still in the users file with the same role, place and password; the open demo or
# the public screen is still configured). Checked on every query, so a revocation or a role change reaches
# every session at its next run, a wall's timed redraw included.
still_granted: Callable[[Access], bool] = lambda _access: True  # noqa: E731


def current() -> Access:
    """The session's access; none (or an expired one) is refused."""
    access = st.session_state.get(ACCESS)
    if not isinstance(access, Access):
        raise AccessDenied("not signed in")
    if access.expired or not still_granted(access):
        st.rerun(scope="app")  # the sign-in gate ends or re-scopes the session (also from a timed fragment)
    return access


def full_view() -> bool:
    """True when the session sees the whole district with names (the data page's import facts need it)."""
    access = st.session_state.get(ACCESS)
    return (
        isinstance(access, Access)
        and not access.expired
        and access.scope.everything
        and access.privacy.names
        and still_granted(access)
    )


def smallest_count() -> int:
    """The smallest people count the session may see (0: every count); ui builders use it for what they
    work out themselves from shown figures (a remainder, say)."""
    access = st.session_state.get(ACCESS)
    return access.privacy.min_cell if isinstance(access, Access) else 0


def names_allowed() -> bool:
    """True when the session may see (masked) person names; ui builders use it to word a hidden list."""
    access = st.session_state.get(ACCESS)
    return isinstance(access, Access) and access.privacy.names


# ---------------------------------------------------------------- checks that need the database

_raw: dict[str, object] = {}  # the unwrapped cached functions of cached.py, filled by install()


def all_places() -> Places:
    """Every place (for resolving a scope and validating ids); never handed to a page unfiltered."""
    return _shared_places()


@st.cache_resource(ttl=300, show_spinner=False)
def _shared_places() -> Places:
    """One read-only copy per process: the guard consults it on every cached call, and a data cache
    would unpickle a fresh copy each time."""
    return _raw["places"]()


def reset_places() -> None:
    """Drop the shared copy of the places (the data version moved: a place may have been added)."""
    _shared_places.clear()


@st.cache_data(ttl=300, max_entries=4096, show_spinner=False)
def _node_place(code: str) -> tuple[int | None, int | None] | None:
    with _raw["engine"]().connect() as conn:
        return node_place(conn, code)


def _check_node(code: str, scope: Scope) -> None:
    if scope.everything:
        return
    place = _node_place(str(code))
    if place is None or not within(scope, *place):
        raise AccessDenied(f"node {code} outside scope")


def _check_group(bg_id: int, scope: Scope) -> None:
    if scope.everything:
        return
    groups = all_places().groups
    hit = groups[groups["id"] == bg_id]
    if not len(hit) or not within(scope, int(hit.iloc[0]["street_id"]), int(hit.iloc[0]["community_id"])):
        raise AccessDenied(f"building group {bg_id} outside scope")


def clamp_filters(f: Filters, access: Access | None = None) -> Filters:
    """f narrowed to the session's scope (pages get this value, so labels match the data)."""
    access = access or current()
    return clamp(f, access.scope, all_places())


# ---------------------------------------------------------------- wrapping cached.py


def _kinds(name: str, fn) -> dict[str, str]:
    """How each argument of a cached function is checked; unknown arguments are a programming error."""
    kinds = {}
    for p in inspect.signature(fn).parameters.values():
        if p.annotation in (Filters, "Filters"):
            kinds[p.name] = "filters"
        elif p.name in NODE_ARGS:
            kinds[p.name] = "node"
        elif p.name in GROUP_ARGS:
            kinds[p.name] = "group"
        elif p.name in PLAIN_ARGS:
            kinds[p.name] = "plain"
        else:
            raise TypeError(f"cached.{name}: the access guard does not know argument {p.name!r}; add a rule")
    return kinds


def _guarded(name: str, fn, policy: Policy):
    kinds = _kinds(name, fn)
    sig = inspect.signature(fn)
    persons = policy.persons

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        access = current()
        bound = sig.bind(*args, **kwargs)
        for arg, value in list(bound.arguments.items()):
            kind = kinds[arg]
            if kind == "filters":
                bound.arguments[arg] = clamp(value, access.scope, all_places())
            elif kind == "node" and policy.access != EXISTENCE:
                _check_node(value, access.scope)
            elif kind == "group":
                _check_group(value, access.scope)
        if access.scope.empty:
            raise AccessDenied("no scope")
        result = restrict_records(fn(*bound.args, **bound.kwargs), access.scope)
        return apply_privacy(result, access.privacy, persons, bound.arguments.get("measure"))

    wrapper.clear = fn.clear
    return wrapper


def _guarded_places(fn):
    @functools.wraps(fn)
    def wrapper() -> Places:
        return restrict_places(fn(), current().scope)

    wrapper.clear = fn.clear
    return wrapper


def _open(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        current()
        return fn(*args, **kwargs)

    wrapper.clear = fn.clear
    return wrapper


def _whole_district(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not full_view():
            current()  # no session: refused as such
            raise AccessDenied("whole-district facts")
        return fn(*args, **kwargs)

    wrapper.clear = fn.clear
    return wrapper


def install(namespace: dict) -> None:
    """Replace every cached query in namespace (cached.py's globals: `query(...)` declarations and any
    st.cache_data function) by its guarded form, as its declared Policy says (undeclared: scoped, the
    strictest)."""
    for name, fn in list(namespace.items()):
        info = getattr(fn, "_info", None)
        declared = hasattr(fn, "guard_policy")  # cached.query(...): results shared by the process's sessions
        if not callable(fn) or (info is None and not declared):
            continue
        _raw[name] = fn
        if not declared and type(info).__name__ != "CachedDataFuncInfo":
            continue  # cache_resource (the engine) holds no data
        if name.startswith("_"):
            continue  # an internal building block of a guarded wrapper (pages never call it; a test checks)
        policy = getattr(fn, "guard_policy", None) or Policy()
        if policy.access == PLACES:
            namespace[name] = _guarded_places(fn)
        elif policy.access == OPEN:
            namespace[name] = _open(fn)
        elif policy.access == WHOLE_DISTRICT:
            namespace[name] = _whole_district(fn)
        else:
            namespace[name] = _guarded(name, fn, policy)


__all__ = [
    "ACCESS",
    "EXISTENCE",
    "OPEN",
    "PLACES",
    "SCOPED",
    "WHOLE_DISTRICT",
    "Access",
    "Policy",
    "AccessDenied",
    "clamp_filters",
    "current",
    "full_view",
    "install",
    "names_allowed",
]
