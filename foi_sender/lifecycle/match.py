"""Which request a council's reply answers."""

from __future__ import annotations

from datetime import date

from foi_sender.errors import InputError
from foi_sender.ledger import Ledger
from foi_sender.lifecycle.find import Located
from foi_sender.lifecycle.state import request_state


def match_reply(
    ledger: Ledger, round_name: str, facts, today: date, extra=()
) -> tuple[Located, str, str | None]:
    """The request a council's reply answers, what matched it, and the kind of our letter the
    reply's thread names (None: it names none).

    Threading headers first (our Message-IDs), then the council's reference, then the sender's
    domain when exactly one request in the round went to that domain.
    """
    found = ledger.require_round(round_name)
    requests = {r.id: r for r in ledger.requests(found.id)}
    ours = ledger.find_message_ids(list(facts.message_ids))
    threaded = [m for m in ours if m.request_id in requests]
    if ours and not threaded:
        # Our letter, but of another round: a match by reference or domain here would be wrong.
        other = next(r for r in ledger.requests() if r.id == ours[0].request_id)
        raise InputError(
            f"this reply answers the request of round {other.round_name!r} to "
            f"{other.council_id}, not one of round {round_name!r}: "
            f"`respond {other.round_name} --file ...`"
        )
    if threaded:
        # The letter the reply answers directly (In-Reply-To, the last id) wins over older ones.
        order = {mid: i for i, mid in enumerate(facts.message_ids)}
        message = min(threaded, key=lambda m: order.get(m.message_id, len(order)))
        state = request_state(ledger, requests[message.request_id], today, extra)
        return Located(ledger, state, tuple(extra)), "In-Reply-To", message.kind
    states = [request_state(ledger, r, today, extra) for r in requests.values()]
    if facts.reference:
        by_ref = [s for s in states if s.reference and s.reference == facts.reference]
        if len(by_ref) == 1:
            return Located(ledger, by_ref[0], tuple(extra)), f"reference {facts.reference}", None
    domain = (facts.sender or "").rpartition("@")[2].lower()
    if domain:
        by_domain = [s for s in states if s.letter.to_address.lower().endswith("@" + domain)]
        if len(by_domain) == 1:
            return Located(ledger, by_domain[0], tuple(extra)), f"sender domain {domain}", None
    waiting = [s.request.council_id for s in states if s.sent_on and not s.answered]
    raise InputError(
        "cannot tell which request this reply answers (no known Message-ID, reference or sender "
        f"domain); name the council: `respond {round_name} COUNCIL --file ...`; awaiting: "
        + (", ".join(waiting[:10]) or "none")
    )
