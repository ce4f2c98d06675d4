"""Fetching a council's pages politely: robots.txt, one request per host per gap, size and type
caps, timeouts, a page cache in the home so a re-run resumes."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from foi_sender.errors import ConfigError

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5  # for pages and robots.txt alike (RFC 9309 2.3.1.2: follow at least five)
HTML_TYPES = ("text/html", "application/xhtml+xml")
CACHE_AGE = timedelta(days=1)
_TMP = itertools.count()


@dataclass(frozen=True)
class Politeness:
    gap: float = 1.0  # seconds between the end of one request and the next to the same host
    request_timeout: float = 15.0
    council_timeout: float = 120.0
    max_pages: int = 8
    max_depth: int = 3
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    location: str | None = None
    html: str | None = None  # None: not HTML, or too big
    note: str = ""  # why there is no html


class Unreachable(Exception):
    """A request failed without an HTTP answer (refused, timed out, bad TLS)."""


class Fetcher:
    """One HTTP client shared by every council; per-host gaps and robots.txt kept here."""

    def __init__(
        self, client, politeness: Politeness, user_agent: str, cache_dir: Path | None, now: datetime
    ):
        self.client = client
        self.politeness = politeness
        self.user_agent = user_agent
        self.cache_dir = cache_dir
        self.now = now
        self._hosts: dict[str, _Host] = {}

    async def robots(self, url: str):
        """The host's parsed robots.txt (an empty one when it has none)."""
        host = self._host(url)
        async with host.robots_lock:
            if host.robots is None:
                from protego import Protego

                parts = urlsplit(url)
                try:
                    answer = await self._robots_txt(f"{parts.scheme}://{parts.netloc}/robots.txt")
                    body = answer.html if answer.status == 200 and answer.html else ""
                except Unreachable:
                    body = ""
                host.robots = Protego.parse(body)
                delay = host.robots.crawl_delay(self.user_agent)
                if delay:
                    host.gap = max(host.gap, float(delay))
            return host.robots

    async def _robots_txt(self, url: str) -> Response:
        """Redirects followed: a site moved to https answers http://.../robots.txt with a 301,
        and reading that as "no robots.txt" would crawl what the site forbids."""
        answer = await self.get(url, text=True)
        for _ in range(MAX_REDIRECTS):
            if not answer.location:
                break
            url = urljoin(url, answer.location)
            answer = await self.get(url, text=True)
        return answer

    async def allowed(self, url: str) -> bool:
        return (await self.robots(url)).can_fetch(url, self.user_agent)

    async def get(self, url: str, *, text: bool = False) -> Response:
        cached = self._cached(url)
        if cached is not None:
            return cached
        host = self._host(url)
        async with host.lock:
            # The gap is read now, not when the last request ended: robots.txt's Crawl-delay,
            # learned from that request, already applies to the next one.
            wait = host.last_end + host.gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                response = await self._fetch(url, text)
            finally:
                host.last_end = time.monotonic()
        self._store(response)
        return response

    async def _fetch(self, url: str, text: bool) -> Response:
        import httpx

        try:
            async with asyncio.timeout(self.politeness.request_timeout):
                async with self.client.stream("GET", url) as reply:
                    return await self._read(url, reply, text)
        except TimeoutError:
            raise Unreachable(f"no answer within {self.politeness.request_timeout:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise Unreachable(_reason(exc)) from None
        except (UnicodeError, ValueError) as exc:  # a link httpx cannot even address
            raise Unreachable(f"bad address ({exc})") from None

    async def _read(self, url: str, reply, text: bool) -> Response:
        if reply.is_redirect:
            return Response(url, reply.status_code, location=reply.headers.get("location"))
        if reply.status_code != 200:
            return Response(url, reply.status_code, note=f"HTTP {reply.status_code}")
        kind = reply.headers.get("content-type", "").split(";")[0].strip().lower()
        if not text and kind not in HTML_TYPES:
            return Response(url, 200, note=f"not HTML ({kind or 'no type'})")
        chunks, size = [], 0
        async for chunk in reply.aiter_bytes():
            size += len(chunk)
            if size > self.politeness.max_bytes:
                return Response(url, 200, note=f"larger than {self.politeness.max_bytes} bytes")
            chunks.append(chunk)
        encoding = reply.charset_encoding or "utf-8"
        try:
            body = b"".join(chunks).decode(encoding, errors="replace")
        except LookupError:
            body = b"".join(chunks).decode("utf-8", errors="replace")
        return Response(url, 200, html=body)

    def _host(self, url: str) -> _Host:
        netloc = urlsplit(url).netloc.lower()
        if netloc not in self._hosts:
            self._hosts[netloc] = _Host(self.politeness.gap)
        return self._hosts[netloc]

    def _cache_file(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")

    def _cached(self, url: str) -> Response | None:
        path = self._cache_file(url)
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError):
            return None  # no copy, or a damaged one: fetch again
        if not isinstance(data, dict) or data.get("url") != url:
            return None
        try:
            fetched = datetime.fromisoformat(data["fetched_at"])
            if self.now - fetched > CACHE_AGE or fetched > self.now:
                return None
            return Response(
                url,
                int(data["status"]),
                data.get("location"),
                data.get("html"),
                data.get("note", ""),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def _store(self, response: Response) -> None:
        path = self._cache_file(response.url)
        if path is None:
            return
        data = {
            "url": response.url,
            "fetched_at": self.now.isoformat(),
            "status": response.status,
            "location": response.location,
            "html": response.html,
            "note": response.note,
        }
        # Renamed into place, so a reader never sees half a page; not fsynced (unlike the
        # ledger): a page lost in a crash only costs a fetch, and a sync per page would stall
        # every other council's crawl.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_TMP)}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(json.dumps(data).encode("utf-8"))
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a cache that cannot be written costs a fetch next time


class _Host:
    def __init__(self, gap: float):
        self.gap = gap
        self.lock = asyncio.Lock()
        self.robots_lock = asyncio.Lock()
        self.robots = None
        self.last_end = float("-inf")


def _reason(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if refused := _certificate_error(exc):
        return f"TLS certificate failed verification: {refused.verify_message.rstrip('.')}"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy refused ({exc})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _certificate_error(exc: BaseException | None):
    """The ssl module's verdict on a certificate, under httpx's and httpcore's wrappers."""
    import ssl

    while exc is not None and not isinstance(exc, ssl.SSLCertVerificationError):
        exc = exc.__cause__ or exc.__context__
    return exc


def open_client(politeness: Politeness, user_agent: str, concurrency: int, verify=True):
    """httpx honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY (trust_env) as curl does; verify is
    what certificates() returns."""
    import httpx

    return httpx.AsyncClient(
        trust_env=True,
        verify=verify,
        follow_redirects=False,  # each hop is checked against the council's domains
        headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml"},
        timeout=httpx.Timeout(politeness.request_timeout),
        limits=httpx.Limits(
            max_connections=max(4, concurrency * 2),
            max_keepalive_connections=max(4, concurrency * 2),
        ),
    )


def certificates(ca_file: str | None):
    """The CAs councils' sites are checked against: certifi's (httpx's default), or
    SSL_CERT_FILE's (SSL_CERT_DIR's) when set, plus ca_file ([discover] in foi.toml), such as a
    TLS-inspecting proxy's. Loaded before any crawl, so a bad ca_file is one error up front."""
    if ca_file is None:
        return True
    import ssl

    import httpx

    context = httpx.create_ssl_context(verify=True, trust_env=True)
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"[discover] ca_file {ca_file}: cannot load it ({exc})") from exc
    return context
