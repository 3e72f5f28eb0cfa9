"""What every HTTP answer of a production process carries, and what it never answers.

- No other site may frame the dashboard (`Content-Security-Policy: frame-ancestors 'self'`, and the older
  `X-Frame-Options: SAMEORIGIN`): a page of ours inside a foreign frame could be dressed up to mislead
  or to catch clicks.
- Streamlit's `/_stcore/metrics` lists every cached function's name and the session counts to anyone who
  asks; a production process answers it with 404. (The proxy closes it as well: deploy/nginx-erqi.conf.)

A plain ASGI middleware, so it wraps every route, Streamlit's own included, and leaves websockets alone.
"""

from __future__ import annotations

from starlette.middleware import Middleware

CLOSED_SUFFIXES = ("/_stcore/metrics",)
HEADERS = [
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
]


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "").rstrip("/")
        if path.endswith(CLOSED_SUFFIXES):
            await send({"type": "http.response.start", "status": 404, "headers": HEADERS + [(b"content-length", b"9")]})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _v in message.get("headers", [])}
                message = {
                    **message,
                    "headers": list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names],
                }
            await send(message)

        await self.app(scope, receive, with_headers)


def security_middleware() -> list[Middleware]:
    return [Middleware(SecurityHeaders)]
