"""A real Radicale CalDAV server for tests, on 127.0.0.1 and a free port, in a thread.

Radicale's WSGI application is served by a threaded ``wsgiref`` server bound to port 0 (so the port
is free and there is no race), with its storage under the test's ``tmp_path`` and htpasswd login
(plain text). Any logged-in user may read and write anything (``rights.type = authenticated``).

Use it from a test or a conftest in either of two ways:

    from radicale_server import radicale_server    # the pytest fixture (function scope)

    def test_push(radicale_server):
        url = radicale_server.calendar_url("foi")  # http://127.0.0.1:PORT/alex/foi/
        push_calendar(url, ..., user=radicale_server.user, password=radicale_server.password)

or, for another scope or other users, the context manager:

    with running_radicale(tmp_path, users={"alex": "s3cret"}) as server: ...

``server.ics(calendar)`` returns every object stored in a calendar (GET of the collection), for
checks that do not go through the caldav library. Starting and stopping takes a few milliseconds.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

DEFAULT_USER = "alex"
DEFAULT_PASSWORD = "s3cret-pässword"


@dataclass(frozen=True)
class RadicaleServer:
    url: str  # "http://127.0.0.1:PORT/" (with the trailing slash)
    user: str
    password: str
    storage: Path

    def calendar_url(self, calendar: str = "foi", user: str | None = None) -> str:
        """The URL of a calendar collection owned by `user` (it need not exist yet)."""
        return f"{self.url}{user or self.user}/{calendar}/"

    def request(
        self, method: str, path_or_url: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, bytes]:
        """One raw HTTP request as the default user: (status, body); HTTP errors are returned."""
        url = path_or_url if "://" in path_or_url else self.url + path_or_url.lstrip("/")
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        req = urllib.request.Request(url, data=body, method=method)
        req.add_header("Authorization", f"Basic {token}")
        for key, value in headers.items():
            req.add_header(key.replace("_", "-"), value)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def ics(self, calendar: str = "foi") -> bytes:
        """Everything stored in a calendar, as one VCALENDAR (Radicale answers a collection GET)."""
        status, body = self.request("GET", self.calendar_url(calendar))
        if status != 200:
            raise AssertionError(f"GET {self.calendar_url(calendar)} -> {status}: {body[:200]!r}")
        return body


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - wsgiref's signature
        pass


@contextlib.contextmanager
def running_radicale(
    root: Path, *, users: Mapping[str, str] | None = None
) -> Iterator[RadicaleServer]:
    """Serve Radicale on 127.0.0.1 with storage and the htpasswd file under `root`."""
    import radicale
    from radicale import config

    users = dict(users) if users is not None else {DEFAULT_USER: DEFAULT_PASSWORD}
    root.mkdir(parents=True, exist_ok=True)
    htpasswd = root / "htpasswd"
    htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in users.items()), encoding="utf-8")
    storage = root / "collections"
    (storage / "collection-root").mkdir(
        parents=True, exist_ok=True
    )  # else Radicale says so on stderr

    configuration = config.load()
    configuration.update(
        {
            "auth": {
                "type": "htpasswd",
                "htpasswd_filename": str(htpasswd),
                "htpasswd_encryption": "plain",
                "delay": "0",  # Radicale sleeps after a failed login (1 s by default)
            },
            "rights": {"type": "authenticated"},
            "storage": {"filesystem_folder": str(storage)},
            "logging": {"level": "warning", "mask_passwords": "True"},
        },
        "foi-sender tests",
        privileged=True,
    )
    # Radicale logs each request at info level through the root "radicale" logger; keep tests quiet.
    logging.getLogger("radicale").setLevel(logging.WARNING)
    app = radicale.Application(configuration)

    httpd = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    port = httpd.server_address[1]
    thread = threading.Thread(
        target=httpd.serve_forever, args=(0.02,), name="radicale", daemon=True
    )
    thread.start()
    user, password = next(iter(users.items()))
    try:
        yield RadicaleServer(f"http://127.0.0.1:{port}/", user, password, storage)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def radicale_server(tmp_path: Path) -> Iterator[RadicaleServer]:
    """A fresh Radicale server (user `alex`, see DEFAULT_PASSWORD) with its storage in tmp_path."""
    with running_radicale(tmp_path / "radicale") as server:
        yield server
