"""The round as a dataset: one row per council with its dates, outcome and answers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from foi_sender.config import atomic_write
from foi_sender.lifecycle import round_states

QUESTIONS = range(1, 6)
COLUMNS = (
    "round",
    "council",
    "council_name",
    "status",
    "sent_on",
    "due",
    "response_on",
    "outcome",
    "reference",
    "exemptions",
    "review_requested_on",
    "review_due",
    *(f"answer_{n}" for n in QUESTIONS),
    *(f"number_{n}" for n in QUESTIONS),
)


def dataset_rows(home: Path, settings, round_name: str) -> list[dict]:
    rows = []
    for state in round_states(home, settings, round_name):
        data = state.as_json()
        row = {key: data.get(key) for key in COLUMNS if key in data}
        row["council_name"] = state.request.council_name
        row["exemptions"] = list(state.exemptions)
        for n in QUESTIONS:
            row[f"answer_{n}"] = state.answers.get(str(n))
            row[f"number_{n}"] = state.numbers.get(str(n))
        rows.append({key: row.get(key) for key in COLUMNS})
    return rows


# What each column holds and where its value comes from: the XLSX definitions sheet.
_DEFINITIONS = {
    "round": ("The round's name", "text", "ledger: the round"),
    "council": ("The council's id (GOV.UK slug)", "text", "ledger: the request"),
    "council_name": ("The council's name", "text", "ledger: the request"),
    "status": ("Where the request stands today (as `status`)", "text", "lifecycle"),
    "sent_on": ("The day the council received the request", "date", "ledger: the send"),
    "due": (
        "Reply due: the 20th working day (moved by clarification, extension)",
        "date",
        "deadlines, from the ledger's events",
    ),
    "response_on": ("The day the council replied", "date", "ledger: the recorded response"),
    "outcome": ("The council's decision", "text", "the recorded response"),
    "reference": ("The council's case reference", "text", "the recorded response"),
    "exemptions": ("Exemptions cited (e.g. s40(2))", "list", "the council's reply"),
    "review_requested_on": (
        "The day the internal review was asked for",
        "date",
        "ledger: the review letter",
    ),
    "review_due": ("The review's reply due date", "date", "deadlines"),
}


def columns() -> list[tuple[str, str, str, str]]:
    """(name, description, type, source) of every column, in order."""
    described = []
    for name in COLUMNS:
        if name in _DEFINITIONS:
            described.append((name, *_DEFINITIONS[name]))
        elif name.startswith("answer_"):
            n = name.removeprefix("answer_")
            described.append((name, f"The answer to question {n}", "text", "the council's reply"))
        else:
            n = name.removeprefix("number_")
            described.append(
                (
                    name,
                    f"The count given in answer to question {n}",
                    "integer",
                    "the council's reply",
                )
            )
    return described


# A spreadsheet takes a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render_dataset(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = {k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()}
        writer.writerow(flat)
    return buffer.getvalue()


def write_dataset(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8"))
