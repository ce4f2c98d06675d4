"""Follow-up letters: internal reviews, review chasers, overdue chasers, regulator complaints.

Each is prepared (rendered from the request's state) for the user to read, then, when asked, queued
in the ledger and sent through the same exactly-once journal as the request itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from foi_sender import deadlines
from foi_sender.config import Settings, now
from foi_sender.errors import InputError
from foi_sender.ledger import Ledger, open_ledger, read_ledger
from foi_sender.letters import Letter, RoundView, render
from foi_sender.lifecycle import (
    OVERDUE_CHASER,
    RESEND,
    REVIEW,
    REVIEW_CHASER,
    RequestState,
    locate,
    request_state,
)
from foi_sender.registry import load_registry
from foi_sender.rounds import (
    SendReport,
    open_transport,
    request_view,
    send_lock,
    send_messages,
)
from foi_sender.transport import new_message_id

MAX_GROUNDS = 20_000
CHASEABLE = ("overdue", "long_overdue")
REGULATOR_ENQUIRY_DAYS = 40


@dataclass(frozen=True)
class Followup:
    state: RequestState
    kind: str
    letter: Letter
    thread: tuple[str, ...]
    grounds: str | None = None  # kept apart from the letter so a complaint can quote them
    # The ledger rows of this kind for the request when it was prepared: the decision that the
    # letter is due holds only while no other letter of its kind has been queued since.
    seen: tuple[int, ...] = ()


@dataclass
class Prepared:
    round_name: str
    followups: list[Followup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # councils that could not be chased, why


def read_grounds_file(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from exc


def check_grounds(text: str) -> str:
    if "\x00" in text:
        raise InputError("the grounds contain a NUL byte")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError("give your grounds for the review: --grounds TEXT or --grounds-file FILE")
    if len(text) > MAX_GROUNDS:
        raise InputError(f"the grounds are {len(text)} characters long; the limit is {MAX_GROUNDS}")
    return text


def _render(
    home: Path, settings: Settings, state: RequestState, template: str, view, council=None
) -> Letter:
    council = council or load_registry(home).get(state.request.council_id)
    return render(
        home,
        template,
        council=council,
        requester=settings.requester,
        round=RoundView(state.request.round_name),
        request=view,
        today=deadlines.today(),
    )


def _state(
    home: Path, settings: Settings, round_name: str, council_id: str, kind: str
) -> tuple[RequestState, tuple[int, ...]]:
    """The request's state, and its letters of `kind` so far (see Followup.seen)."""
    ledger = read_ledger(home)
    try:
        located = locate(ledger, round_name, council_id, deadlines.today(), settings.extra_holidays)
        seen = _seen(ledger, located.state, kind)
    finally:
        ledger.close()
    if located.state.broken:
        raise InputError(f"{round_name}/{council_id}: {located.state.broken}")
    return located.state, seen


def _seen(ledger: Ledger, state: RequestState, kind: str) -> tuple[int, ...]:
    return tuple(m.id for m in ledger.messages(state.request.id, kind))


def prepare_review(
    home: Path,
    settings: Settings,
    round_name: str,
    council_id: str,
    *,
    grounds: str | None,
    force: bool = False,
) -> Prepared:
    state, seen = _state(home, settings, round_name, council_id, REVIEW)
    if state.sent_on is None:
        raise InputError(f"the request to {council_id} has not been sent ({state.status})")
    today = deadlines.today()
    notes = []
    existing = state.review_letter
    if existing is not None and existing.status == "sent":
        raise InputError(
            f"an internal review letter went to {council_id} on {state.review_requested_on}; "
            f"use `review {round_name} {council_id} --resend` to chase it"
        )
    if existing is not None and existing.status != "failed":
        # uncertain (or left queued/sending): it may have reached the council.
        if not force:
            raise InputError(
                f"the internal review letter to {council_id} is {existing.status}: it may have "
                "reached the council; ask them, or add --force to send a new one"
            )
        notes.append(f"forced: a new letter, although the first is {existing.status}")
    if existing is not None and existing.status == "failed":
        notes.append(f"the first review letter failed ({existing.last_error}); this is a new one")
    if state.withdrawn_on:
        if not force:
            raise InputError(
                f"the request to {council_id} was withdrawn on {state.withdrawn_on}; add --force "
                "to ask for a review anyway"
            )
        notes.append("forced: the request was withdrawn")
    if not state.answered and not (state.due < today):
        if not force:
            raise InputError(
                f"nothing to review: {council_id} has not answered and is not overdue (due "
                f"{state.due}); add --force to ask for a review anyway"
            )
        notes.append("forced: the council has not answered and is not overdue")
    if state.review_window_closes and today > state.review_window_closes:
        notes.append(
            f"the 40-working-day window for asking closed on {state.review_window_closes}; "
            "the council may refuse a late request"
        )
    regime = deadlines.Regime(state.request.regime)
    view = replace(
        request_view(state),
        review_grounds=check_grounds(grounds or ""),
        review_due=deadlines.review_reply_due(today, regime, settings.extra_holidays),
    )
    letter = _render(home, settings, state, "internal_review", view)
    prepared = Prepared(round_name, notes=notes)
    prepared.followups.append(
        Followup(state, REVIEW, letter, (state.letter.message_id,), view.review_grounds, seen)
    )
    return prepared


