"""Reading a council's reply: the facts a requester needs, in whatever shape the council wrote.

`read_reply(path)` takes a `.txt`, `.eml`, `.pdf` or `.docx` file; `read_reply_text(text)` plain
text. Nothing here records anything or talks to the user: the CLI prints the `ReplyFacts`.

Councils answer in every shape (numbered lists, `Question 1` / `Answer:` blocks, the request quoted
and then answered, tables flattened to `question | answer` lines), so the parser works from
structure and wording, never from one council's layout. Every field is a reasoned guess; none is
invented: a field the text does not support stays empty.

The parts: `files` (a file to text: `formats` for PDF and Word, `mail` for .eml), `text` (making it
plain), `questions` (the questions and their answers), `facts` (date, reference, addresses,
exemptions) and `classify` (what each answer says, the outcome, counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from ..errors import TemplateError
from ..schema import QuestionSchema, load_schema
from .answers import STATUSES, Answer, derive_outcome, pointer_target, question_answers
from .classify import find_count, letter_says, plain_prose
from .facts import SCOTTISH, find_emails, find_exemptions, find_reference, letter_date
from .fields import typed_fields
from .files import SUPPORTED_SUFFIXES, read_file
from .mail import Mail, read_message
from .questions import MAX_QUESTION, find_items
from .text import cut_quoted, normalise

__all__ = [
    "MAX_QUESTION",
    "STATUSES",
    "Answer",
    "SUPPORTED_SUFFIXES",
    "Mail",
    "ReplyFacts",
    "read_message",
    "read_reply",
    "read_reply_mail",
    "read_reply_text",
]

DEFAULT_TEMPLATE = "placements_request"


@dataclass(frozen=True)
class ReplyFacts:
    date: date | None
    reference: str | None
    emails: list[str]
    exemptions: list[str]
    outcome: str | None
    outcome_evidence: str | None
    answers: dict[int, str]
    numbers: dict[int, int]
    sender: str | None = None
    message_ids: tuple[str, ...] = ()
    subject: str | None = None
    questions: dict[int, Answer] = field(default_factory=dict)
    # The reply's own words (quoted history cut), for learning addresses; not one of the facts.
    text: str = field(default="", compare=False, repr=False)

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat() if self.date else None,
            "reference": self.reference,
            "emails": list(self.emails),
            "exemptions": list(self.exemptions),
            "outcome": self.outcome,
            "outcome_evidence": self.outcome_evidence,
            "answers": {str(k): v for k, v in sorted(self.answers.items())},
            "numbers": {str(k): v for k, v in sorted(self.numbers.items())},
            "sender": self.sender,
            "message_ids": list(self.message_ids),
            "subject": self.subject,
            "questions": {str(n): a.as_json() for n, a in sorted(self.questions.items())},
        }


def read_reply(path: Path, schema: QuestionSchema | None = None) -> ReplyFacts:
    """The facts in the reply at `path`; ReplyError (one line naming the file) if unreadable.
    `schema` types the answers (default: the shipped request's, placements_request)."""
    found = read_file(path)
    if isinstance(found, str):
        return _read(found, schema)
    return read_reply_mail(found, schema)


def read_reply_mail(found: Mail, schema: QuestionSchema | None = None) -> ReplyFacts:
    """The facts in an email already read (`read_message`: the inbox parses each message once)."""
    facts = _read(found.text, schema, found.sent_on)
    reference = facts.reference
    if reference is None and found.subject:
        reference = find_reference(found.subject)
    return replace(
        facts,
        reference=reference,
        sender=found.sender,
        message_ids=found.message_ids,
        subject=found.subject,
    )


def read_reply_for(path: Path, home: Path, template: str) -> ReplyFacts:
    """The facts in the reply at `path`, its answers typed by the question schema of `template`
    (the home's own first); TemplateError when that letter has no schema."""
    schema = load_schema(home, template)
    if not schema.questions:
        raise TemplateError(
            f"no question schema {template}.questions.yaml in {home / 'templates'} or among the "
            "shipped templates"
        )
    return read_reply(path, schema)


def read_reply_text(text: str, schema: QuestionSchema | None = None) -> ReplyFacts:
    """The facts in a reply's plain text. Never raises: what it cannot find stays empty."""
    return _read(text, schema)


def _read(text: str, schema: QuestionSchema | None, sent_on: date | None = None) -> ReplyFacts:
    schema = schema if schema is not None else load_schema(None, DEFAULT_TEMPLATE)
    text = cut_quoted(normalise(text))
    scottish = bool(SCOTTISH.search(text))
    items, first_item_at, remainder = find_items(text, len(schema.questions) or MAX_QUESTION)
    answers = {n: a for n, (_, a) in items.items() if a}
    exemptions = find_exemptions(text, scottish)
    prose = plain_prose(remainder)
    says = letter_says(prose)
    questions = question_answers(
        answers,
        says,
        exemptions,
        {n: find_exemptions(a, scottish) for n, a in answers.items()},
        [q.number for q in schema.questions],
        prose,
    )
    day = letter_date(text, first_item_at) or sent_on
    for n, answer in questions.items():
        if (declared := schema.question(n)) is not None:
            # "As above": the facts are in the answer pointed to, read as this question's type
            source = questions.get(pointer_target(n, answer.text) or n, answer)
            asked = items[n][0] if n in items else ""
            fields = typed_fields(declared, answer.status, source.text, asked, day)
            questions[n] = replace(answer, fields=fields)
    numbers = {}
    for n, answer in answers.items():
        if questions[n].status == "answered":
            count = find_count(answer, items[n][0])
            if count is not None:
                numbers[n] = count
    outcome, evidence = derive_outcome(questions, says)
    return ReplyFacts(
        date=day,
        reference=find_reference(text),
        emails=find_emails(text),
        exemptions=exemptions,
        outcome=outcome,
        outcome_evidence=evidence,
        answers=answers,
        numbers=numbers,
        questions=questions,
        text=text,
    )
