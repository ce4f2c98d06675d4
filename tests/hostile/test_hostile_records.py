"""Hostile lifecycle input (issue 11): what a command would record is worked out and checked
before anything is written, a reply is never quietly replaced, `undo` never un-sends a letter,
a blank requester is refused, exemptions are codes, and option pairs that contradict each other
are refused. Each case runs against a home that has sent round `r1` to leicester (conftest.py),
and asserts the one check every hostile case passes: one clear line, a non-zero exit, nothing
sent, the ledger (and here the files the command would edit) unchanged."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

TODAY = date.today().isoformat()
RESPOND = ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused")
LONG_EXEMPTION = "section 40(2)(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)"

CASES = {
    # id: (arguments, what the one error line must mention)
    # class: validate before record (the bad value is refused, never committed then complained
    # about)
    "extend-100-million-days": (("extend", "r1", "leicester", "--days", "100000000"), "260"),
    "extend-to-end-of-calendar": (("extend", "r1", "leicester", "--to", "9999-12-31"), "a year"),
    # class: legal content (exemptions are codes, as the reply reader writes them)
    "respond-exemption-not-one": (RESPOND + ("--exemption", "because we said so"), "exemption"),
    "respond-exemption-no-such-section": (RESPOND + ("--exemption", "section 99"), "21-44"),
    "respond-exemption-no-such-regulation": (RESPOND + ("--exemption", "reg 2(1)"), "10-13"),
    "respond-exemption-too-long": (RESPOND + ("--exemption", LONG_EXEMPTION), "limit"),
    "respond-exemption-one-bad-among-good": (
        RESPOND + ("--exemption", "s40(2)", "--exemption", "s4O(2)"),
        "s4O",
    ),
    # class: validate before record (undo: nothing to undo yet)
    "undo-nothing-recorded": (("undo", "r1", "leicester", "--yes"), "nothing to undo"),
    "undo-unknown-council": (("undo", "r1", "glasgow", "--yes"), "no request to 'glasgow'"),
    # class: option values (a pair that contradicts itself)
    "send-council-and-all": (("send", "r2", "--council", "glasgow", "--all", "--yes"), "not both"),
}


@pytest.mark.parametrize("args, mentions", CASES.values(), ids=CASES.keys())
def test_hostile_lifecycle_arguments(hhome, run, snap, refused, args, mentions):
    before = snap(hhome)
    refused(run(*args), before, hhome, mentions)


@pytest.fixture
def answered(hhome, run):
    """r1/leicester refused today, reference FOI-1."""
    result = run(*RESPOND, "--reference", "FOI-1", "--exemption", "s40(2)")
    assert result.exit_code == 0, result.output
    return hhome


# class: validate before record: a second reply, undo and a broken request


def test_second_different_reply_needs_replace(answered, run, snap, refused):
    before = snap(answered)
    result = run("respond", "r1", "leicester", "--on", TODAY, "--outcome", "successful")
    line = refused(result, before, answered, "--replace").stderr
    assert "already recorded" in line and "refused, ref FOI-1" in line
    assert "undo r1 leicester" in line


def test_undo_without_a_terminal_needs_yes(answered, run, snap, refused):
    before = snap(answered)
    refused(run("undo", "r1", "leicester"), before, answered, "--yes")


def test_undo_refuses_to_unsend_a_review(answered, run, snap, refused):
    result = run("review", "r1", "leicester", "--grounds", "Please look again.", "--send", "--yes")
    assert result.exit_code == 0, result.output
    before = snap(answered)
    line = refused(run("undo", "r1", "leicester", "--yes"), before, answered, "never un-sent")
    assert "internal review letter" in line.stderr


def test_extend_a_broken_request_is_refused(hhome, run, snap, refused):
    """A request whose dates are unknown (a bad row) cannot have them moved."""
    import sqlite3

    con = sqlite3.connect(hhome / "foi.sqlite")
    with con:
        con.execute(
            "INSERT INTO events (request_id, kind, on_date, recorded_at, data)"
            " VALUES (1, 'clarification', 'yesterday', '2025-01-01T00:00:00+00:00', '{}')"
        )
    con.close()
    before = snap(hhome)
    line = refused(run("extend", "r1", "leicester", "--days", "5"), before, hhome, "unknown")
    assert "event 1 (clarification)" in line.stderr


# class: legal content (FOIA s.8(1)(b): a request gives the applicant's real name)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("init", "--name", "   ", "--email", "sam@example.org", "--force"), "--name is blank"),
        (("init", "--name", "\u3000\t", "--email", "sam@example.org", "--force"), "real name"),
        (
            (
                "init",
                "--name",
                "Sam",
                "--email",
                "sam@example.org",
                "--organisation",
                " ",
                "--force",
            ),
            "--organisation is blank",
        ),
    ],
    ids=["spaces", "ideographic-space-and-tab", "blank-organisation"],
)
def test_init_refuses_a_blank_requester(hhome, run, snap, refused, args, mentions):
    config = hhome / "foi.toml"
    kept = digest(config)
    before = snap(hhome)
    refused(run(*args), before, hhome, mentions)
    assert digest(config) == kept


@pytest.mark.parametrize(
    "old, new, mentions",
    [
        ('name = "Alex Example"', 'name = ""', r"\[requester\] name is blank"),
        ('name = "Alex Example"', 'name = "   "', r"s\.8\(1\)\(b\)"),
        ('organisation = "Example Care Ltd"', 'organisation = "  "', "organisation is blank"),
    ],
    ids=["empty-name", "spaces-name", "spaces-organisation"],
)
def test_blank_requester_in_foi_toml_sends_nothing(hhome, run, snap, refused, old, new, mentions):
    config = hhome / "foi.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")
    before = snap(hhome)
    refused(run("send", "r2", "--council", "glasgow", "--yes"), before, hhome, mentions)


# class: option values (councils set-email)


def test_set_email_over_an_address_needs_force(hhome, run, snap, refused):
    registry = hhome / "councils.yaml"
    kept = digest(registry)
    before = snap(hhome)
    result = run("councils", "set-email", "leicester", "new@leicester.gov.uk", "--source", "x")
    line = refused(result, before, hhome, "--force").stderr
    assert "info.requests@leicester.gov.uk" in line and "new@leicester.gov.uk" in line
    assert digest(registry) == kept


def test_set_email_on_flow_style_yaml_says_so(hhome, run, snap, refused):
    registry = hhome / "councils.yaml"
    registry.write_text(
        "councils:\n"
        "  - {id: leicester, name: Leicester City Council, nation: England, regime: FOIA,"
        " foi_email: info.requests@leicester.gov.uk, email_source: their reply}\n"
        "  - {id: barnet, name: London Borough of Barnet, nation: England, regime: FOIA}\n",
        encoding="utf-8",
    )
    kept = digest(registry)
    before = snap(hhome)
    result = run("councils", "set-email", "barnet", "foi@barnet.gov.uk", "--source", "their site")
    line = refused(result, before, hhome, "flow style").stderr
    assert "councils.yaml:3:" in line and "unknown top-level key" not in line
    assert digest(registry) == kept
