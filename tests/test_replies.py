"""read_reply / read_reply_text: the facts in councils' replies of every shape, asserted exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foi_sender.errors import ReplyError
from foi_sender.lifecycle import OUTCOMES
from foi_sender.replies import ReplyFacts, read_reply, read_reply_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "replies"
INBOX = Path(__file__).resolve().parent / "fixtures" / "inbox"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "responses"

ALL_ANSWERED = "answers to questions 1, 2, 3, 4, 5; nothing withheld"


def facts(
    *,
    date,
    reference,
    emails,
    exemptions,
    outcome,
    evidence,
    answers,
    numbers,
    sender=None,
    message_ids=(),
    subject=None,
) -> dict:
    """The as_json() a fixture must give: every field spelled out by the test."""
    return {
        "date": date,
        "reference": reference,
        "emails": list(emails),
        "exemptions": list(exemptions),
        "outcome": outcome,
        "outcome_evidence": evidence,
        "answers": {str(k): v for k, v in answers.items()},
        "numbers": {str(k): v for k, v in numbers.items()},
        "sender": sender,
        "message_ids": list(message_ids),
        "subject": subject,
    }


def without_questions(found: ReplyFacts) -> ReplyFacts:
    """The facts besides the per-question answers (tests/test_reply_questions.py has those)."""
    return dataclasses.replace(found, questions={})


def legacy_json(found: ReplyFacts) -> dict:
    data = found.as_json()
    del data["questions"]
    return data


# ---- the two real replies, as whole ReplyFacts

LEICESTER = ReplyFacts(
    date=None,
    reference=None,
    emails=["placements.desk@leicester.gov.uk", "info.requests@leicester.gov.uk"],
    exemptions=["s40(2)"],
    outcome="partially_successful",
    outcome_evidence="are exempt from release under Section 40 (2) (personal data)",
    answers={
        1: "The Council considers that the details of junior members of staff below Heads of "
        "Services, are exempt from release under Section 40 (2) (personal data), and this "
        "therefore constitutes a refusal notice under Section 17 of the Freedom of Information "
        "Act 2000.\n\nThe Council judges that disclosure of the names of these officers to the "
        "wider world under the Act would constitute a breach of Data Protection principles, "
        "notably Principle 1-fair, lawful and transparent processing and Principle 2 \u2013 "
        "processing for specified, legitimate & explicit purposes.",
        2: "placements.desk@leicester.gov.uk",
        3: "No",
        4: "Yes, we make direct placements with residential providers",
        5: "62",
    },
    numbers={5: 62},
)

COVENTRY = ReplyFacts(
    date=dt.date(2025, 5, 7),
    reference="FOI704387821",
    emails=[
        "infogov@coventry.gov.uk",
        "childrensplacements@coventry.gov.uk",
        "wmcommissioninghub@coventry.gov.uk",
        "icocasework@ico.org.uk",
    ],
    exemptions=[],
    outcome="successful",
    outcome_evidence=ALL_ANSWERED,
    answers={
        1: "Please email: childrensplacements@coventry.gov.uk",
        2: "Please email: childrensplacements@coventry.gov.uk",
        3: "Coventry currently uses the West Midlands joint framework for residential "
        "placements. This is coming to an end in September 2025 and is currently out for "
        "retender. For further details please email wmcommissioninghub@coventry.gov.uk",
        4: "Coventry Children's services uses both the above framework, block contracts and "
        "direct commissioning dependent on the needs of the child/young person.",
        5: "As of 31st March 2025: 29",
    },
    numbers={5: 29},
)


def test_leicester_refuses_q1_under_s40_2_and_gives_62():
    assert without_questions(read_reply(FIXTURES / "leicester-2025.txt")) == LEICESTER


def test_coventry_answers_in_full_with_29():
    assert without_questions(read_reply(FIXTURES / "coventry-2025.txt")) == COVENTRY


def test_shared_fixtures_as_json():
    data = legacy_json(read_reply(FIXTURES / "coventry-2025.txt"))
    assert data["date"] == "2025-05-07"
    assert data["numbers"] == {"5": 29}
    assert list(data["answers"]) == ["1", "2", "3", "4", "5"]
    assert data == facts(
        date="2025-05-07",
        reference="FOI704387821",
        emails=COVENTRY.emails,
        exemptions=[],
        outcome="successful",
        evidence=ALL_ANSWERED,
        answers=COVENTRY.answers,
        numbers={5: 29},
    )


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared fixtures are not beside the repo")
@pytest.mark.parametrize("name", ["leicester-2025.txt", "coventry-2025.txt"])
def test_copied_fixtures_match_the_shared_originals(name):
    assert (FIXTURES / name).read_bytes() == (SHARED / name).read_bytes()


# ---- replies of other shapes

EXPECTED = {
    # answers only, numbered "1)", a nested "1." list, our own "Your ref" beside theirs
    "nottingham-numbered.txt": facts(
        date="2025-05-12",
        reference="FOI/2025/0412",
        emails=[
            "foi@nottinghamcity.gov.uk",
            "sam.okafor@nottinghamcity.gov.uk",
            "placements@nottinghamcity.gov.uk",
            "emcf@derbyshire.gov.uk",
        ],
        exemptions=[],
        outcome="successful",
        evidence=ALL_ANSWERED,
        answers={
            1: "Sam Okafor, Head of Placements and Commissioning. Direct line 0115 876 4321, "
            "sam.okafor@nottinghamcity.gov.uk",
            2: "placements@nottinghamcity.gov.uk",
            3: "Yes. We are part of the East Midlands Children's Framework (EMCF), Lot 2. "
            "Providers wishing to join should contact emcf@derbyshire.gov.uk; the framework "
            "reopens in January 2026.",
            4: "Both. We use:\n1. direct spot purchases with residential providers;\n"
            "2. the EMCF framework for planned placements.",
            5: "14 (as at 30/04/2025)",
        },
        numbers={5: 14},
    ),
    # a table flattened to `No. | question | answer` lines; "Reference number" then the number
    "birmingham-table.txt": facts(
        date="2025-05-09",
        reference="IR-2025-118822",
        emails=[
            "childrens.commissioning@birmingham.gov.uk",
            "cs.placements@birmingham.gov.uk",
            "wmcommissioninghub@coventry.gov.uk",
            "foi.reviews@birmingham.gov.uk",
        ],
        exemptions=[],
        outcome="successful",
        evidence=ALL_ANSWERED,
        answers={
            1: "Head of Children's Commissioning, childrens.commissioning@birmingham.gov.uk, "
            "0121 303 1111",
            2: "cs.placements@birmingham.gov.uk",
            3: "Yes - the West Midlands Regional Framework (Flexible Contracting Arrangement). "
            "Contact wmcommissioninghub@coventry.gov.uk",
            4: "Yes, alongside the framework",
            5: "118",
        },
        numbers={5: 118},
    ),
    # the request quoted as Q1..Q5, then refused as a whole under s.12; 04/05/23 is 4 May 2023
    "derby-s12-refusal.txt": facts(
        date="2023-05-04",
        reference="23/1187/FOI",
        emails=["foi@derby.gov.uk"],
        exemptions=["s12"],
        outcome="refused",
        evidence="Freedom of Information Act 2000 - Refusal Notice",
        answers={},
        numbers={},
    ),
    # a district council sends the requester to the county council
    "charnwood-redirect.txt": facts(
        date="2025-05-02",
        reference="CBC-FOI-5521",
        emails=["foi@leics.gov.uk", "foi@charnwood.gov.uk"],
        exemptions=[],
        outcome="redirected",
        evidence="Responsibility for looked after children in Charnwood lies with "
        "Leicestershire County Council, which holds the information you have asked for.",
        answers={},
        numbers={},
    ),
    # `Question N:` / `Response:` blocks, every answer "not held" in other words
    "wolverhampton-not-held.txt": facts(
        date="2025-05-16",
        reference="FOI-WCC-044871",
        emails=["foi@wolverhampton.gov.uk"],
        exemptions=[],
        outcome="not_held",
        evidence="Not held.",
        answers={
            1: "Not held. Placements are made by a brokerage team and the Council holds no "
            "information identifying a single responsible manager.",
            2: "The Council does not hold a dedicated address for provider referrals.",
            3: "Information not held.",
            4: "We do not record whether a placement was made directly or through a framework.",
            5: "This information is not held in a reportable format.",
        },
        numbers={},
    ),
    # FOISA: s.38(1)(b) is an exemption, the s.20 review and s.47 appeal are not;
    # "Fewer than 5" is no count, "Lot 2" neither
    "edinburgh-foisa.txt": facts(
        date="2025-05-14",
        reference="101003456789",
        emails=[
            "informationrights@edinburgh.gov.uk",
            "residentialplacements@edinburgh.gov.uk",
            "residential@scotland-excel.org.uk",
        ],
        exemptions=["s38(1)(b)"],
        outcome="partially_successful",
        evidence="Disclosure would breach the data protection principles, so this information "
        "is withheld under Section 38(1)(b) of FOISA.",
        answers={
            1: "The name and direct contact details of the manager are personal data. "
            "Disclosure would breach the data protection principles, so this information is "
            "withheld under Section 38(1)(b) of FOISA. The team can be contacted at "
            "residentialplacements@edinburgh.gov.uk.",
            2: "residentialplacements@edinburgh.gov.uk",
            3: "Yes. We use the Scotland Excel National Residential Framework (Lot 2). "
            "Providers can contact residential@scotland-excel.org.uk about joining.",
            4: "Yes, where no framework provider can meet a child's needs.",
            5: "Fewer than 5. Edinburgh places children in homes registered with the Care "
            "Inspectorate; figures below 5 are not published as they could identify "
            "individuals.",
        },
        numbers={},
    ),
    # an email hard-wrapped at 72 columns, answers on the question's own line, our request quoted
    "walsall-hardwrapped.txt": facts(
        date="2025-05-09",
        reference="2025/FOI/1453",
        emails=["lee.harris@walsall.gov.uk", "placementteam@walsall.gov.uk"],
        exemptions=[],
        outcome="successful",
        evidence=ALL_ANSWERED,
        answers={
            1: "Lee Harris, Placements Manager, lee.harris@walsall.gov.uk, 01922 650000",
            2: "placementteam@walsall.gov.uk",
            3: "Yes: the West Midlands Flexible Contracting Arrangement.",
            4: "Yes, where the framework cannot meet need.",
            5: "9",
        },
        numbers={5: 9},
    ),
    # Windows-1252 bytes; the questions listed first, then answered in a second numbered list;
    # one part refused under s.12
    "brighton-cp1252.txt": facts(
        date="2025-04-30",
        reference="BHCC-FOI-9921",
        emails=["jo.bloggs@brighton-hove.gov.uk", "childrensplacements@brighton-hove.gov.uk"],
        exemptions=["s12"],
        outcome="partially_successful",
        evidence="We cannot answer this part within the cost limit.",
        answers={
            1: "Jo Bloggs, Head of Children\u2019s Placements \u2013 01273 290000 \u2013 "
            "jo.bloggs@brighton-hove.gov.uk",
            2: "childrensplacements@brighton-hove.gov.uk",
            3: "Yes, the South Central \u201cResidential Framework\u201d run by Hampshire "
            "County Council.",
            4: "We cannot answer this part within the cost limit. Section 12 of the Freedom of "
            "Information Act allows us to refuse a request that would cost more than \u00a3450 "
            "to answer.",
            5: "21 children (as at 31 March 2025).",
        },
        numbers={5: 21},
    ),
    # HTML only (quoted-printable windows-1252), answers in an HTML table, s.21 for one part
    "kent-html-only.eml": facts(
        date="2025-06-06",
        reference="25-3377-KCC",
        emails=["placements.kcc@kent.gov.uk", "cyp.referrals@kent.gov.uk"],
        exemptions=["s21"],
        outcome="partially_successful",
        evidence="This information is exempt under section 21 of the Freedom of Information Act "
        "because the framework\u2019s details are published at "
        "https://www.kent.gov.uk/residential-framework.",
        answers={
            1: "Head of Placements & Commissioning, placements.kcc@kent.gov.uk, 03000 41 41 41",
            2: "cyp.referrals@kent.gov.uk",
            3: "Yes. This information is exempt under section 21 of the Freedom of Information "
            "Act because the framework\u2019s details are published at "
            "https://www.kent.gov.uk/residential-framework.",
            4: "Yes",
            5: "Total: 87",
        },
        numbers={5: 87},
        sender="foi@kent.gov.uk",
        message_ids=["<172003.alex@example.org>"],
        subject="Your FOI request \u2013 Looked After Children placements",
    ),
    # answers in an attached PDF; the body quotes our request; no date in the text, so the Date
    # header's London date (23:30 UTC on 1 May is 00:30 BST on 2 May)
    "sheffield-with-pdf.eml": facts(
        date="2025-05-02",
        reference="FOI/SCC/25/2207",
        emails=["placements.manager@sheffield.gov.uk", "sheffieldplacements@sheffield.gov.uk"],
        exemptions=[],
        outcome="successful",
        evidence=ALL_ANSWERED,
        answers={
            1: "The Service Manager for Placements, 0114 273 4567, "
            "placements.manager@sheffield.gov.uk",
            2: "sheffieldplacements@sheffield.gov.uk",
            3: "No. Sheffield does not currently use a framework for residential placements.",
            4: "Yes. All residential placements are made directly with providers.",
            5: "There are currently 17 children placed on spot purchase arrangements.",
        },
        numbers={5: 17},
        sender="foi@sheffield.gov.uk",
        message_ids=["<20250407.abc123@example.org>", "<ack-2207@sheffield.gov.uk>"],
        subject="RE: Freedom of Information request - Looked After Children placements "
        "[Ref: FOI/SCC/25/2207]",
    ),
    # a PDF letter: `Question N:` / `Answer:`, two exemptions cited as "sections 40(2) and 43(2)"
    "manchester-letter.pdf": facts(
        date="2025-05-21",
        reference="FOI-MCC-88213",
        emails=["placements@manchester.gov.uk", "foi@manchester.gov.uk"],
        exemptions=["s40(2)", "s43(2)"],
        outcome="partially_successful",
        evidence="The names and direct contact details of officers below Head of Service are "
        "personal data and are withheld under section 40(2).",
        answers={
            1: "The names and direct contact details of officers below Head of Service are "
            "personal data and are withheld under section 40(2).",
            2: "placements@manchester.gov.uk",
            3: "Yes, Placements North West. Its pricing schedule is commercially sensitive and "
            "is withheld under section 43(2).",
            4: "Yes.",
            5: "47",
        },
        numbers={5: 47},
    ),
    # Word: reference in the page header, unnumbered `Your question | Our response` table with
    # a merged title row; one answer not held
    "stoke-table.docx": facts(
        date="2025-05-15",
        reference="SOT/FOI/00931",
        emails=["placements@stoke.gov.uk", "commissioning@stoke.gov.uk", "foi@stoke.gov.uk"],
        exemptions=[],
        outcome="partially_successful",
        evidence="Information not held: placement routes are not recorded centrally.",
        answers={
            1: "Head of Service, Children in Care Placements - placements@stoke.gov.uk",
            2: "placements@stoke.gov.uk",
            3: "Yes - the Staffordshire and Stoke-on-Trent Residential Framework. Contact "
            "commissioning@stoke.gov.uk.",
            4: "Information not held: placement routes are not recorded centrally.",
            5: "33",
        },
        numbers={5: 33},
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reply_of_another_shape(name):
    assert legacy_json(read_reply(FIXTURES / name)) == EXPECTED[name]


def test_every_older_fixture_is_asserted():
    """The fixtures added with per-question answers are asserted in test_reply_questions.py
    (statuses and letter facts) and test_reply_fields.py (typed fields), which cover all."""
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix != ".py"}
    assert set(EXPECTED) | {"leicester-2025.txt", "coventry-2025.txt"} <= on_disk


def test_binary_fixtures_regenerate_to_the_same_facts(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", FIXTURES / "make_binary_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.write_manchester()
    module.write_sheffield()
    module.write_stoke()
    module.write_hackney()
    module.write_cheshire_east()
    for name in ("manchester-letter.pdf", "sheffield-with-pdf.eml", "stoke-table.docx"):
        assert legacy_json(read_reply(tmp_path / name)) == EXPECTED[name]
    for name in ("hackney-answers.xlsx", "hackney-see-attached.eml", "cheshire-east-letter.pdf"):
        assert read_reply(tmp_path / name) == read_reply(FIXTURES / name)
    assert (tmp_path / "sheffield-with-pdf.eml").read_bytes() == (
        FIXTURES / "sheffield-with-pdf.eml"
    ).read_bytes()


def test_text_and_file_readers_agree():
    text = (FIXTURES / "coventry-2025.txt").read_text(encoding="utf-8")
    assert without_questions(read_reply_text(text)) == COVENTRY


def test_as_json_is_json_safe():
    import json

    data = read_reply(FIXTURES / "sheffield-with-pdf.eml").as_json()
    assert json.loads(json.dumps(data)) == data


# ---- fields, one shape at a time


def numbered(*answers: str) -> str:
    """A reply repeating each question and then answering it."""
    return "\n\n".join(
        f"{n}. How many children are placed in homes of kind {n}?\n{a}"
        for n, a in enumerate(answers, start=1)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07 May 2025", dt.date(2025, 5, 7)),
        ("7th May 2025", dt.date(2025, 5, 7)),
        ("04/05/23", dt.date(2023, 5, 4)),
        ("04/05/2023", dt.date(2023, 5, 4)),
        ("07.05.2025", dt.date(2025, 5, 7)),
        ("2025-05-07", dt.date(2025, 5, 7)),
        ("Wednesday, 14 May 2025", dt.date(2025, 5, 14)),
        ("May 7, 2025", dt.date(2025, 5, 7)),
        ("1st of June 2025", dt.date(2025, 6, 1)),
        ("Date: 12/05/2025\nReceived: 10 April 2025", dt.date(2025, 5, 12)),
        ("Date of response: 3 Sept 2024", dt.date(2024, 9, 3)),
        ("Date | 02/06/2025", dt.date(2025, 6, 2)),
        ("Sent: Wednesday, May 7, 2025 10:15 AM", dt.date(2025, 5, 7)),
        ("Your request of 10 April 2025 is answered below.", None),
        ("31/02/2025", None),
        ("1. How many?\n31/03/2025\n2. Which?\nNo", None),  # a date among the answers
    ],
)
def test_letter_date_is_read_day_first(text, expected):
    assert read_reply_text(text).date == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Request ID: FOI704387821", "FOI704387821"),
        ("Our Ref: IG/FOI/2025/123.", "IG/FOI/2025/123"),
        ("Our reference 4431/25", "4431/25"),
        ("Reference number\nIR-2025-118822", "IR-2025-118822"),
        ("Reference number:\n\n  12345678", "12345678"),
        ("Your ref: ABC123\nOur ref: XYZ987", "XYZ987"),
        ("Your ref: ABC123", None),
        ("Case Ref: 4431", "4431"),
        ("Ref. No. FOI 12345", "FOI 12345"),
        ("FOI Reference | BHCC-FOI-9921", "BHCC-FOI-9921"),
        ("Please remember to quote the reference number above in your response.", None),
        ("With reference to your request of 7 May 2025", None),
        ("RE: your request FOI-5521 of 2 May", "FOI-5521"),
        ("Freedom of Information Act 2000 (FOIA)", None),
        ("Re: FOI 12345 looked after children", "FOI 12345"),
        ("Re: FOI 2025 request", None),
    ],
)
def test_reference_is_the_councils(text, expected):
    assert read_reply_text(text).reference == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exempt under Section 40 (2) (personal data)", ["s40(2)"]),
        ("section 40(2) of the Freedom of Information Act 2000", ["s40(2)"]),
        ("s.40(2) and S40(2)", ["s40(2)"]),
        ("exempt under s 43(2)", ["s43(2)"]),
        ("Section 12 of the Freedom of Information Act", ["s12"]),
        ("sections 40(2) and 43(2)", ["s40(2)", "s43(2)"]),
        ("section 40(2) and (3)", ["s40(2)", "s40(3)"]),
        ("sections 31, 38 & 40", ["s31", "s38", "s40"]),
        ("s.36(2)(b)(ii)", ["s36(2)(b)(ii)"]),
        ("regulation 12(4)(b) of the EIR", ["reg12(4)(b)"]),
        ("Reg. 13 and regulation 12(5)(e)", ["reg13", "reg12(5)(e)"]),
        ("section 40(2) and regulation 13", ["s40(2)", "reg13"]),
        ("a refusal notice under Section 17; advice under section 16", []),
        ("you may complain under section 50", []),
        ("children accommodated under a section 20 agreement", []),
        ("subject to a section 31 care order", []),
        ("section 22 of the Children Act 1989", []),
        ("exempt under section 40(2) of the Act.", ["s40(2)"]),
        ("withheld under section 43(2) of the FOI Act", ["s43(2)"]),
        ("section 40 of the Data Protection Act 2018", []),
        ("the council's 40 homes", []),
    ],
)
def test_exemptions_are_normalised(text, expected):
    assert read_reply_text(text).exemptions == expected


def test_an_html_answer_citing_the_act_yields_its_exemption():
    # Outlook's HTML table: "exempt under section 40(2) of the Act" in the answer cell
    facts = read_reply(INBOX / "coventry-response-html.eml")
    assert facts.exemptions == ["s40(2)"]
    assert facts.questions[1].status == "withheld"
    assert facts.questions[1].exemptions == ("s40(2)",)


def test_foisa_sections_are_read_as_scottish():
    text = (
        "Freedom of Information (Scotland) Act 2002. Withheld under section 38(1)(b) and "
        "section 30(c). You may ask for a review under section 20 or section 21."
    )
    assert read_reply_text(text).exemptions == ["s38(1)(b)", "s30(c)"]


def test_emails_are_lower_case_unique_in_order():
    text = (
        "Write to FOI@Council.GOV.uk or mailto:b.c@d.org.uk. Again: foi@council.gov.uk, 'x@y.com'"
    )
    assert read_reply_text(text).emails == ["foi@council.gov.uk", "b.c@d.org.uk", "x@y.com"]


@pytest.mark.parametrize(
    ("answer", "count"),
    [
        ("62", 62),
        ("As of 31st March 2025: 29", 29),
        ("As at 31/03/2025 there were 1,204 children.", 1204),
        ("There are currently 17 children placed on spot purchase arrangements.", 17),
        ("Total: 87", 87),
        ("Nil", 0),
        ("None", 0),  # the question asks "how many"
        ("14 (fourteen) children aged 16-17 years old in 2024/25", 14),
        ("Fewer than 5", None),
        ("<5", None),
        ("Between 5 and 10", None),
        ("5-10", None),
        ("12 children in 4 homes", None),
        ("See section 12 of the Act (2000)", None),
        ("Call 0116 454 1000", None),
        ("It cost £450 and took 18 hours", None),
        ("Yes, in September 2025", None),
        ("Principle 1 and Principle 2", None),
        ("Lot 2 of the framework", None),
        ("12.5% of placements", None),
        ("No", None),
    ],
)
def test_numbers_are_the_one_count_an_answer_gives(answer, count):
    got = read_reply_text(numbered(answer, "Yes"))
    assert got.answers[1] == answer
    assert got.numbers.get(1) == count


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        (  # `Question N` on its own line, the question, then the answer
            "Question 1\nName of the manager?\n\nJane Doe\n\nQuestion 2\nHow many?\n\n7",
            {1: "Jane Doe", 2: "7"},
        ),
        (  # inline Answer: markers
            "1. How many children? Answer: 12\n2. Which framework? Answer: None",
            {1: "12", 2: "None"},
        ),
        (  # Q1/A1
            "Q1 Name?\nA1: Jane\nQ2 Email?\nA2: j@x.gov.uk",
            {1: "Jane", 2: "j@x.gov.uk"},
        ),
        (  # markdown table rows with the number in its own cell
            "| No | Question | Answer |\n|---|---|---|\n| 1 | Name? | Jane |\n| 2 | Count? | 4 |",
            {1: "Jane", 2: "4"},
        ),
        (  # unnumbered table under a Question | Response header
            "Question | Response\nName of manager? | Jane Doe\nHow many? | 7\n\nRegards",
            {1: "Jane Doe", 2: "7"},
        ),
        (  # tab-separated rows
            "1\tName of manager?\tJane Doe\n2\tHow many?\t7",
            {1: "Jane Doe", 2: "7"},
        ),
        (  # the request listed first, the answers numbered again after it
            "You asked:\n1. Name?\n2. How many?\n\nOur response:\n1. Jane Doe\n2. 7\n\n"
            "Yours sincerely",
            {1: "Jane Doe", 2: "7"},
        ),
        (  # answers to six questions: only 1..5 are kept
            "\n".join(f"{n}) text {n}" for n in range(1, 7)),
            {n: f"text {n}" for n in range(1, 6)},
        ),
        (  # a question with no answer stays out
            "1. Name?\nJane\n2. Email?\n\n3. Framework?\nNo",
            {1: "Jane", 3: "No"},
        ),
        (  # "Q:" blocks without numbers are counted in order
            "Q: Name of manager?\nA: Jane\nQ: How many?\nA: 4",
            {1: "Jane", 2: "4"},
        ),
        (  # "Request 1:" items
            "Request 1: Name?\nJane\nRequest 2: How many?\n4",
            {1: "Jane", 2: "4"},
        ),
        (  # questions hard-wrapped (or not ended at all) before their answers
            "1. Number of children placed in Ofsted residential homes on spot purchase\n62\n"
            "2. Email address for referrals\nplacements@x.gov.uk\n"
            "3. Does the council use a framework? If yes, what is its\nname?\nNo\n"
            "4. How many children under 17 years old (inclusive) are currently placed\n"
            "on spot purchase arrangements? 9\n"
            "5. Does the council use a framework?\nPlease email: a@b.gov.uk",
            {1: "62", 2: "placements@x.gov.uk", 3: "No", 4: "9", 5: "Please email: a@b.gov.uk"},
        ),
        (  # an "Exemptions applied" section after the answers, numbered again, is not answer 5
            "1. Name?\nWithheld - see below\n2. Email?\na@b.gov.uk\n3. Framework?\nNo\n"
            "4. Direct?\nYes\n5. How many?\n62\n\nExemptions applied\n"
            "1. Section 40(2) - personal data.\n2. Section 43(2) - commercial interests.",
            {1: "Withheld - see below", 2: "a@b.gov.uk", 3: "No", 4: "Yes", 5: "62"},
        ),
        (  # a numbered "Your rights" section after the answers
            "1. Name?\nJane\n2. Email?\nj@x.gov.uk\n3. Framework?\nNo\n4. Direct?\nYes\n"
            "5. How many?\n8\n\nYour rights\n1. You can ask for an internal review.\n"
            "2. You can complain to the ICO.",
            {1: "Jane", 2: "j@x.gov.uk", 3: "No", 4: "Yes", 5: "8"},
        ),
        (  # page furniture from a PDF inside an answer
            "1. How many?\nThere are\nPage 1 of 2\nOFFICIAL\n12 children\n2. Which?\nNo",
            {1: "There are\n12 children", 2: "No"},
        ),
        (  # the request quoted, then refused as a whole: no answers
            "Your request:\n1. Name?\n2. How many?\n\nThe cost would exceed the appropriate limit.",
            {},
        ),
    ],
)
def test_answer_shapes(text, answers):
    assert read_reply_text(text).answers == answers


@pytest.mark.parametrize(
    ("text", "outcome", "evidence"),
    [
        (
            "Complying would exceed the appropriate limit under section 12.",
            "refused",
            "Complying would exceed the appropriate limit under section 12.",
        ),
        (
            "The Council does not hold the information you have requested.",
            "not_held",
            "The Council does not hold the information you have requested.",
        ),
        (
            "We have transferred your request to Kent County Council.",
            "redirected",
            "We have transferred your request to Kent County Council.",
        ),
        (
            "This information is held by the NHS Integrated Care Board; you may wish to "
            "contact them.",
            "redirected",
            "This information is held by the NHS Integrated Care Board; you may wish to "
            "contact them.",
        ),
        (
            "We hold no information about this. If you are unhappy you may wish to contact "
            "the Information Commissioner.",
            "not_held",
            "We hold no information about this.",
        ),
        (
            "Your request is refused under section 14(1) as vexatious.",
            "refused",
            "Your request is refused under section 14(1) as vexatious.",
        ),
        (
            "Please find attached the information you requested.",
            "successful",
            "Please find attached the information you requested.",
        ),
        ("Dear Alex, thank you.", None, None),
        (numbered("12", "Information not held"), "partially_successful", "Information not held"),
        (
            numbered("Exempt under s.40(2)", "Not held"),
            "refused",
            "Exempt under s.40(2)",
        ),
        (  # pointing to a contact is an answer (question 3 asks whom to contact) ...
            numbered(
                "Referrals should be sent to placements@x.gov.uk",
                "Yes. You may wish to contact the framework lead at Hampshire County Council.",
                "The framework is the responsibility of the Head of Placements.",
            ),
            "successful",
            "answers to questions 1, 2, 3; nothing withheld",
        ),
        (  # ... but "not held here, ask them" and "held by them" are redirections
            numbered(
                "12", "We do not hold this. You may wish to contact Hampshire County Council."
            ),
            "partially_successful",
            "You may wish to contact Hampshire County Council.",
        ),
        (
            numbered("This is held by Hampshire County Council.", "This is held by the DfE."),
            "redirected",
            "This is held by Hampshire County Council.",
        ),
        (
            numbered("Not held", "We do not hold this", "We have passed your request to the NHS"),
            "not_held",
            "Not held",
        ),
    ],
)
def test_outcome_and_its_evidence(text, outcome, evidence):
    got = read_reply_text(text)
    assert (got.outcome, got.outcome_evidence) == (outcome, evidence)


def test_quoted_earlier_messages_are_not_read():
    text = (
        "Dear Alex,\n1. Jane Doe\n2. 4\nKind regards, FOI Team\n\n"
        "On Mon, 7 Apr 2025 at 09:12, Alex Example <alex@example.org> wrote:\n"
        "> 1. Name of the manager?\n> 2. How many children?\n> 3. Framework?\n"
    )
    got = read_reply_text(text)
    assert got.answers == {1: "Jane Doe", 2: "4"}
    assert got.emails == []


def test_outlook_quote_is_cut_but_a_memo_header_is_not():
    quoted = (
        "1. Jane\n2. 4\nKind regards\nFOI team\n\nFrom: Alex <a@x.org>\nDate: Mon, 7 Apr 2025\n"
        "Subject: FOI\n1. Name?\n2. How many?\n3. Framework?\n"
    )
    got = read_reply_text(quoted)
    assert (got.answers, got.date) == ({1: "Jane", 2: "4"}, None)
    memo = (
        "Anytown Borough Council, Information Governance Team, Town Hall\nTo: Alex Example\n"
        "From: Information Governance\nDate: 7 May 2025\nSubject: FOI 4411\n\n"
        "1. Name?\nJane\n2. How many?\n4\n"
    )
    got = read_reply_text(memo)
    assert (got.answers, got.date) == ({1: "Jane", 2: "4"}, dt.date(2025, 5, 7))


# ---- email


def eml(tmp_path: Path, body: str | None = None, **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.get("sender", "FOI Team <FOI@Example.gov.uk>")
    msg["To"] = "alex@example.org"
    msg["Subject"] = headers.get("subject", "Your request")
    msg["Date"] = headers.get("date", "Tue, 01 Jul 2025 09:00:00 +0100")
    if body is not None:
        msg.set_content(body)
    return msg


def test_eml_with_docx_attachment_reads_its_table(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Our Ref: DOC-4411")
    table = document.add_table(rows=2, cols=3)
    for col, text in enumerate(["1", "How many children?", "12"]):
        table.cell(0, col).text = text
    for col, text in enumerate(["2", "Framework?", "No"]):
        table.cell(1, col).text = text
    saved = tmp_path / "letter.docx"
    document.save(saved)
    msg = eml(tmp_path, "Please find our response attached.")
    msg.add_attachment(
        saved.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="response.docx",
    )
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(msg))
    got = read_reply(path)
    assert legacy_json(got) == facts(
        date="2025-07-01",
        reference="DOC-4411",
        emails=[],
        exemptions=[],
        outcome="successful",
        evidence="answers to questions 1, 2; nothing withheld",
        answers={1: "12", 2: "No"},
        numbers={1: 12},
        sender="foi@example.gov.uk",
        subject="Your request",
    )


def test_eml_body_date_wins_over_header_and_subject_gives_reference(tmp_path):
    msg = eml(
        tmp_path,
        "Date: 30 June 2025\nThe Council does not hold this information.",
        subject="RE: FOI-7781 placements",
    )
    msg["In-Reply-To"] = "<a@x>"
    msg["References"] = "<root@x> <a@x>"
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(msg))
    got = read_reply(path)
    assert (got.date, got.reference, got.outcome) == (dt.date(2025, 6, 30), "FOI-7781", "not_held")
    assert got.message_ids == ("<a@x>", "<root@x>")


def test_eml_with_a_broken_attachment_still_reads_the_body(tmp_path):
    msg = eml(tmp_path, "Our Ref: 5521\nWe have transferred your request to Kent County Council.")
    msg.add_attachment(b"not a pdf at all", maintype="application", subtype="pdf", filename="r.pdf")
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(msg))
    got = read_reply(path)
    assert (got.reference, got.outcome) == ("5521", "redirected")


# ---- files that cannot be read


def test_txt_with_bom_and_crlf(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_bytes(b"\xef\xbb\xbfOur Ref: 77812\r\n1. Name?\r\nJane\r\n2. Count?\r\n3\r\n")
    got = read_reply(path)
    assert (got.reference, got.answers, got.numbers) == ("77812", {1: "Jane", 2: "3"}, {2: 3})


def test_utf16_txt_is_read(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_bytes("Our Ref: 9913\nNot held.".encode("utf-16"))
    assert read_reply(path).reference == "9913"


def garbage_pdf(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8)


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("empty.txt", lambda p: p.write_bytes(b""), "empty"),
        ("blank.pdf", lambda p: p.write_bytes(b" \n\t "), "empty"),
        ("garbage.pdf", garbage_pdf, "not a readable PDF"),
        ("fake.pdf", lambda p: p.write_text("%PDF-1.4 hello"), "not a readable PDF"),
        ("garbage.docx", lambda p: p.write_bytes(b"PK\x03\x04 broken zip"), "not a readable Word"),
        ("garbage.eml", lambda p: p.write_bytes(bytes(range(1, 256)) * 4), "not an email"),
        ("binary.txt", lambda p: p.write_bytes(b"abc\x00\x01\x02def"), "not a text file"),
        ("bad-bytes.txt", lambda p: p.write_bytes(b"caf\xc3 and \x81\x8d"), "neither UTF-8"),
        ("reply.doc", lambda p: p.write_text("old Word"), "'.doc' files"),
        ("reply.msg", lambda p: p.write_text("Outlook"), ".txt, .eml, .pdf, .docx"),
        ("noext", lambda p: p.write_text("text"), "without a suffix"),
        ("missing.pdf", lambda p: None, "no such file"),
        ("folder.txt", lambda p: p.mkdir(), "folder"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path, name, make, words):
    path = tmp_path / name
    make(path)
    with pytest.raises(ReplyError) as caught:
        read_reply(path)
    message = str(caught.value)
    assert name in message
    assert words in message
    assert "\n" not in message


def test_pdf_without_text_layer(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    with pytest.raises(ReplyError, match="scan.pdf: the PDF has no text layer"):
        read_reply(path)


def test_import_is_light():
    code = (
        "import sys, foi_sender.replies\n"
        "heavy = {'pypdfium2', 'docx', 'openpyxl', 'phonenumbers', 'click', 'dateutil'}\n"
        "heavy &= set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- fuzzing

SNIPPETS = [
    "1.", "2)", "Q3", "Question 4:", "5 |", "Answer:", "Response -", "A1.", "| 1 | q? | 62 |",
    "Our Ref:", "Reference number", "Your ref: X1", "Date: 07/05/2025", "7th May 2025",
    "section 40 (2)", "s.43(2) and (3)", "regulation 12(4)(b)", "(Scotland)", "does not hold",
    "you may wish to contact Kent County Council", "exempt", "?", "\n", "\n\n", " | ",
    "Question | Answer", "Fewer than 5", "As of 31st March 2025: 29", "a@b.co",
    "-----Original Message-----", "On Mon, 7 Apr 2025 Alex wrote:", "> quoted", "Yours sincerely",
    "\u0130", "\u2028", "\x0c", "\t", "\r", "0", "Nil",
]  # fmt: skip


def check_invariants(got: ReplyFacts) -> None:
    assert set(got.answers) <= {1, 2, 3, 4, 5}
    assert all(isinstance(a, str) and a == a.strip() and a for a in got.answers.values())
    assert set(got.numbers) <= set(got.answers)
    # The reader guesses only outcomes the ledger can record (`respond --outcome`).
    assert got.outcome is None or got.outcome in OUTCOMES
    assert (got.outcome is None) == (got.outcome_evidence is None)
    assert got.emails == [e.lower() for e in dict.fromkeys(got.emails)]
    got.as_json()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text())
def test_any_text_is_read_without_error(text):
    check_invariants(read_reply_text(text))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)), max_size=40))
def test_reply_like_text_is_read_without_error(parts):
    check_invariants(read_reply_text(" ".join(parts)))
