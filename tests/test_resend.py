"""A bounced request sent again to the council's new address (`send ROUND --retry-bounced`), end
to end: the letter goes through the real SMTP server (tests/smtp_server.py), the bounce comes back
through `inbox import` from the corpus (tests/fixtures/inbox), and `status` follows.
"""

from __future__ import annotations

import json
import re
import sqlite3
from email import message_from_bytes, policy
from pathlib import Path

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import write_smtp_home  # noqa: E402

pytest_plugins = ["smtp_server"]

CORPUS = Path(__file__).parent / "fixtures" / "inbox"
SENT, BOUNCED, RESENT = (
    "2025-04-14T09:30:00+01:00",
    "2025-04-15T10:00:00+01:00",
    "2025-04-22T09:00:00+01:00",
)
OLD, NEW = "foi@walsall.gov.uk", "foi.requests@walsall.gov.uk"
COUNCILS = """\
councils:
  - id: walsall
    name: "Walsall Metropolitan Borough Council"
    nation: England
    regime: FOIA
    foi_email: foi@walsall.gov.uk
    email_source: test fixture
  - id: leicester
    name: "Leicester City Council"
    nation: England
    regime: FOIA
    foi_email: info.requests@leicester.gov.uk
    email_source: test fixture
"""


class Flow:
    def __init__(self, home: Path, run, server):
        self.home, self.run, self.server = home, run, server

    def __call__(self, *args: str, at: str, code: int = 0):
        result = self.run(*args, env={"FOI_SENDER_NOW": at})
        assert result.exit_code == code, (args, result.output, result.stderr)
        return result

    def sql(self, query: str, *args) -> list[tuple]:
        with sqlite3.connect(self.home / "foi.sqlite") as db:
            return db.execute(query, args).fetchall()

    def walsall(self, at: str) -> dict:
        rows = json.loads(self("status", "spring", "--json", at=at).stdout)
        return next(r for r in rows if r["council"] == "walsall")

    def import_dsn(self, tmp: Path, at: str, *, message_id: str, address: str, n: int) -> str:
        """Postfix's report, returning the letter `message_id` sent to `address`."""
        text = (CORPUS / "walsall-postfix-dsn.eml").read_text(encoding="utf-8")
        text = text.replace("@@ID:walsall@@", message_id).replace(OLD, address)
        text = text.replace("7E1D01A0F4@mail", f"7E1D01A0F{n}@mail")  # each report its own id
        path = tmp / f"dsn-{n}.eml"
        path.write_text(text, encoding="utf-8")
        return self("inbox", "import", str(path), at=at).stdout


@pytest.fixture
def bounced(home, run, smtp_server, tmp_path) -> Flow:
    write_smtp_home(home, smtp_server)
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    flow = Flow(home, run, smtp_server)
    flow("send", "spring", "--all", "--yes", at=SENT)
    (first,) = flow.sql("SELECT message_id FROM messages WHERE to_address = ?", OLD)[0]
    flow.first = first
    out = flow.import_dsn(tmp_path, BOUNCED, message_id=first, address=OLD, n=1)
    assert "1 message(s): 1 bounced" in out
    assert flow.walsall(BOUNCED)["status"] == "bounced"
    return flow


def give_walsall_its_new_address(flow) -> None:
    flow(
        "councils",
        "set-email",
        "walsall",
        NEW,
        "--source",
        "walsall.gov.uk/foi",
        "--force",
        at=RESENT,
    )


