"""A round: choose councils, render and validate every letter, then send each exactly once.

The journal: a letter is `queued` in the ledger before anything is sent, `sending` (committed)
just before the SMTP transaction, and `sent`/`failed`/`uncertain` (committed) after it. A letter
found `sending` by the next run belonged to a process that died mid-send: it becomes `uncertain`
and is only sent again when the user says so.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from foi_sender import deadlines
from foi_sender.config import Settings, now
from foi_sender.errors import (
    AuthenticationError,
    FoiError,
    InputError,
    LedgerError,
    TransportError,
)
from foi_sender.ledger import Ledger, MessageRow, RequestRow, read_ledger
from foi_sender.letters import Letter, RequestView, RoundView, render
from foi_sender.lifecycle import FOLLOW_UPS, REQUEST, RequestState, request_state
from foi_sender.paths import check_name
from foi_sender.registry import Council, Registry, load_registry
from foi_sender.transport import (
    OutboxTransport,
    Prebuilt,
    SmtpTransport,
    TemporaryFailure,
    build_message,
    new_message_id,
    prebuild,
    smtp_password,
)

DEFAULT_TEMPLATE = "placements_request"
LOCK_NAME = ".foi-sender.lock"


@contextmanager
def send_lock(home: Path) -> Iterator[None]:
    """One sending process per home: a second `send` must not double-send the same letters."""
    path = home / LOCK_NAME
    try:
        # 0600: the lock file holds only a pid, but nobody else needs to touch it.
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+")
    except OSError as exc:
        raise LedgerError(f"cannot create the lock file {path}: {exc.strerror}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _lock_holder(handle)
            raise LedgerError(
                f"another foi-sender is sending from {home} (pid {holder}); wait for it to finish"
            ) from exc
        # Written before the old pid is cut off, so a process refused meanwhile never reads an
        # empty file.
        handle.seek(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        handle.truncate()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_holder(handle) -> str:
    """The pid in the lock file; its holder writes it just after locking, so wait a moment."""
    for _ in range(20):
        handle.seek(0)
        holder = handle.read().strip()
        if holder:
            return holder
        time.sleep(0.025)
    return "another process"


@dataclass
class NewLetter:
    council: Council
    letter: Letter
    message_id: str
    data: Prebuilt


@dataclass
class Plan:
    round_name: str
    template: str
    creating_round: bool
    new: list[NewLetter] = field(default_factory=list)
    missing_address: list[Council] = field(default_factory=list)
    queued: list[MessageRow] = field(default_factory=list)
    retrying: list[MessageRow] = field(default_factory=list)
    uncertain: list[MessageRow] = field(default_factory=list)
    failed: list[MessageRow] = field(default_factory=list)
    # A letter to retry whose council has a new address since: (council id, old, new).
    readdressed: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    already_sent: int = 0
    recovered_uncertain: int = 0

    @property
    def to_send(self) -> int:
        return len(self.new) + len(self.queued) + len(self.retrying)

    @property
    def prebuilt(self) -> dict[str, Prebuilt]:
        """The new letters' bytes, by Message-ID, for send_messages."""
        return {item.message_id: item.data for item in self.new}


