"""Per-question answers: every fixture's statuses (with exemptions and where a redirection
points), and the reply's outcome derived from them by the stated rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foi_sender.replies import STATUSES, Answer, read_reply, read_reply_text
from foi_sender.replies.answers import derive_outcome

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "replies"

A, W, N, R, C, U = "answered", "withheld", "not_held", "redirected", "cost_limit", "unclear"

# fixture: (outcome, {question: status or (status, exemptions or redirected_to)})
STATUSES_BY_FIXTURE = {
    "leicester-2025.txt": ("partially_successful", {1: (W, ["s40(2)"]), 2: A, 3: A, 4: A, 5: A}),
    "coventry-2025.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
    "birmingham-table.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
    "brighton-cp1252.txt": ("partially_successful", {1: A, 2: A, 3: A, 4: (C, ["s12"]), 5: A}),
    "charnwood-redirect.txt": (
        "redirected",
        {n: (R, "Leicestershire County Council") for n in range(1, 6)},
    ),
    "derby-s12-refusal.txt": ("refused", {n: (C, ["s12"]) for n in range(1, 6)}),
    "edinburgh-foisa.txt": (
        "partially_successful",
        {1: (W, ["s38(1)(b)"]), 2: A, 3: A, 4: A, 5: A},
    ),
    "kent-html-only.eml": ("partially_successful", {1: A, 2: A, 3: (W, ["s21"]), 4: A, 5: A}),
    "manchester-letter.pdf": (
        "partially_successful",
        {1: (W, ["s40(2)"]), 2: A, 3: (W, ["s43(2)"]), 4: A, 5: A},
    ),
    "nottingham-numbered.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
    "sheffield-with-pdf.eml": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
    "stoke-table.docx": ("partially_successful", {1: A, 2: A, 3: A, 4: N, 5: A}),
    "walsall-hardwrapped.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
    "wolverhampton-not-held.txt": ("not_held", {n: N for n in range(1, 6)}),
    # the new fixtures, re-worded from councils' published replies to similar requests
    "carmarthenshire-welsh.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
    "cheshire-east-letter.pdf": (
        "partially_successful",
        {1: (W, ["s40(2)"]), 2: A, 3: A, 4: A, 5: A},
    ),
    "devon-s43-partial.txt": ("partially_successful", {1: A, 2: A, 3: (W, ["s43(2)"]), 4: A, 5: A}),
    "dover-district-redirect.txt": (
        "redirected",
        {n: (R, "Kent County Council") for n in range(1, 6)},
    ),
    "hackney-answers.xlsx": ("partially_successful", {1: (W, ["s40(2)"]), 2: A, 3: A, 4: A, 5: A}),
    "hackney-see-attached.eml": (
        "partially_successful",
        {1: (W, ["s40(2)"]), 2: A, 3: A, 4: A, 5: A},
    ),
    "lambeth-unnumbered.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: U}),
    "moray-foisa.txt": ("partially_successful", {1: N, 2: A, 3: A, 4: A, 5: (C, ["s12(1)"])}),
    "torbay-cost-limit.txt": ("partially_successful", {1: A, 2: A, 3: A, 4: A, 5: (C, ["s12"])}),
    "wokingham-nil-tabs.txt": ("successful", {1: A, 2: A, 3: A, 4: A, 5: A}),
}

# The new fixtures' letter-level facts (the older ones have theirs in test_replies.py).
LETTERS = {
    "carmarthenshire-welsh.txt": ("2025-05-08", "FOI-CCC-2025-1187", []),
    "cheshire-east-letter.pdf": ("2025-05-19", "CEC-FOI-25-3307", ["s40(2)"]),
    "devon-s43-partial.txt": ("2025-05-12", "DCC/FOI/2025/4417", ["s43(2)"]),
    "dover-district-redirect.txt": ("2025-04-29", "FI16877", []),
    "hackney-answers.xlsx": ("2025-05-20", "FOI25-0611-HK", ["s40(2)"]),
    "hackney-see-attached.eml": ("2025-05-20", "FOI25-0611-HK", ["s40(2)"]),
    "lambeth-unnumbered.txt": ("2025-05-15", "IR-LBL-2025-18841", []),
    "moray-foisa.txt": ("2025-05-13", "101003581204", ["s12(1)"]),
    "torbay-cost-limit.txt": ("2025-05-09", "TC-FOI-25-0931", ["s12"]),
    "wokingham-nil-tabs.txt": ("2025-05-06", "FOI 2025-0398", []),
}


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_letter_facts_of_the_new_fixtures(name):
    got = read_reply(FIXTURES / name).as_json()
    assert (got["date"], got["reference"], got["exemptions"]) == LETTERS[name]


def spelled_out(expected: dict) -> dict[int, tuple[str, list[str], str | None]]:
    out = {}
    for n, value in expected.items():
        status, extra = value if isinstance(value, tuple) else (value, None)
        exemptions = extra if isinstance(extra, list) else []
        out[n] = (status, exemptions, extra if isinstance(extra, str) else None)
    return out


@pytest.mark.parametrize("name", sorted(STATUSES_BY_FIXTURE))
def test_statuses_of_every_fixture(name):
    outcome, expected = STATUSES_BY_FIXTURE[name]
    got = read_reply(FIXTURES / name)
    seen = {n: (a.status, list(a.exemptions), a.redirected_to) for n, a in got.questions.items()}
    assert seen == spelled_out(expected)
    assert got.outcome == outcome
    for answer in got.questions.values():
        assert answer.evidence, answer  # every status says why
        if answer.status == A:
            assert answer.text


def test_every_fixture_has_its_statuses_asserted():
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix != ".py"}
    assert on_disk == set(STATUSES_BY_FIXTURE)


def rule(statuses: list[str], letter_words: list[str] = ()) -> str | None:
    """The outcome rule as the task states it, written plainly for the test."""
    clear = [s for s in statuses if s != U]
    if not clear:
        return None
    if all(s == A for s in clear):
        partial_words = {"refused", "not_held", "partially_successful", "redirected"}
        return "partially_successful" if partial_words & set(letter_words) else "successful"
    if A in clear:
        return "partially_successful"
    refused = sum(s in (W, C) for s in clear)
    redirected = clear.count(R)
    not_held = clear.count(N)
    if refused >= max(redirected, not_held):
        return "refused"
    return "redirected" if redirected >= not_held else "not_held"


@pytest.mark.parametrize("name", sorted(STATUSES_BY_FIXTURE))
def test_outcome_follows_the_rule_on_every_fixture(name):
    got = read_reply(FIXTURES / name)
    assert got.outcome == rule([a.status for a in got.questions.values()])


@given(st.dictionaries(st.integers(1, 5), st.sampled_from(STATUSES), min_size=1))
def test_outcome_follows_the_rule_for_any_statuses(statuses):
    questions = {n: Answer(s, evidence=f"q{n} {s}") for n, s in statuses.items()}
    outcome, evidence = derive_outcome(questions, [])
    assert outcome == rule(list(statuses.values()))
    assert (outcome is None) == (evidence is None)


def test_the_named_cases_of_the_rule():
    def outcome(*statuses):
        return derive_outcome({n: Answer(s, evidence=s) for n, s in enumerate(statuses, 1)}, [])[0]

    assert outcome(A, A, A, A, A) == "successful"
    assert outcome(W, A, A, A, A) == "partially_successful"  # one withheld under s.40(2)
    assert outcome(N, N, N, W) == "not_held"  # three not held and one exempt
    assert outcome(W, C, N, N) == "refused"  # a tie goes to the refusal
    assert outcome(W, W, W, W, W) == "refused"
    assert outcome(R, R, R, R, R) == "redirected"
    assert outcome(N, N, N, N, N) == "not_held"
    assert outcome(A, U, U, U, U) == "successful"  # unclear ones aside
    assert outcome(U, U) is None


# ---- one shape at a time


def statuses(text: str) -> dict[int, str]:
    return {n: a.status for n, a in read_reply_text(text).questions.items()}


def test_a_question_without_an_answer_is_unclear():
    got = read_reply_text("1. Manager?\nJane Smith\n2. Email?\nfoi@x.gov.uk\n3. Framework?\nNo")
    assert [a.status for a in got.questions.values()] == [A, A, A, U, U]
    assert got.questions[4].evidence == "no answer to this question was found"
    assert got.outcome == "successful"


def test_please_see_attached_is_unclear():
    got = read_reply_text(
        "1. Name?\nJane Smith\n2. How many?\nPlease see the attached spreadsheet."
    )
    assert got.questions[2].status == U
    assert "attachment" in got.questions[2].evidence


def test_see_answer_to_question_1_takes_its_status():
    text = (
        "1. Who is the manager responsible for placements?\n"
        "Withheld under section 40(2) as personal data.\n"
        "2. What is the referrals email?\nplacements@x.gov.uk\n"
        "3. Do you make direct placements?\nAs above.\n"
        "4. Who should providers contact about the framework?\nSee our response to question 1.\n"
    )
    got = read_reply_text(text)
    assert [got.questions[n].status for n in (1, 2, 3, 4)] == [W, A, A, W]
    assert got.questions[4].exemptions == ("s40(2)",)
    assert got.questions[4].text == "See our response to question 1."
    assert got.questions[4].evidence.startswith("as question 1")
    assert got.questions[3].evidence == "as question 2: As above."


def test_cost_limit_and_withheld_apart():
    text = (
        "1. What are the names of the managers?\nThis is exempt under section 40(2).\n"
        "2. Please list every contract.\n"
        "To answer would exceed the appropriate limit of £450 (section 12).\n"
        "3. What was the spend per child?\n"
        "We estimate this would take more than 18 hours, so we cannot provide it.\n"
    )
    got = read_reply_text(text)
    assert [(a.status, a.exemptions) for a in list(got.questions.values())[:3]] == [
        (W, ("s40(2)",)),
        (C, ("s12",)),
        (C, ()),
    ]


def test_foisa_cost_limit():
    text = (
        "Freedom of Information (Scotland) Act 2002\n"
        "1. How many children?\nThe cost of answering would exceed £600, the limit set under "
        "section 12 of FOISA, so we are not obliged to comply.\n2. Framework?\nScotland Excel\n"
    )
    got = read_reply_text(text)
    assert (got.questions[1].status, got.questions[1].exemptions) == (C, ("s12",))


def test_redirection_names_the_body():
    text = (
        "1. How many children?\nThis is not held by the District Council. Children's services "
        "are the responsibility of Kent County Council; you may wish to contact "
        "foi@kent.gov.uk.\n2. Framework?\nNot held.\n"
    )
    got = read_reply_text(text)
    assert (got.questions[1].status, got.questions[1].redirected_to) == (
        R,
        "Kent County Council",
    )


def test_as_json_of_a_question():
    got = read_reply(FIXTURES / "brighton-cp1252.txt").as_json()["questions"]["4"]
    assert got == {
        "status": "cost_limit",
        "text": "We cannot answer this part within the cost limit. Section 12 of the Freedom of "
        "Information Act allows us to refuse a request that would cost more than \u00a3450 to "
        "answer.",
        "exemptions": ["s12"],
        "redirected_to": None,
        "fields": {"q4_direct_placements": None},
        "evidence": "We cannot answer this part within the cost limit.",
    }


@given(st.text(max_size=600))
def test_any_text_gives_well_formed_questions(text):
    got = read_reply_text(text)
    for n, answer in got.questions.items():
        assert 1 <= n <= 5
        assert answer.status in STATUSES
        assert answer.evidence
        assert (answer.redirected_to is not None) <= (answer.status == R)
    if any(a.status != U for a in got.questions.values()):
        assert got.outcome is not None
