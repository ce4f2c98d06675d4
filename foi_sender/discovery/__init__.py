"""Finding councils' FOI addresses: crawl their sites, keep proposals with evidence, accept or
reject them into the home's councils.yaml (DESIGN §8); learn.py learns from councils' replies.

A use case above the registry and the ledger; httpx, selectolax and protego are imported only
when a crawl runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import foi_sender.discovery.store as store
from foi_sender import __version__, config
from foi_sender.discovery.rank import proof_in
from foi_sender.discovery.store import Candidate
from foi_sender.errors import InputError, LedgerError
from foi_sender.ledger import ledger_path, open_ledger, read_ledger
from foi_sender.registry import Council, load_registry, set_fields

CACHE_DIR = Path("cache") / "pages"
NONE: frozenset[str] = frozenset()

__all__ = [
    "Candidate",
    "accept",
    "choose_councils",
    "discover",
    "list_candidates",
    "reject",
    "user_agent",
]


def user_agent(email: str | None) -> str:
    """Names the tool, and the requester, so a webmaster can write to a person."""
    return f"foi-sender/{__version__}" + (f" (+mailto:{email})" if email else "")


def choose_councils(
    home: Path, council_ids: tuple[str, ...], missing: bool, every: bool
) -> list[Council]:
    registry = load_registry(home)
    if sum(bool(x) for x in (council_ids, missing, every)) != 1:
        raise InputError("name councils by ID, or give --missing or --all (one of them)")
    if council_ids:
        chosen = [registry.get(i) for i in dict.fromkeys(council_ids)]
    else:
        chosen = [c for c in registry.councils if every or not c.foi_email]
    without = [c.id for c in chosen if not c.homepage]
    if council_ids and without:
        raise InputError(f"no homepage in the registry for {', '.join(without)}")
    return [c for c in chosen if c.homepage]


@dataclass(frozen=True)
class Outcome:
    council_id: str
    outcome: str
    best: Candidate | None
    review: Candidate | None
    moved_to: str | None
    pages: int
    notes: tuple[str, ...] = ()  # an address on another domain not proven the council's, and why


def discover(
    home: Path,
    councils: list[Council],
    *,
    requester_email: str | None,
    verify=True,  # crawl.certificates()
    concurrency: int = 8,
    politeness=None,
    progress: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Crawl each council's site; each council's proposals are kept as soon as it finishes, so
    an interrupted run keeps what it found and a re-run reuses the pages of the last day."""
    import asyncio

    from foi_sender.discovery.crawl import Politeness

    if concurrency < 1:
        raise InputError("--concurrency must be at least 1")
    politeness = politeness or Politeness()
    ledger = open_ledger(home)
    try:
        return asyncio.run(
            _discover_all(
                home, ledger, councils, requester_email, verify, concurrency, politeness, progress
            )
        )
    finally:
        ledger.close()


async def _discover_all(home, ledger, councils, email, verify, concurrency, politeness, progress):
    import asyncio

    from foi_sender.discovery.crawl import Fetcher, open_client
    from foi_sender.discovery.site import SiteResult, crawl_site

    agent = user_agent(email)
    limit = asyncio.Semaphore(concurrency)
    rejected = store.rejected(ledger)
    outcomes: list[Outcome] = []
    async with open_client(politeness, agent, concurrency, verify) as client:
        fetcher = Fetcher(client, politeness, agent, home / CACHE_DIR, config.now())

        async def one(council: Council) -> None:
            async with limit:
                try:
                    async with asyncio.timeout(politeness.council_timeout):
                        result = await crawl_site(
                            fetcher, council.id, council.homepage, rejected.get(council.id, NONE)
                        )
                except TimeoutError:
                    limit_s = f"{politeness.council_timeout:g} s"
                    result = SiteResult(council.id, f"unreachable (gave up after {limit_s})")
                except Exception as exc:  # one odd site must not end a run over 200 others
                    result = SiteResult(council.id, f"failed ({type(exc).__name__}: {exc})")
            outcomes.append(_keep(ledger, result))
            progress(outcomes[-1])

        await asyncio.gather(*(one(c) for c in councils))
    order = {c.id: i for i, c in enumerate(councils)}
    return sorted(outcomes, key=lambda o: order[o.council_id])


def _keep(ledger, result) -> Outcome:
    from foi_sender import deadlines

    now = config.now()
    found_on = deadlines.london_date(now)
    candidates = [
        Candidate(
            result.council_id, p.kind, p.address, p.score, "site", p.url, p.evidence, found_on
        )
        for p in result.proposals
    ]
    # The notes go into the ledger with the outcome: the record of why nothing was proposed.
    recorded = result.outcome + (f" ({'; '.join(result.notes)})" if result.notes else "")
    store.replace_site_candidates(
        ledger, result.council_id, candidates, recorded, result.moved_to, result.pages, now
    )
    kept = store.candidates(ledger, (result.council_id,))
    best = next((c for c in kept if c.kind == "foi"), None)
    review = next((c for c in kept if c.kind == "review"), None)
    return Outcome(
        result.council_id,
        result.outcome,
        best,
        review,
        result.moved_to,
        result.pages,
        tuple(result.notes),
    )


