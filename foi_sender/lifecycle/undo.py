"""Undoing the last event recorded about a request.

Nothing is deleted: an `undo` event names the event it voids and carries a copy of it, so the
ledger keeps what was recorded and when it was taken back. Letters are never un-sent: when the
last thing that happened to a request is a letter, there is nothing to undo.
"""

from __future__ import annotations

from datetime import date

from foi_sender.errors import InputError
from foi_sender.ledger import EventRow
from foi_sender.lifecycle.find import Located
from foi_sender.lifecycle.record import add_event
from foi_sender.lifecycle.state import REVIEW, UNDO, live_events


def last_event(located: Located) -> EventRow:
    """The event `undo` would void; refused when a letter came after it."""
    state = located.state
    name = f"{state.request.round_name}/{state.request.council_id}"
    live = live_events(state.events)
    # A failed letter never reached the council: it does not stand in the way.
    letters = [m for m in located.ledger.messages(state.request.id) if m.status != "failed"]
    if not live:
        raise InputError(
            f"nothing to undo for {name}: no reply, clarification, extension or withdrawal is "
            "recorded, and letters are never un-sent"
        )
    event = live[-1]
    later = [
        m for m in letters if event.recorded_at is not None and m.created_at > event.recorded_at
    ]
    if event.kind == "review_grounds":
        # Recorded with the review letter it was quoted in: it stands or falls with the letter.
        later += [m for m in letters if m.kind == REVIEW]
    if later:
        letter = later[-1]
        raise InputError(
            f"the last thing recorded for {name} is the {_letter_name(letter)} of "
            f"{letter.created_at.date()} ({letter.status}): letters are never un-sent, so "
            "nothing before it can be undone (`respond --replace` corrects a reply)"
        )
    return event


def describe(event: EventRow) -> str:
    """One line saying what an event recorded, for the user to confirm before undoing it."""
    data = event.data
    if event.problem:
        what = f"event {event.id} ({event.kind}), which cannot be read: {event.problem}"
    elif event.kind in ("response", "review_response"):
        what = "response" if event.kind == "response" else "review's answer"
        details = [str(data.get("outcome", "?")).replace("_", " ")]
        if data.get("reference"):
            details.append(f"ref {data['reference']}")
        if data.get("exemptions"):
            details.append("citing " + ", ".join(map(str, data["exemptions"])))
        what = f"{what} of {event.on_date} ({'; '.join(details)})"
    elif event.kind == "extension":
        by = f"by {data.get('days')} working days" if "days" in data else f"to {data.get('to')}"
        what = f"extension {by}"
    elif event.kind == "clarification":
        what = f"clarification received {event.on_date}"
    elif event.kind == "withdrawn":
        what = f"withdrawal of {event.on_date}"
    else:
        what = f"{event.kind} of {event.on_date}"
    when = f", recorded {event.recorded_at.date()}" if event.recorded_at else ""
    return what + when


def undo_event(located: Located, event: EventRow, today: date) -> None:
    """Void `event`, keeping a copy of it in the undo record."""
    copy = {"kind": event.kind, "on": event.on_date.isoformat() if event.on_date else None}
    add_event(
        located, UNDO, today, {"event": event.id, "undone": {**copy, "data": event.data}}, today
    )


def _letter_name(letter) -> str:
    return "internal review letter" if letter.kind == REVIEW else letter.kind.replace("_", " ")
