"""A fake Bot Framework on loopback: OpenID metadata + JWKS, a token authority and a connector.

botbuilder fetches signing keys and tokens with blocking ``requests`` calls from
inside the bot's event loop, so this server runs its own event loop in another
thread. The token authority is served over TLS with a throw-away certificate
(MSAL insists on https); point ``REQUESTS_CA_BUNDLE`` at ``ca_file``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import itertools
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
TENANT = "botframework.com"


class SigningKey:
    """An RSA key published in the JWKS (endorsed for ``msteams``) that signs test activities."""

    def __init__(self, kid: str | None = None, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        self.kid = kid or f"test-{uuid.uuid4().hex[:8]}"
        self.endorsements = endorsements
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        data = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": list(self.endorsements)}

    def token(self, *, audience: str, service_url: str, issuer: str = ISSUER, lifetime: float = 3600,
              issued_ago: float = 0, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time() - issued_ago)
        payload = {"iss": issuer, "aud": audience, "serviceurl": service_url, "iat": now, "nbf": now,
                   "exp": int(now + lifetime), **claims}
        return jwt.encode(payload, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


@dataclass(frozen=True)
class Call:
    """One request the bot made to the fake connector."""

    method: str
    path: str
    conversation: str
    activity_id: str
    body: dict[str, Any]
    authorized: bool


class FakeBotFramework:
    """Serves keys, tokens and the connector API of one fake Bot Framework channel."""

    def __init__(self, *, keys: list[SigningKey], workdir: Path, app_id: str, app_password: str,
                 access_token: str = "fake-connector-token", members: dict[str, dict[str, Any]] | None = None) -> None:
        self.keys = keys
        self.workdir = workdir
        self.app_id = app_id
        self.app_password = app_password
        self.access_token = access_token
        self.members = dict(members or {})
        self.instance = uuid.uuid4().hex[:12]
        self.calls: list[Call] = []
        self.refuse_posts = 0
        """How many of the next message posts to refuse with 429 (Teams throttling)."""
        self.files: dict[str, bytes] = {}
        """Files served at ``file_url(name)`` (pre-signed download URLs of files sent to the bot)."""
        self.uploaded: dict[str, bytes] = {}
        """Files the bot put at ``upload_url(name)`` (OneDrive upload sessions of file consent cards)."""
        self.token_requests: list[str] = []
        self._ids = itertools.count(1_700_000_000_000)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.http_port = self.https_port = 0
        self.ca_file = workdir / "fake-bf-ca.pem"

    @property
    def metadata_url(self) -> str:
        # The query names this fake: botbuilder caches keys per metadata URL for the
        # whole process, and a later fake may be given the same port.
        return f"http://127.0.0.1:{self.http_port}/v1/.well-known/openidconfiguration?fake={self.instance}"

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/teams/"

    @property
    def login_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}/{TENANT}"

    def file_url(self, name: str) -> str:
        return f"https://127.0.0.1:{self.https_port}/files/{name}?sig=presigned"

    def upload_url(self, name: str) -> str:
        return f"https://127.0.0.1:{self.https_port}/upload/{name}?session=onedrive"

    def start(self) -> FakeBotFramework:
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, args=(ready, errors), daemon=True, name="fake-bf")
        self._thread.start()
        if not ready.wait(20) or errors:
            raise RuntimeError(f"fake Bot Framework did not start: {errors}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def recorded(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if method is None or c.method == method]

    async def wait_for(self, predicate: Any, *, timeout: float = 15.0) -> list[Call]:
        """Wait until ``predicate(calls)`` is true; returns the calls (fails with what arrived)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.recorded()
            if predicate(calls):
                return calls
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out; the connector received: {[(c.method, c.path) for c in self.recorded()]}")

    def _serve(self, ready: threading.Event, errors: list[BaseException]) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._start_sites())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            errors.append(exc)
            ready.set()
            return
        ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start_sites(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._jwks)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._login_metadata)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/teams/v3/conversations", self._create_conversation)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_put("/teams/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_get("/teams/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_put("/upload/{name}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        http = web.TCPSite(self._runner, "127.0.0.1", 0)
        await http.start()
        https = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._tls())
        await https.start()
        self.http_port = http._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # noqa: SLF001
        self.https_port = https._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # noqa: SLF001

    def _tls(self) -> ssl.SSLContext:
        cert_file, key_file = self.ca_file, self.workdir / "fake-bf-key.pem"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        return context

    async def _metadata(self, request: web.Request) -> web.Response:
        base = f"http://127.0.0.1:{self.http_port}"
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{base}/v1/.well-known/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [k.jwk() for k in self.keys]})

    async def _login_metadata(self, request: web.Request) -> web.Response:
        base = f"https://127.0.0.1:{self.https_port}/{request.match_info['tenant']}"
        return web.json_response({"issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                  "token_endpoint": f"{base}/oauth2/v2.0/token"})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client", "error_description": "bad credentials"}, status=401)
        with self._lock:
            self.token_requests.append(request.match_info["tenant"])
        return web.json_response({"access_token": self.access_token, "token_type": "Bearer", "expires_in": 3600})

    def _record(self, request: web.Request, body: dict[str, Any]) -> bool:
        authorized = request.headers.get("Authorization") == f"Bearer {self.access_token}"
        call = Call(method=request.method, path=request.path, conversation=request.match_info.get("conversation", ""),
                    activity_id=request.match_info.get("activity", ""), body=body, authorized=authorized)
        with self._lock:
            self.calls.append(call)
        return authorized

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self._record(request, body):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        if request.method == "PUT":
            return web.json_response({"id": request.match_info["activity"]})
        with self._lock:
            refuse, self.refuse_posts = self.refuse_posts > 0, max(0, self.refuse_posts - 1)
        if refuse:
            return web.json_response({"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "0"})
        return web.json_response({"id": str(next(self._ids))})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self._record(request, body):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        member = (body.get("members") or [{}])[0].get("id", "someone")
        return web.json_response({"id": f"a:personal-{member}", "activityId": str(next(self._ids))})

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None or request.query.get("sig") != "presigned":
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        """One-request upload session: the whole file, with its Content-Range, as OneDrive takes it."""
        data = await request.read()
        if request.query.get("session") != "onedrive" or \
                request.headers.get("Content-Range") != f"bytes 0-{max(len(data) - 1, 0)}/{len(data)}":
            return web.json_response({"error": {"code": "invalidRange"}}, status=400)
        with self._lock:
            self.uploaded[request.match_info["name"]] = data
        return web.json_response({"id": "01ONEDRIVEITEM", "name": request.match_info["name"], "size": len(data)},
                                 status=201)

    async def _member(self, request: web.Request) -> web.Response:
        self._record(request, {})
        found = self.members.get(request.match_info["member"])
        if found is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(found)
