"""A request's life, derived from the ledger: its status and every date that follows from the law.

Nothing here is stored: the dates are recomputed from events (sent, clarification, extension,
response, review) each time, so a newly proclaimed holiday or a corrected event moves them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

from foi_sender import deadlines
from foi_sender.config import atomic_write, check_text, now
from foi_sender.errors import BrokenRecord, FoiError, InputError
from foi_sender.ledger import (
    EventRow,
    Ledger,
    MessageRow,
    RequestRow,
    RoundRow,
    open_ledger,
    read_ledger,
)
from foi_sender.paths import safe_suffix, slug

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
    last_chased_on: date | None = None
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
        extra = settings.extra_holidays if settings else ()
        today = deadlines.today()
        found = ledger.require_round(round_name) if round_name else None
        states = [
            request_state(ledger, r, today, extra)
            for r in ledger.requests(found.id if found else None)
        ]
        return found, states
    finally:
        ledger.close()


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
    chases = [m for m in messages if m.kind == OVERDUE_CHASER and m.status == "sent"]
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
        last_chased_on=deadlines.london_date(chases[-1].sent_at) if chases else None,
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


@dataclass(frozen=True)
class Located:
    """A request found by round and council, with its current state."""

    ledger: Ledger
    state: RequestState
    extra_holidays: tuple[date, ...] = ()


def locate(ledger: Ledger, round_name: str, council_id: str, today: date, extra=()) -> Located:
    found = ledger.require_round(round_name)
    request = ledger.get_request(found.id, council_id)
    if request is None:
        ids = ", ".join(r.council_id for r in ledger.requests(found.id)[:8])
        raise InputError(f"round {round_name!r} has no request to {council_id!r} (it has: {ids})")
    return Located(ledger, request_state(ledger, request, today, extra), tuple(extra))


def _require_sent(state: RequestState) -> None:
    if state.sent_on is None:
        raise InputError(
            f"the request to {state.request.council_id} has not been sent ({state.status}); "
            "nothing can be recorded against it yet"
        )


def _require_readable(state: RequestState) -> None:
    """What needs the request's dates (an extension moves its due date) waits for a repair."""
    if state.broken:
        raise InputError(f"the dates of {state.request.council_id} are unknown: {state.broken}")


def _check_day(state: RequestState, on: date, today: date, what: str) -> None:
    if on < state.sent_on:
        raise InputError(
            f"{what} {on} is before the request was sent ({state.sent_on}); check the date"
        )
    if on > today:
        raise InputError(f"{what} {on} is in the future (today is {today})")


class Recorded(NamedTuple):
    """What `record_response` did: recorded anew (or found the same answer already there)."""

    new: bool
    learned: tuple = ()