def plan_send(
    home: Path,
    settings: Settings,
    ledger: Ledger | None,
    round_name: str,
    *,
    template: str | None = None,
    council_ids: tuple[str, ...] = (),
    all_councils: bool = False,
    retry_uncertain: bool = False,
    retry_failed: bool = False,
    dry_run: bool = False,
) -> Plan:
    """Everything that `send` would do, with every new letter rendered and validated.

    Letters left `sending` by a process that died become `uncertain` here (the caller holds the
    send lock, so none is in flight), except in a dry run, which records nothing and only
    counts them. With `council_ids`, --retry-* resends only those councils' letters: the user
    who checked with one council must not resend to all the others."""
    check_name(round_name)
    existing = ledger.get_round(round_name) if ledger else None
    if existing and template and template != existing.template:
        raise InputError(
            f"round {round_name!r} uses the template {existing.template!r}; start a new round "
            f"for {template!r}"
        )
    if not existing and not council_ids and not all_councils:
        raise InputError(f"round {round_name!r} is new: choose councils with --council ID or --all")
    chosen_template = existing.template if existing else (template or DEFAULT_TEMPLATE)
    plan = Plan(round_name, chosen_template, creating_round=existing is None)
    registry = load_registry(home)
    chosen = _choose(registry, council_ids, all_councils)
    if ledger and existing:
        if dry_run:
            plan.recovered_uncertain = ledger.interrupted_count()
        else:
            plan.recovered_uncertain = ledger.mark_interrupted_as_uncertain()
        only = set(council_ids) if council_ids else None
        _sort_existing(plan, ledger, existing.id, retry_uncertain, retry_failed, only)
        _readdress(plan, registry, ledger)
    have = set()
    if ledger and existing:
        have = {r.council_id for r in ledger.requests(existing.id)}
    today = deadlines.today()
    round_view = RoundView(round_name, existing.created_at.date() if existing else today)
    for council in chosen:
        if council.id in have:
            continue
        if not council.foi_email:
            plan.missing_address.append(council)
            continue
        letter = render(
            home,
            chosen_template,
            council=council,
            requester=settings.requester,
            round=round_view,
            request=RequestView(),
            today=today,
        )
        message_id = new_message_id(settings.requester)
        # Built now, once, so a bad header fails before anything is sent, not halfway through.
        data = prebuild(
            requester=settings.requester,
            to_name=council.name,
            to_address=letter.to,
            subject=letter.subject,
            body=letter.body,
            message_id=message_id,
        )
        plan.new.append(NewLetter(council, letter, message_id, data))
    return plan


def _choose(registry: Registry, council_ids: tuple[str, ...], all_councils: bool) -> list[Council]:
    if all_councils:
        return list(registry.councils)
    return [registry.get(council_id) for council_id in dict.fromkeys(council_ids)]


def _sort_existing(
    plan: Plan,
    ledger: Ledger,
    round_id: int,
    retry_uncertain: bool,
    retry_failed: bool,
    only: set[str] | None,
):
    councils = {r.id: r.council_id for r in ledger.requests(round_id)}
    for message in ledger.messages_of_round(round_id, (REQUEST, *FOLLOW_UPS)):
        if message.kind != REQUEST:
            # A review or chaser an interrupted run left queued has not gone: send it now. One
            # that failed or is uncertain is for `review`/`chase` to deal with, which may already
            # have replaced it with a new letter.
            if message.status == "queued":
                plan.queued.append(message)
            continue
        chosen = only is None or councils[message.request_id] in only
        if message.status == "sent":
            plan.already_sent += 1
        elif message.status == "queued":
            plan.queued.append(message)
        elif message.status in ("uncertain", "sending"):  # sending: only in a dry run
            (plan.retrying if retry_uncertain and chosen else plan.uncertain).append(message)
        elif message.status == "failed":
            (plan.retrying if retry_failed and chosen else plan.failed).append(message)


def _readdress(plan: Plan, registry: Registry, ledger: Ledger) -> None:
    """A letter retried after `councils set-email` goes to the council's address now: the old one
    refused it, or may never have had it."""
    known = {council.id: council for council in registry.councils}
    for message in plan.retrying:
        council = known.get(ledger.get_request_by_id(message.request_id).council_id)
        if council and council.foi_email and council.foi_email != message.to_address:
            plan.readdressed[message.id] = (council.id, message.to_address, council.foi_email)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    deferred: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # no longer due when queued
    stopped: bool = False


Progress = Callable[[str, str], None]


def commit_plan(ledger: Ledger, plan: Plan) -> list[MessageRow]:
    """Record the round and its new letters as `queued`; return every letter to send now."""
    at = now()
    with ledger.transaction() as db:
        existing = ledger.get_round(plan.round_name)
        round_id = (
            existing.id if existing else ledger.create_round(db, plan.round_name, plan.template, at)
        )
        new_ids = []
        for item in plan.new:
            request_id = ledger.add_request(
                db, round_id, item.council.id, item.council.name, item.council.regime, at
            )
            new_ids.append(
                ledger.add_message(
                    db,
                    request_id,
                    REQUEST,
                    item.message_id,
                    item.letter.to,
                    item.letter.subject,
                    item.letter.body,
                    (),
                    at,
                )
            )
        for message_row_id, (_, _, address) in plan.readdressed.items():
            ledger.readdress(db, message_row_id, address)
    ledger.requeue([m.id for m in plan.retrying])
    pending = plan.queued + plan.retrying
    return sorted(
        [ledger.get_message(m.id) for m in pending] + [ledger.get_message(i) for i in new_ids],
        key=lambda m: m.id,
    )


