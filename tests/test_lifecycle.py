"""The request's life through the CLI (issue 5): respond, clarify, extend, withdraw and `status`,
with every date pinned (FOI_SENDER_NOW) and checked by hand against the statutory calendars.

Round `r1` is sent on Monday 14 April 2025 (09:30 BST) to three councils, one per regime:

    alpha  FOIA   reply due Thu 15 May (Good Friday 18 Apr, Easter Monday 21 Apr, 5 May off)
    beta   EIR    the same UK-wide calendar: due 15 May; reviews take 40 working days
    gamma  FOISA  Easter Monday is not a Scottish holiday: due Wed 14 May

Bad input for every lifecycle command must be refused with one `Error:` line, exit 2, and leave
every row of every ledger table (and the home's replies/ folder) as it was.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pytest

from foi_sender import deadlines

REPLIES = Path(__file__).parent / "fixtures" / "replies"
SENT_AT = "2025-04-14T09:30:00+01:00"
SENT_ON = date(2025, 4, 14)

COUNCILS = """\
councils:
  - id: alpha
    name: Alpha Borough Council
    nation: England
    regime: FOIA
    foi_email: foi@alpha.gov.uk
    email_source: test fixture
  - id: beta
    name: Beta County Council
    nation: England
    regime: EIR
    foi_email: foi@beta.gov.uk
    review_email: reviews@beta.gov.uk
    email_source: test fixture
  - id: gamma
    name: Gamma Council
    nation: Scotland
    regime: FOISA
    foi_email: foi@gamma.gov.scot
    email_source: test fixture
