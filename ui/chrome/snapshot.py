"""导出 PNG / PDF: the exact view as a file, made by a headless Chromium opening this page as the viewer.

The viewer's click issues a one-off grant (render.grants) holding the viewer's own identity, the page, its
URL parameters and the view's widget values; a worker process (render.worker: a few at a time, a deadline)
opens the app's own loopback address with it. That session takes the grant on its first run, signs in as
the viewer (scope, masking and rights exactly theirs, checked against the users file as it is now), hides
the chrome and draws a footer: the page, the filters in words, the data-as-of and refreshed stamps, who
exported it and when, and 示例数据 on demo data. Every export, refusal and failure is written to the audit
log. The public screen offers no export."""

from __future__ import annotations

import html
import ipaddress
import logging
import os
import time
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import streamlit as st

from data_access import guard
from render import grants, worker
from serving import run_gate

from .. import basemap, compare
from ..access import gate
from ..labels import t
from ..stopping import stop_run
from . import filter_bar, freshness, print_table, stand_ins
from .export import exports_allowed, held_file, log_export, may_export

if TYPE_CHECKING:
    from data_access.filters import Places

    from .context import PageContext

log = logging.getLogger("erqi.export")
TOKEN_PARAM = "export"  # the renderer's URL parameter (never in a viewer's address)
REQUEST, RESULT = "_export_request", "_export_result"
KINDS = {"png": "image/png", "pdf": "application/pdf"}
# Widget values that shape a view but are not in its URL (the URL carries filters, language, comparison,
# the selected org or building group and the explore question)
VIEW_KEYS = (
    "rank_measure",
    "vol_measure",
    "grid_color",
    "grid_layers",
    "grid_tiles",
    "org_size",
    "org_colour",
    "_org_size",
    "_org_colour",
    "_w_org_kinds",
    "_org_kinds",
    "data_change_run",
)
SKIP_PARAMS = {TOKEN_PARAM, "kiosk", "cycle"}
# the pages' own URL parameters, named in the footer (the filters are said in words above them)
FOOT_PARAMS = {
    "org": "snap_p_org",
    "kind": "snap_p_kind",
    "sel": "snap_p_sel",
    "measure": "snap_p_measure",
    "by": "snap_p_by",
    "chart": "snap_p_chart",
    "places": "snap_p_places",
    "vcat": "snap_p_vcat",
}
PLACE_PARAMS = {"street": "streets", "community": "communities", "bg": "groups", "sel": "groups"}

FOOTER_CSS = """
#export-footer { margin-top: 1.2rem; padding: .6rem .9rem; border: 1px solid #d0d0d0; border-radius: .4rem;
  background: #fafafa; color: #333; font-size: .9rem; line-height: 1.6; }
#export-footer .demo { color: #b3261e; font-weight: 700; }
"""
EXPORT_CSS = """
[data-testid=stSidebar], [data-testid=stSidebarCollapsedControl], [data-testid=stHeader], [data-testid=stToolbar],
[data-testid=stDecoration], [data-testid=stDownloadButton], [data-testid=stStatusWidget] { display: none !important; }
[data-testid=stMain] .block-container { padding-top: 1.2rem !important; }
"""
WALL_FOOTER_CSS = """
[data-testid=stMain] .block-container { padding-top: .6rem !important; }
#export-footer { position: fixed; left: 0; right: 0; bottom: 0; margin: 0; border: 0; border-radius: 0;
  background: #06101e; color: #c9d6e3; font-size: .85rem; padding: .2rem 1.4rem; line-height: 1.5; z-index: 1000; }
#export-footer span { margin-right: 1.4rem; }
#export-footer .demo { color: #ff8a80; }
"""


# ---------------------------------------------------------------- the renderer's session


def take_grant() -> grants.Grant | None:
    """On the renderer's first run, take the grant its URL names (once); later runs keep it. A token that is
    unknown or expired shows one line and nothing else."""
    held = st.session_state.get(grants.SESSION_KEY)
    token = st.query_params.get(TOKEN_PARAM)
    if token is None:
        return held
    del st.query_params[TOKEN_PARAM]
    grant = grants.take(token) if _local_peer() else None
    if grant is None:
        st.html(f'<div class="export-refused">{t("snap_bad_link")}</div>')
        stop_run()
    st.session_state[grants.SESSION_KEY] = grant
    for key, value in grant.state.items():
        st.session_state[key] = value
    return grant


