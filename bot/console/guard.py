"""Who may use the console: it acts as any user, so it must not be reachable by strangers.

- Bound to loopback (the default): open, but only under a loopback host name
  (a page elsewhere cannot reach it through DNS rebinding).
- Bound elsewhere: off unless ``FLOWDESK_CONSOLE_TOKEN`` is set; then every
  request needs it (``Authorization: Bearer``, or the cookie set by ``/?token=``).
- Every write is JSON (or an upload with a custom header) from the console's
  own origin, so another site's page cannot post a message or click a button
  in a visitor's browser: both force a CORS preflight that is never granted.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

COOKIE = "flowdesk_console"
UPLOAD_HEADER = "X-Flowdesk-Console"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


class ConsoleGuard:
    """Checks each console request; raises the aiohttp HTTP error that refuses it."""

    def __init__(self, *, exposed: bool, token: str | None) -> None:
        self.exposed = exposed
        self.token = token or None

    def check(self, request: web.Request) -> None:
        if not self.exposed:
            if not _is_loopback_name(request.host):
                raise web.HTTPForbidden(text="The console answers only on localhost.")
        elif self.token is None:
            raise web.HTTPForbidden(
                text="The console is off on a non-loopback address; set FLOWDESK_CONSOLE_TOKEN to turn it on.")
        elif not self._has_token(request):
            raise web.HTTPUnauthorized(text="A valid console token is required.",
                                       headers={"WWW-Authenticate": 'Bearer realm="flowdesk console"'})
        if request.method == "POST":
            _check_same_origin(request)

    def page(self, request: web.Request, file: Path) -> web.StreamResponse:
        """A console page for an allowed caller; ``?token=...`` is first traded for a cookie."""
        login = self.login(request)
        if login is not None:
            return login
        self.check(request)
        return web.FileResponse(file, headers=page_headers())

    def login(self, request: web.Request) -> web.Response | None:
        """``?token=...``: remember a valid token in a cookie and drop it from the address bar."""
        given = request.query.get("token")
        if not (self.exposed and self.token and given and hmac.compare_digest(given, self.token)):
            return None
        response = web.Response(status=303, headers={"Location": request.path})
        response.set_cookie(COOKIE, given, httponly=True, samesite="Strict", secure=request.secure, path="/")
        return response

    def _has_token(self, request: web.Request) -> bool:
        assert self.token is not None
        bearer = request.headers.get("Authorization", "")
        candidates = [bearer[7:].strip() if bearer.lower().startswith("bearer ") else "",
                      request.cookies.get(COOKIE, ""), request.query.get("token", "")]
        return any(c and hmac.compare_digest(c.encode(), self.token.encode()) for c in candidates)


def _is_loopback_name(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    if name.startswith("[") and "]" in name:
        name = name[: name.index("]") + 1]
    return name.lower() in LOOPBACK_NAMES or name.startswith("127.")


def _check_same_origin(request: web.Request) -> None:
    if request.content_type == "multipart/form-data":
        if request.headers.get(UPLOAD_HEADER) != "1":
            raise web.HTTPForbidden(text=f"Console uploads carry the header {UPLOAD_HEADER}: 1.")
    elif request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Console requests are JSON (Content-Type: application/json).")
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc.lower() != request.host.lower():
        raise web.HTTPForbidden(text="Console requests must come from the console's own page.")


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def page_headers() -> dict[str, str]:
    """Headers of every console page: no inline script, no framing, never cached."""
    return {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"}


def asset_response(static: Path, assets: dict[str, str], name: str) -> web.FileResponse:
    """One of a page's own script or style files; any other name is not found."""
    if name not in assets:
        raise web.HTTPNotFound()
    return web.FileResponse(static / name, headers={"Content-Type": assets[name], "Cache-Control": "no-cache"})
