"""Which addresses a page's evidence makes the council's FOI (or review) address, and how surely."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from foi_sender.discovery.extract import FOI_WORDS, REVIEW_WORDS, Found, registrable_domain

_FOI_LOCAL = re.compile(
    r"foi|freedom|info(?:rmation)?[._-]?(?:requests?|gov|governance|rights|management|access)"
    r"|access[._-]?to[._-]?info|records|\beir\b|rhyddid|gwybodaeth",
    re.I,
)
_DECOY_LOCAL = re.compile(
    r"^(?:dpo|data[._-]?protection|dataprotection|gdpr|sar|subject[._-]?access|complaints?"
    r"|feedback|webmaster|web[._-]?team|digital|no[._-]?reply|do[._-]?not[._-]?reply|press|media"
    r"|news|comms|communications|cllr|councillors?|members?|mayor|leader|democratic[._-]?services"
    r"|elections?|postmaster|abuse|hostmaster)(?:[._-].*)?$",
    re.I,
)
_PERSONAL_CONTEXT = re.compile(r"\bcllr\b|councillor|mayor|press office|media enquiries", re.I)


@dataclass(frozen=True)
class Proposal:
    kind: str  # foi or review
    address: str
    score: int
    url: str
    evidence: str


def is_whatdotheyknow(address: str) -> bool:
    return address.rpartition("@")[2].endswith("whatdotheyknow.com")


def own_address(address: str, domains: set[str]) -> bool:
    """On the council's own registrable domain (or the one its homepage moved to)."""
    return registrable_domain(address.rpartition("@")[2]) in domains and not is_whatdotheyknow(
        address
    )


def is_decoy(address: str, context: str = "") -> bool:
    return bool(_DECOY_LOCAL.match(address.partition("@")[0])) or bool(
        _PERSONAL_CONTEXT.search(context) and not FOI_WORDS.search(context)
    )


def kind_of(context: str) -> str:
    return "review" if REVIEW_WORDS.search(context) else "foi"


def score(found: Found, *, page_about_foi: bool, page_link_text: str) -> int:
    """0-100: own domain is assumed (others never get here); FOI evidence up, decoys down."""
    local = found.address.partition("@")[0]
    points = 30
    if page_about_foi:
        points += 20
    if _FOI_LOCAL.search(local):
        points += 25
    if FOI_WORDS.search(found.context) or REVIEW_WORDS.search(found.context):
        points += 15
    elif FOI_WORDS.search(page_link_text):
        points += 5
    if found.via == "mailto" or found.via == "cloudflare":
        points += 5  # published to be clicked, not mentioned in passing
    if is_decoy(found.address, found.context):
        points = min(points - 45, 20)
    return max(1, min(100, points))


def propose(
    pages: list[tuple[object, str]],
    domains: set[str],
    rejected: frozenset[str] = frozenset(),
    vouched: dict[str, str] | None = None,
) -> list[Proposal]:
    """Proposals from (Page, the text of the link that led to it), best first, one per address
    and kind, on the council's domains or on another domain proven its own (`vouched`: domain ->
    the proof, added to the evidence). Only FOI evidence counts: an address in a homepage footer
    is not proposed, and decoys are kept (ranked low) only beside a real proposal of the same
    kind."""
    vouched = vouched or {}
    kept = []
    for kind in ("foi", "review"):
        ranked = [
            p
            for p in _ranked(pages, rejected, kind)
            if own_address(p.address, domains | set(vouched))
        ]
        if any(not is_decoy(p.address, p.evidence) for p in ranked):
            kept.extend(_with_proof(p, vouched) for p in ranked)
    return kept


def elsewhere(
    pages: list[tuple[object, str]], domains: set[str], rejected: frozenset[str] = frozenset()
) -> list[Proposal]:
    """What would be proposed, best first, if the other domains on the council's pages were its
    own: addresses of a kind (foi, review) the council's own domains give no real proposal for,
    decoys left out."""
    own_kinds = {
        p.kind for p in propose(pages, domains, rejected) if not is_decoy(p.address, p.evidence)
    }
    found = [
        p
        for kind in ("foi", "review")
        if kind not in own_kinds
        for p in _ranked(pages, rejected, kind)
        if not own_address(p.address, domains)
        and not is_whatdotheyknow(p.address)
        and not is_decoy(p.address, p.evidence)
    ]
    return sorted(found, key=lambda p: (-p.score, p.address))


def _ranked(pages: list[tuple[object, str]], rejected: frozenset[str], kind: str) -> list[Proposal]:
    """Every address of this kind with FOI evidence, whatever its domain, best first."""
    best: dict[str, Proposal] = {}
    for page, link_text in pages:
        for found in page.addresses:
            if found.address in rejected or kind_of(found.context) != kind:
                continue
            relevant = (
                page.about_foi
                or FOI_WORDS.search(found.context)
                or _FOI_LOCAL.search(found.address.partition("@")[0])
            )
            if not relevant:
                continue
            points = score(found, page_about_foi=page.about_foi, page_link_text=link_text)
            if found.address not in best or best[found.address].score < points:
                best[found.address] = Proposal(kind, found.address, points, page.url, found.context)
    return sorted(best.values(), key=lambda p: (-p.score, p.address))


def _with_proof(proposal: Proposal, vouched: dict[str, str]) -> Proposal:
    proof = vouched.get(registrable_domain(proposal.address.rpartition("@")[2]) or "")
    if proof is None:
        return proposal
    return replace(proposal, evidence=f"{proposal.evidence} [{proof}]")


def proof_in(evidence: str) -> str | None:
    """The proof _with_proof put at the end of an address's evidence, if it has one."""
    found = _PROOF.search(evidence)
    return found[1] if found else None


_PROOF = re.compile(r"\[([^\[\]]+ is the council's: [^\[\]]+)\]$")
