"""A production process (serve.py) over plain HTTP: no framing by other sites, no metrics endpoint."""

from __future__ import annotations

import urllib.error
import urllib.request


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def test_pages_may_not_be_framed_by_other_sites(server):
    for path in ("/", "/overview", "/_stcore/health", "/healthz"):
        status, headers, _ = _get(server.base + path)
        assert status == 200, path
        assert headers.get("content-security-policy") == "frame-ancestors 'self'", path
        assert headers.get("x-frame-options") == "SAMEORIGIN", path


def test_the_metrics_endpoint_is_closed(server):
    for path in ("/_stcore/metrics", "/_stcore/metrics/"):
        status, _headers, body = _get(server.base + path)
        assert status == 404, path
        assert b"cache" not in body.lower() and b"session" not in body.lower()
