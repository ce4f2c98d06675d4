"""Recording the council's reply: from the user's words, or read from its own letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from foi_sender import deadlines
from foi_sender.config import atomic_write, check_text, extra_holidays
from foi_sender.errors import FoiError, InputError
from foi_sender.ledger import EventRow, open_ledger
from foi_sender.lifecycle.find import Located, locate
from foi_sender.lifecycle.match import match_reply
from foi_sender.lifecycle.record import add_event, check_day, require_sent
from foi_sender.lifecycle.state import (
    OUTCOMES,
    REVIEW,
    REVIEW_CHASER,
    RequestState,
    live_events,
    stored_questions,
)
from foi_sender.paths import safe_suffix, slug


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
    _check_answer_day(state, on, today, review)
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    if reference is not None:
        check_text(reference, "--reference", max_length=100)
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


def _check_answer_day(state: RequestState, on: date, today: date, review: bool) -> None:
    require_sent(state)
    check_day(state, on, today, "the response date")
    if review and state.review_requested_on is None and not state.broken:
        raise InputError("no internal review was sent for this request; record the response itself")
    if review and state.review_requested_on and on < state.review_requested_on:
        raise InputError(f"the review answer {on} is before the review was asked for")


def answered_otherwise(
    located: Located, file: Path, *, on: date, home: Path, today: date, review: bool = False
) -> str | None:
    """Why `record_response` will refuse the reply in `file` (without `replace_earlier`), told
    before the reply is read: an answer is recorded already, and not from a file with these
    bytes. Only the same bytes can be the same answer (`_same_answer`), so whatever the reply
    says, it is a different one. None when it must be read to tell."""
    state = located.state
    try:
        _check_answer_day(state, on, today, review)
    except InputError:
        return None  # refused for another reason, which the full read reports as before
    earlier = _earlier_answer(state, "review_response" if review else "response")
    if earlier is None or _same_file(earlier, home, file):
        return None
    return _already_answered(state, earlier, review)


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
    return file is None or _same_file(earlier, home, file)


def _same_file(earlier: EventRow, home: Path, file: Path) -> bool:
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
    extra = extra_holidays(settings)
    ledger = open_ledger(home, create=False)
    try:
        if facts is None:
            template = ledger.require_round(round_name).template
            facts = read_reply(file, load_schema(home, template))
        if council_id:
            located, matched_on = locate(ledger, round_name, council_id, today, extra), None
        else:
            located, matched_on, kind = match_reply(ledger, round_name, facts, today, extra)
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
