"""python -m auth: manage the users file.

python -m auth add-user NAME --role street --place S03 [--display 淮河路街道] [--file PATH]
python -m auth add-user someone@example.org --role district --oidc      (OpenID Connect user: no password)
python -m auth hash-password                                              (prints a hash for a password)
python -m auth list [--file PATH]
python -m auth unlock                                                    (lists the locks the limits hold now)
python -m auth unlock NAME_OR_ADDRESS                                    (lifts every lock on that name or client)
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import tomllib
from pathlib import Path

from .passwords import hash_password
from .settings import MAX_LOGIN_CHARS, ROLES, load, parse_users

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ask_password() -> str:
    if not sys.stdin.isatty():  # piped: one line
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise SystemExit("the two passwords differ")
    return first


def check_place(role: str, place: str, url: str | None) -> None:
    """Refuse a role and place the app could not turn into a scope: a district user with a place, a street
    or community user without one, a place that is not in the database or is of the wrong level."""
    if role == "district" and place:
        raise SystemExit("a district user sees the whole district: leave --place out")
    if role in ("street", "community") and not place:
        raise SystemExit(f"role {role} needs --place (a street or community code, e.g. S03 or S03C02)")
    if not place:
        return
    from sqlalchemy.engine import make_url

    from data_access.db import database_url, read_engine
    from data_access.queries.overview import places as read_places
    from data_access.scope import NOTHING, scope_for

    try:
        engine = read_engine(make_url(url) if url else database_url())
        with engine.connect() as conn:
            known = read_places(conn)
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure: say it, add nothing
        raise SystemExit(
            f"cannot check place {place} against the database ({type(exc).__name__}); set DATABASE_URL or pass --url"
        ) from None
    if scope_for(place, role, known) == NOTHING:
        level = {"street": "street/town", "community": "community/village"}.get(role, "street or community")
        raise SystemExit(f"{place} is not a {level} code in the database; nothing added")


def add_user(path: Path, login: str, role: str, place: str, display: str, oidc: bool, url: str | None = None) -> None:
    login = login.strip().lower()
    if not login or len(login) > MAX_LOGIN_CHARS or any(ch.isspace() or not ch.isprintable() for ch in login):
        raise SystemExit(f"a user name is 1 to {MAX_LOGIN_CHARS} printable characters without spaces")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if login in parse_users(text):
        raise SystemExit(f"{login} is already in {path}; edit the file to change it")
    place = place.strip()
    check_place(role, place, url)
    password = "" if oidc else _ask_password()
    if not oidc and len(password) < 8:
        raise SystemExit("a password needs at least 8 characters")
    key = login if _BARE_KEY.match(login) else _toml_str(login)
    lines = [f"\n[users.{key}]", f"role = {_toml_str(role)}"]
    if place:
        lines.append(f"place = {_toml_str(place)}")
    if display:
        lines.append(f"display = {_toml_str(display)}")
    if password:
        lines.append(f"password = {_toml_str(hash_password(password))}")
    new_text = text + "\n".join(lines) + "\n"
    tomllib.loads(new_text)  # never write a file the app could not read
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_text, encoding="utf-8")
    path.chmod(0o600)
    print(f"added {login} ({role}{' ' + place if place else ''}) to {path}")


def unlock_user(target: str | None, url: str | None = None) -> None:
    """Without a target, list every lock the attempt limits hold now (each with the word that lifts it);
    with one, forget the failed sign-ins of that user name and of that client address, so whatever it
    was locked out of, it may try again."""
    import time

    from data_access import attempts

    from .clients import client_key

    if url:
        os.environ["ERQI_AUTH_DATABASE_URL"] = url
    try:
        if not target:
            found = attempts.locks()
            for lock in found:
                left = max(0, round((lock.until - time.time()) / 60))
                who = {"pair": f"{lock.login} from {lock.client}", "client": lock.client, "name": lock.login}[lock.kind]
                lift = lock.client if lock.kind == "client" else lock.login
                print(f"{lock.kind}\t{who}\t{lock.failures} failures\t~{left} min left\tlift: unlock {lift}")
            if not found:
                print("no locks")
            return
        gone = attempts.forget(login=target.strip().lower())
        gone += attempts.forget(client=client_key(target))
        if client_key(target) != target.strip():
            gone += attempts.forget(client=target.strip())
    except attempts.Unavailable as exc:
        raise SystemExit(f"cannot reach the sign-in attempts: {exc}") from None
    print(f"failed sign-ins of {target.strip()} forgotten ({gone})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m auth", description="Manage the dashboard's users file.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add-user", help="add a user (asks for the password)")
    add.add_argument("login", help="user name, or the email of an OpenID Connect user")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--place", default="", help="street or community code (S03, S03C02)")
    add.add_argument("--display", default="", help="name shown after sign-in")
    add.add_argument("--oidc", action="store_true", help="signs in through OpenID Connect: no password")
    add.add_argument("--file", type=Path, default=None)
    add.add_argument("--url", default=None, help="the database whose places --place is checked against (DATABASE_URL)")
    sub.add_parser("hash-password", help="print a hash for a password read from the terminal")
    lst = sub.add_parser("list", help="list the users (never their hashes)")
    lst.add_argument("--file", type=Path, default=None)
    unlock = sub.add_parser(
        "unlock", help="list the sign-in locks, or lift those of a user name or client address (all processes)"
    )
    unlock.add_argument("login", nargs="?", default=None, help="a user name or a client address (as listed)")
    unlock.add_argument(
        "--url", default=None, help="the attempts' database (ERQI_AUTH_DATABASE_URL, else DATABASE_URL)"
    )
    args = parser.parse_args(argv)

    if args.cmd == "hash-password":
        print(hash_password(_ask_password()))
        return
    if args.cmd == "unlock":
        unlock_user(args.login, args.url)
        return
    path = args.file or load().users_file
    if args.cmd == "add-user":
        add_user(path, args.login, args.role, args.place, args.display, args.oidc, args.url)
    else:
        users = parse_users(path.read_text(encoding="utf-8")) if path.exists() else {}
        for u in users.values():
            kind = "password" if u.password else "oidc"
            print(f"{u.login}\t{u.role}\t{u.place or '-'}\t{kind}")


if __name__ == "__main__":
    main()
