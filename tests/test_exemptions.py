"""Exemption codes as typed, normalised to the reply reader's form (issue 11, item 8)."""

from __future__ import annotations

import pytest

from foi_sender.errors import InputError
from foi_sender.exemptions import MAX_COUNT, normalise_exemption, normalise_exemptions


@pytest.mark.parametrize(
    "typed, code",
    [
        ("s40(2)", "s40(2)"),
        ("S43", "s43"),
        ("section 40(2)", "s40(2)"),
        ("Section 40 (2)", "s40(2)"),
        ("s.36(2)(b)(ii)", "s36(2)(b)(ii)"),
        ("sec 12", "s12"),
        ("ss. 21", "s21"),
        ("43", "s43"),
        ("s22A", "s22A"),
        ("reg12(4)(b)", "reg12(4)(b)"),
        ("Regulation 12 (5)(e)", "reg12(5)(e)"),
        ("regs 13(1)", "reg13(1)"),
        ("EIR 12(5)(E)", "reg12(5)(e)"),
        ("FOISA s30(b)(i)", "s30(b)(i)"),
        ("FOISA section 38(1)(b)", "s38(1)(b)"),
        ("EISR regulation 10(5)(f)", "reg10(5)(f)"),
        ("  s40(2)  ", "s40(2)"),
    ],
)
def test_typed_exemption_becomes_the_readers_code(typed, code):
    assert normalise_exemption(typed) == code


@pytest.mark.parametrize(
    "typed, mentions",
    [
        ("", "is not an exemption"),
        ("personal data", "is not an exemption"),
        ("s40(2) and s43", "is not an exemption"),
        ("section 99", "sections 12, 14 and 21-44"),
        ("s1", "sections 12, 14 and 21-44"),
        ("reg 5", "regulations 10-13"),
        ("s40(2)\x00", "is not an exemption"),
        ("s" + "(1)" * 20, "the limit is 40"),
    ],
)
def test_what_is_not_an_exemption_is_refused(typed, mentions):
    with pytest.raises(InputError, match=mentions.replace("(", r"\(")):
        normalise_exemption(typed)


def test_each_code_once_in_the_order_given_and_a_cap_on_how_many():
    assert normalise_exemptions(["S43", "section 40(2)", "s43"]) == ("s43", "s40(2)")
    with pytest.raises(InputError, match="limit"):
        normalise_exemptions(["s43"] * (MAX_COUNT + 1))
