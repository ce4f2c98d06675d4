"""Office formats to text: PDF, Word (.docx). Each library is imported only when a file needs it."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from ..errors import ReplyError


def pdf_text(path: Path | str, data: bytes) -> str:
    import logging

    import pypdf

    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # pypdf warns about every small defect; the user needs none of it
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise ReplyError(f"{path}: the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable PDF ({short(exc)})") from None
    finally:
        log.setLevel(level)
    text = "\n\n".join(pages)
    if not text.strip():
        raise ReplyError(f"{path}: the PDF has no text layer (a scan?); OCR it or save it as text")
    return text


def docx_text(path: Path | str, data: bytes) -> str:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        parts: list[str] = []

        def emit(blocks: Iterable) -> None:
            for block in blocks:
                if isinstance(block, Table):
                    parts.extend(_docx_rows(block))
                else:
                    parts.append(block.text)

        for section in document.sections:  # letterheads carry the date and reference
            if not section.header.is_linked_to_previous:
                emit(section.header.iter_inner_content())
        emit(document.iter_inner_content())
        for section in document.sections:
            if not section.footer.is_linked_to_previous:
                emit(section.footer.iter_inner_content())
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable Word (.docx) document ({short(exc)})") from None
    text = "\n".join(parts)
    if not text.strip():
        raise ReplyError(f"{path}: the document has no text")
    return text


def _docx_rows(table) -> list[str]:
    """Each row as `cell | cell | cell` (merged cells once), the shape flattened tables have."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:120]
