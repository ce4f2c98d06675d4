"""Internal reviews, review chasers, overdue chasers, complaints, reply matching and the dataset
(issue 6), end to end through the CLI against the real SMTP server fixture (tests/smtp_server.py).

Round `r1` is sent on Monday 14 April 2025 through the server to six councils:

    alpha      FOIA   its own review address (reviews@alpha.gov.uk)      due Thu 15 May
    beta       EIR    no review address: reviews go to foi@              due Thu 15 May
    gamma      FOISA                                                     due Wed 14 May
    delta      FOIA                                                      due Thu 15 May
    coventry   FOIA   the real reply of 7 May 2025 (FOI704387821)        due Thu 15 May
    leicester  FOIA   the real reply (s.40(2) refusal of question 1)     due Thu 15 May
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import write_smtp_home  # noqa: E402

pytest_plugins = ["smtp_server"]

REPLIES = Path(__file__).parent / "fixtures" / "replies"
SENT_AT = "2025-04-14T09:30:00+01:00"

COUNCILS = """\
councils:
  - id: alpha
    name: Alpha Borough Council
    nation: England
    regime: FOIA
    foi_email: foi@alpha.gov.uk
    review_email: reviews@alpha.gov.uk
    email_source: test fixture
  - id: beta
    name: Beta County Council
    nation: England
    regime: EIR
    foi_email: foi@beta.gov.uk
    email_source: test fixture
  - id: coventry
    name: Coventry City Council
    nation: England
    regime: FOIA
    foi_email: infogov@coventry.gov.uk
    email_source: test fixture
  - id: delta
    name: Delta District Council
    nation: England
    regime: FOIA
    foi_email: foi@delta.gov.uk
    email_source: test fixture
  - id: gamma
    name: Gamma Council
    nation: Scotland
    regime: FOISA
    foi_email: foi@gamma.gov.scot
    email_source: test fixture
  - id: leicester
    name: Leicester City Council
    nation: England
    regime: FOIA
    foi_email: info.requests@leicester.gov.uk
    email_source: test fixture
"""
ADDRESS = {
    "alpha": "foi@alpha.gov.uk",
    "beta": "foi@beta.gov.uk",
    "coventry": "infogov@coventry.gov.uk",
    "delta": "foi@delta.gov.uk",
    "gamma": "foi@gamma.gov.scot",
    "leicester": "info.requests@leicester.gov.uk",
}
GROUNDS = (
    "The names of the managers who place children are not the personal data of junior staff:\n"
    "they act in a public role. Please release question 1."
)


def at(day: str, clock: str = "12:00:00") -> dict:
    return {"FOI_SENDER_NOW": f"{day}T{clock}+01:00"}


class Flow:
    """The CLI at a pinned date, the server, and what the round's requests carried."""

    def __init__(self, home: Path, run, server):
        self.home, self._run, self.server = home, run, server
        self.request_ids: dict[str, str] = {}

    def __call__(self, day: str, *args: str, code: int = 0, clock: str = "12:00:00"):
        result = self._run(*args, env=at(day, clock))
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result

    def status(self, day: str) -> dict[str, dict]:
        return {r["council"]: r for r in json.loads(self(day, "status", "r1", "--json").stdout)}

    def new_messages(self, since: int) -> list[EmailMessage]:
        return [m.message for m in self.server.messages[since:]]

    def ledger(self, sql: str, *args) -> list[tuple]:
        con = sqlite3.connect(self.home / "foi.sqlite")
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()


@pytest.fixture
def flow(home, run, smtp_server) -> Flow:
    write_smtp_home(home, smtp_server)
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    flow = Flow(home, run, smtp_server)
    result = flow("2025-04-14", "send", "r1", "--all", "--yes", clock="09:30:00")
    assert "Sent 6." in result.stdout
    assert len(smtp_server.messages) == 6
    for received in smtp_server.messages:
        (to,) = received.rcpt_tos
        council = next(c for c, a in ADDRESS.items() if a == to)
        flow.request_ids[council] = received.message["Message-ID"]
    assert flow.status("2025-04-14")["alpha"]["message_id"] == flow.request_ids["alpha"]
    return flow


