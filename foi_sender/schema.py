"""A letter template's question schema: what each question asks for, so answers become columns.

`templates/NAME.questions.yaml` sits beside `NAME.j2`; the home's `templates/` folder overrides
the shipped one, as for letters. Each question has a short name, an answer type and, from them,
typed fields named as columns (`q1_manager_email`, `q5_as_of`). A template without a schema
gets statuses and texts per question but no typed columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from foi_sender.errors import TemplateError

# The parts each answer type yields, the first one taking the question's own name where the
# type has a main part (an email address, a yes/no, a count), the others NAME_PART.
PARTS = {
    "contact": ("name", "email", "phone"),
    "email": ("email",),
    "yes_no": ("answer",),
    "yes_no_named": ("answer", "name", "contact"),
    "count_as_of": ("count", "as_of"),
}
_MAIN_PART = {
    "email": "email",
    "yes_no": "answer",
    "yes_no_named": "answer",
    "count_as_of": "count",
}
# The value each part holds: what `export` and the column catalogue call its type.
PART_KINDS = {
    "name": "text",
    "email": "email",
    "phone": "phone",
    "contact": "text",
    "answer": "yes_no",
    "count": "integer",
    "as_of": "date",
}
PART_WORDS = {
    "name": "name",
    "email": "email address",
    "phone": "phone number",
    "contact": "contact (email, else phone)",
    "answer": "yes or no",
    "count": "number",
    "as_of": "date the number is as of",
}
_QUESTION_KEYS = ("name", "type", "ask", "fields")
_COLUMN = re.compile(r"[a-z][a-z0-9_]{0,59}")
# Columns every question has already (see dataset.py); a typed field may not take their names.
RESERVED_SUFFIXES = ("status", "text", "exemptions", "redirected_to", "evidence")
MAX_QUESTIONS = 50


@dataclass(frozen=True)
class Field:
    column: str
    part: str

    @property
    def kind(self) -> str:
        return PART_KINDS[self.part]


@dataclass(frozen=True)
class Question:
    number: int
    name: str
    type: str
    ask: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class QuestionSchema:
    template: str
    source: Path | None
    questions: tuple[Question, ...] = ()

    def question(self, number: int) -> Question | None:
        return next((q for q in self.questions if q.number == number), None)


def schema_path(home: Path | None, template: str) -> Path | None:
    """The schema beside the template: the home's own first, then the shipped one."""
    from foi_sender.config import shipped_path
    from foi_sender.letters import template_dirs
    from foi_sender.paths import check_name

    check_name(template, "template name")  # never a path out of templates/
    for folder in template_dirs(home) if home is not None else [shipped_path("templates")]:
        path = folder / f"{template}.questions.yaml"
        if path.is_file():
            return path
    return None


def load_schema(home: Path | None, template: str) -> QuestionSchema:
    path = schema_path(home, template)
    if path is None:
        return QuestionSchema(template, None)
    return _cached(path, *_stamp(path))


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


_cache: dict[tuple[Path, int, int], QuestionSchema] = {}


def _cached(path: Path, mtime: int, size: int) -> QuestionSchema:
    """Parsed once per version of the file: the inbox reads hundreds of replies in one run."""
    key = (path, mtime, size)
    if key not in _cache:
        _cache[key] = parse_schema(path)
    return _cache[key]


def parse_schema(path: Path) -> QuestionSchema:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise TemplateError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise TemplateError(f"{path}{where}: {problem}") from None
    except OSError as exc:
        raise TemplateError(f"{path}: cannot be read ({exc.strerror})") from None
    if not isinstance(raw, dict) or set(raw) != {"questions"}:
        keys = ", ".join(map(repr, raw)) if isinstance(raw, dict) else type(raw).__name__
        raise TemplateError(f"{path}: expected one key, `questions` (found {keys or 'nothing'})")
    items = raw["questions"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUESTIONS:
        raise TemplateError(f"{path}: `questions` must be a list of 1 to {MAX_QUESTIONS} questions")
    questions = tuple(_question(path, n, item) for n, item in enumerate(items, 1))
    columns = [f.column for q in questions for f in q.fields]
    for column in columns:
        if columns.count(column) > 1:
            raise TemplateError(f"{path}: the column {column!r} is named twice")
    return QuestionSchema(path.name.removesuffix(".questions.yaml"), path, questions)


def _question(path: Path, number: int, item) -> Question:
    where = f"{path}: questions[{number}]"
    if not isinstance(item, dict):
        raise TemplateError(f"{where}: expected keys {', '.join(_QUESTION_KEYS)}")
    for key in item:
        if key not in _QUESTION_KEYS:
            raise TemplateError(
                f"{where}: unknown key {key!r} (known: {', '.join(_QUESTION_KEYS)})"
            )
    kind = item.get("type")
    if kind not in PARTS:
        raise TemplateError(f"{where}: type: {kind!r} is not one of {', '.join(PARTS)}")
    name = _column(where, "name", item.get("name"), number)
    ask = item.get("ask", "")
    if not isinstance(ask, str) or "\n" in ask.strip() or len(ask) > 300:
        raise TemplateError(f"{where}: ask: one line of text, at most 300 characters")
    overrides = item.get("fields") or {}
    if not isinstance(overrides, dict):
        raise TemplateError(f"{where}: fields: a mapping of part to column name")
    for part in overrides:
        if part not in PARTS[kind]:
            raise TemplateError(
                f"{where}: fields: {kind} has no part {part!r} (it has: {', '.join(PARTS[kind])})"
            )
    fields = tuple(
        Field(
            _column(where, f"fields.{part}", overrides[part], number)
            if part in overrides
            else (name if _MAIN_PART.get(kind) == part else f"{name}_{part}"),
            part,
        )
        for part in PARTS[kind]
    )
    return Question(number, name, kind, " ".join(ask.split()), fields)


def _column(where: str, key: str, value, number: int) -> str:
    prefix = f"q{number}_"
    if not isinstance(value, str) or not _COLUMN.fullmatch(value) or not value.startswith(prefix):
        raise TemplateError(
            f"{where}: {key}: {value!r} must be lower-case letters, digits and _, starting "
            f"with {prefix}"
        )
    if value.removeprefix(prefix) in RESERVED_SUFFIXES:
        raise TemplateError(f"{where}: {key}: {value!r} is a column every question has already")
    return value