def record_response(
    located: Located,
    *,
    on: date,
    outcome: str,
    reference: str | None,
    exemptions: tuple[str, ...],
    file: Path | None,
    home: Path,
    today: date,
    review: bool = False,
    answers: dict[int, str] | None = None,
    numbers: dict[int, int] | None = None,
    questions: dict[int, dict] | None = None,
    replace_earlier: bool = False,
    reply_text: str | None = None,
    unconfirmed: bool = False,
    source: str | None = None,
    registry=None,
) -> Recorded:
    """The council answered (or, with review=True, answered the internal review).

    `questions` are the per-question answers as `Answer.as_json()` gives them.
    `Recorded.new` is False when the same answer was recorded before (nothing is recorded
    again). A different answer to one already recorded needs `replace_earlier`: a second reply
    must not quietly take the place of the first. `Recorded.learned` holds the address proposals
    the reply file taught (see discovery.learn). `unconfirmed`: the outcome was read by the
    machine, not given by the user (an outcome given for an answer already recorded confirms it).
    `source`: the inbox message this was read from, kept so a stopped run never records it twice.
    `registry`: the councils already loaded (the inbox records hundreds of replies in one run).
    """
    from foi_sender.exemptions import normalise_exemptions

    state = located.state
    _require_sent(state)
    _check_day(state, on, today, "the response date")
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    if reference is not None:
        check_text(reference, "--reference", max_length=100)
    if review and state.review_requested_on is None and not state.broken:
        raise InputError("no internal review was sent for this request; record the response itself")
    if review and state.review_requested_on and on < state.review_requested_on:
        raise InputError(f"the review answer {on} is before the review was asked for")
    if file is not None and not file.is_file():
        raise InputError(f"{file}: no such file")
    data = {"outcome": outcome, "exemptions": list(normalise_exemptions(exemptions))}
    if reference:
        data["reference"] = reference
    if answers:
        data["answers"] = {str(k): v for k, v in answers.items()}
    if numbers:
        data["numbers"] = {str(k): v for k, v in numbers.items()}
    if unconfirmed:
        data["unconfirmed"] = True
    if source:
        data["inbox"] = source
    if questions:
        data["questions"] = {str(k): v for k, v in sorted(questions.items())}
        if stored_questions(data["questions"]).keys() != questions.keys():
            raise InputError("the answers read from the reply are malformed; nothing recorded")
    kind = "review_response" if review else "response"
    earlier = _earlier_answer(state, kind)
    if earlier is not None:
        if _same_answer(earlier, on, data, home, file):
            if earlier.data.get("unconfirmed") and not unconfirmed and not review:
                add_event(located, "outcome_confirmed", on, {"outcome": outcome}, today)
            return Recorded(new=False)
        if not replace_earlier:
            raise InputError(_already_answered(state, earlier, review))
    kept = _keep_reply_file(home, state, file, on, review) if file else None
    if kept is None:
        add_event(located, kind, on, data, today)
        return Recorded(new=True)
    target, created = kept
    data["file"] = str(target.relative_to(home))
    try:
        add_event(located, kind, on, data, today)
    except BaseException:
        if created:  # nothing refers to the copy: do not leave it behind
            target.unlink(missing_ok=True)
        raise
    learned = _learn_addresses(located, home, file, data["file"], on, reply_text, registry)
    return Recorded(new=True, learned=tuple(learned))


def _learn_addresses(
    located: Located, home: Path, file: Path, kept: str, on: date, text, registry=None
) -> list:
    """Learning is a bonus: a registry or reply it cannot read never undoes a recorded reply."""
    from foi_sender.discovery.learn import learn_from_reply
    from foi_sender.registry import load_registry
    from foi_sender.replies import read_reply

    try:
        registry = registry if registry is not None else load_registry(home)
        council = registry.get(located.state.request.council_id)
        if text is None:
            text = read_reply(file).text
        return learn_from_reply(located.ledger, council, text, on, kept)
    except FoiError:
        return []


def _earlier_answer(state: RequestState, kind: str) -> EventRow | None:
    answers = [e for e in live_events(state.events) if e.kind == kind and not e.problem]
    return answers[-1] if answers else None


def _same_answer(earlier: EventRow, on: date, data: dict, home: Path, file: Path | None) -> bool:
    if earlier.on_date != on:
        return False
    if any(earlier.data.get(key) != data.get(key) for key in ("outcome", "reference")):
        return False
    if list(earlier.data.get("exemptions", [])) != data["exemptions"]:
        return False
    if file is None:
        return True
    kept = earlier.data.get("file")
    try:
        return kept is not None and (home / kept).read_bytes() == file.read_bytes()
    except OSError:
        return False


def _already_answered(state: RequestState, earlier: EventRow, review: bool) -> str:
    request = state.request
    what = "the review's answer" if review else "a response"
    ref = earlier.data.get("reference")
    told = f"{earlier.data.get('outcome', '?')}".replace("_", " ") + (f", ref {ref}" if ref else "")
    return (
        f"{what} of {earlier.on_date} ({told}) is already recorded for "
        f"{request.round_name}/{request.council_id}; add --replace to record this one in its "
        f"place, or remove it with `foi-sender undo {request.round_name} {request.council_id}`"
    )