def open_transport(home: Path, settings: Settings, name: str | None):
    chosen = name or settings.transport
    if chosen == "outbox":
        return OutboxTransport(home / "outbox")
    return SmtpTransport(settings.smtp, smtp_password(settings.smtp))


def _prebuild_stored(settings: Settings, request: RequestRow, message: MessageRow) -> Prebuilt:
    return prebuild(
        requester=settings.requester,
        to_name=request.council_name,
        to_address=message.to_address,
        subject=message.subject,
        body=message.body,
        message_id=message.message_id,
        thread=message.thread,
    )


def send_messages(
    ledger: Ledger,
    settings: Settings,
    transport,
    messages: list[MessageRow],
    *,
    rate_per_minute: float = 0,
    progress: Progress = lambda council, outcome: None,
    should_stop: Callable[[], bool] = lambda: False,
    retries: int = 3,
    retry_delay: float = 2.0,
    prebuilt: Mapping[str, Prebuilt] | None = None,
) -> SendReport:
    """Send each letter exactly once (see the module's docstring), at most `rate_per_minute`.

    `prebuilt`: letters' bytes built when the round was planned, by Message-ID; any other letter
    (one a previous run queued, a retry) is built from its ledger row just before it goes.

    `should_stop` is asked between letters and during every wait (the rate limit, the back-off
    before a retry), never in the middle of a letter. A round stopped by an error raises it with
    what this run did so far added to its message (and as `.report`), so the user is told about
    letters left uncertain before the stop."""
    report = SendReport()
    interval = 60.0 / rate_per_minute if rate_per_minute else 0.0
    # Spaced from the end of the previous letter, so the server never sees two letters closer
    # than the interval (a first letter slowed by connecting would otherwise be followed early).
    last_end: float | None = None
    try:
        for message in messages:
            if should_stop():
                report.stopped = True
                break
            waited = interval and last_end is not None
            if waited and not _wait(last_end + interval, should_stop):
                report.stopped = True
                break
            request = ledger.get_request_by_id(message.request_id)
            # Built before the claim: a letter that cannot be built was certainly not sent.
            built = (prebuilt or {}).get(message.message_id) or _prebuild_stored(
                settings, request, message
            )
            outcome, reply = _send_one(
                ledger,
                settings,
                transport,
                message,
                built,
                retries=retries,
                retry_delay=retry_delay,
                should_stop=should_stop,
            )
            last_end = time.monotonic()
            if outcome == "sent":
                report.sent.append(request.council_id)
            else:
                getattr(report, outcome).append((request.council_id, reply))
            progress(request.council_id, outcome)
        ledger.sync()  # the last letter's mark, which no next claim will fsync
    except FoiError as exc:
        _abort(transport)
        told = _with_report(exc, report)
        if told is exc:
            raise
        raise told from exc
    except BaseException:  # a second ^C, or a bug: stop at once, not after a polite QUIT
        _abort(transport)
        raise
    transport.close()
    return report


def _abort(transport) -> None:
    getattr(transport, "abort", transport.close)()


def _wait(until: float, should_stop: Callable[[], bool]) -> bool:
    """Sleep until `until` (time.monotonic()), in short steps; False if asked to stop."""
    while True:
        if should_stop():
            return False
        left = until - time.monotonic()
        if left <= 0:
            return True
        time.sleep(min(left, 0.05))


