"""Reply files of every format a council sends, made here with the libraries that write them:
Excel workbooks (openpyxl), OpenDocument text, password-protected PDFs, and emails carrying them."""

from __future__ import annotations

import datetime as dt
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from foi_sender.errors import ReplyError
from foi_sender.replies import read_reply

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(path: Path, rows: list[tuple], *, extra_sheet: list[tuple] | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "FOI response"
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        other = book.create_sheet("Notes")
        for row in extra_sheet:
            other.append(row)
    book.save(path)
    return path


ROWS = [
    ("Our reference", "FOI/25/0613"),
    ("Date", dt.datetime(2025, 6, 2)),
    (),
    ("Question", "Response"),
    ("Name and contact of the placements manager", "Withheld under section 40(2)"),
    ("Referrals email", "Placements@Example-Council.gov.uk"),
    ("Do you use a framework?", "Yes - the regional framework", None, None),
    ("Do you make direct placements?", "Yes"),
    ("How many children are placed on spot purchase?", 14.0),
]


def test_xlsx_rows_read_like_a_table(tmp_path):
    got = read_reply(workbook(tmp_path / "answers.xlsx", ROWS))
    assert got.reference == "FOI/25/0613"
    assert got.date == dt.date(2025, 6, 2)  # a date cell, written as ISO
    assert got.answers == {
        1: "Withheld under section 40(2)",
        2: "Placements@Example-Council.gov.uk",
        3: "Yes - the regional framework",  # empty trailing cells dropped
        4: "Yes",
        5: "14",  # a whole float is a whole number
    }
    assert got.numbers == {5: 14}
    assert got.exemptions == ["s40(2)"]
    assert got.emails == ["placements@example-council.gov.uk"]


def test_xlsx_every_sheet_is_read(tmp_path):
    path = workbook(tmp_path / "a.xlsx", ROWS[3:], extra_sheet=[("Ref: FOI-99812",)])
    assert read_reply(path).reference == "FOI-99812"


def test_xlsx_formulas_read_as_their_cached_values_not_as_formulas(tmp_path):
    """A council's totals row: the value Excel showed, never the `=SUM(...)` text."""
    import openpyxl

    path = tmp_path / "totals.xlsx"
    book = openpyxl.Workbook()
    book.active.append(("Question", "Answer"))
    book.active.append(("How many?", "=SUM(1,2)"))
    book.save(path)  # openpyxl stores no cached value: the cell reads as empty
    got = read_reply(path)
    assert "=SUM" not in " ".join(got.answers.values())


def test_empty_workbook(tmp_path):
    with pytest.raises(ReplyError, match="empty.xlsx: the workbook has no text"):
        read_reply(workbook(tmp_path / "empty.xlsx", []))


def odt(path: Path, body: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return path


def test_odt_paragraphs_and_table(tmp_path):
    body = (
        "<text:h>Freedom of Information response</text:h>"
        "<text:p>Our ref:<text:s/>FOI<text:s text:c='2'/>55120</text:p>"
        "<text:p>Date: 4 June 2025</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>Question</text:p>"
        "</table:table-cell><table:table-cell><text:p>Answer</text:p></table:table-cell>"
        "</table:table-row><table:table-row><table:table-cell><text:p>How many children?"
        "</text:p></table:table-cell><table:table-cell><text:p>9</text:p></table:table-cell>"
        "</table:table-row></table:table>"
    )
    got = read_reply(odt(tmp_path / "reply.odt", body))
    assert (got.date, got.answers, got.numbers) == (dt.date(2025, 6, 4), {1: "9"}, {1: 9})


def test_odt_without_content(tmp_path):
    path = tmp_path / "reply.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(ReplyError, match="reply.odt: not a readable OpenDocument"):
        read_reply(path)


def test_password_protected_pdf(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Question 5: 12")
    path = tmp_path / "locked.pdf"
    path.write_bytes(bytes(pdf.output()))
    with pytest.raises(ReplyError, match="locked.pdf: the PDF is password-protected"):
        read_reply(path)


def test_pdf_readable_without_a_user_password(tmp_path):
    """Councils often restrict printing with an owner password only: the text still reads."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(w=0, text="Our Ref: FOI 4471\n1. Do you use a framework? No\n2. How many? 12")
    path = tmp_path / "restricted.pdf"
    path.write_bytes(bytes(pdf.output()))
    got = read_reply(path)
    assert (got.reference, got.numbers) == ("FOI 4471", {2: 12})


def test_eml_with_xlsx_and_odt_attachments(tmp_path):
    msg = EmailMessage()
    msg["From"] = "FOI Team <foi@example-council.gov.uk>"
    msg["Subject"] = "RE: Freedom of Information request FOI/25/0613"
    msg["Date"] = "Mon, 02 Jun 2025 10:00:00 +0100"
    msg.set_content("Dear Alex,\n\nPlease find our response attached.\n\nFOI Team\n")
    book = workbook(tmp_path / "answers.xlsx", ROWS[3:])
    msg.add_attachment(
        book.read_bytes(), maintype=XLSX.split("/")[0], subtype=XLSX.split("/")[1],
        filename="FOI-25-0613 response.xlsx",
    )  # fmt: skip
    note = odt(tmp_path / "note.odt", "<text:p>Section 43(2) was not applied.</text:p>")
    msg.add_attachment(
        note.read_bytes(), maintype="application", subtype="octet-stream", filename="note.odt"
    )
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(msg))
    got = read_reply(path)
    assert got.answers[5] == "14" and got.numbers == {5: 14}
    assert got.exemptions == ["s40(2)", "s43(2)"]
    assert got.reference == "FOI/25/0613"  # from the subject
    assert got.date == dt.date(2025, 6, 2)


def test_eml_with_a_bomb_attachment_reads_the_body(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "hostile"))
    from bombs import docx_bomb

    msg = EmailMessage()
    msg["From"] = "foi@example-council.gov.uk"
    msg["Subject"] = "Your request"
    msg.set_content("Our Ref: 5521\nThe Council does not hold this information.")
    bomb = docx_bomb(tmp_path / "bomb.docx", xml_mb=30).read_bytes()
    msg.add_attachment(bomb, maintype="application", subtype="octet-stream", filename="r.docx")
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(msg))
    got = read_reply(path)
    assert (got.reference, got.outcome) == ("5521", "not_held")
