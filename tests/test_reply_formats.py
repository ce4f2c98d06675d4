"""Reply files of every format a council sends, made here with the libraries that write them:
Excel workbooks (openpyxl), OpenDocument text, password-protected PDFs, and emails carrying them."""

from __future__ import annotations

import datetime as dt
import email
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


def _python_docx_text(data: bytes) -> str:
    """What the reader gave when it was built on python-docx's object model (its own code)."""
    import io

    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    parts: list[str] = []

    def emit(blocks) -> None:
        for block in blocks:
            if not isinstance(block, Table):
                parts.append(block.text)
                continue
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(" ".join(cell.text.split()))
                if any(cells):
                    parts.append(" | ".join(cells))

    for section in document.sections:
        if not section.header.is_linked_to_previous:
            emit(section.header.iter_inner_content())
    emit(document.iter_inner_content())
    for section in document.sections:
        if not section.footer.is_linked_to_previous:
            emit(section.footer.iter_inner_content())
    return "\n".join(parts)


def _awkward_docx(path: Path) -> Path:
    """Letterhead and footer, merged cells both ways, a hyperlink, tabs and breaks, two sections."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Our ref: FOI/25/0613\tDate: 2 June 2025"
    document.sections[0].footer.paragraphs[0].text = "Information Governance, Civic Centre"
    paragraph = document.add_paragraph("Dear Ms Jones,")
    paragraph.add_run().add_break()
    paragraph.add_run("Re: Freedom of Information request")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    link = OxmlElement("w:hyperlink")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = " see our publication scheme"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"Q{r + 1} part {c + 1}"
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 2).merge(table.cell(2, 2))
    table.cell(2, 0).add_paragraph("second   paragraph")
    document.add_section(WD_SECTION.NEW_PAGE)
    document.sections[1].header.is_linked_to_previous = False
    document.sections[1].header.paragraphs[0].text = "Annex A"
    document.add_paragraph("1. Yes.\t2. No.")
    document.save(path)
    return path


def test_docx_text_is_what_python_docx_gave(tmp_path):
    from foi_sender.replies.formats import docx_text

    fixtures = Path(__file__).parent / "fixtures"
    documents = [fixtures / "replies" / "stoke-table.docx", _awkward_docx(tmp_path / "a.docx")]
    kent = email.message_from_bytes((fixtures / "inbox" / "kent-tagged-response.eml").read_bytes())
    for part in kent.walk():
        if (part.get_filename() or "").endswith(".docx"):
            documents.append(tmp_path / "kent.docx")
            documents[-1].write_bytes(part.get_payload(decode=True))
    assert len(documents) == 3
    for document in documents:
        data = document.read_bytes()
        expected = _python_docx_text(data)
        assert "|" in expected or document.name == "kent.docx"
        assert docx_text(document, data) == expected, document.name