"""


def at(day: str, clock: str = "12:00:00") -> dict:
    """The environment pinning the clock to noon (BST) on `day`."""
    return {"FOI_SENDER_NOW": f"{day}T{clock}+01:00"}


@pytest.fixture
def sent(home, run):
    """`r1` sent to alpha, beta and gamma through the outbox on 14 April 2025; returns `act`:
    act(day, *args) runs the CLI with the clock pinned to noon on `day` and checks exit 0."""
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    result = run("send", "r1", "--all", "--yes", env={"FOI_SENDER_NOW": SENT_AT})
    assert result.exit_code == 0, result.output
    assert "Sent 3." in result.stdout

    def act(day: str, *args: str, code: int = 0):
        result = run(*args, env=at(day))
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result

    return act


def status(act, day: str, round_name: str | None = "r1") -> dict[str, dict]:
    """`status --json` on `day`, by council."""
    args = ("status", round_name, "--json") if round_name else ("status", "--json")
    rows = json.loads(act(day, *args).stdout)
    return {row["council"]: row for row in rows}


def dump(home: Path) -> dict:
    """Every row of every table of the ledger (read from a copy, so reading changes nothing)."""
    db = home / "foi.sqlite"
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy.sqlite"
        shutil.copyfile(db, copy)
        for suffix in ("-wal",):
            if db.with_name(db.name + suffix).exists():
                shutil.copyfile(db.with_name(db.name + suffix), Path(str(copy) + suffix))
        con = sqlite3.connect(copy)
        try:
            tables = [
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            rows = {
                t: con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables
            }
            rows["user_version"] = con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()
    assert {"rounds", "requests", "messages", "events", "calendar_events"} <= set(rows)
    return rows


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def events_of(home: Path, council: str) -> list[tuple[str, str, dict]]:
    con = sqlite3.connect(home / "foi.sqlite")
    try:
        rows = con.execute(
            "SELECT e.kind, e.on_date, e.data FROM events e JOIN requests q ON q.id = e.request_id"
            " WHERE q.council_id = ? ORDER BY e.id",
            (council,),
        ).fetchall()
    finally:
        con.close()
    return [(kind, on, json.loads(data)) for kind, on, data in rows]


# ---------------------------------------------------------------------------------------------
# The dates a sent request starts with, and how they run out


def test_status_after_sending_shows_each_regimes_dates(sent):
    rows = status(sent, "2025-04-14")
    assert set(rows) == {"alpha", "beta", "gamma"}
    expected_due = {"alpha": "2025-05-15", "beta": "2025-05-15", "gamma": "2025-05-14"}
    for council, row in rows.items():
        assert row["round"] == "r1"
        assert row["status"] == "awaiting"
        assert row["sent_on"] == "2025-04-14"
        assert row["due"] == expected_due[council]
        assert row["days_left"] == 20
        assert row["response_on"] is None
        assert row["outcome"] is None
        assert row["review_window_closes"] is None
        assert row["review_requested_on"] is None
        assert row["review_due"] is None
        assert row["reference"] is None
        assert row["message_id"].startswith("<") and row["message_id"].endswith(">")
    # 40 working days: FOIA/EIR lose 26 May too; Scotland also keeps Easter Monday.
    assert rows["alpha"]["long_overdue_on"] == "2025-06-13"
    assert rows["beta"]["long_overdue_on"] == "2025-06-13"
    assert rows["gamma"]["long_overdue_on"] == "2025-06-12"
    # The same figures from the deadlines module, for the record.
    assert deadlines.reply_due(SENT_ON, deadlines.Regime.FOISA).isoformat() == "2025-05-14"
    assert deadlines.reply_due(SENT_ON, deadlines.Regime.FOIA).isoformat() == "2025-05-15"


@pytest.mark.parametrize(
    ("day", "expected", "days_left"),
    [
        ("2025-05-14", "awaiting", 1),
        ("2025-05-15", "awaiting", 0),  # the due date itself is still in time
        ("2025-05-16", "overdue", -1),
        ("2025-05-27", "overdue", -7),  # 26 May (bank holiday) does not count
        ("2025-06-13", "overdue", -20),  # long overdue only from the day after the 40th day
        ("2025-06-16", "long_overdue", -21),
    ],
)
def test_overdue_and_long_overdue_follow_the_pinned_clock(sent, day, expected, days_left):
    row = status(sent, day)["alpha"]
    assert row["status"] == expected
    assert row["days_left"] == days_left
    assert row["due"] == "2025-05-15"


def test_status_overdue_lists_only_late_requests(sent):
    sent("2025-05-15", "respond", "r1", "beta", "--on", "2025-05-15", "--outcome", "successful")
    # On 15 May gamma (due 14 May) is late, alpha is due today and beta has answered.
    rows = json.loads(sent("2025-05-15", "status", "r1", "--overdue", "--json").stdout)
    assert [(r["council"], r["status"]) for r in rows] == [("gamma", "overdue")]
    table = sent("2025-05-15", "status", "r1").stdout
    gamma = next(line for line in table.splitlines() if line.startswith("gamma"))
    assert gamma.split()[1] == "overdue" and "-1" in gamma.split()


def test_dates_are_london_dates(home, run):
    """Sent at 00:30 BST on 2 May (23:30 UTC on 1 May): received, and counted from, 2 May."""
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    result = run(
        "send",
        "r1",
        "--council",
        "alpha",
        "--yes",
        env={"FOI_SENDER_NOW": "2025-05-01T23:30:00+00:00"},
    )
    assert result.exit_code == 0, result.output
    # 2 May is day 0; 5 and 26 May are bank holidays: Tuesday 3 June.
    result = run("status", "--json", env={"FOI_SENDER_NOW": "2025-05-01T23:45:00+00:00"})
    (row,) = json.loads(result.stdout)
    assert (row["sent_on"], row["due"]) == ("2025-05-02", "2025-06-03")
    # A reply that came in the same London day is not "in the future".
    result = run(
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-02",
        "--outcome",
        "not_held",
        env={"FOI_SENDER_NOW": "2025-05-01T23:50:00+00:00"},
    )
    assert result.exit_code == 0, result.stderr


# ---------------------------------------------------------------------------------------------
# respond


def test_respond_records_the_answer_and_opens_the_review_window(sent, home):
    result = sent(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--reference",
        "ALPHA/FOI/123",
        "--exemption",
        "s40(2)",
        "--exemption",
        "s43",
    )
    assert result.stdout == "r1/alpha: response of 2025-05-07 recorded (refused).\n"
    rows = status(sent, "2025-05-07")
    alpha = rows["alpha"]
    assert alpha["status"] == "refused"
    assert alpha["response_on"] == "2025-05-07"
    assert alpha["outcome"] == "refused"
    assert alpha["reference"] == "ALPHA/FOI/123"
    assert alpha["exemptions"] == ["s40(2)", "s43"]
    # 40 working days from 7 May: 26 May is a bank holiday, so Thursday 3 July.
    assert alpha["review_window_closes"] == "2025-07-03"
    assert alpha["due"] == "2025-05-15"  # the reply due date is history, unchanged
    # The others are untouched.
    assert rows["beta"]["status"] == rows["gamma"]["status"] == "awaiting"
    assert events_of(home, "alpha") == [
        (
            "response",
            "2025-05-07",
            {"outcome": "refused", "reference": "ALPHA/FOI/123", "exemptions": ["s40(2)", "s43"]},
        )
    ]
    # Answered: never overdue afterwards.
    assert status(sent, "2025-06-20")["alpha"]["status"] == "refused"


def test_respond_late_answer_and_scottish_review_window(sent):
    sent("2025-06-02", "respond", "r1", "gamma", "--on", "2025-05-30", "--outcome", "not_held")
    gamma = status(sent, "2025-06-02")["gamma"]
    assert gamma["status"] == "not_held"
    assert gamma["response_on"] == "2025-05-30"
    # FOISA s.20(5): 40 working days, Scottish holidays only (none in June/July before 4 Aug).
    assert gamma["review_window_closes"] == "2025-07-25"
    assert gamma["review_window_closes"] == (
        deadlines.review_window_closes(date(2025, 5, 30), deadlines.Regime.FOISA).isoformat()
    )


def test_respond_file_is_kept_in_the_home_and_read_for_facts(sent, home):
    source = REPLIES / "leicester-2025.txt"
    result = sent(
        "2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--file", str(source)
    )
    assert "r1/alpha: response of 2025-05-07 recorded (partially successful)." in result.stdout
    kept = home / "replies" / "r1" / "alpha-2025-05-07.txt"
    assert kept.read_bytes() == source.read_bytes()
    assert kept.stat().st_mode & 0o777 == 0o600
    kind, on, data = events_of(home, "alpha")[0]
    assert (kind, on) == ("response", "2025-05-07")
    assert data["file"] == "replies/r1/alpha-2025-05-07.txt"
    assert data["outcome"] == "partially_successful"
    assert data["exemptions"] == ["s40(2)"]
    assert data["numbers"] == {"5": 62}
    row = status(sent, "2025-05-07")["alpha"]
    assert row["exemptions"] == ["s40(2)"]
    assert row["outcome"] == "partially_successful"


def test_respond_file_with_its_own_date_and_reference(sent, home):
    # Coventry's letter is dated 07 May 2025 and carries its reference; nothing else is given.
    sent("2025-05-08", "respond", "r1", "beta", "--file", str(REPLIES / "coventry-2025.txt"))
    row = status(sent, "2025-05-08")["beta"]
    assert row["response_on"] == "2025-05-07"
    assert row["reference"] == "FOI704387821"
    assert row["outcome"] == "successful"
    assert (home / "replies" / "r1" / "beta-2025-05-07.txt").is_file()


def test_internal_review_dates_through_to_the_answer(sent, home):
    sent("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "refused")
    sent(
        "2025-05-08",
        "review",
        "r1",
        "alpha",
        "--grounds",
        "The exemption does not apply.",
        "--send",
        "--yes",
    )
    alpha = status(sent, "2025-05-08")["alpha"]
    assert alpha["status"] == "review_requested"
    assert alpha["review_requested_on"] == "2025-05-08"
    # 20 working days from 8 May (26 May off): Friday 6 June.
    assert alpha["review_due"] == "2025-06-06"
    assert status(sent, "2025-06-06")["alpha"]["status"] == "review_requested"
    assert status(sent, "2025-06-09")["alpha"]["status"] == "review_overdue"
    overdue = json.loads(sent("2025-06-09", "status", "r1", "--overdue", "--json").stdout)
    # beta and gamma never answered at all; alpha is listed for its late review.
    assert {r["council"]: r["status"] for r in overdue} == {
        "alpha": "review_overdue",
        "beta": "overdue",
        "gamma": "overdue",
    }

    reply = home.parent / "review-answer.txt"
    reply.write_text("We have reviewed our decision and release the information.\n")
    result = sent(
        "2025-06-10",
        "respond",
        "r1",
        "alpha",
        "--review",
        "--on",
        "2025-06-10",
        "--outcome",
        "successful",
        "--file",
        str(reply),
    )
    assert "review answer of 2025-06-10 recorded (successful)" in result.stdout
    alpha = status(sent, "2025-06-10")["alpha"]
    assert alpha["status"] == "review_answered"
    assert alpha["response_on"] == "2025-05-07"  # the first response is still the response
    assert alpha["outcome"] == "refused"
    assert alpha["review_due"] == "2025-06-06"
    kinds = [kind for kind, _, _ in events_of(home, "alpha")]
    assert kinds == ["response", "review_grounds", "review_response"]
    kept = files_under(home / "replies")
    assert list(kept.values()).count(reply.read_bytes()) == 1


def test_review_answer_file_does_not_overwrite_the_response_file(sent, home):
    """Both letters arrive on the same day: each keeps its own copy."""
    first = home.parent / "answer.txt"
    first.write_text("We refuse your request under section 43.\n")
    second = home.parent / "review.txt"
    second.write_text("On review we uphold our decision.\n")
    sent(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--file",
        str(first),
    )
    sent("2025-05-07", "review", "r1", "alpha", "--grounds", "Not commercial.", "--send", "--yes")
    sent(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--review",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--file",
        str(second),
    )
    (_, _, response), (_, _, grounds), (_, _, review) = events_of(home, "alpha")
    assert grounds["grounds"]
    assert response["file"] != review["file"]
    assert (home / response["file"]).read_bytes() == first.read_bytes()
    assert (home / review["file"]).read_bytes() == second.read_bytes()


def test_eir_review_is_due_in_40_working_days(sent):
    sent("2025-05-07", "respond", "r1", "beta", "--on", "2025-05-07", "--outcome", "refused")
    sent(
        "2025-05-08",
        "review",
        "r1",
        "beta",
        "--grounds",
        "Reg 12(4)(b) is misapplied.",
        "--send",
        "--yes",
    )
    beta = status(sent, "2025-05-08")["beta"]
    assert beta["review_requested_on"] == "2025-05-08"
    # EIR reg 11(4): 40 working days from 8 May: Friday 4 July.
    assert beta["review_due"] == "2025-07-04"
    assert status(sent, "2025-07-04")["beta"]["status"] == "review_requested"
    assert status(sent, "2025-07-07")["beta"]["status"] == "review_overdue"


# ---------------------------------------------------------------------------------------------
# clarify, extend, withdraw


def test_clarify_restarts_the_clock(sent, home):
    result = sent("2025-04-24", "clarify", "r1", "alpha", "--on", "2025-04-23")
    expected = deadlines.clarified_due(date(2025, 4, 23), deadlines.Regime.FOIA)
    # 23 April is day 0; 5 May is a bank holiday: Thursday 22 May.
    assert expected == date(2025, 5, 22)
    assert result.stdout == "r1/alpha: reply now due 2025-05-22 (19 working days left).\n"
    rows = status(sent, "2025-04-24")
    assert rows["alpha"]["due"] == "2025-05-22"
    assert rows["alpha"]["long_overdue_on"] == "2025-06-20"  # 40 days from the clarification
    assert rows["alpha"]["status"] == "awaiting"
    assert rows["beta"]["due"] == "2025-05-15"  # the others are unchanged
    assert events_of(home, "alpha") == [("clarification", "2025-04-23", {})]
    # Overdue counts from the new date.
    assert status(sent, "2025-05-16")["alpha"]["status"] == "awaiting"
    assert status(sent, "2025-05-23")["alpha"]["status"] == "overdue"


def test_clarify_under_foisa_uses_scottish_days(sent):
    sent("2025-05-02", "clarify", "r1", "gamma", "--on", "2025-05-02")
    gamma = status(sent, "2025-05-02")["gamma"]
    assert gamma["due"] == (
        deadlines.clarified_due(date(2025, 5, 2), deadlines.Regime.FOISA).isoformat()
    )
    # 5 May and 26 May are Scottish bank holidays too: Tuesday 3 June.
    assert gamma["due"] == "2025-06-03"


def test_extend_by_days_adds_working_days_to_the_current_due_date(sent, home):
    result = sent("2025-05-14", "extend", "r1", "alpha", "--days", "20")
    # 15 May + 20 working days, 26 May off: Friday 13 June.
    assert result.stdout == "r1/alpha: reply now due 2025-06-13 (21 working days left).\n"
    rows = status(sent, "2025-05-14")
    assert rows["alpha"]["due"] == "2025-06-13"
    assert rows["alpha"]["long_overdue_on"] == "2025-06-13"  # 40 days from receipt: unchanged
    assert rows["beta"]["due"] == "2025-05-15"
    assert status(sent, "2025-05-16")["alpha"]["status"] == "awaiting"
    assert events_of(home, "alpha") == [("extension", "2025-05-14", {"days": 20})]
    # A second extension builds on the first.
    sent("2025-05-20", "extend", "r1", "alpha", "--days", "5")
    assert status(sent, "2025-05-20")["alpha"]["due"] == "2025-06-20"


def test_extend_to_the_date_the_council_gave(sent, home):
    result = sent("2025-05-14", "extend", "r1", "beta", "--to", "2025-06-30")
    assert result.stdout.startswith("r1/beta: reply now due 2025-06-30 (")
    assert status(sent, "2025-05-14")["beta"]["due"] == "2025-06-30"
    assert events_of(home, "beta") == [("extension", "2025-05-14", {"to": "2025-06-30"})]


def test_extension_after_a_clarification_builds_on_the_new_date(sent):
    sent("2025-04-24", "clarify", "r1", "alpha", "--on", "2025-04-23")
    sent("2025-05-20", "extend", "r1", "alpha", "--days", "10")
    # 22 May + 10 working days (26 May off): Friday 6 June.
    assert status(sent, "2025-05-20")["alpha"]["due"] == "2025-06-06"


def test_withdraw(sent, home):
    result = sent("2025-04-30", "withdraw", "r1", "gamma")
    assert result.stdout == "r1/gamma: withdrawn.\n"
    assert events_of(home, "gamma") == [("withdrawn", "2025-04-30", {})]
    # Never overdue, never chased.
    assert status(sent, "2025-06-30")["gamma"]["status"] == "withdrawn"
    chase = sent("2025-05-16", "chase", "r1")
    assert "gamma" not in chase.stdout
    assert "alpha" in chase.stdout


# ---------------------------------------------------------------------------------------------
# Bad input: one clear line, exit 2, nothing recorded

TODAY = "2025-05-07"

# (setup commands run first, the refused command, a word the error line must contain)
REFUSALS = {
    "respond-before-sent": (
        (),
        ("respond", "r1", "alpha", "--on", "2025-04-13", "--outcome", "refused"),
        "before the request was sent",
    ),
    "respond-future": (
        (),
        ("respond", "r1", "alpha", "--on", "2025-05-08", "--outcome", "refused"),
        "future",
    ),
    "respond-malformed": (
        (),
        ("respond", "r1", "alpha", "--on", "07/05/2025", "--outcome", "refused"),
        "not a date",
    ),
    "respond-impossible": (
        (),
        ("respond", "r1", "alpha", "--on", "2025-02-30", "--outcome", "refused"),
        "not a date",
    ),
    "respond-unknown-round": (
        (),
        ("respond", "r2", "alpha", "--on", TODAY, "--outcome", "refused"),
        "no round named 'r2'",
    ),
    "respond-unknown-council": (
        (),
        ("respond", "r1", "zeta", "--on", TODAY, "--outcome", "refused"),
        "no request to 'zeta'",
    ),
    "respond-no-outcome": ((), ("respond", "r1", "alpha", "--on", TODAY), "--outcome"),
    "respond-no-date": ((), ("respond", "r1", "alpha", "--outcome", "refused"), "--on"),
    "respond-bad-outcome": (
        (),
        ("respond", "r1", "alpha", "--on", TODAY, "--outcome", "maybe"),
        "outcome",
    ),
    "respond-review-without-review": (
        (),
        ("respond", "r1", "alpha", "--review", "--on", TODAY, "--outcome", "refused"),
        "no internal review",
    ),
    "respond-missing-file": (
        (),
        ("respond", "r1", "alpha", "--on", TODAY, "--outcome", "refused", "--file", "nope.txt"),
        "nope.txt",
    ),
    "respond-file-future-date": (
        (),
        (
            "respond",
            "r1",
            "alpha",
            "--on",
            "2025-05-09",
            "--file",
            str(REPLIES / "leicester-2025.txt"),
        ),
        "future",
    ),
    "respond-file-no-date": (
        (),
        ("respond", "r1", "alpha", "--file", str(REPLIES / "leicester-2025.txt")),
        "--on",
    ),
    "respond-reference-two-lines": (
        (),
        (
            "respond",
            "r1",
            "alpha",
            "--on",
            TODAY,
            "--outcome",
            "refused",
            "--reference",
            "A1\nBcc: x@y.z",
        ),
        "one line",
    ),
    "clarify-before-sent": (
        (),
        ("clarify", "r1", "alpha", "--on", "2025-04-11"),
        "before the request was sent",
    ),
    "clarify-future": ((), ("clarify", "r1", "alpha", "--on", "2025-06-01"), "future"),
    "clarify-malformed": ((), ("clarify", "r1", "alpha", "--on", "2025-5-1"), "not a date"),
    "clarify-unknown-round": ((), ("clarify", "r2", "alpha", "--on", TODAY), "no round"),
    "clarify-unknown-council": ((), ("clarify", "r1", "zeta", "--on", TODAY), "zeta"),
    "extend-zero-days": ((), ("extend", "r1", "alpha", "--days", "0"), "--days"),
    "extend-negative-days": ((), ("extend", "r1", "alpha", "--days", "-5"), "--days"),
    "extend-both": (
        (),
        ("extend", "r1", "alpha", "--days", "5", "--to", "2025-06-30"),
        "either --days N or --to DATE",
    ),
    "extend-neither": ((), ("extend", "r1", "alpha"), "either --days N or --to DATE"),
    "extend-to-before-sent": ((), ("extend", "r1", "alpha", "--to", "2025-04-01"), "not after"),
    "extend-to-before-due": ((), ("extend", "r1", "alpha", "--to", "2025-05-09"), "not after"),
    "extend-to-malformed": ((), ("extend", "r1", "alpha", "--to", "30 June"), "not a date"),
    "extend-days-not-a-number": ((), ("extend", "r1", "alpha", "--days", "ten"), "--days"),
    "extend-unknown-round": ((), ("extend", "r2", "alpha", "--days", "5"), "no round"),
    "extend-unknown-council": ((), ("extend", "r1", "zeta", "--days", "5"), "zeta"),
    "extend-after-answer": (
        (("respond", "r1", "alpha", "--on", TODAY, "--outcome", "refused"),),
        ("extend", "r1", "alpha", "--days", "5"),
        "already answered",
    ),
    "respond-review-before-review": (
        (
            ("respond", "r1", "alpha", "--on", "2025-05-06", "--outcome", "refused"),
            ("review", "r1", "alpha", "--grounds", "g", "--send", "--yes"),
        ),
        ("respond", "r1", "alpha", "--review", "--on", "2025-05-06", "--outcome", "refused"),
        "before the review",
    ),
    "withdraw-twice": (
        (("withdraw", "r1", "alpha"),),
        ("withdraw", "r1", "alpha"),
        "already withdrawn",
    ),
    "withdraw-unknown-round": ((), ("withdraw", "r2", "alpha"), "no round"),
    "withdraw-unknown-council": ((), ("withdraw", "r1", "zeta"), "zeta"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_input_is_refused_and_changes_nothing(sent, home, run, case):
    setup, command, mentions = REFUSALS[case]
    for args in setup:
        sent(TODAY, *args)
    before = dump(home)
    replies_before = files_under(home / "replies") if (home / "replies").exists() else {}
    outbox_before = files_under(home / "outbox")

    result = run(*command, env=at(TODAY))

    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    chatter = [
        line
        for line in lines
        if not line.startswith(("Error: ", "Usage: ", "Try '"))  # click's usage preamble
    ]
    assert len(errors) == 1 and not chatter, result.stderr
    assert mentions.lower() in errors[0].lower(), errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert dump(home) == before
    after = files_under(home / "replies") if (home / "replies").exists() else {}
    assert after == replies_before
    assert files_under(home / "outbox") == outbox_before
