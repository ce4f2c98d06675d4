"""A forward HTTP proxy on 127.0.0.1 that serves fixture sites by the request's host.

Clients reach it through HTTP_PROXY and HTTPS_PROXY, exactly as they would reach a corporate
proxy, so the sites keep realistic hosts (www.exampleshire.gov.uk). Plain http is answered by the
proxy itself; `CONNECT host:443` is tunnelled to a TLS server on 127.0.0.1 that serves the same
sites with a certificate for that host from a test CA (ProxyServer.ca_file), as a real council's
server would behind a real proxy. Every request, http or https, is logged with its arrival time,
so tests can check politeness from the server's side.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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
    scheme: str = "http"
    tunnelled: bool = False  # https, arrived through the proxy's CONNECT tunnel


@dataclass
class Web:
    sites: dict[str, dict[str, Route]]
    latency: float = 0.0  # added to every answer (the benchmark's 100 ms)
    # Hosts whose plain http answers every path with a 301 to https, as most councils' do.
    https_only: set[str] = field(default_factory=set)
    # Hosts whose TLS certificate is wrong: "other-ca" (issued by a CA nobody trusts) or
    # "other-name" (from the test CA, but for another host). The rest get a good one.
    bad_certs: dict[str, str] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tunnels: set[tuple[str, int]] = field(default_factory=set)  # the proxy's ends of its tunnels

    def log(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def hits_for(self, host: str) -> list[Hit]:
        return [h for h in self.hits if h.host == host]


class _Handler(BaseHTTPRequestHandler):
    web: Web
    scheme = "http"
    tls_port = 0  # where CONNECT tunnels lead
    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes (two TLS records over https): without this, Nagle holds
    # the second for the client's delayed ACK, 40 ms a keep-alive response on Linux, which would
    # pass for the site's own latency.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        absolute = bool(parts.scheme)
        host = (parts.hostname if absolute else self.headers.get("Host", "").split(":")[0]).lower()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        tunnelled = self.scheme == "https" and self.client_address in self.web.tunnels
        agent = self.headers.get("User-Agent", "")
        self.web.log(Hit(time.monotonic(), host, path, agent, absolute, self.scheme, tunnelled))
        site = self.web.sites.get(host)
        if site is None:
            return self._answer(Route(b"no such host behind this proxy", 502, "text/plain"))
        if self.scheme == "http" and host in self.web.https_only:
            return self._answer(Route(b"", 301, location=f"https://{host}{path}"))
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

    def do_CONNECT(self):  # noqa: N802 - http.server's naming
        """A tunnel to the TLS server, for a fixture host on port 443 (a proxy answers 502 for
        a host it cannot reach)."""
        host, _, port = self.path.rpartition(":")
        self.close_connection = True
        if self.scheme != "http" or port != "443" or host.lower() not in self.web.sites:
            return self._answer(Route(b"cannot reach that host", 502, "text/plain"))
        with socket.create_connection(("127.0.0.1", self.tls_port)) as upstream:
            for end in (upstream, self.connection):  # TLS records, each sent as it comes
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.web.lock:
                self.web.tunnels.add(upstream.getsockname())
            self.send_response(200, "Connection established")
            self.end_headers()
            back = threading.Thread(target=_pipe, args=(upstream, self.connection), daemon=True)
            back.start()
            _pipe(self.connection, upstream)
            back.join()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Bytes one way until the source closes, then the close passed on."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up early (the size cap, a timeout) is not the server's error


class _TlsServer(_Server):
    """The council sites over https; the handshake runs in the request's thread, so a client
    that refuses the certificate costs that thread only."""

    context: ssl.SSLContext

    def finish_request(self, request, client_address):
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # the client refused our certificate: nothing was asked
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


class _Certificates:
    """A certificate for each host name, issued when a client first asks for it (SNI)."""

    def __init__(self, web: Web, folder: Path):
        import trustme

        self.web = web
        self.ca, self.other_ca = trustme.CA(), trustme.CA()
        self.ca_file = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.contexts: dict[str, ssl.SSLContext] = {}
        self.lock = threading.Lock()

    def server_context(self) -> ssl.SSLContext:
        context = self.context_for("localhost")
        context.sni_callback = self._choose
        return context

    def _choose(self, tls: ssl.SSLObject, name: str | None, _context) -> None:
        tls.context = self.context_for((name or "localhost").lower())

    def context_for(self, host: str) -> ssl.SSLContext:
        with self.lock:
            if host not in self.contexts:
                kind = self.web.bad_certs.get(host)
                issuer = self.other_ca if kind == "other-ca" else self.ca
                name = "www.another-council.gov.uk" if kind == "other-name" else host
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                issuer.issue_cert(name).configure_cert(context)
                self.contexts[host] = context
            return self.contexts[host]


class ProxyServer:
    def __init__(self, web: Web):
        self.web = web
        self._folder = tempfile.TemporaryDirectory(prefix="fixture-tls-")
        certificates = _Certificates(web, Path(self._folder.name))
        self.ca_file = certificates.ca_file  # trust it (SSL_CERT_FILE, ca_file) to reach https
        tls_handler = type("TlsHandler", (_Handler,), {"web": web, "scheme": "https"})
        self.tls = _TlsServer(("127.0.0.1", 0), tls_handler)
        self.tls.context = certificates.server_context()
        handler = type("Handler", (_Handler,), {"web": web, "tls_port": self.tls.server_address[1]})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.threads = [
            threading.Thread(target=server.serve_forever, daemon=True)
            for server in (self.httpd, self.tls)
        ]

    def __enter__(self) -> ProxyServer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in (self.httpd, self.tls):
            server.shutdown()
            server.server_close()
        self._folder.cleanup()