def _local_peer() -> bool:
    """The renderer runs on this machine: a grant is taken only over a loopback connection (unless the
    administrator routed it elsewhere with ERQI_EXPORT_BASE_URL)."""
    if os.environ.get("ERQI_EXPORT_BASE_URL", "").strip():
        return True
    try:
        peer = st.context.ip_address  # Streamlit's own: None for a peer on this machine
    except Exception:  # noqa: BLE001 - no request context (a bare run): this machine
        return True
    if not isinstance(peer, str):  # None, or a test harness's stand-in
        return True
    try:
        return ipaddress.ip_address(peer.split("%")[0]).is_loopback
    except ValueError:
        return False


def refuse() -> None:
    """The renderer's session shows one line (the worker reports it as refused) and nothing else."""
    st.html(f'<div class="export-refused">{t("snap_refused")}</div>')
    stop_run()


def active() -> grants.Grant | None:
    """The grant this session renders under (None for every viewer's own session)."""
    return st.session_state.get(grants.SESSION_KEY)


def chrome(wall: bool) -> None:
    """The renderer sees the page without sidebar, header, toolbar or download buttons, every table whole
    and every map drawn on the server (stand_ins)."""
    stand_ins.install()
    st.html(f"<style>{EXPORT_CSS}{FOOTER_CSS}{print_table.CSS}{WALL_FOOTER_CSS if wall else ''}</style>")


def footer(ctx: PageContext, title: str) -> None:
    """The file's footer: page, filters in words, data dates, exporter and time, demo data."""
    grant = active()
    if grant is None:
        return
    f = ctx.filters
    extra = {FOOT_PARAMS[k]: param_words(k, v, ctx.places) for k, v in grant.params.items() if k in FOOT_PARAMS}
    parts = [
        t("snap_foot_page", p=title),
        t("snap_foot_scope", s=" › ".join(filter_bar.scope_path(f, ctx.places))),
        t("snap_foot_dates", a=f"{f.start:%Y-%m-%d}", b=f"{f.end:%Y-%m-%d}"),
        t("snap_foot_cmp", m=t(f"cmp_{compare.mode()}")),
    ]
    if extra:
        parts.append(t("snap_foot_more", v="，".join(f"{t(k)} {v}" for k, v in extra.items())))
    parts.append(t("as_of", d=ctx.as_of.isoformat()))
    stamp = freshness.refreshed_text(ctx.fresh or {})
    if stamp:
        parts.append(stamp)
    parts.append(t("snap_foot_by", who=grant.exporter, role=_role(grant), scope=grant.scope))
    parts.append(t("snap_foot_at", t=f"{datetime.fromtimestamp(grant.issued_at):%Y-%m-%d %H:%M:%S}"))
    spans = " · ".join(f"<span>{_escape(p)}</span>" for p in parts)
    demo = f' · <span class="demo">{t("demo_badge")}</span>' if ctx.is_demo else ""
    pages = _escape(t("snap_foot_pages"))  # the PDF prints the footer on every page, with this page count
    st.html(f'<div id="export-footer" data-pages="{pages}">{spans}{demo}</div>')


def param_words(key: str, value: str, places: Places) -> str:
    """A page parameter's value as the footer says it: names, not codes (组织 淮河路街道·非公企业党组织, not
    S03~enterprise); a value it cannot name is printed as it is."""
    from data_access import cached
    from data_access.queries.org import FOLD_SEP

    from ..labels import TEXT, kind_label

    def said(text_key: str, raw: str) -> str:
        return t(text_key) if text_key in TEXT else raw

    names = {}
    for frame in (places.streets, places.communities, places.groups):
        names.update(zip(frame["code"].astype(str), frame["name"].astype(str)))

    def place(code: str) -> str:
        base, _, kind = code.partition(FOLD_SEP)
        return names.get(base, base) + (f"·{said(f'kind_{kind}', kind)}" if kind else "")

    items = [v for v in value.split(",") if v]
    if key in ("org", "sel", "places"):
        words = [place(v) for v in items]
    elif key == "kind":
        words = [kind_label(v) if f"kind_{v}" in TEXT else v for v in items]
    elif key in ("measure", "by", "chart"):
        stem = {"measure": "x_m_", "by": "x_by_", "chart": "x_chart_"}[key]
        words = [said(stem + v, v) for v in items]
    elif key == "vcat":
        cats = cached.vol_categories()
        named = dict(zip(cats["code"].astype(str), cats["name"].astype(str)))
        words = [named.get(v, v) for v in items]
    else:
        words = items
    return t("x_comma").join(words)