def list_candidates(home: Path, council_ids: tuple[str, ...] = ()) -> list[Candidate]:
    registry = load_registry(home)
    for council_id in council_ids:
        registry.get(council_id)
    if not ledger_path(home).exists():
        return []  # nothing discovered yet; looking creates no ledger
    ledger = read_ledger(home)
    try:
        return store.candidates(ledger, council_ids)
    finally:
        ledger.close()


def discovery_state(home: Path) -> tuple[set[str], dict]:
    """Councils with a proposal waiting, and each council's last discovery outcome."""
    if not ledger_path(home).exists():
        return set(), {}
    try:
        ledger = read_ledger(home)
    except LedgerError:
        return set(), {}  # the registry is still worth listing; commands that record will say why
    try:
        return store.waiting(ledger), store.outcomes(ledger)
    finally:
        ledger.close()


@dataclass(frozen=True)
class Accepted:
    council_id: str
    field: str
    address: str
    source: str


def accept(
    home: Path,
    council_id: str | None,
    address: str | None = None,
    *,
    every: bool = False,
    min_score: int | None = None,
) -> tuple[Path | None, bool, list[Accepted]]:
    """Write chosen proposals into the home's councils.yaml, email_source = evidence and date.

    One council: its best FOI proposal (or ADDRESS, which must be one of its proposals) and its
    best review proposal. --all: every council without an address whose best FOI proposal
    scores at least min_score.
    """
    registry = load_registry(home)
    ledger = open_ledger(home)
    try:
        if every:
            if council_id or address or min_score is None:
                raise InputError("--all takes no ID or ADDRESS, and needs --min-score S")
            chosen = _accept_all(registry, store.candidates(ledger), min_score)
        else:
            if not council_id:
                raise InputError("name the council (or give --all --min-score S)")
            council = registry.get(council_id)
            chosen = _accept_one(council, store.candidates(ledger, (council.id,)), address)
        if not chosen:
            return None, False, []
        changes: dict[str, dict[str, str]] = {}
        for item in chosen:
            changes.setdefault(item.council_id, {})[item.field] = item.address
        for item in chosen:
            if item.field == "foi_email":  # after the addresses, as the shipped file has it
                changes[item.council_id]["email_source"] = item.source
        path, copied = set_fields(home, changes)
        for item in chosen:
            store.forget(
                ledger, item.council_id, ("foi" if item.field == "foi_email" else "review",)
            )
        return path, copied, chosen
    finally:
        ledger.close()


def _source(candidate: Candidate) -> str:
    """Where the address was found and when; and, for an address on another domain, why that
    domain is the council's, which councils.yaml keeps after the proposal is gone."""
    where = "reply" if candidate.source == "reply" else "page"
    proof = proof_in(candidate.evidence)
    why = f"; {proof}" if proof else ""
    return f"{candidate.url} ({where}; found {candidate.found_on.isoformat()}{why})"


def _accept_one(council: Council, candidates: list[Candidate], address: str | None):
    if not candidates:
        raise InputError(
            f"no proposals for {council.id}: run `foi-sender councils discover {council.id}`"
        )
    if address is not None:
        address = address.strip().lower()
        picked = [c for c in candidates if c.address == address]
        if not picked:
            known = ", ".join(sorted({c.address for c in candidates}))
            raise InputError(f"{address} is not a proposal for {council.id} (proposals: {known})")
        top = {c.kind: c for c in reversed(picked)}
    else:
        top = {c.kind: c for c in reversed(candidates)}  # the best of each kind
    chosen = []
    if "foi" in top and top["foi"].address != council.foi_email:
        chosen.append(Accepted(council.id, "foi_email", top["foi"].address, _source(top["foi"])))
    if "review" in top and top["review"].address != council.review_email:
        item = top["review"]
        chosen.append(Accepted(council.id, "review_email", item.address, _source(item)))
    return chosen


def _accept_all(registry, candidates: list[Candidate], min_score: int) -> list[Accepted]:
    best: dict[str, Candidate] = {}
    for c in candidates:
        if c.kind == "foi" and c.council_id not in best:
            best[c.council_id] = c
    chosen = []
    for council in registry.councils:
        c = best.get(council.id)
        if c is not None and not council.foi_email and c.score >= min_score:
            chosen.append(Accepted(council.id, "foi_email", c.address, _source(c)))
    return chosen


def reject(home: Path, council_id: str, address: str) -> int:
    council = load_registry(home).get(council_id)
    config.check_email(address, "ADDRESS")
    ledger = open_ledger(home)
    try:
        return store.reject(ledger, council.id, address.strip().lower(), config.now())
    finally:
        ledger.close()
