"""The sign-in gate every page passes: who is this session (password, OpenID Connect, public screen or the
unsecured demo), until when, and what it may see. Only this module sets the session's Access."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, replace

import streamlit as st

from auth import audit
from auth.clients import client_from
from auth.passwords import DUMMY_HASH, verify_password
from auth.settings import MAX_LOGIN_CHARS, Settings, load
from data_access import attempts, guard
from data_access.bootstrap import demo_flag
from data_access.db import DatabaseConfigError, database_url, is_default_database
from data_access.scope import Privacy, scope_for
from render import grants

from ..labels import t
from ..stopping import stop_run

IDENTITY = "_identity"
FLASH = "_auth_flash"  # a message for the sign-in screen (expired, signed out)
MAX_PASSWORD_CHARS = 256


@dataclass(frozen=True)
class Identity:
    """Who the session is; the scope is resolved from role and place against the database's places."""

    user: str
    role: str  # district / street / community / viewer / public / demo
    place: str = ""
    display: str = ""
    method: str = "password"  # password / oidc / public / demo
    signed_in_at: float = 0.0
    registered: bool = True  # False: authenticated by the provider but not in the users file
    credential: str = ""  # a fingerprint of the password hash signed in with (a new password ends the session)

    @property
    def name(self) -> str:
        return self.display or self.user


def settings() -> Settings:
    return load()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file, or one that does not parse: no OpenID Connect
        return False


def secured(cfg: Settings) -> bool:
    """True when sign-in is required: a users file (or one named that cannot be used), or an OpenID Connect
    provider in secrets.toml."""
    return cfg.has_users_file or cfg.users_problem is not None or _oidc_configured()


def open_demo_allowed(cfg: Settings) -> bool:
    """The open demo (no sign-in, the whole district) only on purpose: ERQI_OPEN_DEMO=1, or the app's own
    embedded file while its dataset says it is the demo (made-up people: dataset_meta is_demo = 1) or is
    still to be built by the app (it builds the demo). The embedded file holding imported data is shut, as
    is a real database with no sign-in configured."""
    if cfg.open_demo:
        return True
    try:
        url = database_url()
    except DatabaseConfigError:
        return False
    if not is_default_database(url):
        return False
    key = url.render_as_string(hide_password=False)
    now = time.monotonic()
    with _verdicts_lock:
        hit = _demo_flags.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    try:
        flag = demo_flag(url)
    except Exception:  # noqa: BLE001 - cannot read it: not known to be the demo, so shut
        flag = False
    allowed = flag is not False  # None: no dataset yet, the app builds its demo into it
    with _verdicts_lock:
        _demo_flags[key] = (now, allowed)
    return allowed


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16] if password_hash else ""


def _grant(who: Identity) -> tuple:
    return (who.method, who.role, who.place, who.credential, who.registered)


RECHECK_SECONDS = 1.0  # how stale a verdict may be: a revocation reaches a session within this, plus one run
_verdicts: dict[tuple, tuple[float, bool]] = {}
_demo_flags: dict[str, tuple[float, bool]] = {}  # the embedded file's demo flag, read at most once a RECHECK
_verdicts_lock = threading.Lock()


def _still_granted(access: guard.Access) -> bool:
    """guard.still_granted: does the configuration, as it is now, still grant this access? Asked on every
    query, so the verdict per grant is kept for RECHECK_SECONDS (reading the settings costs ~0.1 ms)."""
    if not access.grant:
        return True  # not made by admit (a test's hand-made Access)
    key = (access.user, access.grant)
    now = time.monotonic()
    with _verdicts_lock:
        hit = _verdicts.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    verdict = _granted_now(access)
    with _verdicts_lock:
        if len(_verdicts) > 10_000:
            _verdicts.clear()
        _verdicts[key] = (now, verdict)
    return verdict


def _granted_now(access: guard.Access) -> bool:
    cfg = settings()
    method = access.grant[0]
    if method == "public":
        return cfg.public
    if method == "demo":
        return not cfg.public and not secured(cfg) and open_demo_allowed(cfg)
    current = _reread(
        cfg,
        Identity(
            access.user, *access.grant[1:3], method=method, credential=access.grant[3], registered=access.grant[4]
        ),
    )
    return current is not None and _grant(current) == access.grant


def _reread(cfg: Settings, who: Identity) -> Identity | None:
    """The identity as the users file has it now: None when the user was removed, the file became unusable
    or the password changed; role, place and name as they are now."""
    if cfg.users_problem or cfg.public:
        return None
    user = cfg.users.get(who.user)
    if user is None:
        return None if who.registered else who  # an unregistered provider identity stays unregistered
    if who.method == "password" and (not user.password or _fingerprint(user.password) != who.credential):
        return None
    return replace(who, role=user.role, place=user.place, display=user.display, registered=True)


