"""Recording what happened to a request, each event checked against its dates first."""

from __future__ import annotations

from datetime import date, datetime, time

from foi_sender import deadlines
from foi_sender.config import check_text, now
from foi_sender.errors import BrokenRecord, InputError
from foi_sender.ledger import EventRow
from foi_sender.lifecycle.find import Located
from foi_sender.lifecycle.state import RequestState, derive_or_raise, extension_problem


def require_sent(state: RequestState) -> None:
    if state.sent_on is None:
        raise InputError(
            f"the request to {state.request.council_id} has not been sent ({state.status}); "
            "nothing can be recorded against it yet"
        )


def _require_readable(state: RequestState) -> None:
    """What needs the request's dates (an extension moves its due date) waits for a repair."""
    if state.broken:
        raise InputError(f"the dates of {state.request.council_id} are unknown: {state.broken}")


def check_day(state: RequestState, on: date, today: date, what: str) -> None:
    if on < state.sent_on:
        raise InputError(
            f"{what} {on} is before the request was sent ({state.sent_on}); check the date"
        )
    if on > today:
        raise InputError(f"{what} {on} is in the future (today is {today})")


def record_clarification(located: Located, *, on: date, today: date) -> None:
    """The council asked for clarification and got it on `on`: the 20 days start again."""
    require_sent(located.state)
    check_day(located.state, on, today, "the clarification date")
    add_event(located, "clarification", on, {}, today)


def record_extension(located: Located, *, days: int | None, to: date | None, today: date) -> None:
    state = located.state
    require_sent(state)
    _require_readable(state)
    problem = extension_problem(state.due, state.sent_on, days, to)
    if problem:
        raise InputError(problem)
    if to is not None and to <= state.due:
        raise InputError(
            f"--to {to} is not after the current due date ({state.due}); an extension moves the "
            "date later"
        )
    if state.answered:
        raise InputError("the council has already answered; an extension no longer applies")
    add_event(
        located, "extension", today, {"days": days} if days else {"to": to.isoformat()}, today
    )


def record_withdrawal(located: Located, *, today: date) -> None:
    require_sent(located.state)
    if located.state.withdrawn_on:
        raise InputError(f"the request was already withdrawn on {located.state.withdrawn_on}")
    add_event(located, "withdrawn", today, {}, today)


def add_event(located: Located, kind: str, on: date, data: dict, today: date) -> None:
    """Record one event, after working out the request's dates with it: an event that would
    make them impossible is refused here, before anything is written, never after."""
    at, request_id = now(), located.state.request.id
    check_new_event(located, EventRow(0, request_id, kind, on, at, data), today)
    with located.ledger.transaction() as db:
        located.ledger.add_event(db, request_id, kind, on, at, data)


def check_new_event(located: Located, new: EventRow, today: date) -> None:
    """Raise InputError if `new` (id 0: not yet recorded) would break the request's dates. When an
    older event is broken already the new one cannot make it worse: that one is named instead."""
    state = located.state
    messages = located.ledger.messages(state.request.id)
    events = (*state.events, new)
    try:
        derive_or_raise(
            state.request, state.letter, messages, events, today, located.extra_holidays
        )
    except BrokenRecord as exc:
        if exc.event_id == new.id:
            raise InputError(
                f"cannot record this {new.kind}: {exc.reason}; nothing recorded"
            ) from exc


def confirm_delivery(located: Located, *, on: date | None, today: date) -> date:
    """The council confirms it got a letter left `uncertain`: record the request as sent.

    Received on `on` if given, else on the day of the last attempt to send it.
    """
    letter = located.state.letter
    if letter.status != "uncertain":
        raise InputError(
            f"the request to {located.state.request.council_id} is {letter.status}, not uncertain;"
            " only a letter whose delivery is unknown can be confirmed"
        )
    attempts = located.ledger.attempts(letter.id)
    last_try = deadlines.london_date(datetime.fromisoformat(attempts[-1][1]))
    received = on or last_try
    if received < last_try or received > today:
        raise InputError(f"--on {received} must be between {last_try} (the last try) and today")
    moment = datetime.combine(received, time(12), tzinfo=deadlines.LONDON)
    located.ledger.confirm_delivered(letter.id, moment)
    return received


def record_acknowledgement(
    located: Located,
    *,
    on: date,
    reference: str | None,
    council_due: date | None,
    source: str,
    today: date,
) -> None:
    """The council says it has the request (often with its reference and the date it will answer
    by). The statutory clock runs on regardless."""
    require_sent(located.state)
    data: dict = {"inbox": source}
    if reference:
        data["reference"] = check_text(reference, "the council's reference", max_length=100)
    if council_due:
        data["council_due"] = council_due.isoformat()
    add_event(located, "acknowledgement", on, data, today)


def record_bounce(
    located: Located,
    *,
    on: date,
    status_code: str | None,
    diagnostic: str | None,
    recipient: str | None,
    source: str,
    today: date,
) -> None:
    """The letter came back undelivered: the request is `bounced` until sent to a new address."""
    require_sent(located.state)
    data = {"status_code": status_code, "diagnostic": diagnostic, "recipient": recipient}
    data["inbox"] = source
    add_event(located, "bounce", on, data, today)


def record_clarification_request(located: Located, *, on: date, source: str, today: date) -> None:
    """The council asks what the request means; `clarify` restarts the clock once answered."""
    require_sent(located.state)
    add_event(located, "clarification_requested", on, {"inbox": source}, today)


def confirm_outcome(located: Located, *, today: date) -> str:
    """The user agrees with the outcome the machine read from the council's reply."""
    if not located.state.unconfirmed:
        raise InputError(
            f"the outcome of {located.state.request.council_id} is not waiting for confirmation"
        )
    add_event(located, "outcome_confirmed", today, {"outcome": located.state.outcome}, today)
    return located.state.outcome
