"""Whether another domain a council's pages give an address on is the council's own.

Leicestershire publishes foi@leics.gov.uk on leicestershire.gov.uk; Welsh councils run one site
under two names (anglesey.gov.wales, ynysmon.llyw.cymru). The proof asked for: the other domain's
site redirects, hop by hop, to a host on one of the council's domains. A redirect is made by
whoever holds the redirecting domain, so it proves something only where holding a name is itself
proof of being a public body: gov.uk, gov.wales, llyw.cymru, gov.scot and hscni.net are given only
to public bodies, while anyone can register leicestershire-foi.co.uk and point it at the council.
police.uk and nhs.uk are public too, but never a council's: a council's FOI page names the police's
address to send people away, and asking the police's server would only cost it a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from foi_sender.discovery.crawl import MAX_REDIRECTS, Fetcher, Unreachable
from foi_sender.discovery.extract import Page, registrable_domain
from foi_sender.discovery.rank import Proposal, elsewhere

PUBLIC_SECTOR = ("gov.uk", "gov.wales", "llyw.cymru", "gov.scot", "hscni.net")
# Other domains asked about per council, beyond its page cap: the crawl often spends all 8 pages
# reaching the FOI page, and the proof costs no page of the council's own site.
MAX_PROBES = 2


@dataclass(frozen=True)
class Verdict:
    domain: str
    owned: bool
    says: str  # "leics.gov.uk is the council's: ... redirects to ..." (or why not)


async def prove(
    fetcher: Fetcher,
    pages: list[tuple[Page, str]],
    domains: set[str],
    rejected: frozenset[str],
    scheme: str,
) -> tuple[dict[str, str], list[str]]:
    """The other domains proven the council's (domain -> the proof), and a short phrase for
    each address left unproposed because its domain was not proven."""
    probes, unchecked = to_probe(elsewhere(pages, domains, rejected))
    vouched: dict[str, str] = {}
    notes = []
    for domain, proposal in probes:
        verdict = await probe(fetcher, domain, scheme, domains)
        if verdict.owned:
            vouched[domain] = verdict.says
        else:
            notes.append(f"{proposal.address} not proposed: {verdict.says}")
    notes += [f"{p.address} not checked (at most {MAX_PROBES} other domains)" for p in unchecked]
    return vouched, notes


def public_sector(domain: str) -> bool:
    return any(domain.endswith("." + suffix) for suffix in PUBLIC_SECTOR)


def to_probe(found: list[Proposal]) -> tuple[list[tuple[str, Proposal]], list[Proposal]]:
    """(domain, its best address) for the first MAX_PROBES public-sector domains, best first;
    and the best address of each public-sector domain left over."""
    chosen: dict[str, Proposal] = {}
    for proposal in found:
        domain = registrable_domain(proposal.address.rpartition("@")[2]) or ""
        if public_sector(domain):
            chosen.setdefault(domain, proposal)
    domains = list(chosen.items())
    return domains[:MAX_PROBES], [proposal for _, proposal in domains[MAX_PROBES:]]


async def probe(fetcher: Fetcher, domain: str, scheme: str, council_domains: set[str]) -> Verdict:
    """Ask www.DOMAIN first: 199 of the 207 homepages in councils.yaml are www. hosts, so that is
    where a council's name is served, and an alias is set up the same way; a bare name may have
    no web server at all. The bare name is asked only when www. gives no HTTP answer."""
    try:
        return await _follow(fetcher, f"{scheme}://www.{domain}/", domain, council_domains)
    except Unreachable:
        pass
    try:
        return await _follow(fetcher, f"{scheme}://{domain}/", domain, council_domains)
    except Unreachable as exc:
        return Verdict(domain, False, f"{domain} unreachable ({exc})")


async def _follow(fetcher: Fetcher, url: str, domain: str, council_domains: set[str]) -> Verdict:
    """Redirects within DOMAIN are followed (http to https, to www., to a path), each hop asked of
    robots.txt; the first one off it decides, and is not fetched."""
    start = url
    for _ in range(MAX_REDIRECTS + 1):
        host = urlsplit(url).hostname
        if not await fetcher.allowed(url):
            return Verdict(domain, False, f"robots.txt of {host} disallows it")
        answer = await fetcher.get(url)
        if not answer.location:
            if answer.status != 200:
                return Verdict(domain, False, f"{host} answers HTTP {answer.status}")
            return Verdict(domain, False, f"{host} does not redirect to the council's site")
        target = urljoin(url, answer.location).split("#", 1)[0]
        parts = urlsplit(target)
        landed = registrable_domain(parts.hostname or "")
        if landed in council_domains and parts.scheme in ("http", "https"):
            proof = f"{domain} is the council's: {start} redirects to {target}"
            return Verdict(domain, True, proof)
        if landed != domain or parts.scheme not in ("http", "https"):
            return Verdict(domain, False, f"{host} redirects to {parts.hostname or target}")
        url = target
    return Verdict(domain, False, f"{urlsplit(start).hostname} redirects too many times")
