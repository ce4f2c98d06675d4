"""Question schemas: the shipped one, a home's override, and every way a hand-written one can be
wrong (each refused with one line naming the file and the key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foi_sender.errors import TemplateError
from foi_sender.schema import load_schema, parse_schema

REPO = Path(__file__).resolve().parent.parent


def test_shipped_schema_declares_the_request_fields():
    schema = load_schema(None, "placements_request")
    assert schema.source == REPO / "templates" / "placements_request.questions.yaml"
    columns = [(q.number, q.type, f.column, f.kind) for q in schema.questions for f in q.fields]
    assert columns == [
        (1, "contact", "q1_manager_name", "text"),
        (1, "contact", "q1_manager_email", "email"),
        (1, "contact", "q1_manager_phone", "phone"),
        (2, "email", "q2_referrals_email", "email"),
        (3, "yes_no_named", "q3_uses_framework", "yes_no"),
        (3, "yes_no_named", "q3_framework_name", "text"),
        (3, "yes_no_named", "q3_contact", "text"),
        (4, "yes_no", "q4_direct_placements", "yes_no"),
        (5, "count_as_of", "q5_spot_purchase_count", "integer"),
        (5, "count_as_of", "q5_as_of", "date"),
    ]
    assert all(q.ask for q in schema.questions)


def test_every_shipped_letter_with_questions_has_a_schema():
    for schema_file in (REPO / "templates").glob("*.questions.yaml"):
        assert (REPO / "templates" / schema_file.name.replace(".questions.yaml", ".j2")).is_file()
        parse_schema(schema_file)


def test_the_home_overrides_the_shipped_schema(tmp_path):
    (tmp_path / "templates").mkdir()
    own = tmp_path / "templates" / "placements_request.questions.yaml"
    own.write_text("questions:\n  - {name: q1_count, type: count_as_of}\n", encoding="utf-8")
    schema = load_schema(tmp_path, "placements_request")
    assert schema.source == own
    assert [f.column for f in schema.questions[0].fields] == ["q1_count", "q1_count_as_of"]


def test_a_template_without_a_schema_has_no_questions(tmp_path):
    schema = load_schema(tmp_path, "my_letter")
    assert (schema.source, schema.questions) == (None, ())


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "x.questions.yaml"
    path.write_bytes(b"\xef\xbb\xbfquestions:\n  - {name: q1_a, type: email}\n")
    assert parse_schema(path).questions[0].fields[0].column == "q1_a"


BAD = {
    "yaml-error": ("questions: [\n", r"x\.questions\.yaml:2: "),
    "not-a-mapping": ("- a\n", "expected one key, `questions`"),
    "unknown-top-key": ("questions: []\nextra: 1\n", "'extra'"),
    "empty-list": ("questions: []\n", "1 to 50"),
    "unknown-key": (
        "questions:\n  - {name: q1_a, type: email, typ: email}\n",
        r"questions\[1\]: unknown key 'typ'",
    ),
    "unknown-type": ("questions:\n  - {name: q1_a, type: phone}\n", "type: 'phone' is not one of"),
    "missing-name": ("questions:\n  - {type: email}\n", r"questions\[1\]: name: None must"),
    "wrong-prefix": (
        "questions:\n  - {name: q1_a, type: email}\n  - {name: q1_b, type: email}\n",
        r"questions\[2\]: name: 'q1_b' must .* starting with q2_",
    ),
    "upper-case": ("questions:\n  - {name: Q1_A, type: email}\n", "lower-case"),
    "reserved": ("questions:\n  - {name: q1_status, type: email}\n", "every question has already"),
    "unknown-part": (
        "questions:\n  - {name: q1_a, type: email, fields: {phone: q1_p}}\n",
        "fields: email has no part 'phone'",
    ),
    "duplicate-column": (
        "questions:\n  - {name: q1_a, type: contact, fields: {email: q1_a_name}}\n",
        "'q1_a_name' is named twice",
    ),
    "multi-line-ask": ('questions:\n  - {name: q1_a, type: email, ask: "a\\nb"}\n', "ask"),
    "item-not-mapping": ("questions:\n  - q1_a\n", r"questions\[1\]: expected keys"),
}


@pytest.mark.parametrize("text, mentions", BAD.values(), ids=BAD.keys())
def test_bad_schemas_are_refused_naming_file_and_key(tmp_path, text, mentions):
    path = tmp_path / "x.questions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError, match=mentions) as caught:
        parse_schema(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "x.questions.yaml"
    path.write_bytes("questions:\n  - {name: q1_caf\xe9, type: email}\n".encode("latin-1"))
    with pytest.raises(TemplateError, match="not UTF-8"):
        parse_schema(path)


def test_the_readme_example_schema_is_valid(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after = readme.split("# HOME/templates/fostering.questions.yaml", 1)[1]
    block = after.split("\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "fostering.questions.yaml"
    path.write_text(block, encoding="utf-8")
    columns = [f.column for q in parse_schema(path).questions for f in q.fields]
    assert columns == [
        "q1_fostering_lead_name",
        "q1_fostering_lead_email",
        "q1_fostering_lead_phone",
        "q2_carers",
        "q2_carers_as_of",
        "q3_in_house_service",
    ]