def _scope_label(who: Identity | None) -> str:
    if who is None:
        return ""
    return who.place or ("district" if who.role in ("district", "demo", "wall") else "")


def _audit(cfg: Settings, event: str, who: Identity | None, user: str = "", **detail: object) -> None:
    audit.record(
        cfg.audit_log,
        event,
        user or (who.user if who else ""),
        role=who.role if who else "",
        scope=_scope_label(who),
        **detail,
    )


# ---------------------------------------------------------------- password sign-in

# Attempts are counted in the shared database (data_access.attempts), so every server process sees them.
# A client that fails PAIR_LIMIT times for one name may not try that name for the window; one that fails
# CLIENT_LIMIT times (any names) may not try at all; a name that fails NAME_LIMIT times from everywhere
# (guessing spread over many clients) is closed to clients that never signed in as it. So nobody can lock
# a user out from the user's own machine, and no single client can guess for long.
WINDOW_SECONDS = attempts.WINDOW_SECONDS
PAIR_LIMIT, CLIENT_LIMIT, NAME_LIMIT = attempts.PAIR_LIMIT, attempts.CLIENT_LIMIT, attempts.NAME_LIMIT


def client_address(cfg: Settings) -> str:
    """Where this session's requests come from (see client_from)."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
    except Exception:  # noqa: BLE001 - no request context (bare run)
        forwarded = ""
    forwarded = forwarded if isinstance(forwarded, str) else ""  # a test harness hands out stand-ins
    return client_from(_peer(), forwarded, cfg.trusted_proxies)


def _peer() -> str | None:
    """The address of the connection this session's websocket came in on (the TCP peer: a production
    process believes no forwarding header before the gate looks, serving.proxy), or None outside a server."""
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not runtime.exists():
            return None
        client = runtime.get_instance().get_client(ctx.session_id)
        peer = getattr(getattr(client, "client_context", None), "remote_ip", None)
    except Exception:  # noqa: BLE001 - a runtime without clients (AppTest): no peer
        return None
    return peer if isinstance(peer, str) and peer else None


def check_password(cfg: Settings, login: str, password: str, client: str = "unknown") -> Identity | str:
    """The identity for a correct user name and password, else why not: 'wrong', 'locked' (too many
    failures, see above) or 'unavailable' (the attempts cannot be counted: nobody signs in uncounted).
    Every outcome is logged."""
    login = login.strip().lower()
    if len(login) > MAX_LOGIN_CHARS or len(password) > MAX_PASSWORD_CHARS:
        _audit(cfg, "sign_in_refused", None, user=login[:40], method="password", reason="too_long", client=client)
        return "wrong"  # no user has such a name; nothing of it is kept (not even as an attempt)
    try:
        # counted, and recorded as failed until the password proves right, in one locked step
        refusal, attempt = attempts.begin(login, client)
        if refusal:
            _audit(cfg, "sign_in_refused", None, user=login, method="password", reason=refusal, client=client)
            return "locked"
        user = cfg.users.get(login)
        ok = verify_password(password, user.password if user and user.password else DUMMY_HASH)
        ok = ok and user is not None and bool(user.password)
        if ok:
            attempts.succeeded(attempt)
    except attempts.Unavailable:
        _audit(cfg, "sign_in_refused", None, user=login, method="password", reason="store_unavailable", client=client)
        return "unavailable"
    if not ok:
        _audit(cfg, "sign_in_failed", None, user=login, method="password", client=client)
        return "wrong"
    who = Identity(
        user.login, user.role, user.place, user.display, "password", time.time(), credential=_fingerprint(user.password)
    )
    _audit(cfg, "sign_in", who, method="password", client=client)
    return who


def _on_submit(cfg: Settings) -> None:
    login = st.session_state.get("auth_user", "")
    password = st.session_state.get("auth_password", "")
    st.session_state["auth_password"] = ""  # never kept in the session
    outcome = check_password(cfg, login, password, client_address(cfg))
    if isinstance(outcome, Identity):
        st.session_state[IDENTITY] = outcome
        return
    notice = {"locked": t("auth_locked", m=WINDOW_SECONDS // 60), "unavailable": t("auth_store_unavailable")}
    st.session_state[FLASH] = ("error", notice.get(outcome, t("auth_wrong")))


def _oidc_identity(cfg: Settings) -> Identity | None:
    """The signed-in OpenID Connect user, mapped to the users file by email (unregistered: no scope). Only an
    address the provider marks verified (`email_verified`) is matched: anyone can put any address on an
    account at some providers."""
    try:
        if not st.user.is_logged_in:
            return None
        email = str(st.user.get("email") or "").strip().lower()
        verified = st.user.get("email_verified") in (True, "true")  # the provider vouches for the address
    except Exception:  # noqa: BLE001 - provider misconfigured: treat as not signed in
        return None
    user = cfg.users.get(email) if verified and len(email) <= MAX_LOGIN_CHARS else None
    if user is None:  # unverified or unknown: authenticated, but no scope
        return Identity(email or "?", "none", method="oidc", signed_in_at=time.time(), registered=False)
    return Identity(user.login, user.role, user.place, user.display, "oidc", time.time())


def _sign_in_screen(cfg: Settings) -> None:
    """The sign-in form (and the OpenID Connect button when configured); stops the run."""
    _, mid, _ = st.columns([1, 1.2, 1])
    with mid:
        st.markdown(f"### {t('app_title')} · {t('auth_title')}")
        st.caption(t("auth_intro"))
        flash = st.session_state.pop(FLASH, None)
        if flash:
            getattr(st, flash[0])(flash[1])
        if _oidc_configured():
            try:
                import authlib  # noqa: F401 - st.login needs it

                st.button(t("auth_oidc"), on_click=st.login, type="primary", width="stretch", key="auth_oidc")
            except ImportError:
                st.warning(t("auth_oidc_missing"))
        if cfg.has_users_file:
            with st.form("auth_form"):
                st.text_input(t("auth_user"), key="auth_user", max_chars=MAX_LOGIN_CHARS)
                st.text_input(t("auth_password"), type="password", key="auth_password", max_chars=MAX_PASSWORD_CHARS)
                st.form_submit_button(t("auth_submit"), on_click=_on_submit, args=(cfg,), type="primary")
    stop_run()


# ---------------------------------------------------------------- the gate


def sign_out() -> None:
    """End the session: logged, every piece of session state dropped (filters, selections, caches keys)."""
    who = st.session_state.get(IDENTITY)
    cfg = settings()
    if isinstance(who, Identity) and who.method in ("password", "oidc"):
        _audit(cfg, "sign_out", who, method=who.method)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[FLASH] = ("info", t("auth_signed_out"))
    if isinstance(who, Identity) and who.method == "oidc":
        st.logout()


def _end(cfg: Settings, who: Identity, event: str, notice: str) -> None:
    """End a session the viewer did not end (expired, revoked): logged, all state dropped, said on the
    sign-in screen; the provider's session too."""
    _audit(cfg, event, who, method=who.method)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[FLASH] = ("warning", t(notice))
    if who.method == "oidc":
        st.logout()