def prepare_review_chaser(
    home: Path, settings: Settings, round_name: str, council_id: str, *, force: bool = False
) -> Prepared:
    state, seen = _state(home, settings, round_name, council_id, REVIEW_CHASER)
    review = state.review_letter
    if review is None or state.review_requested_on is None:
        raise InputError(
            f"no internal review has been sent to {council_id}; draft one with "
            f"`foi-sender review {round_name} {council_id} --grounds TEXT`"
        )
    notes = []
    if state.review_answered_on:
        if not force:
            raise InputError(
                f"{council_id} answered the review on {state.review_answered_on}; add --force "
                "to chase it anyway"
            )
        notes.append(f"forced: the council answered the review on {state.review_answered_on}")
    elif not state.review_days_late:
        notes.append(
            f"the review is not due until {state.review_due}; this re-sends it in case it "
            "never arrived"
        )
    letter = _render(home, settings, state, "review_chaser", request_view(state))
    thread = (state.letter.message_id, review.message_id)
    followup = Followup(state, REVIEW_CHASER, letter, thread, seen=seen)
    return Prepared(round_name, [followup], notes)


def prepare_chase(home: Path, settings: Settings, round_name: str) -> Prepared:
    """An overdue chaser for every council past its due date, at most one a day each.

    A council that cannot be chased (gone from the registry, say after a merger, or without an
    address) is named in `skipped`, and the others are chased all the same."""
    ledger = open_ledger(home, create=False)
    try:
        found = ledger.require_round(round_name)
        today = deadlines.today()
        states = [
            request_state(ledger, r, today, settings.extra_holidays)
            for r in ledger.requests(found.id)
        ]
        not_again = _chasers(ledger, states, today)
        seen = {state.request.id: _seen(ledger, state, OVERDUE_CHASER) for state in states}
    finally:
        ledger.close()
    registry = load_registry(home)
    councils = {c.id: c for c in registry.councils}
    prepared = Prepared(round_name)
    for state in states:
        council_id = state.request.council_id
        if state.broken:
            prepared.notes.append(f"{council_id}: not chased: {state.broken}")
            continue
        if state.status not in CHASEABLE:
            continue
        if state.request.id in not_again:
            prepared.notes.append(f"{council_id}: {not_again[state.request.id]}")
            continue
        council = councils.get(council_id)
        if council is None:
            prepared.skipped.append(
                f"{council_id}: not chased: no longer in {registry.path} (merged or removed?); "
                "add it back, with its address, to chase it"
            )
        elif not council.foi_email:
            prepared.skipped.append(
                f"{council_id}: not chased: no FOI address; add one with "
                f"`foi-sender councils set-email {council_id} ADDRESS --source TEXT`"
            )
        else:
            letter = _render(home, settings, state, "overdue_chaser", request_view(state), council)
            prepared.followups.append(
                Followup(
                    state,
                    OVERDUE_CHASER,
                    letter,
                    (state.letter.message_id,),
                    seen=seen[state.request.id],
                )
            )
    return prepared


