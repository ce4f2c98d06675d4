"""A forward HTTP proxy on 127.0.0.1 that serves fixture sites by the request's host.

Clients reach it through HTTP_PROXY, exactly as they would reach a corporate proxy, so the sites
keep realistic hosts (www.exampleshire.gov.uk). Every request is logged with its arrival time,
so tests can check politeness from the server's side.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Route:
    body: bytes | None = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    delay: float = 0.0  # seconds before answering
    size: int = 0  # a generated body of this many bytes (the 5 MB page), ending with `body`


@dataclass(frozen=True)
class Hit:
    at: float  # time.monotonic() on arrival
    host: str
    path: str  # with its query
    user_agent: str
    absolute: bool  # the request line carried an absolute URI (it came as a proxy request)


@dataclass
class Web:
    sites: dict[str, dict[str, Route]]
    latency: float = 0.0  # added to every answer (the benchmark's 100 ms)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def hits_for(self, host: str) -> list[Hit]:
        return [h for h in self.hits if h.host == host]


class _Handler(BaseHTTPRequestHandler):
    web: Web
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        absolute = bool(parts.scheme)
        host = (parts.hostname if absolute else self.headers.get("Host", "").split(":")[0]).lower()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.web.log(
            Hit(time.monotonic(), host, path, self.headers.get("User-Agent", ""), absolute)
        )
        site = self.web.sites.get(host)
        if site is None:
            return self._answer(Route(b"no such host behind this proxy", 502, "text/plain"))
        route = site.get(path) or site.get(parts.path or "/")
        if route is None:
            route = Route(b"<html><body><h1>Page not found</h1></body></html>", 404)
        self._answer(route)

    def _answer(self, route: Route) -> None:
        delay = self.web.latency + route.delay
        if delay:
            time.sleep(delay)
        body = route.body or b""
        length = route.size + len(body) if route.size else len(body)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(length))
        if route.location:
            self.send_header("Location", route.location)
        self.end_headers()
        try:
            if route.size:
                chunk = (b"<p>" + b"Disclosure log entry. " * 40 + b"</p>\n") * 16
                sent = 0
                while sent < route.size:
                    piece = chunk[: route.size - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: the cap worked


class ProxyServer:
    def __init__(self, web: Web):
        handler = type("Handler", (_Handler,), {"web": web})
        self.web = web
        server = type(
            "Server",
            (ThreadingHTTPServer,),
            # A client that hangs up early (the size cap, a timeout) is not the server's error.
            {"request_queue_size": 256, "handle_error": lambda self, request, address: None},
        )
        self.httpd = server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ProxyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