def _role(grant: grants.Grant) -> str:
    return t(f"auth_role_{getattr(grant.identity, 'role', 'demo')}")


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


# ---------------------------------------------------------------- the viewer's side


def allowed() -> bool:
    """A viewer's session that may take files away (the renderer's own session offers none)."""
    return exports_allowed() and active() is None


def view_params() -> dict[str, str]:
    """The view's URL parameters (what a copied link would carry), without the kiosk's."""
    return {k: v for k, v in st.query_params.to_dict().items() if k not in SKIP_PARAMS}


def outside_scope(params: dict[str, str], every: dict[str, set[str]], inside: dict[str, set[str]]) -> list[str]:
    """The place parameters that name a place outside the scope (codes per places frame, all and in scope)."""
    out = []
    for key, value in params.items():
        values = value.split(",") if key == "places" else [value]
        frames = [PLACE_PARAMS[key]] if key in PLACE_PARAMS else (list(every) if key == "places" else [])
        for v in values:
            known = [fr for fr in frames if v in every[fr]]
            if known and not any(v in inside[fr] for fr in known):
                out.append(f"{key}={v}")
    return out


def _codes(places: Places) -> dict[str, set[str]]:
    return {
        "streets": set(places.streets["code"]),
        "communities": set(places.communities["code"]),
        "groups": set(places.groups["code"]),
    }


def _scope_words(access: guard.Access, places: Places) -> str:
    """The viewer's scope as its place names (the whole district, or a street › community)."""
    if access.scope.everything:
        return t("district")
    names = []
    for frame, ident in (("streets", access.scope.street_id), ("communities", access.scope.community_id)):
        hit = getattr(places, frame).loc[lambda d, i=ident: d["id"] == i, "name"] if ident else []
        names += [str(hit.iloc[0])] if len(hit) else []
    return " › ".join(names) or access.scope.label


def _ask(kind: str) -> None:
    st.session_state[REQUEST] = kind


def offer(ctx: PageContext, slug: str, title: str, wall: bool) -> None:
    """The sidebar's export buttons; a click makes the file (spinner) and offers it for download."""
    if not allowed():
        return
    sb = st.sidebar
    sb.markdown(f"**{t('snap_title')}**", help=t("snap_help"))
    left, right = sb.columns(2)
    left.button(t("snap_png"), key="snap_png", on_click=_ask, args=("png",), width="stretch")
    right.button(t("snap_pdf"), key="snap_pdf", on_click=_ask, args=("pdf",), width="stretch")
    holder = sb.container(key="snap_holder")  # the file or the reason why not
    view = (slug, tuple(sorted(view_params().items())))
    kind = st.session_state.pop(REQUEST, None)
    if kind in KINDS:
        with holder, st.spinner(t("snap_working", kind=kind.upper())):
            made = make(ctx, slug, kind, wall)
        if isinstance(made, str):
            holder.error(made)
            st.session_state.pop(RESULT, None)
        else:
            st.session_state[RESULT] = (view, kind, *made)
    result = st.session_state.get(RESULT)
    if result and result[0] == view:  # the file of this view (another view's is dropped)
        _view, kind, name, data, seconds = result
        holder.caption(t("snap_ready", kind=kind.upper(), s=f"{seconds:.1f}"))
        holder.download_button(
            t("snap_download", name=name),
            held_file(data, name),  # handed over at the click, to this session only while it may have it
            file_name=name,
            mime=KINDS[kind],
            key="snap_file",
            on_click="ignore",
            width="stretch",
        )
    elif result:
        del st.session_state[RESULT]


