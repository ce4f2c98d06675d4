"""Letters: golden files for every shipped template, the seed request's wording, overrides by name,
and the errors a user's own template can cause (StrictUndefined, syntax, sandbox, no subject).

Regenerate the golden files with `FOI_SENDER_UPDATE_GOLDEN=1 pytest tests/test_letters.py` and
review the diff before committing it.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foi_sender.config import Requester, shipped_path
from foi_sender.errors import TemplateError
from foi_sender.letters import (
    TEMPLATE_NAMES,
    RequestView,
    RoundView,
    available_templates,
    long_date,
    quote_lines,
    render,
    section_words,
)
from foi_sender.registry import load_registry

GOLDEN = Path(__file__).parent / "golden" / "letters"
SEED_REPLIES = GOLDEN / "seed_replies"  # the two councils' replies, quoting the seed request
UPDATE = os.environ.get("FOI_SENDER_UPDATE_GOLDEN") == "1"
COUNCILS = ("leicester", "glasgow")  # one English (FOIA), one Scottish (FOISA)
TODAY = date(2025, 8, 1)

REQUESTER = Requester(
    name="Alex Example",
    email="alex@example.org",
    organisation="Example Care Ltd",
    address="1 Example Street\nLeicester LE1 1AA",
    phone="0116 000 0000",
)
GROUNDS = (
    "Section 40(2) cannot apply to a generic departmental address (question 2).\n"
    "The number of children placed (question 5) is not personal data."
)


def view_for(template: str, council_name: str) -> RequestView:
    """A request at the stage where each letter is written, the same for both councils."""
    title = (
        "Freedom of Information request: Looked After Children placements in residential "
        f"homes ({council_name})"
    )
    sent = {"title": title, "sent_on": date(2025, 5, 1), "due": date(2025, 5, 30)}
    answered = {
        **sent,
        "reference": "FOI-1234",
        "response_on": date(2025, 5, 28),
        "outcome": "refused",
        "exemptions": ("s40(2)", "s43"),
        "review_window_closes": date(2025, 7, 24),
    }
    reviewed = {
        **answered,
        "review_requested_on": date(2025, 6, 2),
        "review_due": date(2025, 6, 30),
        "review_grounds": GROUNDS,
    }
    views = {
        "placements_request": RequestView(),
        "overdue_chaser": RequestView(**sent, status="overdue", days_overdue=6),
        "internal_review": RequestView(**answered, status="refused", review_grounds=GROUNDS),
        "review_chaser": RequestView(
            **reviewed,
            status="review_overdue",
            review_days_late=24,
            review_letter="Dear Freedom of Information team,\n\nPlease review my request.\n",
        ),
        "ico_complaint": RequestView(**reviewed, status="review_overdue", review_days_late=24),
    }
    return views[template]


def render_for(home: Path, template: str, council_id: str, request: RequestView | None = None):
    return render_to(home, template, load_registry(home).get(council_id), request)


def render_to(home: Path, template: str, council, request: RequestView | None = None):
    return render(
        home,
        template,
        council=council,
        requester=REQUESTER,
        round=RoundView("2025-placements", date(2025, 5, 1)),
        request=request or view_for(template, council.name),
        today=TODAY,
    )


@pytest.fixture
def bare_home(tmp_path) -> Path:
    folder = tmp_path / "letters-home"
    folder.mkdir()
    return folder


def own_template(home: Path, name: str, text: str) -> Path:
    folder = home / "templates"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.j2"
    path.write_text(text, encoding="utf-8")
    return path


# -- golden files ---------------------------------------------------------------------------------


def test_every_shipped_template_has_golden_files():
    shipped = {p.stem for p in shipped_path("templates").glob("*.j2") if not p.stem.startswith("_")}
    assert shipped == set(TEMPLATE_NAMES)
    expected = {f"{t}-{c}.txt" for t in TEMPLATE_NAMES for c in COUNCILS}
    assert {p.name for p in GOLDEN.glob("*.txt")} == expected


@pytest.mark.parametrize("council_id", COUNCILS)
@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_golden(bare_home, template, council_id):
    letter = render_for(bare_home, template, council_id)
    text = f"Subject: {letter.subject}\n\n{letter.body}"
    golden = GOLDEN / f"{template}-{council_id}.txt"
    if UPDATE:
        golden.write_bytes(text.encode("utf-8"))
    assert golden.exists(), f"{golden} missing: run with FOI_SENDER_UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == golden.read_bytes()
    # Properties every letter has, whatever the golden file says.
    assert "\r" not in text and "\t" not in text
    assert letter.body.endswith("\n") and not letter.body.endswith("\n\n")
    assert "{{" not in text and "{%" not in text
    assert "None" not in text
    assert letter.body.rstrip().endswith("Email: alex@example.org")


def test_golden_complaint_after_the_review_was_answered(bare_home):
    """The complaint quotes the review's answer (issue 11, item 5); a review that was answered
    is never called late, even when the state still counts the days since it was due."""
    view = replace(
        view_for("ico_complaint", "Leicester City Council"),
        status="review_answered",
        review_days_late=24,
        review_answered_on=date(2025, 7, 10),
        review_outcome="partially_successful",
    )
    letter = render_for(bare_home, "ico_complaint", "leicester", view)
    text = f"Subject: {letter.subject}\n\n{letter.body}"
    golden = GOLDEN / "answered_review" / "ico_complaint-leicester.txt"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == golden.read_bytes()
    assert "- Internal review requested: 2 June 2025; due 30 June 2025.\n" in text
    assert "- Internal review answered: 10 July 2025 (partially successful).\n" in text
    assert "late" not in text and "No answer" not in text


@pytest.mark.parametrize("council_id", COUNCILS)
def test_recipients(bare_home, council_id):
    council = load_registry(bare_home).get(council_id)
    letters = {t: render_for(bare_home, t, council_id) for t in TEMPLATE_NAMES}
    for name in ("placements_request", "overdue_chaser"):
        assert letters[name].to == council.foi_email
    for name in ("internal_review", "review_chaser"):
        assert letters[name].to == council.review_address
    assert letters["ico_complaint"].to is None
    assert letters["ico_complaint"].notes == ()  # the regulator's address is not the council's
    if council.foi_email:
        assert all(not letter.notes for letter in letters.values())
    else:
        assert "has no FOI address" in letters["placements_request"].notes[0]
        assert f"set-email {council_id}" in letters["placements_request"].notes[0]


def test_regulator_by_nation(bare_home):
    england = render_for(bare_home, "ico_complaint", "leicester")
    scotland = render_for(bare_home, "ico_complaint", "glasgow")
    assert "Information Commissioner's Office" in england.body
    assert "section 50 of the Freedom of Information Act 2000" in england.body
    assert "Scottish Information Commissioner" in scotland.body
    assert "section 47 of the Freedom of Information (Scotland) Act 2002" in scotland.body
    assert "Act 2000" not in scotland.body


# -- the seed request -----------------------------------------------------------------------------


def seed_questions(reply: Path) -> list[str]:
    """The five questions as a council's reply quotes them back ("You asked:")."""
    found: dict[int, str] = {}
    for line in reply.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([1-5])\. (.+?)\s*$", line)
        if match and int(match[1]) not in found:
            found[int(match[1])] = match[2].replace("\u2019", "'")  # Leicester curled one quote
    return [f"{n}. {found[n]}" for n in sorted(found)]


