"""python -m auth: manage the users file.

python -m auth add-user NAME --role street --place S03 [--display 淮河路街道] [--file PATH]
python -m auth add-user someone@example.org --role district --oidc      (OpenID Connect user: no password)
python -m auth hash-password                                              (prints a hash for a password)
python -m auth list [--file PATH]
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
import tomllib
from pathlib import Path

from .passwords import hash_password
from .settings import ROLES, load, parse_users

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


def add_user(path: Path, login: str, role: str, place: str, display: str, oidc: bool) -> None:
    login = login.strip().lower()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if login in parse_users(text):
        raise SystemExit(f"{login} is already in {path}; edit the file to change it")
    if role in ("street", "community") and not place:
        raise SystemExit(f"role {role} needs --place (a street or community code, e.g. S03 or S03C02)")
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
    sub.add_parser("hash-password", help="print a hash for a password read from the terminal")
    lst = sub.add_parser("list", help="list the users (never their hashes)")
    lst.add_argument("--file", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.cmd == "hash-password":
        print(hash_password(_ask_password()))
        return
    path = args.file or load().users_file
    if args.cmd == "add-user":
        add_user(path, args.login, args.role, args.place, args.display, args.oidc)
    else:
        users = parse_users(path.read_text(encoding="utf-8")) if path.exists() else {}
        for u in users.values():
            kind = "password" if u.password else "oidc"
            print(f"{u.login}\t{u.role}\t{u.place or '-'}\t{kind}")


if __name__ == "__main__":
    main()
