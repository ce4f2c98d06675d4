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

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .answers import STATUSES, Answer, derive_outcome, question_answers
from .classify import find_count, letter_says, plain_prose
from .facts import SCOTTISH, find_emails, find_exemptions, find_reference, letter_date
from .files import SUPPORTED_SUFFIXES, read_file
from .questions import MAX_QUESTION, find_items
from .text import cut_quoted, normalise

__all__ = [
    "MAX_QUESTION",
    "STATUSES",
    "Answer",
    "OUTCOMES",
    "SUPPORTED_SUFFIXES",
    "ReplyFacts",
    "read_reply",
    "read_reply_text",
]

OUTCOMES = ("successful", "partially_successful", "refused", "not_held", "redirected")


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


def read_reply(path: Path) -> ReplyFacts:
    """The facts in the reply at `path`; ReplyError (one line naming the file) if unreadable."""
    found = read_file(path)
    if isinstance(found, str):
        return read_reply_text(found)
    facts = read_reply_text(found.text)
    reference = facts.reference
    if reference is None and found.subject:
        reference = find_reference(found.subject)
    return ReplyFacts(
        date=facts.date or found.sent_on,
        reference=reference,
        emails=facts.emails,
        exemptions=facts.exemptions,
        outcome=facts.outcome,
        outcome_evidence=facts.outcome_evidence,
        answers=facts.answers,
        numbers=facts.numbers,
        sender=found.sender,
        message_ids=found.message_ids,
        subject=found.subject,
        questions=facts.questions,
    )


def read_reply_text(text: str) -> ReplyFacts:
    """The facts in a reply's plain text. Never raises: what it cannot find stays empty."""
    text = cut_quoted(normalise(text))
    scottish = bool(SCOTTISH.search(text))
    items, first_item_at, remainder = find_items(text)
    answers = {n: a for n, (_, a) in items.items() if a}
    exemptions = find_exemptions(text, scottish)
    prose = plain_prose(remainder)
    says = letter_says(prose)
    questions = question_answers(
        answers,
        says,
        exemptions,
        {n: find_exemptions(a, scottish) for n, a in answers.items()},
        range(1, MAX_QUESTION + 1),
        prose,
    )
    numbers = {}
    for n, answer in answers.items():
        if questions[n].status == "answered":
            count = find_count(answer, items[n][0])
            if count is not None:
                numbers[n] = count
    outcome, evidence = derive_outcome(questions, says)
    return ReplyFacts(
        date=letter_date(text, first_item_at),
        reference=find_reference(text),
        emails=find_emails(text),
        exemptions=exemptions,
        outcome=outcome,
        outcome_evidence=evidence,
        answers=answers,
        numbers=numbers,
        questions=questions,
    )