def _recheck(cfg: Settings, who: Identity) -> Identity | None:
    """A signed-in identity against the users file as it is now (every run): removed or a new password
    ends the session; a new role, place or name applies from this run on."""
    now = _reread(cfg, who)
    if now is None:
        _end(cfg, who, "access_revoked", "auth_revoked")
        return None
    if _grant(now) != _grant(who) or now.display != who.display:
        _audit(cfg, "access_changed", now, method=now.method, was_role=who.role, was_scope=_scope_label(who))
        st.session_state[IDENTITY] = now
    return now


def identify(cfg: Settings) -> Identity:
    """Who this session is; draws the sign-in screen and stops the run when nobody is signed in."""
    if cfg.public:
        return Identity("public", "public", cfg.public_place, method="public")
    if not secured(cfg):
        if not open_demo_allowed(cfg):
            st.error(t("auth_not_configured"))
            stop_run()
        return Identity("demo", "demo", method="demo")
    if cfg.users_problem:
        st.error(t("auth_bad_users_file", reason=cfg.users_problem))
        stop_run()
    grant = st.session_state.get(grants.SESSION_KEY)  # the export renderer: the viewer it renders for
    if grant is not None and IDENTITY not in st.session_state and isinstance(grant.identity, Identity):
        st.session_state[IDENTITY] = grant.identity  # re-checked below against the users file as it is now
    who = st.session_state.get(IDENTITY)
    access = st.session_state.get(guard.ACCESS)
    if isinstance(who, Identity) and isinstance(access, guard.Access) and access.expired:
        _end(cfg, who, "session_expired", "auth_expired")
        who = None
    if isinstance(who, Identity):
        who = _recheck(cfg, who)
    if not isinstance(who, Identity) and _oidc_configured():
        who = _oidc_identity(cfg)
        if who is not None:
            _audit(cfg, "sign_in", who, method="oidc", registered=who.registered)
            st.session_state[IDENTITY] = who
    if not isinstance(who, Identity):
        _sign_in_screen(cfg)
    return who


