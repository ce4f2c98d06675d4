"""The round's dataset as an Excel workbook: the answers, and a sheet saying what each column is.

openpyxl is imported only here, inside the functions, so the other commands never pay for it.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from foi_sender.config import atomic_write
from foi_sender.dataset import Column, safe_cell

# XML 1.0 forbids these control characters, which PDFs and old mail carry; openpyxl refuses them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WIDTH = (8, 60)  # characters: narrow enough to see several columns, wide enough for an address
_DATE_FORMAT = "yyyy-mm-dd"


def write_xlsx(path: Path, table: list[Column], rows: list[dict]) -> None:
    atomic_write(path, xlsx_bytes(table, rows))


def xlsx_bytes(table: list[Column], rows: list[dict]) -> bytes:
    """`rows` (dataset rows) under `table` (their columns), and the columns defined."""
    from openpyxl import Workbook

    book = Workbook()
    answers = book.active
    answers.title = "answers"
    names = [c.name for c in table]
    cells = ([_cell(row.get(c.name), c.type) for c in table] for row in rows)
    _table(answers, names, cells)
    definitions = book.create_sheet("columns")
    _table(
        definitions,
        ["column", "meaning", "type", "where the value comes from"],
        (tuple(c) for c in table),
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _table(sheet, header: list[str], rows) -> None:
    """A header row that stays in view and filters, then the rows; columns sized to fit."""
    from openpyxl.styles import Font

    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for column in sheet.columns:
        longest = max(len(str(c.value)) if c.value is not None else 0 for c in column)
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(max(longest + 2, _WIDTH[0]), _WIDTH[1])
        for cell in column[1:]:
            if isinstance(cell.value, date):
                cell.number_format = _DATE_FORMAT


def _cell(value, kind: str):
    """Dates as dates, numbers and yes/no as themselves, lists joined; text made inert."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # not an ISO date after all: kept as the text it is
    if isinstance(value, str):
        return safe_cell(_ILLEGAL.sub("", value))
    return value