def test_a_bounced_letter_goes_again_to_the_new_address_threaded_to_the_first(bounced, tmp_path):
    flow, server = bounced, bounced.server
    # Still the address that bounced: refused, naming the fix, nothing sent or recorded.
    refused = flow(
        "send", "spring", "--retry-bounced", "--council", "walsall", "--yes", at=RESENT, code=2
    )
    assert f"still {OLD}, where the letter bounced" in refused.stderr
    assert "councils set-email walsall ADDRESS --source TEXT --force" in refused.stderr
    skipped = flow("send", "spring", "--retry-bounced", "--yes", at=RESENT, code=1)
    assert "Skipped: walsall:" in skipped.stderr
    assert len(server.messages) == 2
    assert flow.sql("SELECT COUNT(*) FROM messages") == [(2,)]

    status = flow("status", "spring", at=RESENT).stdout
    assert "send spring --retry-bounced" in status

    give_walsall_its_new_address(flow)
    dry = flow("send", "spring", "--retry-bounced", "--dry-run", at=RESENT).stdout
    assert re.search(rf"walsall\s+{re.escape(OLD)}\s+{re.escape(NEW)}", dry)
    assert len(server.messages) == 2
    flow("send", "spring", "--retry-bounced", "--yes", at=RESENT)

    assert len(server.messages) == 3
    received = server.messages[-1]
    assert received.rcpt_tos == (NEW,)
    again = message_from_bytes(received.raw, policy=policy.default)
    first = next(
        message_from_bytes(m.raw, policy=policy.default)
        for m in server.messages
        if m.rcpt_tos == (OLD,)
    )
    assert again["Message-ID"] != first["Message-ID"] == flow.first
    assert again["In-Reply-To"] == flow.first
    assert again["References"] == flow.first
    assert again["Subject"] == first["Subject"]
    assert again.get_body().get_content() == first.get_body().get_content()
    # Journaled as any letter is: one row, sent, one attempt that succeeded.
    rows = flow.sql(
        "SELECT m.id, m.status, m.to_address, m.message_id FROM messages m WHERE kind = ?",
        "request_resend",
    )
    assert [(status, to) for _, status, to, _ in rows] == [("sent", NEW)]
    assert flow.sql("SELECT outcome FROM attempts WHERE message_id = ?", rows[0][0]) == [("sent",)]

    # The clock starts again from the day the new letter went: 20 working days after Tuesday 22
    # April 2025 (after Easter), not the first letter's 15 May.
    state = flow.walsall(RESENT)
    assert state["status"] == "awaiting"
    assert state["resent_on"] == state["sent_on"] == "2025-04-22"
    assert state["due"] == "2025-05-21"
    assert state["days_left"] == 20
    assert state["bounce"] is None
    assert [(b["on"], b["recipient"], b["status_code"]) for b in state["bounces"]] == [
        ("2025-04-14", OLD, "5.1.1")  # the day the report was sent
    ]

    # Nothing is sent twice.
    flow("send", "spring", "--retry-bounced", "--yes", at=RESENT)
    assert len(server.messages) == 3

    # A late second report about the first letter does not stop the new letter's clock...
    flow.import_dsn(tmp_path, RESENT, message_id=flow.first, address=OLD, n=2)
    assert flow.walsall(RESENT)["status"] == "awaiting"
    # ...but the new letter bouncing too does, with both bounces kept.
    flow.import_dsn(tmp_path, RESENT, message_id=rows[0][3], address=NEW, n=3)
    state = flow.walsall(RESENT)
    assert state["status"] == "bounced"
    assert state["bounce"]["recipient"] == NEW
    assert [b["recipient"] for b in state["bounces"]] == [OLD, OLD, NEW]


def test_resend_is_decided_again_inside_the_lock(bounced, monkeypatch):
    """Two terminals prepared the same resend: the second finds it queued and sends nothing."""
    from foi_sender.config import load_settings
    from foi_sender.followups import prepare_resend, send_prepared

    flow = bounced
    give_walsall_its_new_address(flow)
    monkeypatch.setenv("FOI_SENDER_NOW", RESENT)
    settings = load_settings(flow.home)
    one = prepare_resend(flow.home, settings, "spring")
    two = prepare_resend(flow.home, settings, "spring")
    assert send_prepared(flow.home, settings, one).sent == ["walsall"]
    second = send_prepared(flow.home, settings, two)
    assert second.sent == []
    assert [c for c, _ in second.skipped] == ["walsall"]
    assert len(flow.server.messages) == 3