def refused(result, mentions: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert mentions.lower() in errors[0].lower(), errors[0]
    return errors[0]


def body_of(message: EmailMessage) -> str:
    assert message.get_content_type() == "text/plain"
    return message.get_content()


def unwrap(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# review


def test_review_send_goes_to_the_review_address_threaded_with_grounds_and_reference(flow):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--reference",
        "FOI-2025-0417",
        "--exemption",
        "s40(2)",
        "--exemption",
        "s43",
    )
    result = flow("2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes")
    assert "Sent 1." in result.stdout
    (message,) = flow.new_messages(6)
    (received,) = flow.server.messages[6:]
    assert received.rcpt_tos == ("reviews@alpha.gov.uk",)
    assert message["To"].addresses[0].addr_spec == "reviews@alpha.gov.uk"
    assert message["From"].addresses[0].addr_spec == "alex@example.org"
    assert message["In-Reply-To"] == flow.request_ids["alpha"]
    assert message["References"] == flow.request_ids["alpha"]
    assert message["Message-ID"] != flow.request_ids["alpha"]
    assert "FOI-2025-0417" in message["Subject"]
    assert message["Subject"].startswith("Request for internal review:")
    body = unwrap(body_of(message))
    assert unwrap(GROUNDS) in body
    assert "reference FOI-2025-0417" in body
    assert "section 40(2), section 43" in body
    assert "refused my request" in body
    assert "sent on 14 April 2025" in body
    assert "by 6 June 2025" in body  # 20 working days from 8 May (26 May off)
    # The ledger: the letter as sent, and the dates status shows.
    ((mid, kind, status, to),) = flow.ledger(
        "SELECT message_id, kind, status, to_address FROM messages WHERE kind != 'request'"
    )
    assert (mid, kind, status, to) == (
        message["Message-ID"],
        "internal_review",
        "sent",
        "reviews@alpha.gov.uk",
    )
    alpha = flow.status("2025-05-08")["alpha"]
    assert alpha["status"] == "review_requested"
    assert alpha["review_requested_on"] == "2025-05-08"
    assert alpha["review_due"] == "2025-06-06"


def test_review_of_an_eir_council_without_review_address(flow):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "beta",
        "--on",
        "2025-05-07",
        "--outcome",
        "partially_successful",
        "--exemption",
        "reg12(4)(b)",
    )
    flow(
        "2025-05-08",
        "review",
        "r1",
        "beta",
        "--grounds",
        "Not manifestly unreasonable.",
        "--send",
        "--yes",
    )
    (received,) = flow.server.messages[6:]
    assert received.rcpt_tos == ("foi@beta.gov.uk",)
    body = unwrap(body_of(received.message))
    assert "regulation 12(4)(b)" in body
    # EIR reg 11(4): 40 working days from 8 May: Friday 4 July, and the letter says so.
    assert "4 July 2025" in body
    assert "40 working days" in body
    assert "Environmental Information Regulations" in body
    beta = flow.status("2025-05-08")["beta"]
    assert (beta["review_requested_on"], beta["review_due"]) == ("2025-05-08", "2025-07-04")


def test_eir_letters_cite_the_regulations(flow):
    flow("2025-05-16", "chase", "r1", "--send", "--yes")
    (chaser,) = [m for m in flow.server.messages[6:] if m.rcpt_tos == ("foi@beta.gov.uk",)]
    body = unwrap(body_of(chaser.message))
    assert "Regulation 5(2) of the Environmental Information Regulations 2004 required" in body
    assert "Section 10" not in body
    flow("2025-05-16", "review", "r1", "beta", "--grounds", "No answer.", "--send", "--yes")
    assert flow.status("2025-05-16")["beta"]["review_due"] == "2025-07-15"
    refused(flow._run("complain", "r1", "beta", env=at("2025-07-15")), "not yet")
    text = unwrap(flow("2025-07-16", "complain", "r1", "beta").stdout)
    assert "section 50 of the Freedom of Information Act 2000, as applied by regulation 18" in text


