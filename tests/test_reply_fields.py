"""Typed fields: every fixture's columns under the shipped schema, each reader on its own (with
hypothesis where the input space is wide), and a user's own template with a schema of its own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foi_sender.replies import read_reply, read_reply_text
from foi_sender.replies.fields import count, first_phone, person_name, proper_name, yes_no
from foi_sender.schema import load_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "replies"
SHIPPED_COLUMNS = [
    "q1_manager_name",
    "q1_manager_email",
    "q1_manager_phone",
    "q2_referrals_email",
    "q3_uses_framework",
    "q3_framework_name",
    "q3_contact",
    "q4_direct_placements",
    "q5_spot_purchase_count",
    "q5_as_of",
]

# Only the fields a reply gives; every other shipped column must be None.
FIELDS_BY_FIXTURE = {
    "birmingham-table.txt": {
        "q1_manager_email": "childrens.commissioning@birmingham.gov.uk",
        "q1_manager_phone": "0121 303 1111",
        "q2_referrals_email": "cs.placements@birmingham.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "West Midlands Regional Framework",
        "q3_contact": "wmcommissioninghub@coventry.gov.uk",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 118,
        "q5_as_of": dt.date(2025, 5, 9),
    },
    "brighton-cp1252.txt": {
        "q1_manager_name": "Jo Bloggs",
        "q1_manager_email": "jo.bloggs@brighton-hove.gov.uk",
        "q1_manager_phone": "01273 290000",
        "q2_referrals_email": "childrensplacements@brighton-hove.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "South Central Residential Framework",
        "q5_spot_purchase_count": 21,
        "q5_as_of": dt.date(2025, 3, 31),
    },
    "charnwood-redirect.txt": {},
    "coventry-2025.txt": {
        "q1_manager_email": "childrensplacements@coventry.gov.uk",
        "q2_referrals_email": "childrensplacements@coventry.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "West Midlands joint framework",
        "q3_contact": "wmcommissioninghub@coventry.gov.uk",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 29,
        "q5_as_of": dt.date(2025, 3, 31),
    },
    "derby-s12-refusal.txt": {},
    "edinburgh-foisa.txt": {
        "q1_manager_email": "residentialplacements@edinburgh.gov.uk",
        "q2_referrals_email": "residentialplacements@edinburgh.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "Scotland Excel National Residential Framework",
        "q3_contact": "residential@scotland-excel.org.uk",
        "q4_direct_placements": True,
    },
    "kent-html-only.eml": {
        "q1_manager_email": "placements.kcc@kent.gov.uk",
        "q1_manager_phone": "0300 041 4141",
        "q2_referrals_email": "cyp.referrals@kent.gov.uk",
        "q3_uses_framework": True,
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 87,
        "q5_as_of": dt.date(2025, 6, 6),
    },
    "leicester-2025.txt": {
        "q2_referrals_email": "placements.desk@leicester.gov.uk",
        "q3_uses_framework": False,
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 62,
    },
    "manchester-letter.pdf": {
        "q2_referrals_email": "placements@manchester.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "Placements North West",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 47,
        "q5_as_of": dt.date(2025, 5, 21),
    },
    "nottingham-numbered.txt": {
        "q1_manager_name": "Sam Okafor",
        "q1_manager_email": "sam.okafor@nottinghamcity.gov.uk",
        "q1_manager_phone": "0115 876 4321",
        "q2_referrals_email": "placements@nottinghamcity.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "East Midlands Children's Framework",
        "q3_contact": "emcf@derbyshire.gov.uk",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 14,
        "q5_as_of": dt.date(2025, 4, 30),
    },
    "sheffield-with-pdf.eml": {
        "q1_manager_email": "placements.manager@sheffield.gov.uk",
        "q1_manager_phone": "0114 273 4567",
        "q2_referrals_email": "sheffieldplacements@sheffield.gov.uk",
        "q3_uses_framework": False,
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 17,
        "q5_as_of": dt.date(2025, 5, 2),
    },
    "stoke-table.docx": {
        "q1_manager_email": "placements@stoke.gov.uk",
        "q2_referrals_email": "placements@stoke.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "Staffordshire and Stoke-on-Trent Residential Framework",
        "q3_contact": "commissioning@stoke.gov.uk",
        "q5_spot_purchase_count": 33,
        "q5_as_of": dt.date(2025, 5, 15),
    },
    "walsall-hardwrapped.txt": {
        "q1_manager_name": "Lee Harris",
        "q1_manager_email": "lee.harris@walsall.gov.uk",
        "q1_manager_phone": "01922 650000",
        "q2_referrals_email": "placementteam@walsall.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "West Midlands Flexible Contracting Arrangement",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 9,
        "q5_as_of": dt.date(2025, 5, 9),
    },
    "wolverhampton-not-held.txt": {},
    "carmarthenshire-welsh.txt": {
        "q1_manager_name": "Rhian Davies",
        "q1_manager_email": "rdavies@carmarthenshire.gov.uk",
        "q1_manager_phone": "01267 234567",
        "q2_referrals_email": "childrensplacements@carmarthenshire.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "All Wales Residential Framework",
        "q3_contact": "4cs@torfaen.gov.uk",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 11,
        "q5_as_of": dt.date(2025, 3, 31),
    },
    "cheshire-east-letter.pdf": {
        "q2_referrals_email": "childrensplacements@cheshireeast.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "North West Residential Framework",
        "q3_contact": "placementsnorthwest@manchester.gov.uk",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 9,
        "q5_as_of": dt.date(2025, 3, 31),
    },
    "devon-s43-partial.txt": {
        "q1_manager_name": "Helen Trewin",
        "q1_manager_email": "helen.trewin@devon.gov.uk",
        "q1_manager_phone": "01392 383000",
        "q2_referrals_email": "childrensplacements@devon.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "Peninsula Children's Residential Framework",
        "q3_contact": "peninsula.commissioning@devon.gov.uk",
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 38,
        "q5_as_of": dt.date(2025, 4, 30),
    },
    "dover-district-redirect.txt": {},
    "hackney-answers.xlsx": {
        "q1_manager_email": "placements.service@hackney.gov.uk",
        "q2_referrals_email": "placements.service@hackney.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "North London Residential Framework",
        "q3_contact": "commissioning.children@hackney.gov.uk",
        "q4_direct_placements": False,
        "q5_spot_purchase_count": 23,
        "q5_as_of": dt.date(2025, 5, 20),
    },
    "hackney-see-attached.eml": {
        "q1_manager_email": "placements.service@hackney.gov.uk",
        "q2_referrals_email": "placements.service@hackney.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "North London Residential Framework",
        "q3_contact": "commissioning.children@hackney.gov.uk",
        "q4_direct_placements": False,
        "q5_spot_purchase_count": 23,
        "q5_as_of": dt.date(2025, 5, 20),
    },
    "lambeth-unnumbered.txt": {
        "q1_manager_email": "accesstoresources@lambeth.gov.uk",
        "q1_manager_phone": "020 7926 1000",
        "q2_referrals_email": "accesstoresources@lambeth.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "South London Commissioning Programme",
        "q3_contact": "slcp@croydon.gov.uk",
        "q4_direct_placements": True,
    },
    "moray-foisa.txt": {
        "q2_referrals_email": "childrens.resources@moray.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "Scotland Excel Framework for Residential Child Care",
        "q3_contact": "socialcare@scotland-excel.org.uk",
        "q4_direct_placements": True,
    },
    "torbay-cost-limit.txt": {
        "q1_manager_name": "Sam Pengelly",
        "q1_manager_email": "sam.pengelly@torbay.gov.uk",
        "q1_manager_phone": "01803 208100",
        "q2_referrals_email": "placements.team@torbay.gov.uk",
        "q3_uses_framework": True,
        "q3_framework_name": "Peninsula Children's Residential Framework",
        "q3_contact": "peninsula.commissioning@devon.gov.uk",
        "q4_direct_placements": True,
    },
    "wokingham-nil-tabs.txt": {
        "q1_manager_email": "childrensplacements@wokingham.gov.uk",
        "q1_manager_phone": "0118 974 6000",
        "q2_referrals_email": "childrensplacements@wokingham.gov.uk",
        "q3_uses_framework": False,
        "q4_direct_placements": True,
        "q5_spot_purchase_count": 0,
        "q5_as_of": dt.date(2025, 5, 6),
    },
}


@pytest.mark.parametrize("name", sorted(FIELDS_BY_FIXTURE))
def test_typed_fields_of_every_fixture(name):
    got = read_reply(FIXTURES / name)
    fields = {k: v for answer in got.questions.values() for k, v in answer.fields.items()}
    assert list(fields) == SHIPPED_COLUMNS
    assert {k: v for k, v in fields.items() if v is not None} == FIELDS_BY_FIXTURE[name]


def test_every_fixture_has_its_fields_asserted():
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix != ".py"}
    assert on_disk == set(FIELDS_BY_FIXTURE)


def test_fields_as_json_have_iso_dates():
    got = read_reply(FIXTURES / "coventry-2025.txt").as_json()["questions"]["5"]["fields"]
    assert got == {"q5_spot_purchase_count": 29, "q5_as_of": "2025-03-31"}


# ---- the readers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Yes", True),
        ("yes - via the portal", True),
        ("No.", False),
        ("Both. We use the framework and spot purchases.", True),
        ("Sheffield does not currently use a framework.", False),
        ("We don't make direct placements.", False),
        ("Coventry currently uses the regional framework.", True),
        ("We are part of the North East Framework.", True),
        ("Northumberland Framework", None),  # a name, not an answer
        ("North West Portal only", None),
    ],
)
def test_yes_no(text, expected):
    assert yes_no(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sam Okafor, Head of Placements", "Sam Okafor"),
        ("Name: Priya Shah\nEmail: p.shah@x.gov.uk", "Priya Shah"),
        ("Mrs Eileen O'Neill - 01234 567890", "Mrs Eileen O'Neill"),
        ("Head of Children's Commissioning, a@x.gov.uk", None),
        ("The Service Manager for Placements", None),
        ("Placements Team Manager", None),
        ("Please email: placements@x.gov.uk", None),
    ],
)
def test_person_name(text, expected):
    assert person_name(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Yes - the West Midlands Regional Framework (FCA)", "West Midlands Regional Framework"),
        ("Yes, Placements North West.", "Placements North West"),
        (
            "We use the North East Regional Children's Framework (NERCF).",
            "North East Regional Children's Framework",
        ),
        ("Yes. This is exempt under section 21 of the Freedom of Information Act.", None),
        ("Yes: the ‘Residential Framework’ run by Hampshire.", "Residential Framework"),
    ],
)
def test_proper_name(text, expected):
    assert proper_name(text) == expected


UK_NUMBERS = ["01158764321", "01213031111", "02079460000", "07911123456", "03000414141"]


@given(
    number=st.sampled_from(UK_NUMBERS),
    style=st.sampled_from(["national", "spaced", "plus44", "plus44-0", "dashed"]),
    before=st.sampled_from(["Tel: ", "Direct line ", "call ", ""]),
    after=st.sampled_from(["", ".", " (office hours)", ", or by email"]),
)
def test_uk_phone_numbers_normalise_to_one_national_form(number, style, before, after):
    import phonenumbers

    national = phonenumbers.format_number(
        phonenumbers.parse(number, "GB"), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    written = {
        "national": number,
        "spaced": national,
        "plus44": "+44 " + national[1:],
        "plus44-0": "+44 (0)" + national[1:],
        "dashed": national.replace(" ", "-"),
    }[style]
    assert first_phone(f"{before}{written}{after}") == national


def test_phone_extension_is_kept():
    assert first_phone("0115 876 4321 ext 204") == "0115 876 4321 x204"


def test_phone_outside_the_uk_keeps_its_country():
    assert first_phone("Call +353 1 234 5678") == "+353 1 234 5678"


@pytest.mark.parametrize("text", ["N/A", "n/a", "Nil", "None", "nil return", "Zero", "0"])
def test_nil_answers_are_zero_for_a_count(text):
    assert count(text, "") == 0


def test_nil_is_not_zero_outside_a_count():
    text = (
        "1. Manager?\nN/A\n2. Email?\nNone\n3. Framework?\nN/A\n4. Direct?\nNo\n5. How many?\nNil"
    )
    got = read_reply_text(text)
    fields = {k: v for a in got.questions.values() for k, v in a.fields.items() if v is not None}
    # "N/A" is no yes or no, and no address: only the count reads it as 0
    assert fields == {"q4_direct_placements": False, "q5_spot_purchase_count": 0}


@given(st.from_regex(r"[a-z][a-z0-9._-]{0,15}@[a-z0-9-]{1,12}\.(gov|org|co)\.uk", fullmatch=True))
def test_emails_are_lower_cased(address):
    text = f"Referrals go to {address.upper()} please."
    got = read_reply_text(f"1. Manager?\nJo\n2. Referrals email?\n{text}")
    assert got.questions[2].fields["q2_referrals_email"] == address


@given(st.text(max_size=300))
def test_readers_never_raise(text):
    yes_no(text), person_name(text), proper_name(text), first_phone(text), count(text, "")


# ---- a user's own template and schema


def test_own_template_schema_types_its_answers(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "fostering.questions.yaml").write_text(
        "questions:\n"
        "  - {name: q1_fostering_lead, type: contact}\n"
        "  - {name: q2_carers, type: count_as_of, ask: approved foster carers}\n"
        "  - {name: q3_in_house, type: yes_no}\n",
        encoding="utf-8",
    )
    schema = load_schema(tmp_path, "fostering")
    text = (
        "1. Who leads fostering?\nDana Whitfield, dana.whitfield@x.gov.uk, 0161 234 5000\n"
        "2. How many approved foster carers?\n212 as at 1 April 2025\n"
        "3. Is the service in house?\nYes\n"
    )
    got = read_reply_text(text, schema)
    fields = {k: v for a in got.questions.values() for k, v in a.fields.items()}
    assert fields == {
        "q1_fostering_lead_name": "Dana Whitfield",
        "q1_fostering_lead_email": "dana.whitfield@x.gov.uk",
        "q1_fostering_lead_phone": "0161 234 5000",
        "q2_carers": 212,
        "q2_carers_as_of": dt.date(2025, 4, 1),
        "q3_in_house": True,
    }
    assert list(got.questions) == [1, 2, 3]


def test_read_reply_with_the_homes_own_schema(home, run, tmp_path):
    (home / "templates").mkdir()
    (home / "templates" / "fostering.questions.yaml").write_text(
        "questions:\n  - {name: q1_lead, type: contact}\n"
        "  - {name: q2_carers, type: count_as_of}\n",
        encoding="utf-8",
    )
    reply = tmp_path / "reply.txt"
    reply.write_text(
        "Date: 3 June 2025\n1. Who leads fostering?\nPriya Shah, Head of Fostering, 0161 234 5000\n"
        "2. How many approved carers?\n212\n",
        encoding="utf-8",
    )
    result = run("read-reply", str(reply), "--template", "fostering", "--json")
    assert result.exit_code == 0, result.output
    questions = json.loads(result.stdout)["questions"]
    assert questions["1"]["fields"] == {
        "q1_lead_name": "Priya Shah",
        "q1_lead_email": None,
        "q1_lead_phone": "0161 234 5000",
    }
    assert questions["2"]["fields"] == {"q2_carers": 212, "q2_carers_as_of": "2025-06-03"}
    assert list(questions) == ["1", "2"]