def prepare_resend(
    home: Path, settings: Settings, round_name: str, council_ids: tuple[str, ...] = ()
) -> Prepared:
    """The request letter again, as it was, for every bounced request of ROUND (or the councils
    named) whose council has a new address since: a fresh Message-ID, threaded to the first.

    A named council still at the address that bounced is refused, naming the fix; among all the
    round's bounced ones it is listed in `skipped` and the others go."""
    ledger = read_ledger(home)
    try:
        found = ledger.require_round(round_name)
        today = deadlines.today()
        requests = ledger.requests(found.id)
        known = {r.council_id for r in requests}
        for council_id in council_ids:
            if council_id not in known:
                raise InputError(f"round {round_name!r} has no request to {council_id!r}")
        chosen = [r for r in requests if not council_ids or r.council_id in council_ids]
        states = [request_state(ledger, r, today, settings.extra_holidays) for r in chosen]
        resends = {s.request.id: ledger.messages(s.request.id, RESEND) for s in states}
    finally:
        ledger.close()
    councils = {c.id: c for c in load_registry(home).councils}
    prepared = Prepared(round_name)
    for state in states:
        council_id = state.request.council_id
        if state.status != "bounced":
            if council_ids:
                raise InputError(f"{council_id}: the letter has not bounced ({state.status})")
            continue
        why = _cannot_resend(state, councils.get(council_id), resends[state.request.id])
        if why:
            if council_ids:
                raise InputError(f"{council_id}: {why}")
            prepared.skipped.append(f"{council_id}: {why}")
            continue
        letter = Letter(
            RESEND,
            council_id,
            councils[council_id].foi_email,
            state.request.council_name,
            state.letter.subject,
            state.letter.body,
        )
        prepared.followups.append(
            Followup(
                state,
                RESEND,
                letter,
                (state.letter.message_id,),
                seen=tuple(m.id for m in resends[state.request.id]),
            )
        )
    return prepared


def _cannot_resend(state: RequestState, council, resends) -> str | None:
    bounced_at = (state.bounce.get("recipient") or "").lower()
    if resends and resends[-1].status in ("queued", "sending", "uncertain"):
        return (
            f"the letter sent again to {resends[-1].to_address} is {resends[-1].status} (it may "
            f"have gone): `foi-sender send {state.request.round_name}` settles it first"
        )
    if council is None or not council.foi_email:
        return (
            "no FOI address in councils.yaml; find one with `foi-sender councils discover "
            f"{state.request.council_id}`"
        )
    sent = [m for m in resends if m.status == "sent"]
    in_force = sent[-1].to_address if sent else state.letter.to_address
    if council.foi_email.lower() in (bounced_at, in_force.lower()):
        return (
            f"its address is still {council.foi_email}, where the letter bounced; record a new "
            f"one first: `foi-sender councils set-email {state.request.council_id} ADDRESS "
            f"--source TEXT --force` (or `councils discover` and `councils accept`)"
        )
    return None


def _chasers(ledger: Ledger, states: list[RequestState], today: date) -> dict[int, str]:
    """Why a request gets no new chaser: one created today (whatever became of it), or one an
    interrupted run left queued, which `send` will deliver (never two in a day, nor two at once)."""
    reasons = {}
    for state in states:
        for message in ledger.messages(state.request.id, OVERDUE_CHASER):
            if message.status == "queued":
                reasons[state.request.id] = (
                    f"a chaser is still queued: `foi-sender send {state.request.round_name}` "
                    "sends it"
                )
            elif deadlines.london_date(message.created_at) == today:
                reasons.setdefault(state.request.id, "already chased today")
    return reasons


def prepare_complaint(
    home: Path, settings: Settings, round_name: str, council_id: str, *, force: bool = False
) -> Prepared:
    state, _ = _state(home, settings, round_name, council_id, "ico_complaint")
    today = deadlines.today()
    regime = deadlines.Regime(state.request.regime)
    notes = []
    if not _may_complain(state, regime, today, settings):
        if not force:
            raise InputError(
                f"not yet: {_when_to_complain(state, regime, settings)}; add --force to draft it "
                "anyway"
            )
        notes.append("forced: the regulator normally expects the internal review to be finished")
    letter = _render(home, settings, state, "ico_complaint", request_view(state))
    return Prepared(round_name, [Followup(state, "ico_complaint", letter, ())], notes)


def _may_complain(state: RequestState, regime, today: date, settings: Settings) -> bool:
    if state.review_answered_on:
        return True
    if state.review_requested_on is None:
        return False
    return today > _complaint_opens(state, regime, settings)