def test_review_draft_sends_and_records_nothing(flow):
    flow("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "refused")
    before = flow.ledger("SELECT * FROM messages")
    result = flow("2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS)
    assert result.stdout.startswith("To: reviews@alpha.gov.uk\nSubject: Request for internal")
    assert unwrap(GROUNDS) in unwrap(result.stdout)
    assert "Draft only" in result.stderr
    assert len(flow.server.messages) == 6
    assert flow.server.count("connect") == 1  # the send's connection, no other
    assert flow.ledger("SELECT * FROM messages") == before
    assert flow.status("2025-05-08")["alpha"]["review_requested_on"] is None


def test_review_refused_when_there_is_nothing_to_review_unless_forced(flow):
    # Not answered, not yet due (due 15 May).
    refused(
        flow._run(
            "review", "r1", "delta", "--grounds", "g", "--send", "--yes", env=at("2025-05-09")
        ),
        "nothing to review",
    )
    assert len(flow.server.messages) == 6
    # No grounds at all.
    flow("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "refused")
    refused(flow._run("review", "r1", "alpha", "--send", "--yes", env=at("2025-05-08")), "grounds")
    # --force drafts and sends it anyway, with a note.
    result = flow(
        "2025-05-09",
        "review",
        "r1",
        "delta",
        "--grounds",
        "Please answer.",
        "--force",
        "--send",
        "--yes",
    )
    assert "forced" in result.stderr
    (received,) = flow.server.messages[6:]
    assert received.rcpt_tos == ("foi@delta.gov.uk",)
    assert "I have not yet received a response; one is due by 15 May 2025." in unwrap(
        body_of(received.message)
    )
    # Once overdue, no force is needed.
    flow("2025-05-16", "review", "r1", "gamma", "--grounds", "No answer.", "--send", "--yes")
    assert flow.server.messages[-1].rcpt_tos == ("foi@gamma.gov.scot",)
    body = unwrap(body_of(flow.server.messages[-1].message))
    # Due 14 May; 15 and 16 May have passed.
    assert "although one was due by 14 May 2025 (2 working days ago)." in body
    assert "section 20 of the Freedom of Information (Scotland) Act 2002" in body
    # A second review of the same request is refused: --resend chases it.
    refused(
        flow._run(
            "review", "r1", "gamma", "--grounds", "again", "--send", "--yes", env=at("2025-05-19")
        ),
        "--resend",
    )
    assert len(flow.server.messages) == 8


def test_resend_is_threaded_to_the_first_review_quotes_it_and_says_how_late(flow):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--reference",
        "FOI-2025-0417",
    )
    flow("2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes")
    first = flow.server.messages[-1].message
    result = flow("2025-06-12", "review", "r1", "alpha", "--resend", "--yes")
    assert "Sent 1." in result.stdout
    (received,) = flow.server.messages[7:]
    chaser = received.message
    assert received.rcpt_tos == ("reviews@alpha.gov.uk",)
    assert chaser["In-Reply-To"] == first["Message-ID"]
    assert chaser["References"].split() == [flow.request_ids["alpha"], first["Message-ID"]]
    assert chaser["Subject"].startswith("Chasing internal review:")
    body = body_of(chaser)
    # Due 6 June; 9, 10, 11 and 12 June have passed since: 4 working days late.
    assert "is now 4 working days late" in unwrap(body)
    assert "due by 6 June 2025" in unwrap(body)
    # The original letter, grounds included, quoted line by line.
    for line in GROUNDS.splitlines():
        assert f"> {line}" in body
    assert "> Please pass this to the person who conducts" in body
    assert "My original letter of 8 May 2025 follows." in unwrap(body)
    kinds = flow.ledger("SELECT kind, status FROM messages WHERE kind != 'request' ORDER BY id")
    assert kinds == [("internal_review", "sent"), ("review_chaser", "sent")]
    # The review's dates are those of the first letter, not the chaser.
    alpha = flow.status("2025-06-12")["alpha"]
    assert (alpha["review_requested_on"], alpha["review_due"]) == ("2025-05-08", "2025-06-06")
    assert alpha["status"] == "review_overdue"


def test_resend_before_the_review_is_due_notes_it(flow):
    flow("2025-05-16", "review", "r1", "delta", "--grounds", "No answer yet.", "--send", "--yes")
    result = flow("2025-05-20", "review", "r1", "delta", "--resend", "--yes")
    # 20 working days from 16 May (26 May off): 16 June.
    assert "not due until 2025-06-16" in result.stderr
    body = unwrap(body_of(flow.server.messages[-1].message))
    assert "sending my letter again in case it did not reach you" in body
    assert "The review is due by 16 June 2025" in body
    assert "late" not in body
    assert flow.server.messages[-1].rcpt_tos == ("foi@delta.gov.uk",)


def test_a_failed_review_letter_can_be_sent_again(flow):
    flow("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "refused")
    flow.server.inject("rcpt", reply="550 5.1.1 No such mailbox", rcpt="reviews@alpha.gov.uk")
    result = flow(
        "2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes", code=1
    )
    assert "550" in result.stdout + result.stderr
    assert len(flow.server.messages) == 6
    assert flow.status("2025-05-08")["alpha"]["status"] == "review_failed"
    assert flow.status("2025-05-08")["alpha"]["review_requested_on"] is None
    # Nothing went: neither a resend (there is nothing to chase) ...
    refused(
        flow._run("review", "r1", "alpha", "--resend", "--yes", env=at("2025-05-09")),
        "no internal review",
    )
    # ... but a new letter, once the address works.
    flow.server.clear_faults()
    result = flow("2025-05-09", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes")
    assert "first review letter failed" in result.stderr
    (received,) = flow.server.messages[6:]
    assert received.rcpt_tos == ("reviews@alpha.gov.uk",)
    alpha = flow.status("2025-05-09")["alpha"]
    assert (alpha["status"], alpha["review_requested_on"]) == ("review_requested", "2025-05-09")
    flow("2025-05-20", "review", "r1", "alpha", "--resend", "--yes")
    assert flow.server.messages[-1].message["In-Reply-To"] == received.message["Message-ID"]


def test_no_review_of_a_withdrawn_request(flow):
    flow("2025-05-07", "withdraw", "r1", "delta")
    refused(
        flow._run(
            "review", "r1", "delta", "--grounds", "g", "--send", "--yes", env=at("2025-05-20")
        ),
        "withdrawn",
    )
    assert len(flow.server.messages) == 6


def test_resend_without_a_review_is_refused(flow):
    refused(
        flow._run("review", "r1", "alpha", "--resend", "--yes", env=at("2025-05-20")),
        "no internal review",
    )
    assert len(flow.server.messages) == 6


# ---------------------------------------------------------------------------------------------
# chase


def test_chase_sends_only_to_overdue_councils_once_a_day(flow):
    flow("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "successful")
    flow("2025-05-07", "withdraw", "r1", "beta")
    flow("2025-05-07", "clarify", "r1", "delta", "--on", "2025-05-07")  # now due 6 June
    flow("2025-05-07", "respond", "r1", "leicester", "--on", "2025-05-07", "--outcome", "refused")

    listed = flow("2025-05-16", "chase", "r1")  # no --send: a list, nothing sent
    listed_ids = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert listed_ids & set(ADDRESS) == {"coventry", "gamma"}
    assert "--send" in listed.stdout
    assert len(flow.server.messages) == 6

    flow("2025-05-16", "chase", "r1", "--send", "--yes")
    chasers = flow.server.messages[6:]
    assert sorted(r for m in chasers for r in m.rcpt_tos) == [
        "foi@gamma.gov.scot",
        "infogov@coventry.gov.uk",
    ]
    for received in chasers:
        council = "gamma" if "gamma" in received.rcpt_tos[0] else "coventry"
        message = received.message
        assert message["In-Reply-To"] == flow.request_ids[council]
        assert message["References"] == flow.request_ids[council]
        assert message["Subject"].startswith("Overdue")
        assert "Looked After Children placements" in message["Subject"]
        body = unwrap(body_of(message))
        if council == "gamma":  # due 14 May: 15 and 16 May have passed
            assert "by 14 May 2025" in body and "2 working days overdue" in body
            assert "Freedom of Information (Scotland) Act 2002" in body
        else:
            assert "by 15 May 2025" in body and "1 working day overdue" in body

    again = flow("2025-05-16", "chase", "r1", "--send", "--yes", clock="17:00:00")
    assert "No council to chase." in again.stdout
    assert "already chased today" in again.stderr
    assert len(flow.server.messages) == 8

    flow("2025-05-19", "chase", "r1", "--send", "--yes")
    assert sorted(r for m in flow.server.messages[8:] for r in m.rcpt_tos) == [
        "foi@gamma.gov.scot",
        "infogov@coventry.gov.uk",
    ]


def test_a_chase_stopped_by_the_server_is_finished_by_send_not_chased_again(flow):
    flow("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "successful")
    # The server refuses every connection: the chasers are journaled, then left queued.
    flow.server.inject("connect", reply="421 4.3.2 Try again later")
    stopped = flow("2025-05-16", "chase", "r1", "--send", "--yes", code=1)
    assert "nothing more was sent" in stopped.stderr
    assert len(flow.server.messages) == 6
    queued = flow.ledger("SELECT count(*) FROM messages WHERE kind = 'overdue_chaser'")
    assert queued == [(flow.ledger("SELECT count(*) FROM messages WHERE status = 'queued'")[0][0],)]
    flow.server.clear_faults()

    # Chasing again would make a second chaser: it names the queued one and what sends it.
    again = flow("2025-05-19", "chase", "r1", "--send", "--yes")
    assert "a chaser is still queued: `foi-sender send r1` sends it" in again.stderr
    assert len(flow.server.messages) == 6
    resumed = flow("2025-05-19", "send", "r1", "--yes")
    chased = sorted(r for m in flow.server.messages[6:] for r in m.rcpt_tos)
    assert f"Sent {len(chased)}." in resumed.stdout
    assert len(chased) == queued[0][0] and len(set(chased)) == len(chased)
    assert all(m.message["Subject"].startswith("Overdue") for m in flow.server.messages[6:])


def test_chase_before_anything_is_due_sends_nothing(flow):
    result = flow("2025-05-14", "chase", "r1", "--send", "--yes")
    # gamma (FOISA) is due on 14 May itself: not yet late.
    assert result.stdout == "No council to chase.\n"
    assert len(flow.server.messages) == 6


def test_a_request_that_never_went_has_no_life(home, run, smtp_server, tmp_path):
    write_smtp_home(home, smtp_server)
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    flow = Flow(home, run, smtp_server)
    smtp_server.inject("rcpt", reply="550 5.1.1 No such mailbox", rcpt="foi@delta.gov.uk")
    flow("2025-04-14", "send", "r1", "--all", "--yes", code=1)
    assert sorted(smtp_server.copies()) == sorted(a for c, a in ADDRESS.items() if c != "delta")
    assert flow.status("2025-05-16")["delta"]["status"] == "failed"
    before = flow.ledger("SELECT * FROM events")
    for args in (
        ("respond", "r1", "delta", "--on", "2025-05-07", "--outcome", "refused"),
        ("clarify", "r1", "delta", "--on", "2025-05-07"),
        ("extend", "r1", "delta", "--days", "5"),
        ("withdraw", "r1", "delta"),
    ):
        refused(flow._run(*args, env=at("2025-05-07")), "has not been sent")
    assert flow.ledger("SELECT * FROM events") == before
    chase = flow("2025-05-16", "chase", "r1")
    assert "delta" not in chase.stdout and "gamma" in chase.stdout
    ics = tmp_path / "r1.ics"
    flow("2025-05-16", "calendar", "export", "r1", "-o", str(ics))
    assert b".delta.r1@" not in ics.read_bytes()
    assert b"UID:reply-due.gamma.r1@foi-sender" in ics.read_bytes()


# ---------------------------------------------------------------------------------------------
# complain


def test_complaint_to_the_ico_only_once_the_review_is_answered(flow):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--exemption",
        "s40(2)",
    )
    line = refused(flow._run("complain", "r1", "alpha", env=at("2025-05-07")), "not yet")
    assert "internal review first" in line and "review r1 alpha" in line
    flow("2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes")
    line = refused(flow._run("complain", "r1", "alpha", env=at("2025-06-09")), "not yet")
    # 40 working days from 8 May (26 May off): Friday 4 July.
    assert "asked for on 2025-05-08, or after 2025-07-04" in line
    flow(
        "2025-06-10",
        "respond",
        "r1",
        "alpha",
        "--review",
        "--on",
        "2025-06-10",
        "--outcome",
        "refused",
    )
    sent_before = len(flow.server.messages)
    result = flow("2025-06-11", "complain", "r1", "alpha")
    text = unwrap(result.stdout)
    assert result.stdout.startswith("Subject: Complaint about Alpha Borough Council:")
    assert "Dear Information Commissioner's Office" in text
    assert "section 50 of the Freedom of Information Act 2000" in text
    assert "sent on 14 April 2025" in text
    assert "citing section 40(2)" in text
    # What happened to the review, quoted; answered (after its due date), so never "late".
    assert "Internal review requested: 8 May 2025; due 6 June 2025.\n" in result.stdout
    assert "Internal review answered: 10 June 2025 (refused)." in text
    assert "late" not in text
    assert "regulator's complaint form" in result.stderr
    assert len(flow.server.messages) == sent_before  # a draft: nothing is mailed


def test_complaint_once_the_review_is_40_working_days_late(flow):
    flow("2025-05-16", "review", "r1", "delta", "--grounds", "No answer.", "--send", "--yes")
    # Asked 16 May; 40 working days later (26 May and 14 July off): 15 July.
    refused(flow._run("complain", "r1", "delta", env=at("2025-07-15")), "not yet")
    result = flow("2025-07-16", "complain", "r1", "delta")
    assert "No response received." in result.stdout
    assert "working days late" in result.stdout
    assert "No answer to the internal review received." in result.stdout
    # The grounds put to the council are quoted for the regulator.
    assert "My grounds, as put to the council:\n\n> No answer." in result.stdout


def test_scottish_application_to_the_commissioner(flow):
    flow("2025-05-16", "review", "r1", "gamma", "--grounds", "No answer.", "--send", "--yes")
    # FOISA s.21(1): due 20 Scottish working days after 16 May: 16 June; s.47 after that.
    assert flow.status("2025-05-16")["gamma"]["review_due"] == "2025-06-16"
    refused(flow._run("complain", "r1", "gamma", env=at("2025-06-16")), "not yet")
    result = flow("2025-06-17", "complain", "r1", "gamma")
    text = unwrap(result.stdout)
    assert result.stdout.startswith("Subject: Application for a decision about Gamma Council:")
    assert "Dear Scottish Information Commissioner" in text
    assert "section 47 of the Freedom of Information (Scotland) Act 2002" in text
    assert "Information Commissioner's Office" not in text


# ---------------------------------------------------------------------------------------------
# respond ROUND --file REPLY.eml: which request does it answer?


def eml(
    path: Path,
    *,
    sender: str,
    body: str,
    in_reply_to: str | None = None,
    subject: str = "RE: Freedom of Information request",
) -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "alex@example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2025, 5, 9, 10, 0, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    path.write_bytes(msg.as_bytes(policy=policy.SMTP))
    return path


ANSWER = """\
Dear Alex Example,

Thank you for your request. Please find our response below.

1. Jo Bloggs, placements manager, jo.bloggs@example.gov.uk
2. placements@example.gov.uk
3. No
4. Direct placements only.
5. 17

Yours sincerely,
Information Governance
"""


def test_reply_matched_by_in_reply_to(flow, tmp_path):
    # From a mail system with another domain: only the thread says which request it answers.
    path = eml(
        tmp_path / "reply.eml",
        sender="noreply@casework-system.example",
        body=ANSWER,
        in_reply_to=flow.request_ids["gamma"],
    )
    result = flow("2025-05-09", "respond", "r1", "--file", str(path))
    assert "Matched gamma by In-Reply-To." in result.stdout
    gamma = flow.status("2025-05-09")["gamma"]
    assert gamma["response_on"] == "2025-05-09"  # from the Date header
    assert gamma["outcome"] == "successful"
    rows = {
        r["council"]: r
        for r in json.loads(flow("2025-05-09", "export", "r1", "--format", "json").stdout)
    }
    assert rows["gamma"]["q5_spot_purchase_count"] == 17


def test_reply_to_another_rounds_request_is_not_matched_by_domain(flow, tmp_path):
    flow("2025-04-15", "send", "r2", "--council", "delta", "--yes")
    r2_id = flow.server.messages[-1].message["Message-ID"]
    # From delta's own domain, so r1 would match it by sender domain: the thread says r2.
    path = eml(tmp_path / "r2.eml", sender="foi@delta.gov.uk", body=ANSWER, in_reply_to=r2_id)
    before = flow.ledger("SELECT * FROM events")
    line = refused(
        flow._run("respond", "r1", "--file", str(path), env=at("2025-05-09")), "round 'r2'"
    )
    assert "delta" in line and "respond r2 --file" in line
    assert flow.ledger("SELECT * FROM events") == before
    result = flow("2025-05-09", "respond", "r2", "--file", str(path))
    assert "Matched delta by In-Reply-To." in result.stdout
    assert flow.status("2025-05-09")["delta"]["response_on"] is None  # r1's delta: untouched


def test_reply_matched_by_the_councils_reference(flow, tmp_path):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--reference",
        "FOI-2025-0417",
    )
    flow("2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes")
    path = eml(
        tmp_path / "review-answer.eml",
        sender="governance@shared-services.example",
        subject="Internal review FOI-2025-0417",
        body="Our reference: FOI-2025-0417\n\nWe have reviewed the response and uphold it.\n",
    )
    result = flow(
        "2025-05-12", "respond", "r1", "--file", str(path), "--review", "--outcome", "refused"
    )
    assert "Matched alpha by reference FOI-2025-0417." in result.stdout
    alpha = flow.status("2025-05-12")["alpha"]
    assert alpha["status"] == "review_answered"
    assert alpha["response_on"] == "2025-05-07"


def test_reply_to_the_review_letter_is_recorded_as_the_reviews_answer(flow, tmp_path):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "alpha",
        "--on",
        "2025-05-07",
        "--outcome",
        "refused",
        "--exemption",
        "s40(2)",
    )
    flow("2025-05-08", "review", "r1", "alpha", "--grounds", GROUNDS, "--send", "--yes")
    review_id = flow.server.messages[-1].message["Message-ID"]
    path = eml(
        tmp_path / "outcome.eml",
        sender="reviews@alpha.gov.uk",
        in_reply_to=review_id,
        body="We have reviewed our decision and now release the names asked for.\n\n1. Jo Bloggs\n",
    )
    result = flow("2025-05-12", "respond", "r1", "--file", str(path), "--outcome", "successful")
    assert result.stdout.splitlines()[0] == (
        "Matched alpha by In-Reply-To to the internal review letter (recorded as the review's "
        "answer)."
    )
    alpha = flow.status("2025-05-12")["alpha"]
    assert alpha["status"] == "review_answered"
    kinds = flow.ledger("SELECT kind, on_date FROM events ORDER BY id")
    assert kinds == [
        ("response", "2025-05-07"),
        ("review_grounds", "2025-05-08"),
        ("review_response", "2025-05-09"),  # the reply's Date:
    ]
    # The first response stands: a review's answer does not replace it.
    assert (alpha["response_on"], alpha["outcome"], alpha["exemptions"]) == (
        "2025-05-07",
        "refused",
        ["s40(2)"],
    )


def test_reply_matched_by_sender_domain(flow, tmp_path):
    path = eml(
        tmp_path / "delta.eml", sender="Information Team <info.team@delta.gov.uk>", body=ANSWER
    )
    result = flow("2025-05-09", "respond", "r1", "--file", str(path))
    assert "Matched delta by sender domain delta.gov.uk." in result.stdout
    assert flow.status("2025-05-09")["delta"]["response_on"] == "2025-05-09"
    kept = flow.home / "replies" / "r1" / "delta-2025-05-09.eml"
    assert kept.read_bytes() == path.read_bytes()


def test_unmatched_reply_is_refused_with_the_candidates(flow, tmp_path):
    flow("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "successful")
    before = flow.ledger("SELECT * FROM events")
    path = eml(
        tmp_path / "stray.eml",
        sender="someone@elsewhere.example",
        body=ANSWER,
        in_reply_to="<not-ours@elsewhere.example>",
    )
    line = refused(
        flow._run("respond", "r1", "--file", str(path), env=at("2025-05-09")),
        "cannot tell which request",
    )
    assert "beta, coventry, delta, gamma, leicester" in line  # awaiting; alpha answered
    assert "alpha" not in line.split("awaiting:")[1]
    assert flow.ledger("SELECT * FROM events") == before
    assert not (flow.home / "replies").exists() or not any((flow.home / "replies").rglob("*.eml"))


# ---------------------------------------------------------------------------------------------
# export: the dataset


def record_the_real_replies(flow):
    flow(
        "2025-05-07",
        "respond",
        "r1",
        "leicester",
        "--on",
        "2025-05-07",
        "--file",
        str(REPLIES / "leicester-2025.txt"),
    )
    flow("2025-05-07", "respond", "r1", "coventry", "--file", str(REPLIES / "coventry-2025.txt"))


def test_export_csv_after_the_two_real_replies(flow):
    record_the_real_replies(flow)
    text = flow("2025-05-07", "export", "r1", "--format", "csv").stdout
    rows = {r["council"]: r for r in csv.DictReader(io.StringIO(text))}
    assert list(rows) == ["alpha", "beta", "coventry", "delta", "gamma", "leicester"]
    leicester, coventry = rows["leicester"], rows["coventry"]
    assert leicester["council_name"] == "Leicester City Council"
    assert leicester["outcome"] == "partially_successful"
    assert leicester["exemptions"] == "s40(2)"
    assert leicester["q5_spot_purchase_count"] == "62"
    assert leicester["q1_status"] == "withheld" and leicester["q1_exemptions"] == "s40(2)"
    assert leicester["q2_text"] == leicester["q2_referrals_email"]
    assert leicester["q2_text"] == "placements.desk@leicester.gov.uk"
    assert (leicester["q3_text"], leicester["q3_uses_framework"]) == ("No", "no")
    assert leicester["response_on"] == "2025-05-07"
    assert leicester["sent_on"] == "2025-04-14" and leicester["due"] == "2025-05-15"
    assert coventry["reference"] == "FOI704387821"
    assert coventry["outcome"] == "successful"
    assert coventry["exemptions"] == ""
    assert coventry["q5_spot_purchase_count"] == "29"
    assert coventry["q5_text"] == "As of 31st March 2025: 29"
    assert coventry["q5_as_of"] == "2025-03-31"
    assert [coventry[f"q{n}_status"] for n in range(1, 6)] == ["answered"] * 5
    assert coventry["response_on"] == "2025-05-07"
    assert rows["delta"]["status"] == "awaiting"
    assert rows["delta"]["q5_spot_purchase_count"] == rows["delta"]["q1_text"] == ""


def test_export_json_to_a_file(flow):
    record_the_real_replies(flow)
    out = flow.home / "answers.json"
    result = flow("2025-05-07", "export", "r1", "--format", "json", "-o", str(out))
    assert f"Wrote 6 rows to {out}." in result.stderr
    rows = {r["council"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["leicester"]["q5_spot_purchase_count"] == 62
    assert rows["leicester"]["q3_uses_framework"] is False
    assert rows["leicester"]["exemptions"] == ["s40(2)"]
    assert rows["coventry"]["q5_spot_purchase_count"] == 29
    assert rows["coventry"]["reference"] == "FOI704387821"
    assert rows["coventry"]["exemptions"] == []
    assert rows["gamma"]["q5_spot_purchase_count"] is None
    assert set(rows["alpha"]) >= {"round", "status", "due", "q1_text", "q5_spot_purchase_count"}
