"""One council's site: from its homepage, best FOI-ish links first, on its own domain only."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from foi_sender.discovery.crawl import MAX_REDIRECTS, Fetcher, Unreachable
from foi_sender.discovery.extract import FOI_WORDS, WAY_WORDS, Page, read_page, registrable_domain
from foi_sender.discovery.ownership import prove
from foi_sender.discovery.rank import Proposal, propose

_STRONG = 3  # a link this good is followed even after the FOI page was found


@dataclass
class SiteResult:
    council_id: str
    outcome: str  # found, form only, blocked by robots.txt, unreachable (...), nothing found
    proposals: list[Proposal] = field(default_factory=list)
    moved_to: str | None = None  # the domain the homepage redirects to
    pages: int = 0
    notes: list[str] = field(default_factory=list)  # why an address on its pages is not proposed


def link_rank(text: str, url: str) -> int:
    """How strongly a link promises the FOI page: 0 means do not follow."""
    path = urlsplit(url).path
    if FOI_WORDS.search(text):
        return 4 if "request" in text.lower() or "review" in text.lower() else 3
    if FOI_WORDS.search(path):
        return 2  # "Next month" under /freedom-of-information/calendar/... is not a promise
    if WAY_WORDS.search(text) or WAY_WORDS.search(path):
        return 1
    return 0


async def crawl_site(
    fetcher: Fetcher, council_id: str, homepage: str, rejected: frozenset[str] = frozenset()
) -> SiteResult:
    """Never raises for the site's sake: every way a site can fail is an outcome."""
    result = SiteResult(council_id, "nothing found")
    domains = {registrable_domain(urlsplit(homepage).hostname or "")} - {None}
    try:
        start, page = await _homepage(fetcher, homepage, domains, result)
    except Unreachable as exc:
        result.outcome = f"unreachable ({exc})"
        return result
    except _Blocked:
        result.outcome = "blocked by robots.txt"
        return result
    crawl = _Crawl(fetcher, domains, result, start)
    await crawl.run(page)
    scheme = urlsplit(start).scheme
    vouched, notes = await prove(fetcher, crawl.seen, domains, rejected, scheme)
    result.proposals = propose(crawl.seen, domains, rejected, vouched)
    if any(p.kind == "foi" for p in result.proposals):
        result.outcome = "found"
    elif any(p.has_form and (p.about_foi or FOI_WORDS.search(t)) for p, t in crawl.seen):
        result.outcome = "form only"
    elif crawl.blocked and not any(p.about_foi for p, _ in crawl.seen):
        result.outcome = "blocked by robots.txt"
    result.notes = notes
    return result


class _Crawl:
    """Best-first over FOI-ish links: (-rank, depth, order, url, link text) in a heap."""

    def __init__(self, fetcher: Fetcher, domains: set[str], result: SiteResult, start: str):
        self.fetcher, self.domains, self.result = fetcher, domains, result
        self.limits = fetcher.politeness
        self.visited = {_path_key(start)}
        self.queue: list[tuple[int, int, int, str, str]] = []
        self.order = 0
        self.seen: list[tuple[Page, str]] = []  # each page read, and the link text that led there
        self.found_foi_page = False
        self.blocked = 0

    async def run(self, homepage: Page) -> None:
        current: tuple[Page, str, int] | None = (homepage, "", 0)
        while current is not None:
            page, link_text, depth = current
            self.seen.append((page, link_text))
            self.found_foi_page = self.found_foi_page or (page.about_foi and bool(page.addresses))
            if depth < self.limits.max_depth:
                for link in page.links:
                    self._push(link_rank(link.text, link.url), depth + 1, link.url, link.text)
            current = await self._next()

    def _push(self, rank: int, depth: int, url: str, text: str) -> None:
        key = _path_key(url)
        if rank == 0 or key in self.visited or not _on_site(url, self.domains):
            return
        self.visited.add(key)  # one URL per path: a calendar's ?month=... cannot trap it
        heapq.heappush(self.queue, (-rank, depth, self.order, url, text))
        self.order += 1

    async def _next(self) -> tuple[Page, str, int] | None:
        """The next page worth reading, within the page budget; None when there is none."""
        while self.queue and self.result.pages < self.limits.max_pages:
            neg_rank, depth, _, url, text = heapq.heappop(self.queue)
            if self.found_foi_page and -neg_rank < _STRONG:
                continue
            if not await self.fetcher.allowed(url):
                self.blocked += 1
                continue
            self.result.pages += 1
            try:
                answer = await self.fetcher.get(url)
            except Unreachable:
                continue
            if answer.location:  # on-site redirects only (/foi -> /foi/)
                self._push(-neg_rank, depth, urljoin(url, answer.location).split("#", 1)[0], text)
            elif answer.html is not None:
                return read_page(answer.url, answer.html), text, depth
        return None


class _Blocked(Exception):
    pass


async def _homepage(fetcher: Fetcher, url: str, domains: set[str], result: SiteResult):
    """The homepage after its redirects; a redirect to another domain adds that domain."""
    for _ in range(MAX_REDIRECTS + 1):
        if not await fetcher.allowed(url):
            raise _Blocked
        answer = await fetcher.get(url)
        result.pages += 1
        if answer.location:
            target = urljoin(url, answer.location)
            domain = registrable_domain(urlsplit(target).hostname or "")
            if urlsplit(target).scheme not in ("http", "https") or domain is None:
                raise Unreachable(f"the homepage redirects to {target}")
            if domain not in domains:
                domains.add(domain)
                result.moved_to = domain
            url = target
            continue
        if answer.html is None:
            raise Unreachable(answer.note or f"HTTP {answer.status}")
        return url, read_page(url, answer.html)
    raise Unreachable("too many redirects")


def _on_site(url: str, domains: set[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and registrable_domain(parts.hostname or "") in domains


def _path_key(url: str) -> str:
    """The scheme counts: an old http:// link that answers 301 to the same page over https
    must still lead there."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{parts.path.rstrip('/') or '/'}"