SEED_INTRO = (
    "I would appreciate your assistance by providing the following brief information regarding "
    "the commissioning and placement of Looked After Children aged under 16 into residential "
    "homes from your local authority:"
)


def test_seed_replies_agree_on_the_questions():
    leicester = seed_questions(SEED_REPLIES / "leicester-2025.txt")
    coventry = seed_questions(SEED_REPLIES / "coventry-2025.txt")
    assert len(leicester) == 5
    assert leicester == coventry
    for reply in SEED_REPLIES.glob("*.txt"):
        assert f"Under the Freedom of Information Act, {SEED_INTRO}" in reply.read_text("utf-8")


@pytest.mark.parametrize(
    ("council_id", "act", "wrong"),
    [
        ("leicester", "Under the Freedom of Information Act 2000, ", "(Scotland)"),
        ("glasgow", "Under the Freedom of Information (Scotland) Act 2002, ", "Act 2000"),
    ],
)
def test_placements_request_is_the_seed_request(bare_home, council_id, act, wrong):
    letter = render_for(bare_home, "placements_request", council_id)
    council = load_registry(bare_home).get(council_id)
    lines = letter.body.splitlines()
    for question in seed_questions(SEED_REPLIES / "leicester-2025.txt"):
        assert question in lines, question  # each question whole, on its own line
    numbered = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert numbered == seed_questions(SEED_REPLIES / "coventry-2025.txt")  # no more, no fewer
    assert f"{act}{SEED_INTRO}" in letter.body
    assert wrong not in letter.body
    assert council.name in letter.subject
    assert f"Freedom of Information request to {council.name}" in lines
    assert "Please send your reply by email to alex@example.org." in letter.body
    signature = letter.body[letter.body.index("Yours faithfully,") :].splitlines()
    assert signature[1:] == [
        "",
        "Alex Example",
        "Example Care Ltd",
        "1 Example Street",
        "Leicester LE1 1AA",
        "Tel: 0116 000 0000",
        "Email: alex@example.org",
    ]


