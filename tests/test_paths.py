"""paths.slug: the one way user text becomes a stored file or folder name."""

from __future__ import annotations

import pytest

from foi_sender.paths import check_name, safe_suffix, slug


@pytest.mark.parametrize("clean", ["spring-2025", "st.-helens", "r1", "a" * 64])
def test_clean_names_are_kept(clean):
    assert slug(clean) == clean


@pytest.mark.parametrize(
    "text", ["..", ".", "../../etc", "/etc/passwd", "a/b", ".hidden", "Spring 2025", "-", "a" * 65]
)
def test_anything_else_becomes_one_safe_component(text):
    made = slug(text)
    assert made not in ("", ".", "..")
    assert "/" not in made and "\\" not in made and not made.startswith(".")
    assert made == slug(text), "not stable"


def test_names_that_slug_alike_stay_apart():
    assert slug("Round 1") != slug("round-1") != slug("ROUND 1")


def test_suffixes_are_kept_only_when_plain():
    assert safe_suffix(".PDF") == ".pdf"
    assert safe_suffix(".t\x1bxt") == ""
    assert safe_suffix("") == ""


@pytest.mark.parametrize("name", ["Spring 2025", "Kinderheime März", "r-1.2"])
def test_ordinary_round_names_pass(name):
    assert check_name(name) == name
