"""Who a sign-in attempt comes from: the key the attempt limits count by (data_access.attempts)."""

from __future__ import annotations

import ipaddress


def client_from(peer: str | None, forwarded: str, trusted: tuple = ()) -> str:
    """What the limits count by: the connection's peer; or, only when that peer is a proxy named in
    ERQI_TRUSTED_PROXIES, the right-most X-Forwarded-For entry that is not itself such a proxy (entries
    further left are whatever the client claimed). A header from any other peer is never believed, and
    there is no shared stand-in: a connection without a known peer is 'unknown', one from this machine is
    its own loopback address."""
    if peer is None:
        return "unknown"
    current = peer
    if is_trusted(current, trusted):
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            hop = _without_port(hop)
            if _ip(hop) is None:
                break  # not an address: the proxy that passed it on is the client we know
            current = hop
            if not is_trusted(hop, trusted):
                break
    return client_key(current)


def is_trusted(address: str, trusted: tuple) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in trusted)


def _without_port(hop: str) -> str:
    """An X-Forwarded-For entry without a port some proxies add (`203.0.113.5:41234`, `[2001:db8::1]:443`)."""
    if hop.startswith("[") and "]" in hop:
        return hop[1 : hop.index("]")]
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address parsed (an IPv4-mapped IPv6 one as the IPv4 it carries), or None if it is none."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return getattr(ip, "ipv4_mapped", None) or ip


def client_key(address: str) -> str:
    """What limits count by: an IPv4 address, or an IPv6 address's /64 (one subscriber's whole network,
    which one attacker can otherwise walk through address by address)."""
    ip = _ip(address)
    if ip is None:
        return address[:64]
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)

