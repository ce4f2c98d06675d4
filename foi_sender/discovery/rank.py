"""Which addresses a page's evidence makes the council's FOI (or review) address, and how surely."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    pages: list[tuple[object, str]], domains: set[str], rejected: frozenset[str] = frozenset()
) -> list[Proposal]:
    """Proposals from (Page, the text of the link that led to it), best first, one per address
    and kind. Only FOI evidence counts: an address in a homepage footer is not proposed, and
    decoys are kept (ranked low) only beside a real proposal of the same kind."""
    best: dict[tuple[str, str], Proposal] = {}
    for page, link_text in pages:
        for found in page.addresses:
            if found.address in rejected or not own_address(found.address, domains):
                continue
            relevant = (
                page.about_foi
                or FOI_WORDS.search(found.context)
                or _FOI_LOCAL.search(found.address.partition("@")[0])
            )
            if not relevant:
                continue
            points = score(found, page_about_foi=page.about_foi, page_link_text=link_text)
            proposal = Proposal(
                kind_of(found.context), found.address, points, page.url, found.context
            )
            key = (proposal.kind, proposal.address)
            if key not in best or best[key].score < points:
                best[key] = proposal
    kept = []
    for kind in ("foi", "review"):
        ranked = sorted(
            (p for p in best.values() if p.kind == kind), key=lambda p: (-p.score, p.address)
        )
        if any(not is_decoy(p.address, p.evidence) for p in ranked):
            kept.extend(ranked)
    return kept
