"""Access settings from the environment, and the users file (TOML) they point to."""

from __future__ import annotations

import ipaddress
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_USERS_FILE = PROJECT / "auth" / "users.toml"
DEFAULT_AUDIT_LOG = PROJECT / "data" / "audit.jsonl"
ROLES = ("district", "street", "community", "viewer", "wall")  # wall: a meeting-room or lobby screen
MAX_LOGIN_CHARS = 254  # the longest email address; user names are shorter


@dataclass(frozen=True)
class User:
    """One entry of the users file: a password user (name) or an OpenID Connect user (email)."""

    login: str
    role: str
    place: str = ""
    display: str = ""
    password: str = ""  # scrypt hash; empty for OpenID Connect users


@dataclass(frozen=True)
class Settings:
    users_file: Path
    users: dict[str, User] = field(default_factory=dict)
    users_problem: str | None = None  # sign-in is configured but cannot be used: nobody gets in
    open_demo: bool = False  # ERQI_OPEN_DEMO: no sign-in, whole district, on purpose
    public: bool = False
    public_place: str = ""
    min_cell: int = 5
    idle_seconds: int = 30 * 60
    max_seconds: int = 12 * 3600
    wall_max_seconds: int = 7 * 24 * 3600  # a wall user's session: no idle end, this long at most
    audit_log: Path = DEFAULT_AUDIT_LOG
    # the proxies whose X-Forwarded-For is believed (ERQI_TRUSTED_PROXIES): addresses or networks; none by default
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @property
    def has_users_file(self) -> bool:
        return self.users_file.exists()


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, low), high)


def parse_users(text: str) -> dict[str, User]:
    """Users from the file's text; raises ValueError with a plain reason when an entry is malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    users = {}
    for login, entry in (data.get("users") or {}).items():
        if not isinstance(entry, dict):
            raise ValueError(f"users.{login} is not a table")
        role = str(entry.get("role", ""))
        if role not in ROLES:
            raise ValueError(f"users.{login}: role must be one of {', '.join(ROLES)}")
        users[login.strip().lower()] = User(
            login=login.strip().lower(),
            role=role,
            place=str(entry.get("place", "")),
            display=str(entry.get("display", "")),
            password=str(entry.get("password", "")),
        )
    return users


_cache: dict[tuple[str, float], dict[str, User]] = {}


def _read_users(path: Path) -> tuple[dict[str, User], str | None]:
    if not path.exists():
        return {}, None
    try:
        key = (str(path), path.stat().st_mtime)
        if key not in _cache:
            _cache.clear()
            _cache[key] = parse_users(path.read_text(encoding="utf-8"))
        return _cache[key], None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, str(exc)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def load() -> Settings:
    """The current settings (read on every run, so an edited users file applies without a restart).

    A users file named by ERQI_USERS_FILE that is missing is a problem, not an absence: sign-in was
    configured, so nobody gets in until it is back (it never falls back to the open demo)."""
    named = (os.environ.get("ERQI_USERS_FILE") or "").strip()
    users_file = Path(named or DEFAULT_USERS_FILE)
    users, problem = _read_users(users_file)
    if named and problem is None and not users_file.exists():
        problem = f"ERQI_USERS_FILE names a file that does not exist ({users_file.name})"
    return Settings(
        users_file=users_file,
        users=users,
        users_problem=problem,
        open_demo=_flag("ERQI_OPEN_DEMO"),
        public=_flag("ERQI_PUBLIC_SCREEN"),
        public_place=os.environ.get("ERQI_PUBLIC_PLACE", "").strip(),
        min_cell=_int("ERQI_MIN_CELL", 5, 2, 1000),
        idle_seconds=_int("ERQI_SESSION_IDLE_MINUTES", 30, 1, 24 * 60) * 60,
        max_seconds=_int("ERQI_SESSION_MAX_HOURS", 12, 1, 24 * 30) * 3600,
        wall_max_seconds=_int("ERQI_WALL_SESSION_MAX_HOURS", 7 * 24, 1, 24 * 90) * 3600,
        audit_log=Path(os.environ.get("ERQI_AUDIT_LOG") or DEFAULT_AUDIT_LOG),
        trusted_proxies=trusted_proxies(
            os.environ.get("ERQI_TRUSTED_PROXIES", "") + "," + os.environ.get("ERQI_TRUSTED_PROXY_ADDRESSES", "")
        ),
    )


LOOPBACK = "127.0.0.1,::1"


def trusted_proxies(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The proxies named in ERQI_TRUSTED_PROXIES (comma-separated addresses or networks: `127.0.0.1` for
    nginx on this machine, `10.0.0.0/24`), plus the older ERQI_TRUSTED_PROXY_ADDRESSES. Empty or 0: none.
    An older setting's count (1, 2 ...) names this machine's loopback addresses. What is not an address is
    ignored (and logged): it never widens the trust."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item or item == "0":
            continue
        if item.isdigit():
            item = LOOPBACK  # ERQI_TRUSTED_PROXIES=1 of earlier versions: nginx on this machine
        for one in item.split(","):
            try:
                net = ipaddress.ip_network(one, strict=False)
            except ValueError:
                log.warning("ERQI_TRUSTED_PROXIES: %r is not an address or network; ignored", one[:60])
                continue
            mapped = getattr(net.network_address, "ipv4_mapped", None)
            if mapped is not None:  # ::ffff:10.0.0.5 names the IPv4 proxy
                net = ipaddress.ip_network(f"{mapped}/{max(0, net.prefixlen - 96)}", strict=False)
            networks.append(net)
    return tuple(dict.fromkeys(networks))