def _complaint_opens(state: RequestState, regime, settings: Settings) -> date:
    """The last day of waiting for the review's answer: the regulator takes it from the next."""
    if regime == deadlines.Regime.FOISA:
        return state.review_due  # FOISA s.47(3): no review answer in time
    calendar = deadlines.calendar_for(regime, settings.extra_holidays)
    return calendar.add(state.review_requested_on, REGULATOR_ENQUIRY_DAYS)


def _when_to_complain(state: RequestState, regime, settings: Settings) -> str:
    council_id = state.request.council_id
    round_name = state.request.round_name
    if state.review_requested_on is None:
        return (
            f"the regulator expects an internal review first: ask {council_id} for one with "
            f"`foi-sender review {round_name} {council_id} --grounds TEXT --send`"
        )
    opens = _complaint_opens(state, regime, settings)
    why = (
        "its due date"
        if regime == deadlines.Regime.FOISA
        else f"{REGULATOR_ENQUIRY_DAYS} working days after you asked"
    )
    return (
        f"complain once {council_id} has answered the internal review you asked for on "
        f"{state.review_requested_on}, or after {opens} ({why}) if it has not"
    )


def send_prepared(
    home: Path,
    settings: Settings,
    prepared: Prepared,
    transport_name: str | None = None,
    *,
    progress=lambda council, outcome: None,
) -> SendReport:
    """Queue every prepared letter that is still due, then send them exactly once.

    The user may have read the letters for minutes before saying yes, and another terminal may
    have sent the same ones meanwhile: whether each is due is decided again here, under the send
    lock and inside the transaction that queues it."""
    sendable = [f for f in prepared.followups if f.letter.to]
    if len(sendable) != len(prepared.followups):
        missing = ", ".join(
            f.state.request.council_id for f in prepared.followups if not f.letter.to
        )
        raise InputError(f"no address to send to for: {missing}; add one with councils set-email")
    with send_lock(home):
        ledger = open_ledger(home, create=False)
        try:
            ledger.mark_interrupted_as_uncertain()
            at = now()
            skipped = []
            with ledger.transaction() as db:
                due = []
                for f in sendable:
                    reason = _no_longer_due(ledger, f, deadlines.london_date(at), settings)
                    if reason:
                        skipped.append((f.state.request.council_id, reason))
                    else:
                        due.append(f)
                ids = [_queue(ledger, db, settings, f, at) for f in due]
            messages = [ledger.get_message(i) for i in ids]
            report = send_messages(
                ledger,
                settings,
                open_transport(home, settings, transport_name),
                messages,
                rate_per_minute=settings.rate_per_minute,
                progress=progress,
                retries=settings.smtp.retries,
                retry_delay=settings.smtp.retry_delay,
            )
        finally:
            ledger.close()
    report.skipped.extend(skipped)
    return report


def _no_longer_due(
    ledger: Ledger, followup: Followup, today: date, settings: Settings
) -> str | None:
    """Why a prepared letter must not be queued after all, read inside the queuing transaction."""
    request = followup.state.request
    letters = ledger.messages(request.id, followup.kind)
    if tuple(m.id for m in letters) != followup.seen:
        newest = letters[-1]
        return (
            f"another run queued this letter meanwhile (now {newest.status}); "
            "not sent a second time"
        )
    if followup.kind == OVERDUE_CHASER:
        state = request_state(ledger, request, today, settings.extra_holidays)
        if state.status not in CHASEABLE:
            return f"no longer overdue ({state.status})"
    if followup.kind == RESEND:
        state = request_state(ledger, request, today, settings.extra_holidays)
        if state.status != "bounced":
            return f"no longer bounced ({state.status})"
    return None


def _queue(ledger: Ledger, db, settings: Settings, followup: Followup, at) -> int:
    request_id = followup.state.request.id
    message_row_id = ledger.add_message(
        db,
        request_id,
        followup.kind,
        new_message_id(settings.requester),
        followup.letter.to,
        followup.letter.subject,
        followup.letter.body,
        followup.thread,
        at,
    )
    if followup.grounds:
        ledger.add_event(
            db,
            request_id,
            "review_grounds",
            deadlines.london_date(at),
            at,
            {"grounds": followup.grounds},
        )
    return message_row_id
