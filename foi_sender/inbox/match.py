"""Which request a message is about, by the first rule that names exactly one, in this order:
our Message-IDs in its thread, the reply tag, the council's reference, the council's name with
the request's subject words, the sender's domain (one open request to that council).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from email.message import Message
from email.utils import getaddresses

from foi_sender import replytag
from foi_sender.ledger import Ledger
from foi_sender.lifecycle import REQUEST, RequestState, request_state
from foi_sender.replies.mail import header_text

_WORD = re.compile(r"[a-z]{4,}")
_COMMON = set(
    [
        "freedom",
        "information",
        "request",
        "council",
        "city",
        "county",
        "borough",
        "district",
        "with",
        "from",
        "your",
        "that",
        "this",
        "have",
        "about",
        "reply",
        "response",
        "internal",
        "review",
    ]
)


@dataclass
class Candidate:
    state: RequestState
    domains: set[str]
    words: set[str]
    name: str


@dataclass(frozen=True)
class Match:
    request_id: int | None
    rule: str | None
    thread_kind: str | None = None  # the kind of our letter the thread names
    guesses: tuple[str, ...] = ()


@dataclass
class Index:
    """What every request is known by, built once a run and kept up to date as it records."""

    candidates: dict[int, Candidate] = field(default_factory=dict)
    by_message_id: dict[str, tuple[int, str]] = field(default_factory=dict)
    by_token: dict[str, int] = field(default_factory=dict)
    by_address: dict[str, list[int]] = field(default_factory=dict)

    def refresh(self, ledger: Ledger, request_id: int, today: date, extra) -> None:
        request = ledger.get_request_by_id(request_id)
        self.candidates[request_id].state = request_state(ledger, request, today, extra)


def build_index(ledger: Ledger, registry_domains: dict[str, set[str]], today: date, extra) -> Index:
    index = Index()
    for request in ledger.requests():
        messages = ledger.messages(request.id)
        letter = next((m for m in messages if m.kind == REQUEST), None)
        if letter is None:
            continue
        state = request_state(ledger, request, today, extra)
        domains = set(registry_domains.get(request.council_id, ()))
        for message in messages:
            index.by_message_id[message.message_id] = (request.id, message.kind)
            domains.add(message.to_address.rpartition("@")[2].lower())
            index.by_address.setdefault(message.to_address.lower(), []).append(request.id)
        index.by_token[replytag.token(letter.message_id)] = request.id
        index.candidates[request.id] = Candidate(
            state, domains, _words(state.title), request.council_name.lower()
        )
    return index


def match(index: Index, msg: Message, text: str, reference: str | None) -> Match:
    ids = _thread_ids(msg)
    for mid in ids:
        if mid in index.by_message_id:
            request_id, kind = index.by_message_id[mid]
            return Match(request_id, "In-Reply-To/References", kind)
    recipients = [
        a for _, a in getaddresses(_all(msg, "to", "cc", "delivered-to", "x-original-to"))
    ]
    for token in replytag.tokens_in(recipients):
        if token in index.by_token:
            return Match(index.by_token[token], f"reply tag foi{token}")
    subject = header_text(msg, "subject")
    if reference:
        found = [c for c in index.candidates.values() if c.state.reference == reference]
        if len(found) == 1:
            return Match(found[0].state.request.id, f"council reference {reference}")
    haystack = f"{subject}\n{_display_names(msg)}\n{text[:4000]}".lower()
    words = _words(subject + " " + text[:2000])
    named = [
        c for c in index.candidates.values() if c.name in haystack and len(c.words & words) >= 2
    ]
    chosen = _one_open(named)
    if chosen:
        return Match(chosen.state.request.id, "council name and subject words")
    domain = _sender_domain(msg)
    if domain:
        same = [c for c in index.candidates.values() if _within(domain, c.domains)]
        open_ = [c for c in same if _is_open(c)]
        councils = {c.state.request.council_id for c in open_}
        if len(open_) == 1:
            return Match(open_[0].state.request.id, f"sender domain {domain} (one open request)")
        if len(councils) == 1 and open_:
            guesses = tuple(
                f"{c.state.request.round_name} {c.state.request.council_id}" for c in open_
            )
            return Match(None, None, guesses=guesses)
        if same:
            return Match(
                None,
                None,
                guesses=tuple(
                    f"{c.state.request.round_name} {c.state.request.council_id}" for c in same[:5]
                ),
            )
    return Match(None, None, guesses=tuple(_name_guesses(index, haystack)))


def match_bounce(index: Index, returned_ids: tuple[str, ...], recipient: str | None) -> Match:
    for mid in returned_ids:
        if mid in index.by_message_id:
            request_id, kind = index.by_message_id[mid]
            return Match(request_id, "returned Message-ID", kind)
    if recipient and recipient in index.by_address:
        # The latest letter to the address: an older round's letter to it may have got through.
        return Match(index.by_address[recipient][-1], "failed recipient")
    return Match(None, None)


def _one_open(found: list[Candidate]) -> Candidate | None:
    if len(found) == 1:
        return found[0]
    open_ = [c for c in found if _is_open(c)]
    return open_[0] if len(open_) == 1 else None


def _is_open(candidate: Candidate) -> bool:
    state = candidate.state
    return state.sent_on is not None and (not state.answered or state.review_requested_on)


def _within(domain: str, domains: set[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _thread_ids(msg: Message) -> list[str]:
    ids: list[str] = []
    for name in ("in-reply-to", "references"):
        for mid in re.findall(r"<[^<>\s]+>", " ".join(_all(msg, name))):
            if mid not in ids:
                ids.append(mid)
    return ids


def _all(msg: Message, *names: str) -> list[str]:
    values = []
    for name in names:
        for value in msg.get_all(name) or ():
            values.append(str(value))
    return values


def _sender_domain(msg: Message) -> str | None:
    senders = getaddresses(_all(msg, "from"))
    address = senders[0][1] if senders else ""
    return address.rpartition("@")[2].lower() or None


def _display_names(msg: Message) -> str:
    return f"{header_text(msg, 'from')} {header_text(msg, 'sender')}"


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _COMMON}


def _name_guesses(index: Index, haystack: str) -> list[str]:
    return [
        f"{c.state.request.round_name} {c.state.request.council_id}"
        for c in index.candidates.values()
        if c.name in haystack
    ][:5]
