"""A real OAuth2 identity provider for tests, shaped like Microsoft's (Entra ID v2.0 endpoints):
HTTPS on 127.0.0.1 with a trustme CA, serving the OpenID configuration, the device code endpoint
and the token endpoint, and recording every request it was sent.

    pytest_plugins = ["identity_provider"]

    def test_login(identity_provider):
        identity_provider.base_url   # https://127.0.0.1:PORT, for [microsoft] authority
        identity_provider.ca_file    # for [microsoft] ca_file

It hands out opaque tokens (`at-…`, `rt-…`); `access_tokens` lists those issued, `current` is the
newest, `revoke()` makes every refresh token it issued useless (as a password change or an admin
revoking sessions does: Entra answers invalid_grant, AADSTS50173 and the like). Refresh tokens
rotate, as Entra's do: each refresh returns a new one and the old one stops working.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CLIENT_ID = "0a1b2c3d-1111-4222-8333-444455556666"
TENANT_ID = "7e1f9a40-0000-4000-8000-00000000c0de"
USER = "alex@example.org"
VERIFICATION_URI = "https://microsoft.com/devicelogin"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class Seen:
    method: str
    path: str
    form: dict[str, str]


@dataclass
class IdentityProvider:
    port: int = 0
    ca_file: Path | None = None
    user: str = USER  # the account the "browser" signs in as
    pending_polls: int = 1  # device-code polls answered authorization_pending first
    requests: list[Seen] = field(default_factory=list)
    access_tokens: list[str] = field(default_factory=list)
    user_codes: list[str] = field(default_factory=list)
    refresh_tokens: set[str] = field(default_factory=set)
    device_codes: dict[str, int] = field(default_factory=dict)  # device code -> polls so far
    issued_file: Path | None = None  # where the newest access token is written, for pymap
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def current(self) -> str:
        return self.access_tokens[-1]

    def revoke(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()

    def grants(self) -> list[str]:
        return [seen.form.get("grant_type", "") for seen in self.requests if "token" in seen.path]

    # what the server answers
    def answer(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(Seen(method, path, form))
            tenant, _, rest = path.strip("/").partition("/")
            if method == "GET" and rest == "v2.0/.well-known/openid-configuration":
                return 200, self._configuration(tenant)
            if method == "POST" and rest == "oauth2/v2.0/devicecode":
                return self._device_code(form)
            if method == "POST" and rest == "oauth2/v2.0/token":
                return self._token(tenant, form)
            return 404, {"error": "not_found"}

    def _configuration(self, tenant: str) -> dict:
        root = f"{self.base_url}/{tenant}"
        return {
            "issuer": f"{self.base_url}/{TENANT_ID}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        }

    def _device_code(self, form: dict[str, str]) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016"}
        device_code = "dc-" + secrets.token_hex(16)
        user_code = "F" + secrets.token_hex(4).upper()
        self.device_codes[device_code] = 0
        self.user_codes.append(user_code)
        message = f"To sign in, use a web browser to open {VERIFICATION_URI} and enter {user_code}"
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": VERIFICATION_URI,
            "expires_in": 900,
            "interval": 1,
            "message": message,
        }

    def _token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016"}
        grant = form.get("grant_type")
        if grant == DEVICE_GRANT:
            code = form.get("device_code", "")
            if code not in self.device_codes:
                return 400, {"error": "expired_token", "error_description": "AADSTS70019"}
            self.device_codes[code] += 1
            if self.device_codes[code] <= self.pending_polls:
                return 400, {"error": "authorization_pending", "error_description": "AADSTS70016"}
            del self.device_codes[code]
            return 200, self._tokens(form)
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if token not in self.refresh_tokens:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS50173: The provided grant has expired due to "
                    "it being revoked, a fresh auth token is needed.\r\nTrace ID: 1",
                }
            self.refresh_tokens.discard(token)
            return 200, self._tokens(form)
        return 400, {"error": "unsupported_grant_type"}

    def _tokens(self, form: dict[str, str]) -> dict:
        access, refresh = "at-" + secrets.token_hex(24), "rt-" + secrets.token_hex(24)
        self.access_tokens.append(access)
        if self.issued_file is not None:
            self.issued_file.write_text(access, encoding="utf-8")
        self.refresh_tokens.add(refresh)
        oid = "00000000-0000-0000-aaaa-000000000001"
        now = int(time.time())
        claims = {
            "aud": CLIENT_ID,
            "iss": f"{self.base_url}/{TENANT_ID}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": oid,
            "sub": "subject-1",
            "tid": TENANT_ID,
            "preferred_username": self.user,
            "name": "Alex Example",
        }
        return {
            "token_type": "Bearer",
            "scope": form.get("scope", ""),
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": ".".join(
                (_b64({"alg": "none", "typ": "JWT"}), _b64(claims), "")  # unsigned: a test
            ),
            "client_info": _b64({"uid": oid, "utid": TENANT_ID}),
        }


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


class _Handler(BaseHTTPRequestHandler):
    provider: IdentityProvider

    def do_GET(self):
        self._reply(*self.server.provider.answer("GET", urlsplit(self.path).path, {}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        form = {key: values[0] for key, values in parse_qs(body).items()}
        self._reply(*self.server.provider.answer("POST", urlsplit(self.path).path, form))

    def _reply(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def running_identity_provider(folder: Path) -> Iterator[IdentityProvider]:
    import trustme

    ca = trustme.CA()
    provider = IdentityProvider(ca_file=folder / "idp-ca.pem")
    ca.cert_pem.write_to_path(str(provider.ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.provider = provider
    provider.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def identity_provider(tmp_path) -> Iterator[IdentityProvider]:
    with running_identity_provider(tmp_path) as provider:
        yield provider
