"""`export --format xlsx`: the workbook re-opened with openpyxl has real numbers and dates, a frozen
and filtered header, a sheet defining every column, and no formula from a council's reply text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from big_round import HOSTILE_REPLY, clock

REPLIES = Path(__file__).parent / "fixtures" / "replies"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def workbook(run, home):
    with clock("2025-04-14T09:30:00+01:00"):
        sent = run("send", "r1", "--council", "leicester", "--council", "coventry", "--yes")
        assert sent.exit_code == 0, sent.output
    with clock("2025-05-13T12:00:00+01:00"):
        for council, path in (
            ("leicester", HOSTILE_REPLY),
            ("coventry", REPLIES / "coventry-2025.txt"),
        ):
            result = run("respond", "r1", council, "--file", str(path))
            assert result.exit_code == 0, result.output
        out = home / "answers.xlsx"
        result = run("export", "r1", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote 2 rows to {out}." in result.stderr
    return openpyxl.load_workbook(out)


def rows_of(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def test_numbers_are_numbers_and_dates_are_dates(workbook):
    answers = {r["council"]: r for r in rows_of(workbook["answers"])}
    coventry, leicester = answers["coventry"], answers["leicester"]
    assert coventry["q5_spot_purchase_count"] == 29 and isinstance(
        coventry["q5_spot_purchase_count"], int
    )
    assert leicester["q5_spot_purchase_count"] == 14
    assert coventry["sent_on"] == datetime(2025, 4, 14)  # openpyxl reads dates back as datetimes
    assert coventry["due"] == datetime(2025, 5, 15)
    assert coventry["response_on"] == datetime(2025, 5, 7)
    assert coventry["reference"] == "FOI704387821"
    # the typed answers: a date, a yes/no, an address, a list
    assert coventry["q5_as_of"] == datetime(2025, 3, 31)
    assert coventry["q3_uses_framework"] is True
    assert coventry["q1_manager_email"] == "childrensplacements@coventry.gov.uk"
    assert coventry["q1_status"] == "answered" and coventry["q1_exemptions"] is None
    sheet = workbook["answers"]
    date_column = [c.value for c in sheet[1]].index("sent_on")
    assert sheet.cell(row=2, column=date_column + 1).number_format == "yyyy-mm-dd"
    assert coventry["review_due"] is None  # empty, not the text "None"


def test_header_frozen_filtered_and_columns_sized(workbook):
    sheet = workbook["answers"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    assert all(cell.font.bold for cell in sheet[1])
    widths = {sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert min(widths) >= 8 and max(widths) <= 60 and len(widths) > 3


def test_every_column_is_defined_with_its_source(workbook):
    header = [c.value for c in workbook["answers"][1]]
    defined = rows_of(workbook["columns"])
    assert [d["column"] for d in defined] == header
    assert {"q1_status", "q1_text", "q5_spot_purchase_count", "q5_as_of"} <= set(header)
    assert all(d["meaning"] and d["type"] and d["where the value comes from"] for d in defined)
    assert workbook["columns"].freeze_panes == "A2"


def test_no_cell_is_a_formula(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (cell.coordinate, cell.value)
    leicester = next(r for r in rows_of(workbook["answers"]) if r["council"] == "leicester")
    # neutralised, not dropped: the council's words are all there after the apostrophe
    assert leicester["q1_text"].startswith("'=HYPERLINK(")
    assert leicester["q2_text"].startswith("'+44 116")
    assert leicester["q3_text"].startswith("'@SUM(1+1)")


def test_xlsx_needs_a_file(run, home):
    with clock("2025-04-14T09:30:00+01:00"):
        assert run("send", "r1", "--council", "leicester", "--yes").exit_code == 0
    result = run("export", "r1", "--format", "xlsx")
    assert result.exit_code != 0
    assert result.output == (
        "Error: --format xlsx writes a workbook file: give -o FILE.xlsx (or -o - to pipe it)\n"
    )
    piped = run("export", "r1", "--format", "xlsx", "-o", "-")
    assert piped.exit_code == 0, piped.output
    assert piped.stdout_bytes.startswith(b"PK\x03\x04")  # a zip: the workbook itself
    assert piped.stderr == "Wrote 1 rows to standard output.\n"
