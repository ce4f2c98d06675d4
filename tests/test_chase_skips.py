"""`chase` when some councils cannot be chased (issue 11, item 11): one merged away (gone from
councils.yaml), one whose address was taken out. Those are named and skipped; the rest are
chased, both as a draft and with --send (the outbox transport: a real Maildir).

Round `r1` is sent on Monday 14 April 2025 to three councils, all due Thursday 15 May.
"""

from __future__ import annotations

import pytest

COUNCIL = """\
  - id: {id}
    name: {name}
    nation: England
    regime: FOIA
    foi_email: foi@{id}.gov.uk
    email_source: test fixture
"""
NAMES = {"alpha": "Alpha Council", "beta": "Beta Council", "gamma": "Gamma Council"}
OVERDUE = {"FOI_SENDER_NOW": "2025-05-20T12:00:00+01:00"}


def registry(**councils: str | None) -> str:
    """councils.yaml with these councils; a value of None leaves the address out."""
    text = "councils:\n"
    for council_id, address in councils.items():
        entry = COUNCIL.format(id=council_id, name=NAMES[council_id])
        if address is None:
            entry = "".join(
                line + "\n"
                for line in entry.splitlines()
                if "foi_email" not in line and "email_source" not in line
            )
        text += entry
    return text


@pytest.fixture
def overdue(home, run):
    (home / "councils.yaml").write_text(registry(alpha="", beta="", gamma=""), encoding="utf-8")
    sent = run("send", "r1", "--all", "--yes", env={"FOI_SENDER_NOW": "2025-04-14T09:30:00+01:00"})
    assert sent.exit_code == 0, sent.output
    # beta merged into another council and left the registry; gamma's address was withdrawn.
    (home / "councils.yaml").write_text(registry(alpha="", gamma=None), encoding="utf-8")
    return home


def chasers(home) -> list[bytes]:
    return [p.read_bytes() for p in sorted((home / "outbox" / "new").iterdir())]


def skipped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Skipped: ")]


def test_chase_lists_the_rest_and_names_the_skipped(overdue, run):
    result = run("chase", "r1", env=OVERDUE)
    assert result.exit_code == 0, result.output
    assert "alpha" in result.stdout and "foi@alpha.gov.uk" in result.stdout
    assert "beta" not in result.stdout and "gamma" not in result.stdout
    beta, gamma = skipped_lines(result.stderr)
    assert beta.startswith("Skipped: beta: not chased: no longer in ") and "merged" in beta
    assert gamma == (
        "Skipped: gamma: not chased: no FOI address; add one with "
        "`foi-sender councils set-email gamma ADDRESS --source TEXT`"
    )


def test_chase_send_sends_to_the_rest(overdue, run):
    before = len(chasers(overdue))
    result = run("chase", "r1", "--send", "--yes", env=OVERDUE)
    assert result.exit_code == 0, result.output
    assert "Sent 1." in result.stdout
    assert len(skipped_lines(result.stderr)) == 2
    new = chasers(overdue)[before:]
    assert len(new) == 1 and b"To: Alpha Council <foi@alpha.gov.uk>" in new[0]


def test_chase_fails_when_nobody_can_be_chased(overdue, run):
    (overdue / "councils.yaml").write_text(registry(gamma=None), encoding="utf-8")
    before = len(chasers(overdue))
    result = run("chase", "r1", "--send", "--yes", env=OVERDUE)
    assert result.exit_code == 1, result.output
    assert len(skipped_lines(result.stderr)) == 3
    assert "Error: no council could be chased (3 skipped)" in result.stderr
    assert len(chasers(overdue)) == before
