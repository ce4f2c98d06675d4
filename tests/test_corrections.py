"""Correcting what was recorded (issue 11): a second `respond`, `respond --replace`, `undo`,
hand-typed exemptions, and dates given with stray spaces.

Round `r1` is sent on Monday 14 April 2025 to leicester (FOIA), due Thursday 15 May.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

REGISTRY = """\
councils:
  - id: leicester
    name: Leicester City Council
    nation: England
    regime: FOIA
    foi_email: info.requests@leicester.gov.uk
    email_source: test fixture
"""


def at(day: str) -> dict:
    return {"FOI_SENDER_NOW": f"{day}T12:00:00+01:00"}


@pytest.fixture
def cli(home, run):
    (home / "councils.yaml").write_text(REGISTRY, encoding="utf-8")

    def invoke(day: str, *args: str, code: int = 0):
        result = run(*args, env=at(day))
        assert "Traceback" not in result.output + result.stderr
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result

    invoke("2025-04-14", "send", "r1", "--council", "leicester", "--yes")
    return invoke


def state(cli, day: str) -> dict:
    return json.loads(cli(day, "status", "r1", "--json").stdout)[0]


def events(home: Path) -> list[tuple]:
    con = sqlite3.connect(home / "foi.sqlite")
    try:
        return con.execute("SELECT id, kind, on_date, data FROM events ORDER BY id").fetchall()
    finally:
        con.close()


RESPOND = ("respond", "r1", "leicester", "--on", "2025-05-07", "--outcome", "refused")


# -- a second respond --------------------------------------------------------------------------


def test_the_same_reply_twice_is_recorded_once(cli, home):
    cli("2025-05-07", *RESPOND, "--reference", "FOI-1", "--exemption", "s40(2)")
    again = cli("2025-05-08", *RESPOND, "--reference", "FOI-1", "--exemption", "section 40(2)")
    assert again.stdout == (
        "r1/leicester: response of 2025-05-07 already recorded, nothing changed (refused).\n"
    )
    assert [e[1] for e in events(home)] == ["response"]


def test_a_different_reply_replaces_only_with_replace_and_takes_its_reference_along(cli, home):
    cli("2025-05-07", *RESPOND, "--reference", "FOI-1")
    refused = cli(
        "2025-05-09",
        *("respond", "r1", "leicester", "--on", "2025-05-09", "--outcome", "successful"),
        code=2,
    )
    assert "a response of 2025-05-07 (refused, ref FOI-1) is already recorded" in refused.stderr
    assert len(events(home)) == 1
    cli(
        "2025-05-09",
        *("respond", "r1", "leicester", "--on", "2025-05-09", "--outcome", "successful"),
        "--replace",
    )
    now = state(cli, "2025-05-09")
    # The old reference belonged to the old reply: it is not carried over to the new one.
    assert (now["outcome"], now["response_on"], now["reference"]) == (
        "successful",
        "2025-05-09",
        None,
    )


# -- undo --------------------------------------------------------------------------------------


def test_undo_takes_back_the_last_event_then_the_one_before(cli, home):
    cli("2025-05-12", "extend", "r1", "leicester", "--days", "20")
    cli("2025-05-12", "clarify", "r1", "leicester", "--on", "2025-05-12")
    assert state(cli, "2025-05-12")["due"] == "2025-06-10"  # 20 days from the clarification
    first = cli("2025-05-13", "undo", "r1", "leicester", "--yes")
    assert first.stdout.splitlines()[0] == (
        "r1/leicester: the last event is the clarification received 2025-05-12, recorded "
        "2025-05-12."
    )
    assert "reply now due 2025-06-13" in first.stdout  # the extension stands
    second = cli("2025-05-13", "undo", "r1", "leicester", "--yes")
    assert "extension by 20 working days" in second.stdout
    assert state(cli, "2025-05-13")["due"] == "2025-05-15"
    # Journaled, never deleted: both events are still there, each voided by an undo record.
    rows = events(home)
    assert [r[1] for r in rows] == ["extension", "clarification", "undo", "undo"]
    undo_of = [json.loads(r[3]) for r in rows[2:]]
    assert [u["event"] for u in undo_of] == [2, 1]
    assert undo_of[0]["undone"] == {"kind": "clarification", "on": "2025-05-12", "data": {}}
    nothing = cli("2025-05-13", "undo", "r1", "leicester", "--yes", code=2)
    assert "nothing to undo" in nothing.stderr


def test_undo_a_reply_reopens_the_request(cli):
    cli("2025-05-07", *RESPOND, "--exemption", "S43")
    assert state(cli, "2025-05-07")["status"] == "refused"
    shown = cli("2025-05-07", "undo", "r1", "leicester", "--yes")
    assert "the response of 2025-05-07 (refused; citing s43)" in shown.stdout
    after = state(cli, "2025-05-07")
    assert (after["status"], after["response_on"], after["exemptions"]) == ("awaiting", None, [])


def test_undo_asks_on_a_terminal_and_no_changes_nothing(cli, home):
    """A real terminal (a pty) for the console script: answering `n` records nothing."""
    import os
    import pty
    import subprocess
    import sys

    cli("2025-05-07", *RESPOND)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")
        done = subprocess.run(
            [str(Path(sys.executable).parent / "foi-sender"), "--home", str(home)]
            + ["undo", "r1", "leicester"],
            stdin=terminal,
            capture_output=True,
            text=True,
            env={**os.environ, **at("2025-05-07")},
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "the last event is the response of 2025-05-07" in done.stdout
    assert "Undo it? [y/N]" in done.stdout
    assert [e[1] for e in events(home)] == ["response"]


def test_undo_never_unsends_a_chaser_sent_after_the_event(cli, home):
    cli("2025-05-12", "extend", "r1", "leicester", "--to", "2025-05-20")
    cli("2025-05-22", "chase", "r1", "--send", "--yes")
    refused = cli("2025-05-22", "undo", "r1", "leicester", "--yes", code=2)
    assert "the last thing recorded for r1/leicester is the overdue chaser of 2025-05-22" in (
        refused.stderr
    )
    assert "letters are never un-sent" in refused.stderr
    assert [e[1] for e in events(home)] == ["extension"]


# -- exemptions and dates as typed -------------------------------------------------------------


def test_hand_typed_exemptions_are_recorded_as_codes(cli):
    cli(
        "2025-05-07",
        *RESPOND,
        *("--exemption", "section 40(2)", "--exemption", "S43"),
        *("--exemption", "Regulation 12 (5)(e)", "--exemption", "s.40 (2)"),
    )
    assert state(cli, "2025-05-07")["exemptions"] == ["s40(2)", "s43", "reg12(5)(e)"]
    draft = cli(
        "2025-05-08", "draft", "leicester", "--round", "r1", "--template", "internal_review"
    )
    assert "citing section 40(2), section 43, regulation 12(5)(e)" in " ".join(draft.stdout.split())
    assert "ection ection" not in draft.stdout


def test_a_date_with_stray_spaces_is_echoed_as_the_date(cli):
    result = cli(
        "2025-05-07", "respond", "r1", "leicester", "--on", " 2025-05-07 ", "--outcome", "refused"
    )
    assert result.stdout == "r1/leicester: response of 2025-05-07 recorded (refused).\n"


def test_status_explains_a_letter_left_sending(cli, home):
    con = sqlite3.connect(home / "foi.sqlite")
    with con:
        con.execute("UPDATE messages SET status = 'sending'")
    con.close()
    result = cli("2025-04-15", "status", "r1")
    assert "leicester  sending" in result.stdout
    assert "--retry-uncertain" in result.stderr and "stopped mid-send" in result.stderr
