"""Sign-in attempts are limited per client and per name in the database every server process shares (issue
finding F8): another process's failures count here; guessing from one client locks that client, not the
account; guessing spread over many clients closes the name to unknown clients only; attempts that cannot
be counted let nobody in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from auth import audit
from auth.settings import trusted_proxies
from data_access import attempts
from ui.access import gate

from .conftest import PASSWORD, PROJECT
from .test_access_app import new_app, sign_in, tiles


def at_client(monkeypatch, address: str) -> None:
    """The next AppTest runs come from this address (AppTest has no websocket peer of its own)."""
    monkeypatch.setattr(gate, "client_address", lambda _cfg: address)


def fail_in_another_process(login: str, client: str, times: int) -> None:
    """A second server process (same settings, same database) refuses wrong passwords for login."""
    code = (
        "from ui.access import gate\n"
        f"for _ in range({times}):\n"
        f"    assert gate.check_password(gate.settings(), {login!r}, 'bad-guess', {client!r}) == 'wrong'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=dict(os.environ), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_failures_in_another_process_lock_the_client_not_the_account(users_env, monkeypatch):
    """F8 on both backends: five wrong passwords for s03 from one client in another server process lock
    that client out of s03 here; s03 still signs in from its own machine."""
    fail_in_another_process("s03", "203.0.113.9", 5)
    at_client(monkeypatch, "203.0.113.9")
    at = sign_in(new_app(), "s03")  # the right password, from the guessing client
    assert not at.metric
    assert any("次数过多" in e.value for e in at.error)
    refused = audit.read(users_env)[-1]
    assert (refused["event"], refused["reason"], refused["client"]) == ("sign_in_refused", "locked", "203.0.113.9")

    at_client(monkeypatch, "198.51.100.20")  # the user's own machine
    at = sign_in(new_app(), "s03")
    assert tiles(at)["党员"] != "—"


def test_one_client_guessing_many_names_is_stopped(users_env):
    cfg = gate.settings()
    names = [f"guess{i}" for i in range(gate.CLIENT_LIMIT)]
    assert [gate.check_password(cfg, n, "bad-guess", "192.0.2.66") for n in names] == ["wrong"] * len(names)
    assert gate.check_password(cfg, "office", PASSWORD, "192.0.2.66") == "locked"  # any name, right password
    assert isinstance(gate.check_password(cfg, "office", PASSWORD, "192.0.2.67"), gate.Identity)


def test_guessing_spread_over_clients_closes_the_name_to_unknown_clients_only(users_env):
    cfg = gate.settings()
    assert isinstance(gate.check_password(cfg, "c0302", PASSWORD, "10.1.1.1"), gate.Identity)  # the user's PC
    for i in range(gate.NAME_LIMIT):  # one guess each from many addresses: no client limit is reached
        assert gate.check_password(cfg, "c0302", "bad-guess", f"10.9.{i // 200}.{i % 200}") == "wrong"
    assert gate.check_password(cfg, "c0302", PASSWORD, "10.8.8.8") == "locked"  # a new client, right password
    assert isinstance(gate.check_password(cfg, "c0302", PASSWORD, "10.1.1.1"), gate.Identity)


def test_a_success_clears_the_pair_and_unlock_forgets_the_name(users_env, capsys):
    from auth.__main__ import main

    cfg = gate.settings()
    for _ in range(gate.PAIR_LIMIT - 1):
        assert gate.check_password(cfg, "s03", "bad-guess", "10.2.2.2") == "wrong"
    assert isinstance(gate.check_password(cfg, "s03", PASSWORD, "10.2.2.2"), gate.Identity)
    for _ in range(gate.PAIR_LIMIT - 1):  # a fresh count after the success
        assert gate.check_password(cfg, "s03", "bad-guess", "10.2.2.2") == "wrong"
    assert isinstance(gate.check_password(cfg, "s03", PASSWORD, "10.2.2.2"), gate.Identity)
    for _ in range(gate.PAIR_LIMIT):
        gate.check_password(cfg, "s03", "bad-guess", "10.2.2.2")
    assert gate.check_password(cfg, "s03", PASSWORD, "10.2.2.2") == "locked"
    main(["unlock", "S03"])  # an administrator, from the command line
    assert "forgotten" in capsys.readouterr().out
    assert isinstance(gate.check_password(cfg, "s03", PASSWORD, "10.2.2.2"), gate.Identity)


def test_attempts_that_cannot_be_counted_let_nobody_in(users_env, monkeypatch, tmp_path):
    """A store that cannot be written (here: a file in a folder that does not exist) refuses every sign-in
    with a message, instead of letting uncounted guesses through."""
    attempts.dispose()
    monkeypatch.setenv("ERQI_AUTH_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'attempts.sqlite'}")
    at = sign_in(new_app(), "s03")
    assert not at.metric
    assert any("登录记录无法写入" in e.value for e in at.error)
    assert audit.read(users_env)[-1]["reason"] == "store_unavailable"
    monkeypatch.delenv("ERQI_AUTH_DATABASE_URL")
    attempts.dispose()


NGINX_HERE = trusted_proxies("127.0.0.1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.5", "", NGINX_HERE, "203.0.113.5"),  # straight from the network
        ("127.0.0.1", "", (), "127.0.0.1"),  # from this machine, no proxy configured: its own address
        ("::1", "", (), "::/64"),
        (None, "", (), "unknown"),  # no connection at all (a bare run)
        ("127.0.0.1", "203.0.113.5", (), "127.0.0.1"),  # no proxy named: the header is never believed
        ("127.0.0.1", "203.0.113.5", NGINX_HERE, "203.0.113.5"),  # nginx says whom it saw
        ("127.0.0.1", "1.2.3.4, 203.0.113.5", NGINX_HERE, "203.0.113.5"),  # the right-most untrusted entry
        # why the shipped nginx replaces the header ($remote_addr) instead of appending to it: a client on the
        # proxy's own address would get the entry it made up
        ("127.0.0.1", "1.2.3.4, 127.0.0.1", NGINX_HERE, "1.2.3.4"),
        ("127.0.0.1", "203.0.113.5, 10.0.0.2", trusted_proxies("127.0.0.1,10.0.0.0/24"), "203.0.113.5"),
        ("127.0.0.1", "203.0.113.5, 10.0.0.2", NGINX_HERE, "10.0.0.2"),  # a balancer not named: it is the client
        ("127.0.0.1", "junk, 203.0.113.5", NGINX_HERE, "203.0.113.5"),
        ("127.0.0.1", "203.0.113.5:41234", NGINX_HERE, "203.0.113.5"),  # a port some proxies add
        ("198.51.100.1", "1.2.3.4", NGINX_HERE, "198.51.100.1"),  # a direct peer's header is never believed
        ("::ffff:127.0.0.1", "203.0.113.5", NGINX_HERE, "203.0.113.5"),  # the proxy written as mapped IPv4
        ("2001:db8:7:7::1", "", (), "2001:db8:7:7::/64"),  # IPv6: counted by the subscriber's /64
        ("127.0.0.1", "2001:db8:7:7:abcd::2", NGINX_HERE, "2001:db8:7:7::/64"),
        ("10.0.0.5", "203.0.113.5", trusted_proxies("10.0.0.5"), "203.0.113.5"),  # a proxy on another host
        ("10.0.0.6", "203.0.113.5", trusted_proxies("10.0.0.5"), "10.0.0.6"),  # one not named
        ("127.0.0.1", "203.0.113.5", trusted_proxies("1"), "203.0.113.5"),  # an older setting's count: this machine
        ("127.0.0.1", "203.0.113.5", trusted_proxies("0, not-an-address"), "127.0.0.1"),
    ],
)
def test_the_client_is_the_peer_or_what_a_named_proxy_saw(peer, forwarded, trusted, client):
    assert gate.client_from(peer, forwarded, trusted) == client


def test_parallel_attempts_are_counted_one_after_another(users_env, monkeypatch):
    """25 submissions at once from one client for one name: at most PAIR_LIMIT passwords are checked (the
    count and the attempt's row are one locked step), the rest are refused as locked."""
    import threading

    checked = []
    real = gate.verify_password

    def counting(password, hashed):
        checked.append(1)
        return real(password, hashed)

    monkeypatch.setattr(gate, "verify_password", counting)
    cfg = gate.settings()
    start = threading.Barrier(25)
    outcomes = []

    def submit():
        start.wait()
        outcomes.append(gate.check_password(cfg, "s03", "bad-guess", "192.0.2.77"))

    threads = [threading.Thread(target=submit) for _ in range(25)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(checked) <= gate.PAIR_LIMIT, f"{len(checked)} passwords checked against a limit of {gate.PAIR_LIMIT}"
    assert sorted(set(outcomes)) == ["locked", "wrong"]
    assert outcomes.count("wrong") == len(checked)


def test_unlock_lists_every_lock_and_lifts_it(users_env, capsys):
    """A client locked for every name (CLIENT_LIMIT failures under invented names) and a pair are listed by
    `python -m auth unlock`, and `unlock ADDRESS` / `unlock NAME` lift them."""
    from auth.__main__ import main

    cfg = gate.settings()
    for i in range(gate.CLIENT_LIMIT):
        gate.check_password(cfg, f"invented{i}", "bad-guess", "127.0.0.1")
    for _ in range(gate.PAIR_LIMIT):
        gate.check_password(cfg, "c0302", "bad-guess", "10.3.3.3")
    assert gate.check_password(cfg, "s03", PASSWORD, "127.0.0.1") == "locked"
    assert gate.check_password(cfg, "c0302", PASSWORD, "10.3.3.3") == "locked"
    capsys.readouterr()
    main(["unlock"])
    listed = capsys.readouterr().out
    assert "client\t127.0.0.1" in listed and "unlock 127.0.0.1" in listed
    assert "pair\tc0302 from 10.3.3.3" in listed and "unlock c0302" in listed
    main(["unlock", "127.0.0.1"])
    main(["unlock", "c0302"])
    capsys.readouterr()
    assert isinstance(gate.check_password(cfg, "s03", PASSWORD, "127.0.0.1"), gate.Identity)
    assert isinstance(gate.check_password(cfg, "c0302", PASSWORD, "10.3.3.3"), gate.Identity)
    main(["unlock"])
    assert "no locks" in capsys.readouterr().out
