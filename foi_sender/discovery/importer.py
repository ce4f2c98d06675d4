"""`councils import FILE.csv`: the user's own list of addresses, matched to registry councils."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from foi_sender.config import check_email, check_text
from foi_sender.errors import InputError
from foi_sender.registry import Council, load_registry, set_fields

_KEYS = ("id", "gss_code", "name")
_FIELDS = ("foi_email", "review_email")
_NOISE = re.compile(
    r"\b(?:the|council|city|of|county|borough|metropolitan|district|london|royal|cyngor"
    r"|comhairle|health|and|social|care|trust|hsc)\b"
)


@dataclass(frozen=True)
class Change:
    council_id: str
    kind: str  # new, changed, unchanged
    field: str
    old: str | None
    new: str


def name_key(name: str) -> str:
    """Names as people write them: case, '&'/'and', 'Council', 'City of', punctuation ignored."""
    text = name.casefold().replace("&", " and ").replace("'", "").replace("’", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(_NOISE.sub(" ", text).split()) or " ".join(text.split())


def plan_import(home: Path, file: Path) -> tuple[list[Change], dict[str, dict[str, str]]]:
    """The diff the file would make, and the registry changes to write. Refuses the whole file
    (one line naming every bad row) when a row is unknown, ambiguous or invalid."""
    registry = load_registry(home)
    rows = _rows(file)
    by_name: dict[str, list[Council]] = {}
    for council in registry.councils:
        by_name.setdefault(name_key(council.name), []).append(council)
    problems: list[str] = []
    changes: list[Change] = []
    edits: dict[str, dict[str, str]] = {}
    for number, row in rows:
        council, problem = _match(registry, by_name, row)
        if problem:
            problems.append(f"{file}:{number}: {problem}")
            continue
        try:
            values = {f: check_email(row[f].strip().lower(), f) for f in _FIELDS if row.get(f)}
            source = check_text((row.get("source") or "").strip(), "source", max_length=500)
        except InputError as exc:
            problems.append(f"{file}:{number}: {exc}")
            continue
        if not values:
            problems.append(f"{file}:{number}: no foi_email or review_email")
            continue
        if council.id in edits:
            problems.append(f"{file}:{number}: {council.id} is given twice")
            continue
        edits[council.id] = {}
        for field, value in values.items():
            old = getattr(council, field)
            kind = "new" if old is None else "unchanged" if old == value else "changed"
            changes.append(Change(council.id, kind, field, old, value))
            if kind != "unchanged":
                edits[council.id][field] = value
        if edits[council.id] and source:
            edits[council.id]["email_source"] = source
    if problems:
        shown = "; ".join(problems[:8]) + (
            f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        )
        raise InputError(f"nothing imported: {shown}")
    return changes, {k: v for k, v in edits.items() if v}


def import_file(home: Path, file: Path, *, dry_run: bool) -> tuple[list[Change], Path | None]:
    changes, edits = plan_import(home, file)
    if dry_run or not edits:
        return changes, None
    path, _ = set_fields(home, edits)
    return changes, path


def _rows(file: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{file}: not UTF-8 text; save it as UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not any(k in header for k in _KEYS) or "foi_email" not in header:
        raise InputError(
            f"{file}: the first row must name the columns: id, gss_code or name; foi_email; "
            "and optionally review_email, source"
        )
    unknown = [h for h in header if h not in (*_KEYS, *_FIELDS, "source")]
    if unknown:
        raise InputError(f"{file}: unknown column(s) {', '.join(unknown)}")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        rows.append((reader.line_num, {k: (v or "") for k, v in row.items() if k}))
    if not rows:
        raise InputError(f"{file}: no rows under the header")
    return rows


def _match(registry, by_name, row: dict[str, str]) -> tuple[Council | None, str | None]:
    if row.get("id", "").strip():
        wanted = row["id"].strip().lower()
        found = [c for c in registry.councils if c.id == wanted]
        return (found[0], None) if found else (None, f"no council with id {wanted!r}")
    if row.get("gss_code", "").strip():
        wanted = row["gss_code"].strip().upper()
        found = [c for c in registry.councils if c.gss_code == wanted]
        return (found[0], None) if found else (None, f"no council with gss_code {wanted}")
    name = row.get("name", "").strip()
    if not name:
        return None, "no id, gss_code or name"
    found = by_name.get(name_key(name), [])
    if len(found) > 1:
        ids = ", ".join(c.id for c in found)
        return None, f"name {name!r} could be any of {ids}: give the id"
    if not found:
        return None, f"no council named {name!r}"
    return found[0], None
