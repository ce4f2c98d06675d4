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
