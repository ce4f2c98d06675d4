"""Office formats to text: PDF, Word (.docx), Excel (.xlsx) and OpenDocument text (.odt).

Each library is imported only when a file needs it. Every reader is bounded (see `limits`): a
hostile file is refused with one ReplyError line before it can take minutes or gigabytes.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path

from ..errors import ReplyError
from .limits import MAX_PAGES, TextBudget, check_zip
from .text import short


def pdf_text(path: Path | str, data: bytes) -> str:
    """The text layer of every page, pages apart by a blank line (PDFium: fast and keeps layout)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReplyError(f"{path}: the PDF is password-protected") from None
        raise ReplyError(f"{path}: not a readable PDF ({short(exc)})") from None
    try:
        pages = len(pdf)
        if pages > MAX_PAGES:
            raise ReplyError(
                f"{path}: the PDF has {pages} pages; a reply of more than {MAX_PAGES} is not read"
            )
        budget = TextBudget(path)
        texts = []
        for index in range(pages):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    texts.append(budget.take(textpage.get_text_range()))
                finally:
                    textpage.close()
            finally:
                page.close()
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable PDF ({short(exc)})") from None
    finally:
        pdf.close()
    text = "\n\n".join(texts)
    if not text.strip():
        raise ReplyError(f"{path}: the PDF has no text layer (a scan?); OCR it or save it as text")
    return text


def docx_text(path: Path | str, data: bytes) -> str:
    import zipfile

    from .word import docx_lines

    check_zip(path, data, "Word (.docx) document")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "\n".join(docx_lines(archive, TextBudget(path).take))
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable Word (.docx) document ({short(exc)})") from None
    if not text.strip():
        raise ReplyError(f"{path}: the document has no text")
    return text


def xlsx_text(path: Path | str, data: bytes) -> str:
    """Every sheet's rows as `cell | cell` lines, so a spreadsheet answer reads like a table in a
    letter; sheets apart by a blank line."""
    check_zip(path, data, "Excel (.xlsx) workbook")
    import warnings

    import openpyxl

    budget = TextBudget(path)
    sheets = []
    try:
        with warnings.catch_warnings():  # openpyxl warns about features it drops; none matter here
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in book.worksheets:
                    rows = []
                    for values in sheet.iter_rows(values_only=True):
                        cells = [_cell_text(v) for v in values]
                        while cells and not cells[-1]:
                            cells.pop()
                        if cells:
                            rows.append(budget.take(" | ".join(cells)))
                    sheets.append("\n".join(rows))
            finally:
                book.close()
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable Excel (.xlsx) workbook ({short(exc)})") from None
    text = "\n\n".join(s for s in sheets if s)
    if not text.strip():
        raise ReplyError(f"{path}: the workbook has no text")
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def odt_text(path: Path | str, data: bytes) -> str:
    """Paragraphs, headings and table rows (`cell | cell`) of an OpenDocument text's content.xml.

    The standard library's expat refuses entity-expansion bombs itself; the zip is checked first.
    """
    import zipfile
    from xml.etree import ElementTree

    check_zip(path, data, "OpenDocument (.odt) text")
    budget = TextBudget(path)
    lines: list[str] = []

    def walk(node) -> None:
        for child in node:
            if child.tag == f"{{{_ODF_TABLE}}}table-row":
                cells = [
                    " ".join("".join(cell.itertext()).split())
                    for cell in child
                    if cell.tag == f"{{{_ODF_TABLE}}}table-cell"
                ]
                if any(cells):
                    lines.append(budget.take(" | ".join(cells)))
            elif child.tag in (f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"):
                lines.append(budget.take(_odf_paragraph(child)))
            else:
                walk(child)

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            walk(ElementTree.fromstring(archive.read("content.xml")))
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(
            f"{path}: not a readable OpenDocument (.odt) text ({short(exc)})"
        ) from None
    text = "\n".join(lines)
    if not text.strip():
        raise ReplyError(f"{path}: the document has no text")
    return text


def _odf_paragraph(node) -> str:
    """A paragraph's text; ODF writes runs of spaces, tabs and line breaks as elements."""
    parts = [node.text or ""]
    for child in node:
        name = child.tag.rpartition("}")[2]
        if name == "s":
            count = child.get(f"{{{_ODF_TEXT}}}c", "1")
            parts.append(" " * (min(int(count), 100) if count.isdigit() else 1))
        elif name == "tab":
            parts.append("\t")
        elif name == "line-break":
            parts.append("\n")
        else:
            parts.append(_odf_paragraph(child))
        parts.append(child.tail or "")
    return "".join(parts)
