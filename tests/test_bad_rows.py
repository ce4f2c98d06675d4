"""One bad event row must not brick the readers (issue 11, item 2).

Fault injection: a real ledger, written by real commands, gets one bad row put straight into its
events table with sqlite3 (a hand edit, a bug of an older release, the row `extend --days
100000000` used to commit). Then every reader runs: each must name the broken request and why,
show the others as usual, and exit as it would have without the bad row. `undo` then takes the
bad row back and the request is whole again.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

REGISTRY = """\
councils:
  - id: coventry
    name: Coventry City Council
    nation: England
    regime: FOIA
    foi_email: infogov@coventry.gov.uk
    email_source: test fixture
  - id: leicester
    name: Leicester City Council
    nation: England
    regime: FOIA
    foi_email: info.requests@leicester.gov.uk
    email_source: test fixture
"""
SENT = {"FOI_SENDER_NOW": "2025-04-14T09:30:00+01:00"}  # due Thu 15 May
LATER = {"FOI_SENDER_NOW": "2025-06-16T10:00:00+01:00"}  # both overdue

# id: (kind, on_date, data): rows no release of foi-sender should write, and one it did
BAD_ROWS = {
    "extension-100-million-days": ("extension", "2025-06-14", '{"days": 100000000}'),
    "extension-days-as-text": ("extension", "2025-06-14", '{"days": "twenty"}'),
    "extension-without-days-or-date": ("extension", "2025-06-14", "{}"),
    "extension-to-end-of-calendar": ("extension", "2025-06-14", '{"to": "9999-12-31"}'),
    "extension-to-not-a-date": ("extension", "2025-06-14", '{"to": "soon"}'),
    "clarification-in-year-1": ("clarification", "0001-01-01", "{}"),
    "response-date-not-a-date": ("response", "14/06/2025", '{"outcome": "refused"}'),
    "data-not-json": ("withdrawn", "2025-06-14", "{oops"),
    "data-a-list": ("response", "2025-06-14", "[1, 2]"),
    "review-grounds-missing": ("review_grounds", "2025-06-14", "{}"),
    "undo-of-nothing-readable": ("undo", "2025-06-14", "null"),
}


@pytest.fixture
def sent(home, run) -> Path:
    (home / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    result = run("send", "r1", "--all", "--yes", env=SENT)
    assert result.exit_code == 0, result.output
    return home


def inject(home: Path, council: str, kind: str, on_date: str, data: str) -> None:
    con = sqlite3.connect(home / "foi.sqlite")
    try:
        with con:
            (request_id,) = con.execute(
                "SELECT id FROM requests WHERE council_id = ?", (council,)
            ).fetchone()
            con.execute(
                "INSERT INTO events (request_id, kind, on_date, recorded_at, data)"
                " VALUES (?, ?, ?, '2025-06-14T09:00:00+00:00', ?)",
                (request_id, kind, on_date, data),
            )
    finally:
        con.close()


def ok(result, *, code: int = 0):
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def names_leicester(result) -> None:
    warnings = [line for line in result.stderr.splitlines() if "r1/leicester" in line]
    assert warnings, result.stderr
    assert "event 1 " in warnings[0] and "is broken" in warnings[0]


@pytest.mark.parametrize("kind, on_date, data", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_readers_name_the_broken_request_and_carry_on(sent, run, tmp_path, kind, on_date, data):
    inject(sent, "leicester", kind, on_date, data)

    table = ok(run("status", "r1", env=LATER))
    names_leicester(table)
    assert "leicester  broken" in table.stdout
    assert "coventry   long overdue" in table.stdout

    rows = {r["council"]: r for r in json.loads(ok(run("status", "--json", env=LATER)).stdout)}
    assert rows["leicester"]["status"] == "broken" and rows["leicester"]["due"] is None
    assert "event 1" in rows["leicester"]["broken"]
    assert (rows["coventry"]["status"], rows["coventry"]["broken"]) == ("long_overdue", None)

    export = ok(run("export", "r1", env=LATER))
    assert "r1/leicester: broken" in export.stderr
    assert ",leicester,Leicester City Council,broken," in export.stdout
    assert ",coventry,Coventry City Council,long_overdue,2025-04-14,2025-05-15," in export.stdout

    ics = tmp_path / "r1.ics"
    calendar = ok(run("calendar", "export", "r1", "-o", str(ics), env=LATER))
    names_leicester(calendar)
    assert b"reply-due.coventry.r1@" in ics.read_bytes()
    assert b".leicester." not in ics.read_bytes()

    chase = ok(run("chase", "r1", env=LATER))
    assert "coventry" in chase.stdout and "leicester" not in chase.stdout
    assert "leicester: not chased" in chase.stderr

    # The other request of the round can still be recorded against.
    ok(run("withdraw", "r1", "coventry", env=LATER))
    assert json.loads(run("status", "--json", env=LATER).stdout)[0]["status"] == "withdrawn"

    # undo shows the bad row, takes it back, and the request is whole again.
    undone = ok(run("undo", "r1", "leicester", "--yes", env=LATER))
    assert "event 1" in undone.stdout or f"{kind}" in undone.stdout
    healed = {r["council"]: r for r in json.loads(run("status", "--json", env=LATER).stdout)}
    assert healed["leicester"]["status"] == "long_overdue"
    assert healed["leicester"]["due"] == "2025-05-15"


def test_a_broken_request_is_named_by_the_commands_that_need_its_dates(sent, run):
    inject(sent, "leicester", "extension", "2025-06-14", '{"days": 100000000}')
    for args in (
        ("complain", "r1", "leicester", "--force"),
        ("review", "r1", "leicester", "--grounds", "Please look again."),
        ("extend", "r1", "leicester", "--days", "5"),
    ):
        result = ok(run(*args, env=LATER), code=2)
        assert "event 1 (extension) is broken" in result.stderr, args
        assert "undo r1 leicester" in result.stderr, args
    # ... and `complain` for the other council of the round is not disturbed.
    review = ("review", "r1", "coventry", "--grounds", "No answer.", "--send", "--yes")
    ok(run(*review, env=LATER))
    ok(run("complain", "r1", "coventry", "--force", env=LATER))


def test_extend_by_100_million_days_records_nothing_and_bricks_nothing(sent, run):
    """The report that opened issue 11: the error came after the event was committed."""
    result = ok(run("extend", "r1", "leicester", "--days", "100000000", env=LATER), code=2)
    assert result.stderr.startswith("Error: --days 100000000 is more than 260 working days")
    con = sqlite3.connect(sent / "foi.sqlite")
    assert con.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
    con.close()
    assert "leicester  long overdue" in ok(run("status", "r1", env=LATER)).stdout


def test_a_new_event_that_would_break_the_dates_is_refused_before_it_is_recorded(sent, run):
    """Past every option check, the new event is tried against the request's dates first: a
    clock at the end of the calendar makes the review window impossible to count."""
    end = {"FOI_SENDER_NOW": "9999-12-30T12:00:00+00:00"}
    args = ("respond", "r1", "leicester", "--on", "9999-12-30", "--outcome", "refused")
    result = ok(run(*args, env=end), code=2)
    assert "cannot record this response" in result.stderr
    assert "nothing recorded" in result.stderr
    con = sqlite3.connect(sent / "foi.sqlite")
    assert con.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
    con.close()