def _with_report(exc: FoiError, report: SendReport) -> FoiError:
    parts = []
    if report.sent:
        parts.append(f"{len(report.sent)} sent")
    for label, rows in (
        ("uncertain", report.uncertain),
        ("failed", report.failed),
        ("deferred", report.deferred),
    ):
        if rows:
            parts.append(f"{label}: {', '.join(council for council, _ in rows)}")
    if not parts:
        return exc
    summary = f"{exc} (before that, this run: {'; '.join(parts)})"
    try:
        new = type(exc)(summary)
    except TypeError:  # an error class with another signature: keep it as it is
        new = exc
    new.report = report
    return new


def _send_one(
    ledger,
    settings,
    transport,
    message,
    built: Prebuilt,
    *,
    retries,
    retry_delay,
    should_stop=lambda: False,
) -> tuple[str, str | None]:
    reply = None
    for attempt in range(retries + 1):
        if attempt:
            pause = retry_delay * 2 ** (attempt - 1)
            if not _wait(time.monotonic() + pause, should_stop):
                return "deferred", f"{reply} (stopped before retrying)"
        if not transport.connected:
            try:
                transport.open()
            except TemporaryFailure as exc:
                reply = str(exc)
                if attempt == retries:
                    raise TransportError(
                        f"{exc} (tried {retries + 1} times); nothing more was sent"
                    ) from exc
                continue
        data = built.at(now())
        attempt_id = ledger.claim(message.id, transport.name, now())
        if attempt_id is None:
            return "deferred", "another process took this letter"
        try:
            delivery = transport.deliver(settings.requester.email, message.to_address, data)
        except (AuthenticationError, TransportError) as exc:
            # Refused before any byte of the letter was accepted: back in the queue, round stops.
            ledger.finish(message.id, attempt_id, "queued", "error", str(exc), now())
            transport.reset()
            raise
        status = {"sent": "sent", "permanent": "failed", "uncertain": "uncertain"}.get(
            delivery.outcome, "queued"
        )
        ledger.finish(message.id, attempt_id, status, delivery.outcome, delivery.reply, now())
        if delivery.outcome == "sent":
            return "sent", delivery.reply
        if delivery.outcome == "permanent":
            return "failed", delivery.reply
        transport.reset()
        if delivery.outcome == "uncertain":
            return "uncertain", delivery.reply
        reply = delivery.reply
    return "deferred", reply


def request_view(state: RequestState | None) -> RequestView:
    if state is None:
        return RequestView()
    review = state.review_letter
    return RequestView(
        title=state.title,
        status=state.status,
        sent_on=state.sent_on,
        due=state.due,
        days_overdue=state.days_overdue,
        long_overdue_on=state.long_overdue_on,
        reference=state.reference,
        message_id=state.letter.message_id,
        response_on=state.response_on,
        outcome=state.outcome,
        exemptions=state.exemptions,
        review_window_closes=state.review_window_closes,
        review_requested_on=state.review_requested_on,
        review_due=state.review_due,
        review_days_late=state.review_days_late,
        review_answered_on=state.review_answered_on,
        review_outcome=state.review_outcome,
        review_letter=review.body if review else None,
        review_grounds=state.review_grounds,
    )


def draft_message(
    home: Path, settings: Settings, council_id: str, template: str, round_name: str | None
) -> tuple[EmailMessage, Letter]:
    council = load_registry(home).get(council_id)
    state = None
    round_view = RoundView(round_name or "draft", None)
    if round_name:
        ledger = read_ledger(home)
        try:
            found = ledger.require_round(round_name)
            round_view = RoundView(found.name, found.created_at.date())
            request = ledger.get_request(found.id, council_id)
            if request is None:
                raise InputError(f"round {round_name!r} has no request to {council_id}")
            state = request_state(ledger, request, deadlines.today(), settings.extra_holidays)
        finally:
            ledger.close()
    letter = render(
        home,
        template,
        council=council,
        requester=settings.requester,
        round=round_view,
        request=request_view(state),
        today=deadlines.today(),
    )
    message = build_message(
        requester=settings.requester,
        to_name=council.name,
        to_address=letter.to or "address-needed@invalid.example",
        subject=letter.subject,
        body=letter.body,
        message_id=new_message_id(settings.requester),
        when=now(),
    )
    if not letter.to:
        del message["To"]
    return message, letter
