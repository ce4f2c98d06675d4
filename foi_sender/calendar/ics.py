"""Deadline events and their iCalendar bytes (DESIGN §5).

The events come from the requests' states; the ledger keeps, per event UID, the last
`DeadlineEvent.fingerprint()` and raises the SEQUENCE when it changes. This module turns them into
one VCALENDAR of all-day VEVENTs written atomically (`calendar export`), or into one resource per
event for the CalDAV client above it (`calendar.caldav`, `calendar push`).

icalendar is imported inside the functions: CLI start-up time is benchmarked.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from foi_sender.config import extra_holidays
from foi_sender.errors import InputError
from foi_sender.paths import slug

if TYPE_CHECKING:  # pragma: no cover
    from icalendar import Calendar, Event

PRODID = "-//foi-sender//foi-sender//EN"
UID_DOMAIN = "foi-sender"


class EventKind(StrEnum):
    REPLY_DUE = "reply-due"
    LONG_OVERDUE = "long-overdue"
    REVIEW_WINDOW_CLOSES = "review-window-closes"
    REVIEW_REPLY_DUE = "review-reply-due"


_KIND_ORDER = {kind: i for i, kind in enumerate(EventKind)}
_CLEAN_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def uid_token(text: str) -> str:
    """A UID-safe token for a round name or council id (lower-case ASCII letters, digits, `-`).

    Already-clean text (`placements-2025`, `ynys-mon`) is used as it is; anything else is slugged
    as file names are. A name's token must never change: a re-import would duplicate its events.
    """
    return slug(text, _CLEAN_TOKEN)


@dataclass(frozen=True)
class DeadlineEvent:
    round_name: str
    council_id: str
    council_name: str
    kind: EventKind
    day: date  # the all-day event's date
    summary: str
    description: str
    # Exported as STATUS:CANCELLED under the same UID (e.g. answered before the due date), so a
    # client that imported the calendar removes or strikes out the event.
    cancelled: bool = False

    @property
    def uid(self) -> str:
        """Stable for (round, council, kind): `reply-due.ynys-mon.placements-2025@foi-sender`."""
        kind = EventKind(self.kind)
        return (
            f"{kind.value}.{uid_token(self.council_id)}.{uid_token(self.round_name)}@{UID_DOMAIN}"
        )

    def fingerprint(self) -> str:
        """SHA-256 (hex) of what a calendar shows: the date, the texts and the cancelled flag.

        The identity (round, council, kind) is the UID, not part of the fingerprint; neither are the
        alarm settings (a reminder is the user's business, not a change of the event).
        """
        payload = json.dumps(
            [self.day.isoformat(), self.summary, self.description, bool(self.cancelled)],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def calendar_uid(name: str) -> str:
    """The calendar's own UID (RFC 7986), derived from its name so that it never changes."""
    return f"calendar.{uid_token(name)}@{UID_DOMAIN}"


def _check_clock(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (UTC)")
    return now.astimezone(UTC).replace(microsecond=0)


def _check_alarm_days(alarm_days: int | None) -> int:
    if alarm_days is None:
        return 0
    if isinstance(alarm_days, bool) or not isinstance(alarm_days, int) or alarm_days < 0:
        raise InputError(f"alarm days must be a whole number of days, 0 or more (got {alarm_days})")
    return alarm_days


def _sorted(pairs: Iterable[tuple[DeadlineEvent, int]]) -> list[tuple[DeadlineEvent, int]]:
    """Events in a stable order (date, council, kind, round); refuses duplicate UIDs."""
    items = list(pairs)
    seen: dict[str, DeadlineEvent] = {}
    for event, sequence in items:
        if isinstance(event.day, datetime) or not isinstance(event.day, date):
            raise ValueError(f"the day of {event.uid} must be a date, not {event.day!r}")
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
            raise ValueError(f"SEQUENCE of {event.uid} must be an int >= 0, not {sequence!r}")
        if event.uid in seen:
            raise ValueError(f"two events share the UID {event.uid}")
        seen[event.uid] = event
    return sorted(
        items,
        key=lambda pair: (
            pair[0].day,
            pair[0].council_id,
            _KIND_ORDER[EventKind(pair[0].kind)],
            pair[0].round_name,
        ),
    )


def _alarm_text(event: DeadlineEvent, days: int) -> str:
    when = "tomorrow" if days == 1 else f"in {days} days"
    return f"{event.summary} ({when}, {event.day.isoformat()})"


def make_vevent(event: DeadlineEvent, sequence: int, *, stamp: datetime, alarm_days: int) -> Event:
    """One all-day VEVENT; a display VALARM `alarm_days` before it unless 0 or cancelled."""
    from icalendar import Alarm, Event

    subcomponents = []
    if alarm_days and not event.cancelled:
        subcomponents.append(
            Alarm.new_display(
                description=_alarm_text(event, alarm_days), trigger=-timedelta(days=alarm_days)
            )
        )
    return Event.new(
        uid=event.uid,
        stamp=stamp,
        start=event.day,
        end=event.day + timedelta(days=1),
        summary=event.summary,
        description=event.description,
        sequence=sequence,
        status="CANCELLED" if event.cancelled else "CONFIRMED",
        transparency="TRANSPARENT",
        subcomponents=subcomponents,
    )


def _new_calendar(**kwargs) -> Calendar:
    from icalendar import Calendar

    return Calendar.new(prodid=PRODID, calscale="GREGORIAN", **kwargs)


def build_calendar(
    events: Iterable[tuple[DeadlineEvent, int]],
    *,
    name: str,
    now: datetime,
    alarm_days: int | None,
) -> bytes:
    """The whole calendar, as the bytes of an .ics file (CRLF line ends, lines folded at 75 octets).

    `events` are paired with their SEQUENCE; `now` (aware, UTC) is every event's DTSTAMP;
    `alarm_days` None or 0 means no VALARM. Same input and `now` -> same bytes. An empty input gives
    a VCALENDAR with no events (RFC 5545 wants at least one: the caller may prefer to refuse).
    """
    stamp = _check_clock(now)
    days = _check_alarm_days(alarm_days)
    vevents = [make_vevent(e, seq, stamp=stamp, alarm_days=days) for e, seq in _sorted(events)]
    calendar = _new_calendar(
        method="PUBLISH", name=name, uid=calendar_uid(name), subcomponents=vevents
    )
    return calendar.to_ical()


def build_event_resource(
    event: DeadlineEvent, sequence: int, *, now: datetime, alarm_days: int | None
) -> bytes:
    """One event as a CalDAV calendar object resource: a VCALENDAR holding one VEVENT.

    Unlike the .ics file it has no METHOD (RFC 4791 §4.1 forbids it in stored objects), no calendar
    name and no calendar UID.
    """
    stamp = _check_clock(now)
    days = _check_alarm_days(alarm_days)
    _sorted([(event, sequence)])  # the same checks as for a whole calendar
    vevent = make_vevent(event, sequence, stamp=stamp, alarm_days=days)
    resource = _new_calendar(subcomponents=[vevent])
    # Calendar.new() always sets a UID (a random one when given none). In a stored object the caldav
    # library takes the first UID it finds for the object's, so the calendar's must go.
    del resource["UID"]
    return resource.to_ical()


def write_calendar(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see config.atomic_write); the folder must exist."""
    from foi_sender.config import atomic_write

    atomic_write(path, data)


__all__ = [
    "DeadlineEvent",
    "EventKind",
    "build_calendar",
    "build_event_resource",
    "calendar_uid",
    "make_vevent",
    "uid_token",
    "write_calendar",
]


def deadline_events(states) -> list[DeadlineEvent]:
    """The calendar events of each sent request (`lifecycle.RequestState`s).

    An event that no longer applies (answered before the due date, withdrawn, review asked for)
    stays, cancelled, under the same UID, so an updating client removes it.
    """
    return [
        event
        for state in states
        if state.sent_on and not state.broken
        for event in _request_events(state)
    ]


def _request_events(state) -> list[DeadlineEvent]:
    request, closed = state.request, state.withdrawn_on is not None
    name = request.council_name
    ref = f" (ref {state.reference})" if state.reference else ""
    hint = f"Round {request.round_name}, sent {state.sent_on.isoformat()}{ref}."
    # In the summary too: a calendar shows little else, and one council is asked in many rounds.
    of_round = f", round {request.round_name}"

    def event(kind, day, summary, description, cancelled) -> DeadlineEvent:
        return DeadlineEvent(
            round_name=request.round_name,
            council_id=request.council_id,
            council_name=name,
            kind=kind,
            day=day,
            summary=summary,
            description=description,
            cancelled=closed or cancelled,
        )

    events = [
        event(
            EventKind.REPLY_DUE,
            state.due,
            f"FOI reply due: {name}{of_round}",
            f"{hint} If no reply comes: foi-sender chase {request.round_name}",
            state.answered,
        ),
        event(
            EventKind.LONG_OVERDUE,
            state.long_overdue_on,
            f"FOI long overdue: {name}{of_round}",
            f"{hint} 40 working days without a reply: consider complaining to the regulator.",
            state.answered,
        ),
    ]
    if state.review_window_closes:
        outcome = (state.outcome or "answered").replace("_", " ")
        events.append(
            event(
                EventKind.REVIEW_WINDOW_CLOSES,
                state.review_window_closes,
                f"Last day to ask {name} for an internal review{of_round}",
                f"{hint} Response of {state.response_on.isoformat()}: {outcome}.",
                state.review_requested_on is not None,
            )
        )
    if state.review_due:
        events.append(
            event(
                EventKind.REVIEW_REPLY_DUE,
                state.review_due,
                f"Internal review due: {name}{of_round}",
                f"{hint} Review asked for on {state.review_requested_on.isoformat()}. If late: "
                f"foi-sender review {request.round_name} {request.council_id} --resend",
                state.review_answered_on is not None,
            )
        )
    return events


def calendar_name(round_name: str | None) -> str:
    return f"FOI deadlines: {round_name}" if round_name else "FOI deadlines"


def events_with_sequences(
    home: Path, settings, round_name: str | None, then=None, broken: list | None = None
):
    """The round's events with their SEQUENCEs; `then(pairs)`, if given, runs before the new
    SEQUENCEs are committed, so that when it fails (the .ics cannot be written) nothing is
    recorded and the next export raises them again. Requests whose dates cannot be worked out
    have no events; they are added to `broken`, for the caller to name."""
    from foi_sender import deadlines
    from foi_sender.ledger import open_ledger
    from foi_sender.lifecycle import request_state

    ledger = open_ledger(home, create=False, or_read_only=True)
    try:
        round_id = ledger.require_round(round_name).id if round_name else None
        today = deadlines.today()
        extra = extra_holidays(settings)
        states = [request_state(ledger, r, today, extra) for r in ledger.requests(round_id)]
        if broken is not None:
            broken.extend(s for s in states if s.broken)
        events = deadline_events(states)
        if not events:
            if any(s.broken for s in states):
                raise InputError(
                    "no deadlines to put in a calendar: every sent request is "
                    "broken (`foi-sender status` names the bad events)"
                )
            raise InputError("no sent requests yet, so no deadlines to put in a calendar")
        with ledger.transaction() as db:
            pairs = [(e, ledger.calendar_sequence(db, e.uid, e.fingerprint())) for e in events]
            if then is not None:
                then(pairs)
        return pairs
    finally:
        ledger.close()


def export_calendar(
    home: Path, settings, round_name: str | None, path: Path, alarm_days, broken=None
) -> int:
    """Write the deadlines of one round (or all) to an .ics file; returns the number of events."""
    from foi_sender.config import now

    stamp = now()

    def write(pairs) -> None:
        data = build_calendar(
            pairs, name=calendar_name(round_name), now=stamp, alarm_days=alarm_days
        )
        write_calendar(path, data)

    return len(events_with_sequences(home, settings, round_name, then=write, broken=broken))
