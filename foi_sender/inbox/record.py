"""What a classified, matched message changes in the ledger, through lifecycle's own paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import foi_sender.inbox.classify as kinds
from foi_sender import deadlines
from foi_sender.errors import InputError, ReplyError
from foi_sender.inbox.match import Index, Match, match, match_bounce
from foi_sender.ledger import Ledger
from foi_sender.lifecycle import (
    REVIEW,
    REVIEW_CHASER,
    answered_otherwise,
    locate,
    record_acknowledgement,
    record_bounce,
    record_clarification_request,
    respond_located,
)
from foi_sender.replies.mail import header_text


@dataclass(frozen=True)
class Outcome:
    """How a message was settled: state processed | held | ignored, and what it did."""

    state: str
    kind: str
    result: str
    evidence: str | None = None
    request_id: int | None = None
    rule: str | None = None
    guesses: tuple[str, ...] = ()
    recorded: bool = False  # an event was added: the message may be moved out of the inbox


@dataclass(frozen=True)
class Context:
    home: Path
    settings: object
    ledger: Ledger
    index: Index
    today: date
    extra: tuple
    registry: object  # the councils, loaded once a run (None when they cannot be read)
    templates: dict  # round name -> the template its letters were made from
    latest_template: str | None
    dry_run: bool = False
    replace: bool = False  # an answer may replace the one recorded before (`assign --replace`)


def decide(
    ctx: Context, msg: Message, key: str, raw_file: Path, forced: Match | None = None
) -> Outcome:
    """Classify, match and (unless a dry run) record one message."""
    if key in ctx.index.by_message_id and forced is None:
        return Outcome("ignored", "own_letter", "a copy of a letter foi-sender sent")
    found = kinds.classify(msg)
    if found.kind in (kinds.BOUNCE, kinds.DELAYED):
        matched = forced or match_bounce(ctx.index, found.returned_ids, found.recipient)
        if found.kind == kinds.DELAYED:
            return Outcome(
                "processed",
                found.kind,
                "delivery delayed, not failed: logged",
                found.evidence,
                matched.request_id,
                matched.rule,
            )
        return _settle(ctx, msg, key, raw_file, found, matched)
    reference = None
    facts = mail = None
    template = ctx.templates.get(_round_of(ctx, forced), ctx.latest_template)
    if found.kind in (kinds.RESPONSE, kinds.REVIEW_RESPONSE, kinds.UNRELATED) or forced:
        held = None if forced else _held_unread(ctx, msg, raw_file, found)
        if held is not None:
            return held
        mail = _mail(msg, raw_file)
        facts = _read(ctx, mail, template)
        reference = facts.reference if facts else None
    elif found.kind in (kinds.ACKNOWLEDGEMENT, kinds.CLARIFICATION):
        from foi_sender.replies import read_reply_text

        reference = read_reply_text(found.text).reference
    matched = forced or match(ctx.index, msg, found.text, reference)
    matched_template = ctx.templates.get(_round_of(ctx, matched), template)
    if facts is not None and matched_template != template:
        # Read for matching with the latest round's questions; this round asked others.
        facts = _read(ctx, mail, matched_template)
    return _settle(ctx, msg, key, raw_file, found, matched, facts, reference)


def _held_unread(ctx: Context, msg: Message, raw_file: Path, found) -> Outcome | None:
    """A second, different answer to a request answered before, held without reading the reply
    (the same outcome and reason reading it would give). Only when its thread headers or reply
    tag match it: the other rules may need the council reference read from the reply."""
    if ctx.dry_run or ctx.replace:
        return None
    matched = match(ctx.index, msg, found.text, None)
    if matched.rule is None or not matched.rule.startswith(_READ_FREE_RULES):
        return None
    kind = kinds.RESPONSE if found.kind == kinds.UNRELATED else found.kind
    if kind == kinds.RESPONSE and matched.thread_kind in (REVIEW, REVIEW_CHASER):
        kind = kinds.REVIEW_RESPONSE
    located = locate(ctx.ledger, *_names(ctx, matched.request_id), ctx.today, ctx.extra)
    on = _received_on(msg, located.state, ctx.today)
    review = kind == kinds.REVIEW_RESPONSE
    why = answered_otherwise(
        located, raw_file, on=on, home=ctx.home, today=ctx.today, review=review
    )
    if why is None:
        return None
    return Outcome(
        "held",
        kind,
        f"held: {why}",
        found.evidence,
        matched.request_id,
        matched.rule,
        matched.guesses,
    )


# `match` tries these before any rule that uses the reply's reference.
_READ_FREE_RULES = ("In-Reply-To/References", "reply tag ")


def _mail(msg: Message, raw_file: Path):
    """The reply in the message the inbox parsed (its attachments read here, once); None if
    unreadable."""
    from foi_sender.replies import read_message

    try:
        return read_message(msg, raw_file)
    except ReplyError:
        return None


def _read(ctx: Context, mail, template: str | None):
    """The reply's facts, its answers typed by `template`'s questions; None if unreadable."""
    from foi_sender.replies import read_reply_mail
    from foi_sender.schema import load_schema

    if mail is None:
        return None  # a message the reader cannot make sense of is held, not a stop for the run
    return read_reply_mail(mail, load_schema(ctx.home, template) if template else None)


def _round_of(ctx: Context, matched: Match | None) -> str | None:
    if matched is None or matched.request_id is None:
        return None
    return ctx.index.candidates[matched.request_id].state.request.round_name


def _settle(ctx, msg, key, raw_file, found, matched, facts=None, reference=None) -> Outcome:
    kind = found.kind
    if matched.request_id is None:
        if kind == kinds.UNRELATED and not found.foi_words or kind == kinds.OUT_OF_OFFICE:
            result = "logged" if kind == kinds.OUT_OF_OFFICE else "left alone"
            return Outcome(
                "ignored" if kind == kinds.UNRELATED else "processed", kind, result, found.evidence
            )
        return Outcome(
            "held", kind, "held: no rule matched a request", found.evidence, guesses=matched.guesses
        )
    if kind == kinds.OUT_OF_OFFICE:
        return Outcome(
            "processed",
            kind,
            "logged, nothing recorded",
            found.evidence,
            matched.request_id,
            matched.rule,
        )
    if kind == kinds.UNRELATED:
        kind = kinds.RESPONSE  # it answers our letter, whatever its words
    if kind == kinds.RESPONSE and matched.thread_kind in (REVIEW, REVIEW_CHASER):
        kind = kinds.REVIEW_RESPONSE
    located = locate(ctx.ledger, *_names(ctx, matched.request_id), ctx.today, ctx.extra)
    on = _received_on(msg, located.state, ctx.today)
    try:
        result = _record(ctx, located, kind, found, on, key, raw_file, facts, reference)
    except InputError as exc:
        return Outcome(
            "held",
            kind,
            f"held: {exc}",
            found.evidence,
            matched.request_id,
            matched.rule,
            matched.guesses,
        )
    if not ctx.dry_run:
        ctx.index.refresh(ctx.ledger, matched.request_id, ctx.today, ctx.extra)
    return Outcome(
        "processed",
        kind,
        result,
        found.evidence,
        matched.request_id,
        matched.rule,
        recorded=not ctx.dry_run,
    )


def _names(ctx: Context, request_id: int) -> tuple[str, str]:
    request = ctx.index.candidates[request_id].state.request
    return request.round_name, request.council_id


def _record(ctx, located, kind, found, on, key, raw_file, facts, reference) -> str:
    dry = ctx.dry_run
    if kind == kinds.BOUNCE:
        if not dry:
            record_bounce(
                located,
                on=on,
                status_code=found.status_code,
                diagnostic=found.diagnostic,
                recipient=found.recipient,
                source=key,
                today=ctx.today,
            )
        return f"bounced {found.recipient or ''} ({found.status_code or 'no status'})".replace(
            "  ", " "
        )
    if kind == kinds.ACKNOWLEDGEMENT:
        due = _council_due(found.council_due)
        if not dry:
            record_acknowledgement(
                located, on=on, reference=reference, council_due=due, source=key, today=ctx.today
            )
        said = f", says it will answer by {due}" if due else ""
        return f"acknowledged {on}" + (f", reference {reference}" if reference else "") + said
    if kind == kinds.CLARIFICATION:
        if not dry:
            record_clarification_request(located, on=on, source=key, today=ctx.today)
        return "asks for clarification: answer it, then `foi-sender clarify`"
    review = kind == kinds.REVIEW_RESPONSE
    request = located.state.request
    outcome = facts.outcome if facts else None
    if outcome is None:
        raise InputError(
            f"cannot read the outcome; record it with `foi-sender respond {request.round_name} "
            f"{request.council_id} --on {on} --outcome ...`"
        )
    if not dry:
        respond_located(
            located,
            raw_file,
            facts,
            home=ctx.home,
            today=ctx.today,
            on=on,
            outcome=None,
            reference=None,
            exemptions=(),
            review=review,
            replace_earlier=ctx.replace,
            source=key,
            registry=ctx.registry,
        )
    what = "review answer" if review else "response"
    return f"{what} of {on}: {outcome.replace('_', ' ')} (unconfirmed)"


def _received_on(msg: Message, state, today: date) -> date:
    """The day it arrived, in London; never before our letter went nor after today."""
    try:
        when = parsedate_to_datetime(header_text(msg, "date"))
    except (TypeError, ValueError, IndexError):  # no Date, or one that does not parse: today
        when = None
    day = today if when is None else (deadlines.london_date(when) if when.tzinfo else when.date())
    if state.sent_on and day < state.sent_on:
        day = state.sent_on
    return min(day, today)


def _council_due(text: str | None) -> date | None:
    if not text:
        return None
    from dateutil import parser

    try:
        return parser.parse(re.sub(r"(?<=\d)(st|nd|rd|th)", "", text), dayfirst=True).date()
    except (ValueError, OverflowError):
        return None
