"""Letters: Jinja2 templates (shipped, or the home's own by name) rendered to subject and body."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from foi_sender.config import Requester, check_text, shipped_path
from foi_sender.errors import InputError, TemplateError
from foi_sender.registry import Council

TEMPLATE_NAMES = (
    "placements_request",
    "internal_review",
    "review_chaser",
    "overdue_chaser",
    "ico_complaint",
)
# Who each shipped letter goes to; a user's own template goes to the FOI address.
_RECIPIENT = {
    "internal_review": "review",
    "review_chaser": "review",
    "ico_complaint": "regulator",
}
CONTEXT_NAMES = ("council", "requester", "round", "request", "today")
MAX_SUBJECT = 250


@dataclass(frozen=True)
class RoundView:
    name: str
    created_on: date | None = None


@dataclass(frozen=True)
class RequestView:
    """What a template may know about one request; fields are None until they happen."""

    title: str | None = None
    status: str = "draft"
    sent_on: date | None = None
    due: date | None = None
    days_overdue: int | None = None
    long_overdue_on: date | None = None
    reference: str | None = None
    message_id: str | None = None
    response_on: date | None = None
    outcome: str | None = None
    exemptions: tuple[str, ...] = ()
    review_window_closes: date | None = None
    review_requested_on: date | None = None
    review_due: date | None = None
    review_days_late: int | None = None  # None once the review is answered
    review_answered_on: date | None = None
    review_outcome: str | None = None
    review_grounds: str | None = None
    review_letter: str | None = None


@dataclass(frozen=True)
class Letter:
    template: str
    council_id: str
    to: str | None
    to_name: str
    subject: str
    body: str
    notes: tuple[str, ...] = field(default=())


def template_dirs(home: Path) -> list[Path]:
    """The home's templates/ first, so a user's file overrides the shipped one of the same name."""
    return [home / "templates", shipped_path("templates")]


def available_templates(home: Path) -> list[str]:
    """Letter templates by name; files starting with `_` are parts (such as the signature)."""
    names = {
        p.stem
        for folder in template_dirs(home)
        if folder.is_dir()
        for p in folder.glob("*.j2")
        if not p.name.startswith("_")
    }
    return sorted(names)


_environments: dict[Path, object] = {}


def _environment(home: Path):
    if home not in _environments:
        from jinja2 import FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        # Sandboxed: a template from a shared folder must not reach Python internals.
        env = SandboxedEnvironment(
            loader=FileSystemLoader([str(d) for d in template_dirs(home)], encoding="utf-8"),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["longdate"] = long_date
        env.filters["section"] = section_words
        env.filters["quote"] = quote_lines
        _environments[home] = env
    return _environments[home]


def long_date(value: date | None) -> str:
    if value is None:
        raise TemplateError("a template asked for a date that is not known yet")
    return f"{value.day} {value:%B %Y}"


def section_words(code: str) -> str:
    """`s40(2)` -> `section 40(2)`, `reg12(4)(b)` -> `regulation 12(4)(b)`."""
    if code.startswith("reg"):
        return "regulation " + code[3:]
    if code.startswith("s"):
        return "section " + code[1:]
    return code


def quote_lines(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def render(
    home: Path,
    template_name: str,
    *,
    council: Council,
    requester: Requester,
    round: RoundView,
    request: RequestView,
    today: date,
) -> Letter:
    env = _environment(home)
    context = {
        "council": council,
        "requester": requester,
        "round": round,
        "request": request,
        "today": today,
    }
    text, source = _render_text(env, template_name, context, home)
    subject, body = _split(source, text)
    to = _recipient(template_name, council)
    notes = (
        ()
        if to or _RECIPIENT.get(template_name) == "regulator"
        else (
            f"{council.name} has no FOI address: add one with "
            f"`foi-sender councils set-email {council.id} ADDRESS --source TEXT`",
        )
    )
    return Letter(template_name, council.id, to, council.name, subject, body, notes)


def _recipient(template_name: str, council: Council) -> str | None:
    kind = _RECIPIENT.get(template_name, "foi")
    if kind == "regulator":
        return None
    return council.review_address if kind == "review" else council.foi_email


def _render_text(env, template_name: str, context: dict, home: Path) -> tuple[str, str]:
    """The rendered text and the template's file; every failure becomes a TemplateError."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    filename = f"{template_name}.j2"
    try:
        template = env.get_template(filename)
    except TemplateNotFound as exc:
        raise TemplateError(
            f"no template {filename!r} in {' or '.join(map(str, env.loader.searchpath))} "
            f"(there are: {', '.join(available_templates(home))})"
        ) from exc
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or filename}:{exc.lineno}: {exc.message}") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(
            f"{filename}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        ) from exc
    source = template.filename or filename
    try:
        return template.render(context), source
    except UndefinedError as exc:
        raise TemplateError(
            f"{_template_line(source)}: {exc.message}; a template may use "
            f"{', '.join(CONTEXT_NAMES)}"
        ) from exc
    except TemplateSyntaxError as exc:  # in a template pulled in by {% include %}
        raise TemplateError(f"{exc.filename or source}:{exc.lineno}: {exc.message}") from exc
    except TemplateNotFound as exc:
        raise TemplateError(f"{_template_line(source)}: no template {exc.name!r}") from exc
    except SecurityError as exc:
        raise TemplateError(f"{_template_line(source)}: not allowed: {exc}") from exc
    except TemplateError as exc:
        raise TemplateError(f"{_template_line(source)}: {exc}") from exc
    except RecursionError as exc:
        raise TemplateError(f"{_template_line(source)}: recursion too deep") from exc
    except Exception as exc:  # a user's template may fail in any way Python can
        raise TemplateError(f"{_template_line(source)}: {type(exc).__name__}: {exc}") from exc


def _template_line(filename: str) -> str:
    """FILE:LINE of the innermost template frame being rendered (Jinja maps its frames to
    template lines), so an error in an included template names that template."""
    tb = sys.exc_info()[2]
    where = None
    while tb is not None:
        code_file = tb.tb_frame.f_code.co_filename
        if code_file == filename or code_file.endswith(".j2"):
            where = f"{code_file}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where or filename


def _split(source: str, text: str) -> tuple[str, str]:
    """A template renders `Subject: ...`, a blank line, then the body. `source` is its file."""
    head, sep, body = text.partition("\n\n")
    if not sep or not head.startswith("Subject:") or "\n" in head:
        raise TemplateError(
            f"{source}:1: a template must start with one line `Subject: ...` "
            "followed by a blank line"
        )
    subject = head.removeprefix("Subject:").strip()
    if not subject:
        raise TemplateError(f"{source}:1: the template renders an empty subject")
    try:
        check_text(subject, f"{source}:1: the subject", max_length=MAX_SUBJECT)
    except InputError as exc:
        raise TemplateError(str(exc)) from exc
    body = body.strip("\n") + "\n"
    if "\x00" in body or not body.strip():
        raise TemplateError(f"{source}: the template renders an empty body or one with a NUL byte")
    return subject, body