def current_identity() -> Identity | None:
    """Who this session is signed in as (the open demo's stand-in when nobody need sign in); None for the
    public screen, which has no one to name."""
    who = st.session_state.get(IDENTITY)
    if isinstance(who, Identity):
        return who
    access = st.session_state.get(guard.ACCESS)
    if isinstance(access, guard.Access) and access.role == "demo":
        return Identity("demo", "demo", method="demo")
    return None


def privacy_for(who: Identity, cfg: Settings) -> Privacy:
    """District, street and community users see masked names; viewers and the public screen aggregates only;
    a wall (a screen in a room of staff) aggregates without names, small counts shown."""
    if who.role in ("public", "viewer"):
        return Privacy(names=False, min_cell=cfg.min_cell)
    if who.role == "wall":
        return Privacy(names=False, min_cell=0)
    return Privacy(names=True, min_cell=0)


def admit(who: Identity, cfg: Settings, activity: bool = True) -> guard.Access:
    """Resolve the identity's scope against the places and store the session's Access. The idle clock is
    reset when the run is the viewer's doing (activity): a kiosk rotation advances by itself, so on a
    kiosk URL only a wall user's session is kept alive (by its own rule: no idle end,
    ERQI_WALL_SESSION_MAX_HOURS at most); any other user's session there ends after the idle time."""
    places = guard.all_places()
    role = {"demo": "district", "public": "viewer"}.get(who.role, who.role)
    scope = scope_for(who.place, role, places) if who.registered else scope_for(None, "none", places)
    now = time.time()
    secured_session = who.method in ("password", "oidc")
    held = st.session_state.get(guard.ACCESS)
    privacy = privacy_for(who, cfg)
    same = isinstance(held, guard.Access) and (held.user, held.grant, held.scope, held.privacy) == (
        who.user,
        _grant(who),
        scope,
        privacy,
    )
    wall = who.role == "wall"
    idle_until = float("inf") if wall or not secured_session else now + cfg.idle_seconds
    if secured_session and same:
        access = replace(held, idle_until=idle_until) if activity else held
    else:
        access = guard.Access(
            who.user,
            who.role,
            scope,
            privacy,
            expires_at=who.signed_in_at + (cfg.wall_max_seconds if wall else cfg.max_seconds)
            if secured_session
            else float("inf"),
            idle_until=idle_until,
            grant=_grant(who),
        )
    st.session_state[guard.ACCESS] = access
    with _verdicts_lock:  # identify() has just checked it against the settings as they are now
        _verdicts[(access.user, access.grant)] = (time.monotonic(), True)
    return access


def no_scope(who: Identity) -> None:
    """A signed-in user without a scope: say so, offer sign-out, show nothing else."""
    st.error(t("auth_no_scope" if who.registered else "auth_not_registered", who=who.name))
    st.button(t("auth_sign_out"), on_click=sign_out, key="auth_sign_out_main")
    stop_run()


def sidebar(who: Identity, scope_name: str, cfg: Settings) -> None:
    """Who is signed in, with what scope, and the sign-out button (or the mode's badge)."""
    sb = st.sidebar
    if who.method == "demo":
        sb.markdown(f"**:red-background[{t('auth_unsecured')}]**")  # a badge, not a warning about the page
        sb.caption(t("auth_unsecured_help"))
    elif who.method == "public":
        sb.markdown(f"**:blue-background[{t('auth_public')}]**")
        sb.caption(t("auth_public_help", n=cfg.min_cell))
    else:
        sb.caption(t("auth_as", who=who.name, role=t(f"auth_role_{who.role}")))
        sb.caption(t("auth_scope", scope=scope_name))
        sb.button(t("auth_sign_out"), on_click=sign_out, key="auth_sign_out", width="stretch")
    sb.divider()


def drop_outside_params(all_codes: dict[str, set[str]], allowed: dict[str, set[str]]) -> list[str]:
    """Place parameters in the URL that exist but lie outside the scope: removed, with a notice each."""
    notices = []
    for key, codes in all_codes.items():
        value = st.query_params.get(key)
        if value and value in codes and value not in allowed[key]:
            del st.query_params[key]
            notices.append(t("auth_outside_scope", key=key, value=value))
    return notices


guard.still_granted = _still_granted