def test_signature_leaves_out_what_the_requester_did_not_give(bare_home):
    council = load_registry(bare_home).get("leicester")
    letter = render(
        bare_home,
        "placements_request",
        council=council,
        requester=Requester("Sam Smith", "sam@example.net"),
        round=RoundView("r"),
        request=RequestView(),
        today=TODAY,
    )
    tail = letter.body[letter.body.index("Yours faithfully,") :]
    assert tail == "Yours faithfully,\n\nSam Smith\nEmail: sam@example.net\n"


def test_salutation_from_the_registry(bare_home):
    (bare_home / "councils.yaml").write_text(
        "councils:\n"
        "  - id: leicester\n"
        "    name: Leicester City Council\n"
        "    nation: England\n"
        "    regime: FOIA\n"
        "    salutation: Dear Information Governance\n",
        encoding="utf-8",
    )
    letter = render_for(bare_home, "placements_request", "leicester")
    assert letter.body.startswith("Dear Information Governance,\n")
    assert letter.to is None


def test_every_council_renders_every_template(bare_home):
    registry = load_registry(bare_home)
    assert len(registry.councils) == 212
    for council in registry.councils:
        for template in TEMPLATE_NAMES:
            letter = render_to(bare_home, template, council)
            assert council.name in letter.body
            assert len(letter.subject) <= 250


# -- a home's templates ---------------------------------------------------------------------------


def test_home_template_overrides_by_name(bare_home):
    own_template(
        bare_home,
        "placements_request",
        "Subject: My own request to {{ council.name }}\n\n"
        "Hello {{ council.name }}.\n\n{% include '_signature.j2' %}",
    )
    letter = render_for(bare_home, "placements_request", "leicester")
    assert letter.subject == "My own request to Leicester City Council"
    assert letter.body.startswith("Hello Leicester City Council.\n\nYours faithfully,\n")
    assert letter.to == "info.requests@leicester.gov.uk"
    # The other shipped templates are untouched.
    assert render_for(bare_home, "internal_review", "leicester").subject.startswith(
        "Request for internal review:"
    )


def test_home_signature_part_is_used_by_shipped_templates(bare_home):
    own_template(bare_home, "_signature", "Regards,\n{{ requester.name }}\n")
    letter = render_for(bare_home, "overdue_chaser", "leicester")
    assert letter.body.endswith("Regards,\nAlex Example\n")


def test_home_adds_a_new_template(bare_home):
    own_template(bare_home, "thanks", "Subject: Thank you\n\nThank you, {{ council.name }}.\n")
    assert available_templates(bare_home) == sorted([*TEMPLATE_NAMES, "thanks"])
    letter = render_for(bare_home, "thanks", "leicester", RequestView())
    assert (letter.subject, letter.body) == ("Thank you", "Thank you, Leicester City Council.\n")
    assert (
        letter.to == "info.requests@leicester.gov.uk"
    )  # a user's template goes to the FOI address


def test_unknown_template(bare_home):
    with pytest.raises(TemplateError, match=r"no template 'nope\.j2' in .*templates"):
        render_for(bare_home, "nope", "leicester", RequestView())


# -- errors in a user's template ------------------------------------------------------------------


def test_undefined_name_names_the_file_and_line(bare_home):
    path = own_template(
        bare_home, "mine", "Subject: Hello\n\nDear {{ council.name }},\n{{ council.nmae }}\n"
    )
    with pytest.raises(TemplateError) as caught:
        render_for(bare_home, "mine", "leicester", RequestView())
    message = str(caught.value)
    assert message.startswith(f"{path}:4: ")
    assert "nmae" in message
    assert "council, requester, round, request, today" in message


def test_undefined_top_level_name(bare_home):
    path = own_template(bare_home, "mine", "Subject: {{ councl.name }}\n\nbody\n")
    with pytest.raises(TemplateError, match=rf"^{re.escape(str(path))}:1: 'councl' is undefined"):
        render_for(bare_home, "mine", "leicester", RequestView())


def test_undefined_name_in_an_included_part_names_the_part(bare_home):
    own_template(bare_home, "mine", "Subject: Hi\n\nbody\n\n{% include '_part.j2' %}\n")
    part = own_template(bare_home, "_part", "line one\n{{ requester.fax }}\n")
    with pytest.raises(TemplateError, match=rf"^{re.escape(str(part))}:2: .*fax"):
        render_for(bare_home, "mine", "leicester", RequestView())


