"""Hostile letter templates in the home's templates/ folder: undefined names, syntax errors,
non-UTF-8 bytes, a subject that would inject a header, NUL bytes, missing includes, recursion,
runaway output. Each case is tried on `send` of a new round."""

from __future__ import annotations

import pytest

BODY = "Dear {{ council.name }},\n\nPlease send me the information.\n\n{{ requester.name }}\n"


def template(subject: str = "FOI request ({{ council.name }})", body: str = BODY) -> str:
    return f"Subject: {subject}\n\n{body}"


CASES = {
    # id: (template source (text or bytes), what the one error line must mention)
    "undefined-variable": (template(body="Dear {{ council.nmae }},\n"), "nmae"),
    "undefined-top-level-name": (template(body="{{ secrets.password }}\n"), "secrets"),
    "syntax-error-unclosed-block": (template(body="{% if council.name %}\nHello\n"), "custom.j2"),
    "syntax-error-bad-expression": (template(body="{{ council.name + }}\n"), "custom.j2"),
    "syntax-error-unknown-tag": (template(body="{% frobnicate %}\n"), "frobnicate"),
    "unknown-filter": (template(body="{{ council.name | shout }}\n"), "shout"),
    "not-utf8-latin1": (template(body="Annwyl Gyngor, diolch é\n").encode("latin-1"), "UTF-8"),
    "not-utf8-utf16": (template().encode("utf-16"), "UTF-8"),
    "subject-crlf-bcc-header": (
        template(subject='FOI{{ "\\r\\nBcc: victim@example.com" }}'),
        "Subject|one line",
    ),
    "subject-lone-cr-bcc": (
        template(subject='FOI{{ "\\rBcc: victim@example.com" }}'),
        "one line",
    ),
    "subject-nul": (template(subject='FOI{{ "\\x00" }}request'), "one line|NUL"),
    "subject-10kB": (template(subject="{{ 'x' * 10000 }}"), "limit"),
    "subject-empty": (template(subject=""), "empty subject"),
    "no-subject-line": (BODY, "Subject"),
    "body-nul": (template(body='Dear council,{{ "\\x00" }}\n'), "NUL"),
    "body-empty": (template(body="{# nothing #}\n"), "empty body"),
    "include-missing-template": (template(body='{% include "nowhere.j2" %}\n'), "nowhere"),
    "include-itself-forever": (template(body='{% include "custom.j2" %}\n'), "recursion|custom"),
    "python-error-in-template": (template(body="{{ 1 // 0 }}\n"), "ZeroDivision|division"),
    "huge-range": (template(body="{% for i in range(10**9) %}x{% endfor %}\n"), "range"),
}


@pytest.mark.parametrize(
    "source, mentions",
    [pytest.param(*case, id=key) for key, case in CASES.items()],
)
def test_hostile_template(hhome, run, snap, refused, source, mentions):
    folder = hhome / "templates"
    folder.mkdir(exist_ok=True)
    path = folder / "custom.j2"
    path.write_bytes(source if isinstance(source, bytes) else source.encode("utf-8"))
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--template", "custom", "--yes")
    refused(result, before, hhome, mentions)


def test_broken_override_of_the_default_template(hhome, run, snap, refused):
    """A home placements_request.j2 replaces the shipped one, for `send` with no --template."""
    folder = hhome / "templates"
    folder.mkdir()
    (folder / "placements_request.j2").write_text(template(body="{% endif %}\n"))
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--yes")
    refused(result, before, hhome, "placements_request.j2")


def test_broken_signature_include(hhome, run, snap, refused):
    """An error in an included template (the home's _signature.j2) names that file."""
    folder = hhome / "templates"
    folder.mkdir()
    (folder / "_signature.j2").write_text("Yours,\n{{ requester.nickname }}\n")
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--yes")
    refused(result, before, hhome, r"_signature\.j2.*nickname|nickname.*_signature\.j2")


def test_unknown_template_name(hhome, run, snap, refused):
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--template", "nosuch", "--yes")
    refused(result, before, hhome, "nosuch")


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "..\\..\\foi", "custom\r\nBcc: x@y.org"],
    ids=["dotdot", "absolute", "backslashes", "crlf"],
)
def test_template_name_cannot_escape_the_template_folders(hhome, run, snap, refused, name):
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--template", name, "--yes")
    refused(result, before, hhome, "template")


def test_draft_with_a_broken_template(hhome, run, snap, refused):
    folder = hhome / "templates"
    folder.mkdir()
    (folder / "custom.j2").write_text(template(body="{{ council.nmae }}\n"))
    before = snap(hhome)
    refused(run("draft", "glasgow", "--template", "custom"), before, hhome, "nmae")
