"""A request's life, derived from the ledger: its status and every date that follows from the law.

Nothing here is stored: the dates are recomputed from events (sent, clarification, extension,
response, review) each time, so a newly proclaimed holiday or a corrected event moves them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from foi_sender import deadlines
from foi_sender.errors import BrokenRecord, InputError
from foi_sender.ledger import EventRow, Ledger, MessageRow, RequestRow

OUTCOMES = ("successful", "partially_successful", "refused", "not_held", "redirected")
# Letters that belong to a request, besides the request itself.
REVIEW, REVIEW_CHASER, OVERDUE_CHASER, REQUEST = (
    "internal_review",
    "review_chaser",
    "overdue_chaser",
    "request",
)
RESEND = "request_resend"  # the request again, to a new address, after it bounced
FOLLOW_UPS = (REVIEW, REVIEW_CHASER, OVERDUE_CHASER, RESEND)
BROKEN = "broken"  # the status of a request one of whose events is bad (see `broken`)
UNDO = "undo"  # an event that voids an earlier one (`foi-sender undo`)
MAX_EXTENSION_DAYS = 260  # a year of working days: beyond it a number is a typing slip
# Events further than this from the day the request was sent are taken for a slip (or a bad row);
# it also bounds how far the working-day calendar must be built.
MAX_EVENT_SPAN = timedelta(days=3660)


@dataclass(frozen=True)
class RequestState:
    request: RequestRow
    letter: MessageRow
    status: str
    sent_on: date | None = None
    due: date | None = None
    days_left: int | None = None
    long_overdue_on: date | None = None
    response_on: date | None = None
    outcome: str | None = None
    reference: str | None = None
    exemptions: tuple[str, ...] = ()
    response_file: str | None = None
    review_window_closes: date | None = None
    review_requested_on: date | None = None
    review_due: date | None = None
    review_days_late: int | None = None
    review_answered_on: date | None = None
    review_outcome: str | None = None
    withdrawn_on: date | None = None
    clarified_on: date | None = None
    review_letter: MessageRow | None = None
    review_grounds: str | None = None
    answers: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    unconfirmed: bool = False  # the outcome was read by the machine; the user has not confirmed it
    acknowledged_on: date | None = None
    council_due: date | None = None  # the date the council's acknowledgement promised, if any
    bounced_on: date | None = None
    bounce: dict | None = None  # status code, diagnostic and the address that failed
    bounces: tuple[dict, ...] = ()  # every bounce, the first letter's and its resends', in order
    resent_on: date | None = None  # the request sent again after a bounce: the clock starts here
    clarification_requested_on: date | None = None
    # Question number -> {status, text, exemptions, redirected_to, fields, evidence} as read from
    # the reply (see replies/answers.py); empty for replies recorded before it was kept.
    questions: dict[int, dict] = field(default_factory=dict)
    events: tuple[EventRow, ...] = field(default=(), repr=False)
    broken: str | None = None  # why the request's dates cannot be worked out (status `broken`)

    @property
    def title(self) -> str:
        """How follow-up letters name the request: its subject, less the parts they repeat."""
        title = self.letter.subject.removesuffix(f" ({self.request.council_name})")
        return title.removeprefix("Freedom of Information request: ")

    @property
    def answered(self) -> bool:
        return self.response_on is not None

    @property
    def days_overdue(self) -> int | None:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else None

    @property
    def council_due_differs(self) -> bool:
        return self.council_due is not None and self.council_due != self.due

    def as_json(self) -> dict:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {
            "round": self.request.round_name,
            "council": self.request.council_id,
            "status": self.status,
            "sent_on": iso(self.sent_on),
            "due": iso(self.due),
            "days_left": self.days_left,
            "long_overdue_on": iso(self.long_overdue_on),
            "response_on": iso(self.response_on),
            "outcome": self.outcome,
            "exemptions": list(self.exemptions),
            "review_window_closes": iso(self.review_window_closes),
            "review_requested_on": iso(self.review_requested_on),
            "review_due": iso(self.review_due),
            "reference": self.reference,
            "message_id": self.letter.message_id,
            "broken": self.broken,
            "unconfirmed": self.unconfirmed,
            "acknowledged_on": iso(self.acknowledged_on),
            "council_due": iso(self.council_due),
            "bounced_on": iso(self.bounced_on),
            "bounce": self.bounce,
            "bounces": list(self.bounces),
            "resent_on": iso(self.resent_on),
            "clarification_requested_on": iso(self.clarification_requested_on),
        }


def request_state(
    ledger: Ledger, request: RequestRow, today: date, extra_holidays: tuple[date, ...] = ()
) -> RequestState:
    messages = ledger.messages(request.id)
    letter = next(m for m in messages if m.kind == REQUEST)
    events = tuple(ledger.events(request.id))
    return derive(request, letter, messages, events, today, extra_holidays)


def derive(
    request: RequestRow,
    letter: MessageRow,
    messages: list[MessageRow],
    events: tuple[EventRow, ...],
    today: date,
    extra_holidays: tuple[date, ...] = (),
) -> RequestState:
    """The request as it stands; `broken` (status and reason) when one of its events is bad."""
    try:
        return derive_or_raise(request, letter, messages, events, today, extra_holidays)
    except BrokenRecord as exc:
        return RequestState(
            request,
            letter,
            BROKEN,
            sent_on=deadlines.london_date(letter.sent_at),
            broken=f"{exc}; `foi-sender undo {request.round_name} {request.council_id}` "
            "removes the last event",
            events=events,
        )


def derive_or_raise(
    request: RequestRow,
    letter: MessageRow,
    messages: list[MessageRow],
    events: tuple[EventRow, ...],
    today: date,
    extra_holidays: tuple[date, ...] = (),
) -> RequestState:
    """derive(), raising BrokenRecord for the first event that is bad."""
    if letter.status != "sent":
        return RequestState(request, letter, letter.status, events=events)
    regime = deadlines.Regime(request.regime)
    calendar = deadlines.calendar_for(regime, extra_holidays)
    first_sent = deadlines.london_date(letter.sent_at)
    letters = [letter, *(m for m in messages if m.kind == RESEND and m.status == "sent")]
    # A letter sent again after a bounce is the one the council first received: its day starts
    # the clock (FOIA s.10(1): the day of receipt).
    sent_on = deadlines.london_date(letters[-1].sent_at)
    clock = {"start": sent_on, "due": deadlines.reply_due(sent_on, regime, extra_holidays)}
    facts: dict = {"bounces": []}
    culprit = None  # the last event that moved a date: blamed when the dates cannot be computed
    for event in live_events(events):
        try:
            if _apply(event, first_sent, regime, extra_holidays, clock, facts):
                culprit = event
        except _EVENT_FAILURES as exc:
            raise BrokenRecord(event.id, event.kind, _reason(exc)) from exc
    _settle_bounces(facts, letters)
    try:
        return _state_from(
            request, letters, messages, events, today, extra_holidays, calendar, clock, facts
        )
    except _EVENT_FAILURES as exc:
        if culprit is None:
            raise
        raise BrokenRecord(culprit.id, culprit.kind, _reason(exc)) from exc


# What a bad row can raise while its dates are worked out.
_EVENT_FAILURES = (InputError, ValueError, KeyError, TypeError, OverflowError, AttributeError)


def _reason(exc: Exception) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)


def live_events(events) -> list[EventRow]:
    """The events that count: not undone, and not the undo records themselves (a broken undo
    record counts, so that it is named rather than skipped)."""
    undone = {e.data.get("event") for e in events if e.kind == UNDO and not e.problem}
    return [e for e in events if e.id not in undone and (e.kind != UNDO or e.problem is not None)]


def _apply(event: EventRow, sent_on: date, regime, extra, clock: dict, facts: dict) -> bool:
    """Apply one event to the clock and the facts; True when it moved a date."""
    if event.problem:
        raise ValueError(event.problem)
    if event.on_date < sent_on or event.on_date > sent_on + MAX_EVENT_SPAN:
        raise ValueError(f"its date {event.on_date} is outside the life of the request")
    data = event.data
    if event.kind == "clarification":
        clock["start"] = event.on_date
        clock["due"] = deadlines.clarified_due(event.on_date, regime, extra)
        facts["clarified_on"] = event.on_date
    elif event.kind == "extension":
        to = data.get("to")
        if to is not None:
            to = date.fromisoformat(to)
        problem = extension_problem(clock["due"], sent_on, data.get("days"), to)
        if problem:
            raise ValueError(problem)
        clock["due"] = to or deadlines.extend_due(clock["due"], data["days"], regime, extra)
    elif event.kind == "response":
        facts.update(_response_facts(data), response_on=event.on_date)
    elif event.kind == "review_grounds":
        facts["review_grounds"] = data["grounds"]
        return False
    elif event.kind == "review_response":
        facts.update(review_answered_on=event.on_date, review_outcome=data.get("outcome"))
    elif event.kind == "withdrawn":
        facts["withdrawn_on"] = event.on_date
        return False
    elif event.kind == "outcome_confirmed":
        facts["unconfirmed"] = False
        return False
    elif event.kind in _INBOX_EVENTS:
        _inbox_fact(facts, event)
        return event.kind == "acknowledgement" and "council_due" in data
    else:
        return False  # a kind this release does not know moves nothing
    return True


def _response_facts(data: dict) -> dict:
    """A response replaces every fact of an earlier one (`respond --replace`), its reference too."""
    return {
        "outcome": data.get("outcome"),
        "reference": data.get("reference"),
        "exemptions": tuple(data.get("exemptions", ())),
        "response_file": data.get("file"),
        "answers": data.get("answers", {}),
        "numbers": data.get("numbers", {}),
        "unconfirmed": bool(data.get("unconfirmed")),
        "questions": stored_questions(data.get("questions")),
    }


_INBOX_EVENTS = ("acknowledgement", "bounce", "clarification_requested")


def _inbox_fact(facts: dict, event: EventRow) -> None:
    """What an acknowledgement, a bounce or a request for clarification adds to the state."""
    if event.kind == "acknowledgement":
        facts["acknowledged_on"] = event.on_date
        if event.data.get("reference") and not facts.get("reference"):
            facts["reference"] = event.data["reference"]
        if event.data.get("council_due"):
            facts["council_due"] = date.fromisoformat(event.data["council_due"])
    elif event.kind == "bounce":
        bounce = {k: event.data.get(k) for k in ("status_code", "diagnostic", "recipient")}
        facts["bounces"].append((event, bounce))
    else:
        facts["clarification_requested_on"] = event.on_date


def _settle_bounces(facts: dict, letters: list[MessageRow]) -> None:
    """The request is bounced when the letter in force (the last one sent) came back. A bounce
    is the letter's that was the latest when it was recorded, unless it names the address of an
    earlier one (a late report about the first letter does not stop its resend's clock)."""
    found = facts.pop("bounces")
    facts["bounces"] = tuple({"on": e.on_date.isoformat(), **b} for e, b in found)
    if len(letters) > 1:
        facts["resent_on"] = deadlines.london_date(letters[-1].sent_at)
    for event, bounce in found:
        if _bounced_letter(event, bounce, letters) is letters[-1]:
            facts["bounced_on"], facts["bounce"] = event.on_date, bounce


def _bounced_letter(event: EventRow, bounce: dict, letters: list[MessageRow]) -> MessageRow:
    before = [m for m in letters if event.recorded_at is None or m.created_at <= event.recorded_at]
    before = before or letters[:1]
    recipient = (bounce.get("recipient") or "").lower()
    named = [m for m in before if m.to_address.lower() == recipient]
    return named[-1] if named else before[-1]


def extension_problem(due: date, sent_on: date, days, to: date | None) -> str | None:
    """Why an extension cannot stand (None when it can): by N working days, or to a date."""
    if (days is None) == (to is None):
        return "give either --days N or --to DATE"
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            return "--days must be a whole number of at least 1"
        if days > MAX_EXTENSION_DAYS:
            return (
                f"--days {days} is more than {MAX_EXTENSION_DAYS} working days (a year); the ICO "
                "expects at most 20 more, EIR reg 7 40: check the number, or give --to DATE"
            )
        return None
    if to <= sent_on:
        return f"--to {to} is not after the request was sent ({sent_on})"
    if to > due + timedelta(days=366):
        return f"--to {to} is more than a year after the due date ({due}); check the date"
    return None


def _state_from(request, letters, messages, events, today, extra, calendar, clock, facts):
    regime = deadlines.Regime(request.regime)
    letter = letters[0]
    sent_on = deadlines.london_date(letters[-1].sent_at)  # the letter in force: a resend's day
    due = clock["due"]
    long_overdue_on = calendar.add(clock["start"], 40)
    sent_reviews = [m for m in messages if m.kind == REVIEW and m.status == "sent"]
    review = sent_reviews[0] if sent_reviews else None
    reviews_any = [m for m in messages if m.kind == REVIEW]
    review_fields = _review_fields(review, regime, calendar, today, extra)
    if facts.get("review_answered_on"):
        review_fields["review_days_late"] = None  # late only while it is unanswered
    response_on = facts.get("response_on")
    state = RequestState(
        request=request,
        letter=letter,
        status="",
        sent_on=sent_on,
        due=due,
        days_left=_days_left(calendar, today, due),
        long_overdue_on=long_overdue_on,
        review_window_closes=(
            deadlines.review_window_closes(response_on, regime, extra) if response_on else None
        ),
        # Without a sent one, the latest attempt (a failed letter may have been drafted again).
        review_letter=review or (reviews_any[-1] if reviews_any else None),
        events=events,
        **review_fields,
        **facts,
    )
    return _with_status(state, today, reviews_any)


def _review_fields(review, regime, calendar, today, extra_holidays) -> dict:
    if review is None:
        return {}
    requested = deadlines.london_date(review.sent_at)
    due = deadlines.review_reply_due(requested, regime, extra_holidays)
    late = calendar.working_days_between(due, today) if today > due else 0
    return {"review_requested_on": requested, "review_due": due, "review_days_late": late}


_QUESTION_KEYS = {
    "status": str,
    "text": str,
    "exemptions": list,
    "redirected_to": (str, type(None)),
    "fields": dict,
    "evidence": str,
}


def stored_questions(raw) -> dict[int, dict]:
    """The per-question answers kept with a response; a malformed entry (a hand-edited ledger,
    a future version's) is left out rather than failing every reader."""
    if not isinstance(raw, dict):
        return {}
    found = {}
    for key, value in raw.items():
        if not (isinstance(key, str) and key.isdigit() and isinstance(value, dict)):
            continue
        if all(isinstance(value.get(k), kinds) for k, kinds in _QUESTION_KEYS.items()):
            found[int(key)] = value
    return dict(sorted(found.items()))


def _days_left(calendar, today: date, due: date) -> int:
    if today <= due:
        return calendar.working_days_between(today, due)
    return -calendar.working_days_between(due, today)


def _with_status(state: RequestState, today: date, reviews: list[MessageRow]) -> RequestState:
    if state.withdrawn_on:
        status = "withdrawn"
    elif state.review_answered_on:
        status = "review_answered"
    elif state.review_requested_on:
        status = "review_overdue" if state.review_days_late else "review_requested"
    elif reviews and reviews[-1].status in ("uncertain", "failed", "queued", "sending"):
        status = f"review_{reviews[-1].status}"
    elif state.response_on:
        status = state.outcome or "answered"
    elif state.bounced_on:
        status = "bounced"  # the letter never arrived: no clock runs until it is sent again
    elif state.clarification_requested_on and not (
        state.clarified_on and state.clarified_on >= state.clarification_requested_on
    ):
        status = "clarification_requested"
    elif today > state.long_overdue_on:
        status = "long_overdue"
    elif today > state.due:
        status = "overdue"
    else:
        status = "awaiting"
    return replace(state, status=status, days_left=None if status == "bounced" else state.days_left)