def test_date_not_known_yet(bare_home):
    # The shipped overdue chaser needs a sent date; a bare request has none.
    with pytest.raises(TemplateError, match=r"overdue_chaser\.j2:\d+: .*date that is not known"):
        render_for(bare_home, "overdue_chaser", "leicester", RequestView())


def test_syntax_error_names_the_file_and_line(bare_home):
    path = own_template(bare_home, "mine", "Subject: Hi\n\nbody\n{% if council.name %}\n")
    with pytest.raises(TemplateError, match=rf"^{re.escape(str(path))}:4: "):
        render_for(bare_home, "mine", "leicester", RequestView())


def test_syntax_error_in_an_included_part(bare_home):
    own_template(bare_home, "mine", "Subject: Hi\n\nbody\n{% include '_part.j2' %}\n")
    part = own_template(bare_home, "_part", "ok\n{{ council.name \n")
    with pytest.raises(TemplateError, match=rf"^{re.escape(str(part))}:2: "):
        render_for(bare_home, "mine", "leicester", RequestView())


def test_missing_included_part(bare_home):
    path = own_template(bare_home, "mine", "Subject: Hi\n\nbody\n{% include '_gone.j2' %}\n")
    with pytest.raises(TemplateError, match=rf"^{re.escape(str(path))}:4: no template '_gone\.j2'"):
        render_for(bare_home, "mine", "leicester", RequestView())


@pytest.mark.parametrize(
    "expression",
    [
        "council.__class__.__mro__",
        "''.__class__.__subclasses__()",
        "lipsum.__globals__",
        "cycler.__init__.__globals__.os",
        "'{0.__class__}'.format(council)",
        "requester.__dict__",
    ],
)
def test_sandbox_refuses_python_internals(bare_home, expression):
    path = own_template(bare_home, "evil", f"Subject: Hi\n\nbody\n{{{{ {expression} }}}}\n")
    with pytest.raises(TemplateError) as caught:
        render_for(bare_home, "evil", "leicester", RequestView())
    message = str(caught.value)
    assert message.startswith(f"{path}:4: ")
    assert "unsafe" in message or "not allowed" in message
    assert "<class" not in message


@pytest.mark.parametrize(
    "body",
    [
        "{% for i in range(10**9) %}x{% endfor %}",  # the sandbox's range limit
        "{{ 1 // 0 }}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    ],
)
def test_any_failure_while_rendering_is_a_template_error(bare_home, body):
    path = own_template(bare_home, "bad", f"Subject: Hi\n\n{body}\n")
    with pytest.raises(TemplateError, match=rf"^{re.escape(str(path))}:3: "):
        render_for(bare_home, "bad", "leicester", RequestView())


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("Dear council,\n\nbody\n", "must start with one line `Subject: ...`"),
        ("Subject: Hi\nbody straight after\n", "must start with one line `Subject: ...`"),
        ("Subject: Hi\nBcc: someone@example.org\n\nbody\n", "must start with one line"),
        ("Subject:   \n\nbody\n", "empty subject"),
        ("Subject: {{ 'x' * 300 }}\n\nbody\n", "the limit is 250"),
        ("Subject: Hi\n\n\n\n", "empty body"),
    ],
)
def test_subject_and_body_shape(bare_home, text, complaint):
    path = own_template(bare_home, "mine", text)
    with pytest.raises(TemplateError) as caught:
        render_for(bare_home, "mine", "leicester", RequestView())
    assert str(caught.value).startswith(str(path))
    assert complaint in str(caught.value)


def test_subject_cannot_smuggle_a_header_through_a_value(bare_home):
    own_template(bare_home, "mine", "Subject: {{ request.title }}\n\nbody\n")
    sneaky = RequestView(title="Hi\u2028Bcc: someone@example.org")
    with pytest.raises(TemplateError, match="must be one line"):
        render_for(bare_home, "mine", "leicester", sneaky)


def test_windows_line_endings_in_a_template(bare_home):
    own_template(bare_home, "mine", "Subject: Hi\r\n\r\nline one\r\nline two\r\n")
    letter = render_for(bare_home, "mine", "leicester", RequestView())
    assert (letter.subject, letter.body) == ("Hi", "line one\nline two\n")


# -- filters --------------------------------------------------------------------------------------


def test_filters():
    assert long_date(date(2025, 5, 1)) == "1 May 2025"
    assert long_date(date(2024, 12, 25)) == "25 December 2024"
    with pytest.raises(TemplateError):
        long_date(None)
    assert section_words("s40(2)") == "section 40(2)"
    assert section_words("reg12(4)(b)") == "regulation 12(4)(b)"
    assert section_words("other") == "other"
    assert quote_lines("a\n\nb") == "> a\n>\n> b"
