"""The round as a dataset: one row per council with its dates, outcome and answers.

Each row holds the request's status and dates, the reply's outcome, reference and exemptions,
and for every question of the round's template its status, text, exemptions and the typed
fields the template's question schema declares (`q1_manager_email`, `q5_as_of`). Values are
JSON values (dates as ISO strings); `columns()` says what each column holds, its type and where
it comes from, for a reader of the file (and the XLSX export's definitions sheet).

Every text cell passes through `safe_cell`, whatever the format: a reply is written by someone
else, and a spreadsheet would run `=HYPERLINK(...)` typed into it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import NamedTuple

from foi_sender.config import atomic_write
from foi_sender.lifecycle import round_with_states

DEFAULT_QUESTIONS = range(1, 6)  # a round whose template has no schema: the request's five


class Column(NamedTuple):
    name: str
    description: str
    type: str  # text, date, integer, yes_no, email, phone, list, status, outcome
    source: str


_LEDGER = "the ledger: what foi-sender sent and recorded"
_DEADLINES = "computed from the ledger's dates by the deadline rules (as `status` shows)"
_REPLY = "the council's reply: read from its file by foi-sender, or given to `respond`"
BASE_COLUMNS = (
    Column("round", "the round's name", "text", _LEDGER),
    Column("council", "the council's id in councils.yaml", "text", _LEDGER),
    Column("council_name", "the council's name", "text", "councils.yaml, as sent"),
    Column("status", "where the request stands (as `status` shows it)", "status", _DEADLINES),
    Column("sent_on", "the day the request was sent (day 0)", "date", _LEDGER),
    Column("due", "the day the reply is due (20 working days, or as extended)", "date", _DEADLINES),
    Column("response_on", "the day the council replied", "date", _REPLY),
    Column(
        "outcome",
        "successful, partially_successful, refused, not_held or redirected: derived from the "
        "questions' statuses when read from the reply, or as given with `respond --outcome`",
        "outcome",
        _REPLY,
    ),
    Column("reference", "the council's reference for the request", "text", _REPLY),
    Column("exemptions", "every exemption the reply cites (s40(2), reg12(4)(b))", "list", _REPLY),
    Column("review_requested_on", "the day an internal review was asked for", "date", _LEDGER),
    Column("review_due", "the day the review's answer is due", "date", _DEADLINES),
)
_QUESTION_PARTS = (
    (
        "status",
        "answered, withheld, not_held, redirected, cost_limit or unclear",
        "status",
    ),
    ("text", "the answer as the council wrote it", "text"),
    ("exemptions", "the exemptions this answer cites", "list"),
    ("redirected_to", "the body a redirection sends the requester to", "text"),
)


def columns(schema, numbers=None) -> list[Column]:
    """Every column of the dataset, in order, for a round whose template has `schema` (a
    schema.QuestionSchema); `numbers` are the questions when the schema declares none."""
    declared = {q.number: q for q in schema.questions}
    found = list(BASE_COLUMNS)
    for n in sorted(declared) or list(numbers or DEFAULT_QUESTIONS):
        question = declared.get(n)
        about = f"question {n}" + (f" ({question.ask})" if question and question.ask else "")
        for part, words, kind in _QUESTION_PARTS:
            found.append(Column(f"q{n}_{part}", f"{about}: {words}", kind, _REPLY))
        for f in question.fields if question else ():
            found.append(Column(f.column, f"{about}: {_field_words(f)}", f.kind, _schema(schema)))
    return found


def _field_words(f) -> str:
    from foi_sender.schema import PART_WORDS

    return PART_WORDS[f.part]


def _schema(schema) -> str:
    where = schema.source.name if schema.source else f"{schema.template}.questions.yaml"
    return f"read from the answer by its type, as declared in {where}"


def dataset_table(home: Path, settings, round_name: str) -> tuple[list[Column], list[dict]]:
    """The round's columns (from its template's question schema) and its rows."""
    from foi_sender.schema import load_schema

    found, states = round_with_states(home, settings, round_name)
    schema = load_schema(home, found.template)
    numbers = sorted({n for s in states for n in s.questions}) or None
    table = columns(schema, numbers)
    names = [c.name for c in table]
    return table, [_row(state, names) for state in states]


def _row(state, names: list[str]) -> dict:
    data = state.as_json()
    row = {key: data.get(key) for key in names if key in data}
    row["council_name"] = state.request.council_name
    row["exemptions"] = list(state.exemptions)
    for n, answer in state.questions.items():
        for part in ("status", "text", "exemptions", "redirected_to"):
            row[f"q{n}_{part}"] = answer[part]
        row.update(answer["fields"])
    for key, text in state.answers.items():  # replies recorded before questions were kept
        row.setdefault(f"q{key}_text", text)
    return {key: row.get(key) for key in names}


def safe_cell(value):
    """A text that would start a formula in a spreadsheet (= + - @, tab, CR: OWASP's list),
    made inert with a leading apostrophe; anything else as it is."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    if isinstance(value, list):
        return [safe_cell(v) for v in value]
    return value


def render_dataset(rows: list[dict], fmt: str, names: list[str]) -> str:
    """The rows as CSV (lists joined with "; ", yes/no for booleans) or JSON."""
    safe = [{k: safe_cell(v) for k, v in row.items()} for row in rows]
    if fmt == "json":
        return json.dumps(safe, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in safe:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return buffer.getvalue()


def _csv_value(value):
    if isinstance(value, list):
        return safe_cell("; ".join(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def write_dataset(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8"))