def _keep_reply_file(
    home: Path, state: RequestState, file: Path, on: date, review: bool
) -> tuple[Path, bool]:
    """Copy the council's reply into the home so the record survives the download folder.

    Never overwrites another reply: the response and the review's answer (or a second letter the
    same day) each keep their own copy. The same bytes kept before are reused. Returns the copy
    and whether it was created now.
    """
    if file.resolve().is_relative_to(home.resolve() / "inbox"):
        return file, False  # the inbox keeps it already, written once and never replaced
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from exc
    # Slugged even though names are checked on the way in: an older foi-sender let any round
    # name into the ledger, `../../etc` among them.
    folder = home / "replies" / slug(state.request.round_name)
    stem = f"{slug(state.request.council_id)}-{'review-' if review else ''}{on.isoformat()}"
    suffix = safe_suffix(file.suffix)
    number = 1
    while True:
        target = folder / f"{stem}{'' if number == 1 else f'-{number}'}{suffix}"
        if not target.exists():
            break
        if target.is_file() and target.read_bytes() == content:
            return target, False
        number += 1
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(target, content, mode=0o600)
    except (OSError, InputError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise InputError(f"cannot keep a copy of {file}: {reason}") from exc
    return target, True


def record_clarification(located: Located, *, on: date, today: date) -> None:
    """The council asked for clarification and got it on `on`: the 20 days start again."""
    _require_sent(located.state)
    _check_day(located.state, on, today, "the clarification date")
    add_event(located, "clarification", on, {}, today)


def record_extension(located: Located, *, days: int | None, to: date | None, today: date) -> None:
    state = located.state
    _require_sent(state)
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
    _require_sent(located.state)
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


@contextmanager
def open_request(home: Path, settings, round_name: str, council_id: str) -> Iterator[Located]:
    """The ledger opened on one request; closed afterwards whatever happens."""
    ledger = open_ledger(home, create=False)
    try:
        extra = settings.extra_holidays if settings else ()
        yield locate(ledger, round_name, council_id, deadlines.today(), extra)
    finally:
        ledger.close()


def match_reply(
    ledger: Ledger, round_name: str, facts, today: date, extra=()
) -> tuple[Located, str]:
    """The request a council's reply answers, and what matched it.

    Threading headers first (our Message-IDs), then the council's reference, then the sender's
    domain when exactly one request in the round went to that domain.
    """
    located, matched_on, _ = _match_reply(ledger, round_name, facts, today, extra)
    return located, matched_on


def _match_reply(
    ledger: Ledger, round_name: str, facts, today: date, extra=()
) -> tuple[Located, str, str | None]:
    """match_reply, and the kind of our letter the reply's thread names (None: no thread)."""
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
        located = _located(ledger, requests[message.request_id], today, extra)
        return located, "In-Reply-To", message.kind
    states = [request_state(ledger, r, today, extra) for r in requests.values()]
    if facts.reference:
        by_ref = [s for s in states if s.reference and s.reference == facts.reference]
        if len(by_ref) == 1:
            return Located(ledger, by_ref[0]), f"reference {facts.reference}", None
    domain = (facts.sender or "").rpartition("@")[2].lower()
    if domain:
        by_domain = [s for s in states if s.letter.to_address.lower().endswith("@" + domain)]
        if len(by_domain) == 1:
            return Located(ledger, by_domain[0]), f"sender domain {domain}", None
    waiting = [s.request.council_id for s in states if s.sent_on and not s.answered]
    raise InputError(
        "cannot tell which request this reply answers (no known Message-ID, reference or sender "
        f"domain); name the council: `respond {round_name} COUNCIL --file ...`; awaiting: "
        + (", ".join(waiting[:10]) or "none")
    )


def _located(ledger: Ledger, request: RequestRow, today: date, extra) -> Located:
    return Located(ledger, request_state(ledger, request, today, extra))


@dataclass(frozen=True)
class RecordedReply:
    council_id: str
    matched_on: str | None
    on: date
    outcome: str
    reference: str | None
    exemptions: tuple[str, ...]
    review: bool = False  # recorded as the answer to the internal review
    recorded: bool = True  # False: the same answer was recorded before
    learned: tuple = ()  # address proposals the reply taught


def respond_from_file(
    home: Path,
    settings,
    round_name: str,
    council_id: str | None,
    file: Path,
    *,
    on: date | None,
    outcome: str | None,
    reference: str | None,
    exemptions: tuple[str, ...],
    review: bool = False,
    replace_earlier: bool = False,
    facts=None,
    source: str | None = None,
    registry=None,
) -> RecordedReply:
    """Record a reply from the council's own letter, filling in what the user did not give.

    `facts`: the reply already read with the round's question schema (the inbox reads it to
    classify it); `source`: the inbox message it came from.
    """
    from foi_sender.replies import read_reply
    from foi_sender.schema import load_schema

    today = deadlines.today()
    extra = settings.extra_holidays if settings else ()
    ledger = open_ledger(home, create=False)
    try:
        if facts is None:
            template = ledger.require_round(round_name).template
            facts = read_reply(file, load_schema(home, template))
        if council_id:
            located, matched_on = locate(ledger, round_name, council_id, today, extra), None
        else:
            located, matched_on, kind = _match_reply(ledger, round_name, facts, today, extra)
            if (
                kind in (REVIEW, REVIEW_CHASER)
                and not review
                and located.state.review_requested_on is not None
            ):
                # A reply to our review letter (or its chaser) is the review's answer: recorded
                # as a response it would replace the council's first answer.
                review = True
                matched_on += " to the internal review letter (recorded as the review's answer)"
        return respond_located(
            located,
            file,
            facts,
            home=home,
            today=today,
            on=on,
            outcome=outcome,
            reference=reference,
            exemptions=exemptions,
            review=review,
            replace_earlier=replace_earlier,
            source=source,
            registry=registry,
            matched_on=matched_on,
        )
    finally:
        ledger.close()


def respond_located(
    located: Located,
    file: Path,
    facts,
    *,
    home: Path,
    today: date,
    on: date | None,
    outcome: str | None,
    reference: str | None,
    exemptions: tuple[str, ...],
    review: bool = False,
    replace_earlier: bool = False,
    source: str | None = None,
    registry=None,
    matched_on: str | None = None,
) -> RecordedReply:
    """Record a reply already read (`facts`) for the request found: what the user gave, else
    what the reply says. The inbox calls this with its own ledger and the request it matched."""
    chosen_on = on or facts.date
    chosen_outcome = outcome or facts.outcome
    if chosen_on is None:
        raise InputError(f"{file}: the reply carries no date; give --on DATE")
    if chosen_outcome is None:
        raise InputError(f"{file}: cannot tell the outcome; give --outcome")
    chosen_ref = reference or facts.reference
    chosen_exemptions = exemptions or tuple(facts.exemptions)
    recorded = record_response(
        located,
        on=chosen_on,
        outcome=chosen_outcome,
        reference=chosen_ref,
        exemptions=chosen_exemptions,
        file=file,
        home=home,
        today=today,
        review=review,
        answers=facts.answers,
        numbers=facts.numbers,
        questions={n: a.as_json() for n, a in facts.questions.items()},
        replace_earlier=replace_earlier,
        reply_text=facts.text,
        unconfirmed=outcome is None,
        source=source,
        registry=registry,
    )
    return RecordedReply(
        located.state.request.council_id,
        matched_on,
        chosen_on,
        chosen_outcome,
        chosen_ref,
        chosen_exemptions,
        review,
        recorded.new,
        recorded.learned,
    )


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
    _require_sent(located.state)
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
    _require_sent(located.state)
    data = {"status_code": status_code, "diagnostic": diagnostic, "recipient": recipient}
    data["inbox"] = source
    add_event(located, "bounce", on, data, today)


def record_clarification_request(located: Located, *, on: date, source: str, today: date) -> None:
    """The council asks what the request means; `clarify` restarts the clock once answered."""
    _require_sent(located.state)
    add_event(located, "clarification_requested", on, {"inbox": source}, today)


def confirm_outcome(located: Located, *, today: date) -> str:
    """The user agrees with the outcome the machine read from the council's reply."""
    if not located.state.unconfirmed:
        raise InputError(
            f"the outcome of {located.state.request.council_id} is not waiting for confirmation"
        )
    add_event(located, "outcome_confirmed", today, {"outcome": located.state.outcome}, today)
    return located.state.outcome


def bounced_addresses(home: Path) -> dict[str, str]:
    """Address -> the bounce's diagnostic, for every letter that came back undelivered."""
    from foi_sender.ledger import ledger_path

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