def make(ctx: PageContext, slug: str, kind: str, wall: bool) -> tuple[str, bytes, float] | str:
    """The file (name, bytes, seconds), or the message saying why not. Checked, rendered, audited."""
    access = st.session_state.get(guard.ACCESS)
    who = gate.current_identity()
    params = view_params()
    code = access.scope.code if isinstance(access, guard.Access) else ""
    name = f"erqi-{slug}-{code or 'district'}-{datetime.now():%Y%m%d-%H%M%S}.{kind}"
    usable = who is not None and may_export(access)
    outside = outside_scope(params, _codes(guard.all_places()), _codes(ctx.places)) if usable else []
    if not usable or outside:
        reason = ",".join(outside) or "session"
        log_export("export_refused", access, file=name, format=kind, page=slug, view=urlencode(params), reason=reason)
        return t("snap_refused")
    grant = grants.Grant(
        identity=who,
        slug=slug,
        params=params,
        state={k: st.session_state[k] for k in VIEW_KEYS if k in st.session_state and _plain(st.session_state[k])},
        kind=kind,
        exporter=who.name if who.method != "demo" else t("snap_demo_exporter"),
        scope=_scope_words(access, ctx.places),
        issued_at=time.time(),
    )
    token = grants.issue(grant)
    url = f"{own_address()}/{slug}?{urlencode({**params, TOKEN_PARAM: token})}"
    viewer = who.user if who.method in ("password", "oidc") else f"{who.user}@{gate.client_address(gate.settings())}"
    try:
        # one at a time per viewer: another click waits for this one; the run gives its turn up meanwhile,
        # since the export's browser opens the page in a session of its own on this server
        with worker.one_per_viewer(viewer), run_gate.outside():
            rendered = worker.run(url, kind, wall=wall, allow=_tile_origin())
    except Exception as exc:  # noqa: BLE001 - not a worker's verdict (a process that cannot start): said, logged
        if not isinstance(exc, worker.ExportFailed):
            log.exception("export of %s failed", slug)
            exc = worker.ExportFailed("failed", f"{type(exc).__name__}: {exc}")
        grants.withdraw(token)
        log_export(
            "export_failed",
            access,
            file=name,
            format=kind,
            page=slug,
            view=urlencode(params),
            reason=exc.reason,
            detail=exc.detail,
        )
        if exc.reason == "refused":
            return t("snap_refused")
        if exc.reason == "timeout":
            return t("snap_timeout", s=f"{worker.timeout_seconds():.0f}")
        return t(f"snap_{exc.reason}") if exc.reason in ("busy", "yours", "missing") else t("snap_failed")
    log_export(
        "export",
        access,
        file=name,
        format=kind,
        page=slug,
        view=urlencode(params),
        bytes=len(rendered.data),
        seconds=round(rendered.seconds, 2),
        peak_mb=round(rendered.peak_mb),
    )
    return name, rendered.data, rendered.seconds


def _tile_origin() -> tuple[str, ...]:
    """The intranet tile server, when the viewer's map shows its tiles (the renderer may fetch them too)."""
    if not st.session_state.get("grid_tiles"):
        return ()
    tiles, _problem = basemap.tile_config()
    return (tiles.url,) if tiles is not None and tiles.url.startswith("http") else ()


def _plain(value: object) -> bool:
    """A value that can be handed to another session as it is (text, numbers, their lists)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, (str, int, float, bool)) or value is None


def own_address() -> str:
    """This server process's own address on this machine (the renderer must reach this process: the grant
    lives here). ERQI_EXPORT_BASE_URL overrides it."""
    named = os.environ.get("ERQI_EXPORT_BASE_URL", "").strip().rstrip("/")
    if named:
        return named
    address = str(st.get_option("server.address") or "127.0.0.1")
    if address in ("0.0.0.0", "::", ""):
        address = "127.0.0.1"
    host = f"[{address}]" if ":" in address else address
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"http://{host}:{st.get_option('server.port')}" + (f"/{base}" if base else "")
