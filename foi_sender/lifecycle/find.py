"""Finding requests in the ledger: one to record against, a round's states, the bounced ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from foi_sender import deadlines
from foi_sender.config import extra_holidays
from foi_sender.errors import InputError
from foi_sender.ledger import Ledger, RoundRow, ledger_path, open_ledger, read_ledger
from foi_sender.lifecycle.state import RequestState, request_state


@dataclass(frozen=True)
class Located:
    """A request found by round and council, with its current state."""

    ledger: Ledger
    state: RequestState
    # No default: a new event's dates are checked with the same holidays the state was built on.
    extra_holidays: tuple[date, ...]


def locate(ledger: Ledger, round_name: str, council_id: str, today: date, extra=()) -> Located:
    found = ledger.require_round(round_name)
    request = ledger.get_request(found.id, council_id)
    if request is None:
        ids = ", ".join(r.council_id for r in ledger.requests(found.id)[:8])
        raise InputError(f"round {round_name!r} has no request to {council_id!r} (it has: {ids})")
    return Located(ledger, request_state(ledger, request, today, extra), tuple(extra))


@contextmanager
def open_request(home: Path, settings, round_name: str, council_id: str) -> Iterator[Located]:
    """The ledger opened on one request; closed afterwards whatever happens."""
    ledger = open_ledger(home, create=False)
    try:
        extra = extra_holidays(settings)
        yield locate(ledger, round_name, council_id, deadlines.today(), extra)
    finally:
        ledger.close()


def round_states(home: Path, settings, round_name: str | None) -> list[RequestState]:
    """Every request of ROUND (or of every round) as it stands today.

    Kept apart from `rounds` so that `status` and `export`, which only read the ledger, do not
    import what sending needs (smtplib, ssl, the email package, Jinja2, YAML).
    """
    return round_with_states(home, settings, round_name)[1]


def round_with_states(
    home: Path, settings, round_name: str | None
) -> tuple[RoundRow | None, list[RequestState]]:
    """The round (None for every round) and its requests as they stand today."""
    ledger = read_ledger(home)
    try:
        extra = extra_holidays(settings)
        today = deadlines.today()
        found = ledger.require_round(round_name) if round_name else None
        states = [
            request_state(ledger, r, today, extra)
            for r in ledger.requests(found.id if found else None)
        ]
        return found, states
    finally:
        ledger.close()


def bounced_addresses(home: Path) -> dict[str, str]:
    """Address -> the bounce's diagnostic, for every letter that came back undelivered."""
    if not ledger_path(home).exists():
        return {}
    ledger = read_ledger(home)
    try:
        found: dict[str, str] = {}
        for event in ledger.events_of_kind("bounce"):
            if event.data.get("recipient"):
                found[event.data["recipient"].lower()] = event.data.get("status_code") or "bounced"
        return found
    finally:
        ledger.close()


def bounced_in_round(ledger: Ledger, round_name: str) -> list[tuple[str, str]]:
    """(council, address) of each request of the round whose letter bounced and is not answered."""
    found = ledger.get_round(round_name)
    if found is None:
        return []
    today = deadlines.today()
    bounced = []
    for request in ledger.requests(found.id):
        if not any(e.kind == "bounce" for e in ledger.events(request.id)):
            continue
        state = request_state(ledger, request, today)
        if state.status == "bounced":
            bounced.append(
                (request.council_id, state.bounce.get("recipient") or state.letter.to_address)
            )
    return bounced
