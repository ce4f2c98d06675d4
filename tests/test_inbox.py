"""Issue 13: replies from the mailbox, end to end through the CLI, from a real IMAP server
(pymap, tests/imap_server.py), Maildir and mbox folders, and .eml files.

The corpus (tests/fixtures/inbox, see its README) is council and mail-server mail as it arrives;
its `@@ID:council@@` and `@@TAG:council@@` stand for the Message-ID and reply-tag address of the
letter this round sent, filled in once it is sent.
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from foi_sender import replytag

pytest_plugins = ["imap_server"]

CORPUS = Path(__file__).parent / "fixtures" / "inbox"
SENT = "2025-04-14T09:30:00+01:00"
LATER = "2025-05-13T12:00:00+01:00"
COUNCILS = {
    # id: (name, regime, address)
    "leicester": ("Leicester City Council", "FOIA", "info.requests@leicester.gov.uk"),
    "coventry": ("Coventry City Council", "FOIA", "infogov@coventry.gov.uk"),
    "derby": ("Derby City Council", "FOIA", "foi@derby.gov.uk"),
    "kent": ("Kent County Council", "FOIA", "foi@kent.gov.uk"),
    "edinburgh": ("City of Edinburgh Council", "FOISA", "foi@edinburgh.gov.uk"),
    "sheffield": ("Sheffield City Council", "FOIA", "foi@sheffield.gov.uk"),
    "walsall": ("Walsall Metropolitan Borough Council", "FOIA", "foi@walsall.gov.uk"),
    "brighton-and-hove": ("Brighton and Hove City Council", "FOIA", "FOI@brighton-hove.gov.uk"),
    "wolverhampton": (
        "City of Wolverhampton Council",
        "FOIA",
        "freedomofinformation@wolverhampton.gov.uk",
    ),
    "nottingham": ("Nottingham City Council", "FOIA", "foi@nottinghamcity.gov.uk"),
    "stoke-on-trent": ("Stoke-on-Trent City Council", "FOIA", "foi@stoke.gov.uk"),
}
# The round's mail, in the order it arrives (the acknowledgement gives the reference the answer
# is matched by), and what each must become.
ROUND_MAIL = {
    "walsall-postfix-dsn": ("bounce", "spring/walsall", "returned Message-ID"),
    "brighton-o365-ndr": ("bounce", "spring/brighton-and-hove", "returned Message-ID"),
    "wolverhampton-gmail-dsn": ("bounce", "spring/wolverhampton", "failed recipient"),
    "exim-failed": ("bounce", "spring/stoke-on-trent", "returned Message-ID"),
    "postfix-delayed": ("delayed", "spring/nottingham", "returned Message-ID"),
    "leicester-ack": ("acknowledgement", "spring/leicester", "In-Reply-To/References"),
    "nottingham-out-of-office": ("out_of_office", "spring/nottingham", "council name"),
    "derby-clarification": ("clarification", "spring/derby", "sender domain"),
    "newsletter": ("unrelated", None, None),
    "coventry-response-html": ("response", "spring/coventry", "In-Reply-To/References"),
    "leicester-response": ("response", "spring/leicester", "council reference FOI-2025-01234"),
    "kent-tagged-response": ("response", "spring/kent", "reply tag"),
    "edinburgh-response": ("response", "spring/edinburgh", "council name"),
    "unknown-foi": ("response", None, None),
}


class Home:
    def __init__(self, folder: Path, run):
        self.folder = folder
        self.run = run

    def __call__(self, *args: str, at: str = LATER, code: int = 0, env: dict | None = None):
        result = self.run(*args, env={"FOI_SENDER_NOW": at, **(env or {})})
        assert result.exit_code == code, (args, result.output, result.stderr)
        return result

    def sql(self, query: str, *args) -> list[tuple]:
        with sqlite3.connect(self.folder / "foi.sqlite") as db:
            return db.execute(query, args).fetchall()

    def status(self) -> dict[str, dict]:
        return {row["council"]: row for row in json.loads(self("status", "--json").stdout)}

    def mail(self, name: str) -> bytes:
        """A corpus message with this round's Message-IDs and reply-tag addresses filled in."""
        ids = {
            (council if kind == "request" else f"{council}/{kind}"): mid
            for council, kind, mid in self.sql(
                "SELECT q.council_id, m.kind, m.message_id FROM messages m"
                " JOIN requests q ON q.id = m.request_id"
            )
        }
        text = (CORPUS / f"{name}.eml").read_bytes()
        text = re.sub(rb"@@ID:([a-z/_-]+)@@", lambda m: ids[m.group(1).decode()].encode(), text)
        return re.sub(
            rb"@@TAG:([a-z-]+)@@",
            lambda m: replytag.reply_address("alex@example.org", ids[m.group(1).decode()]).encode(),
            text,
        )


def write_home(folder: Path, imap_port: int | None = None) -> None:
    lines = ["councils:"]
    for ident, (name, regime, address) in COUNCILS.items():
        nation = "Scotland" if regime == "FOISA" else "England"
        lines += [
            f"  - id: {ident}",
            f'    name: "{name}"',
            f"    nation: {nation}",
            f"    regime: {regime}",
            f"    foi_email: {address}",
            "    email_source: test fixture",
        ]
    (folder / "councils.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = (folder / "foi.toml").read_text(encoding="utf-8")
    config = config.replace("[send]", "reply_tag = true\n\n[send]", 1)
    if imap_port:
        config += (
            f'\n[imap]\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "none"\n'
            'user = "alex@example.org"\n'
        )
    (folder / "foi.toml").write_text(config, encoding="utf-8")


@pytest.fixture
def sent(home, run, monkeypatch) -> Home:
    write_home(home)
    flow = Home(home, run)
    flow("send", "spring", "--all", "--yes", at=SENT)
    return flow


@pytest.fixture
def imap_home(home, run, imap_server, monkeypatch) -> Home:
    monkeypatch.setenv("FOI_SENDER_IMAP_PASSWORD", imap_server.password)
    write_home(home, imap_server.port)
    flow = Home(home, run)
    flow("send", "spring", "--all", "--yes", at=SENT)
    flow.server = imap_server
    return flow


def lines_by_subject(report: dict) -> dict[str, dict]:
    return {line["origin"]: line for line in report["messages"]}


def test_reply_tag_is_the_reply_to_of_every_letter(sent):
    letters = sent.sql("SELECT message_id FROM messages")
    outbox = list((sent.folder / "outbox" / "new").iterdir())
    assert len(outbox) == len(letters) == len(COUNCILS)
    replies_to = {mailbox.MaildirMessage(p.read_bytes())["Reply-To"] for p in outbox}
    assert replies_to == {replytag.reply_address("alex@example.org", mid) for (mid,) in letters}
    assert all(re.fullmatch(r"alex\+foi[0-9a-f]{10}@example\.org", a) for a in replies_to)


def test_a_round_from_a_real_imap_server_is_recorded_once(imap_home):
    server = imap_home.server
    server.append("INBOX", *(imap_home.mail(name) for name in ROUND_MAIL))
    result = imap_home("inbox", "fetch", "--json")
    report = json.loads(result.stdout)
    got = report["messages"]
    assert len(got) == len(ROUND_MAIL)
    for line, (name, (kind, council, rule)) in zip(got, ROUND_MAIL.items(), strict=True):
        assert line["kind"] == kind, (name, line)
        assert line["council"] == council, (name, line)
        if rule:
            assert line["rule"].startswith(rule), (name, line)
    assert report["summary"] == {
        "bounced": 4,
        "recorded": 6,
        "logged": 2,
        "ignored": 1,
        "held": 1,
    }
    # Left unread, and still in the INBOX (no --move-to).
    assert server.seen("INBOX") == []
    assert len(server.uids("INBOX")) == len(ROUND_MAIL)

    states = imap_home.status()
    assert {c for c, s in states.items() if s["status"] == "bounced"} == {
        "walsall",
        "brighton-and-hove",
        "wolverhampton",
        "stoke-on-trent",
    }
    assert states["walsall"]["bounce"] == {
        "status_code": "5.1.1",
        "diagnostic": "550 5.1.1 <foi@walsall.gov.uk>: Recipient address rejected: User unknown"
        " in relay recipient table",
        "recipient": "foi@walsall.gov.uk",
    }
    assert states["walsall"]["days_left"] is None
    assert states["brighton-and-hove"]["bounce"]["status_code"] == "5.1.10"
    assert states["nottingham"]["status"] == "awaiting"  # a delay and an out-of-office: nothing
    assert states["derby"]["status"] == "clarification_requested"
    assert states["leicester"]["reference"] == "FOI-2025-01234"
    assert states["leicester"]["acknowledged_on"] == "2025-04-15"
    assert states["leicester"]["council_due"] == "2025-05-13"
    assert states["leicester"]["due"] == "2025-05-15"
    for council, outcome in (
        ("leicester", "partially_successful"),
        ("coventry", "partially_successful"),
        ("kent", "successful"),
        ("edinburgh", "successful"),
    ):
        assert states[council]["status"] == outcome
        assert states[council]["unconfirmed"] is True
    assert states["coventry"]["response_on"] == "2025-05-07"

    table = imap_home("status", "spring").stdout
    assert re.search(r"walsall\s+bounced", table)
    assert re.search(r"leicester\s+partial\?", table)
    assert "councils discover walsall" in table

    # Derby's clarification, once answered, restarts the clock as `clarify` always has.
    imap_home("clarify", "spring", "derby", "--on", "2025-05-12")
    assert imap_home.status()["derby"]["status"] == "awaiting"
    assert imap_home.status()["derby"]["due"] == "2025-06-10"

    # The IMAP password is nowhere in the home (ledger, stored mail, outbox) nor in the output.
    secret = server.password.encode()
    assert secret not in result.stdout.encode() + result.stderr.encode()
    for path in imap_home.folder.rglob("*"):
        assert not path.is_file() or secret not in path.read_bytes(), path

    # A second fetch reads nothing; nothing is recorded twice.
    events = imap_home.sql("SELECT COUNT(*) FROM events")
    again = imap_home("inbox", "fetch")
    assert again.stdout.strip().endswith("0 message(s): nothing new.")
    assert imap_home.sql("SELECT COUNT(*) FROM events") == events

    # The bounced address is flagged, and send says to find a new one.
    listed = imap_home("councils", "list").stdout
    assert re.search(r"foi@walsall\.gov\.uk \(bounced\)", listed)
    resend = imap_home("send", "spring", "--all", "--yes")
    assert "walsall: the letter to foi@walsall.gov.uk bounced" in resend.stdout


def test_holding_pen_assign_ignore_and_confirm(imap_home):
    imap_home.server.append("INBOX", imap_home.mail("unknown-foi"), imap_home.mail("leicester-ack"))
    imap_home("inbox", "fetch")
    table = imap_home("status", "spring").stdout
    assert "leicester: the council says it will answer by 2025-05-13; the statutory" in table
    pending = json.loads(imap_home("inbox", "pending", "--json").stdout)
    assert [p["subject"] for p in pending] == ["Your Freedom of Information request"]
    held = pending[0]["id"]
    assigned = imap_home("inbox", "assign", str(held), "spring", "nottingham")
    assert "response" in assigned.stdout and "not held" in assigned.stdout
    assert imap_home.status()["nottingham"]["status"] == "not_held"
    assert imap_home("inbox", "pending").stdout.startswith("Nothing held.")
    refused = imap_home("inbox", "ignore", str(held), code=2)
    assert "not held" in refused.stderr

    confirmed = imap_home("inbox", "confirm", "spring", "nottingham")
    assert "Confirmed spring/nottingham: not held." in confirmed.stdout
    assert imap_home.status()["nottingham"]["unconfirmed"] is False

    # `respond ... --outcome ... --replace` confirms by correcting.
    imap_home.server.append("INBOX", imap_home.mail("coventry-response-html"))
    imap_home("inbox", "fetch")
    assert imap_home.status()["coventry"]["unconfirmed"] is True
    imap_home(
        "respond", "spring", "coventry", "--on", "2025-05-07", "--outcome", "refused", "--replace"
    )
    assert imap_home.status()["coventry"]["unconfirmed"] is False
    assert imap_home.status()["coventry"]["status"] == "refused"


def test_ignore_settles_a_held_message(imap_home):
    imap_home.server.append("INBOX", imap_home.mail("unknown-foi"))
    imap_home("inbox", "fetch")
    (held,) = json.loads(imap_home("inbox", "pending", "--json").stdout)
    imap_home("inbox", "ignore", str(held["id"]))
    assert imap_home.sql("SELECT state, rule FROM inbox_messages") == [
        ("ignored", "ignored by you")
    ]
    missing = imap_home("inbox", "assign", "999", "spring", "derby", code=2)
    assert "no inbox message #999" in missing.stderr


def test_a_uidvalidity_change_rereads_the_folder_without_doubling(imap_home):
    server = imap_home.server
    mail = [imap_home.mail(n) for n in ("leicester-ack", "walsall-postfix-dsn", "newsletter")]
    server.append("Councils", *mail)
    first = json.loads(imap_home("inbox", "fetch", "--folder", "Councils", "--json").stdout)
    assert first["summary"] == {"recorded": 1, "bounced": 1, "ignored": 1}
    before = imap_home.sql("SELECT COUNT(*) FROM events")
    (validity_before,) = imap_home.sql("SELECT uidvalidity FROM inbox_folders")[0]

    validity = server.recreate("Councils")
    assert validity != validity_before
    server.append("Councils", *mail, imap_home.mail("derby-clarification"))
    second = json.loads(imap_home("inbox", "fetch", "--folder", "Councils", "--json").stdout)
    assert second["summary"] == {"seen": 3, "recorded": 1}
    assert imap_home.sql("SELECT COUNT(*) FROM events")[0][0] == before[0][0] + 1
    assert imap_home.sql("SELECT uidvalidity, last_uid FROM inbox_folders") == [
        (validity, max(server.uids("Councils")))
    ]


def test_dry_run_records_nothing(imap_home):
    imap_home.server.append("INBOX", imap_home.mail("leicester-ack"))
    result = imap_home("inbox", "fetch", "--dry-run")
    assert "acknowledgement" in result.stdout and "Dry run" in result.stdout
    assert imap_home.sql("SELECT COUNT(*) FROM inbox_messages") == [(0,)]
    assert imap_home.sql("SELECT COUNT(*) FROM events") == [(0,)]
    assert not (imap_home.folder / "inbox").exists()
    assert "acknowledgement" in imap_home("inbox", "fetch").stdout


def test_move_to_moves_only_recorded_messages_after_commit(imap_home):
    server = imap_home.server
    server.append("INBOX", *(imap_home.mail(n) for n in ("leicester-ack", "newsletter")))
    imap_home("inbox", "fetch", "--move-to", "FOI/Done")
    assert server.message_ids("FOI/Done") == ["<20250415070207.5521@caseworks.leicester.gov.uk>"]
    assert server.message_ids("INBOX") == ["<newsletter-2025-04@childrenshomes.example.com>"]


KILLER = """
import importlib, os, signal, sys

# KILL=module:Class.method:N:before|after - SIGKILL this process at the Nth call of the method.
# Empty: run normally.
if os.environ["KILL"]:
    module, name, nth, when = os.environ["KILL"].split(":")
    owner_name, _, method = name.rpartition(".")
    owner = importlib.import_module(module)
    if owner_name:
        owner = getattr(owner, owner_name)
    real = getattr(owner, method)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        hit = calls["n"] == int(nth)
        if hit and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if hit and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, method, wrapped)
from foi_sender.cli import main
sys.argv = ["foi-sender", *sys.argv[1:]]
main()
"""


def killed_then_rerun(flow: Home, kill: str) -> dict:
    """`inbox fetch --move-to Done` SIGKILLed at `kill`, then run again to the end."""
    env = {
        **os.environ,
        "FOI_SENDER_HOME": str(flow.folder),
        "FOI_SENDER_NOW": LATER,
        "KILL": kill,
    }
    args = [sys.executable, "-c", KILLER, "inbox", "fetch", "--move-to", "Done", "--json"]
    killed = subprocess.run(args, env=env, capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    done = subprocess.run(args, env={**env, "KILL": ""}, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_each_once(flow: Home, names: list[str]) -> None:
    """Each message stored once and settled, each recorded once, the recorded ones moved."""
    rows = flow.sql("SELECT key, state FROM inbox_messages")
    assert len(rows) == len({k for k, _ in rows}) == len(names)
    assert not [k for k, s in rows if s == "stored"]
    per_message = flow.sql("SELECT json_extract(data, '$.inbox'), COUNT(*) FROM events GROUP BY 1")
    assert [count for _, count in per_message] == [1] * 10
    # Every recorded message moved; the rest (held, logged, unrelated) stay in the INBOX.
    assert len(flow.server.uids("Done")) == 10
    assert len(flow.server.uids("INBOX")) == len(names) - 10


def test_killed_between_record_and_move_nothing_doubled_or_lost(imap_home):
    names = list(ROUND_MAIL)
    imap_home.server.append("INBOX", *(imap_home.mail(n) for n in names))
    report = killed_then_rerun(imap_home, "foi_sender.inbox.sources:ImapMailbox.move:1:before")
    assert report["summary"] == {"seen": len(names)}  # all read and recorded before the kill
    assert report["moved"] == 10
    assert_each_once(imap_home, names)


def test_killed_between_record_and_journal_nothing_doubled_or_lost(imap_home):
    names = list(ROUND_MAIL)
    imap_home.server.append("INBOX", *(imap_home.mail(n) for n in names))
    # After the 3rd response is committed by lifecycle, before the inbox journal settles it.
    report = killed_then_rerun(imap_home, "foi_sender.inbox.record:respond_located:3:after")
    recovered = [m for m in report["messages"] if m["rule"] == "recorded earlier"]
    # The batch's 4 bounces, the acknowledgement and the clarification, and 3 responses.
    assert len(recovered) == 9
    assert {m["kind"] for m in recovered} == {
        "bounce",
        "acknowledgement",
        "clarification",
        "response",
    }
    assert_each_once(imap_home, names)


def test_import_of_mbox_maildir_and_eml_twice_records_once(sent, tmp_path):
    box = mailbox.mbox(tmp_path / "export.mbox")
    for name in ("walsall-postfix-dsn", "leicester-ack", "coventry-response-html"):
        box.add(sent.mail(name))
    box.flush()
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    maildir.add(sent.mail("derby-clarification"))
    maildir.add(sent.mail("newsletter"))
    eml = tmp_path / "kent.eml"
    eml.write_bytes(sent.mail("kent-tagged-response"))
    paths = [str(tmp_path / "export.mbox"), str(tmp_path / "Maildir"), str(eml)]

    first = json.loads(sent("inbox", "import", *paths, "--json").stdout)
    assert first["summary"] == {"bounced": 1, "recorded": 4, "ignored": 1}
    events = sent.sql("SELECT COUNT(*) FROM events")
    second = json.loads(sent("inbox", "import", *paths, "--json").stdout)
    assert second["summary"] == {"seen": 6}
    assert sent.sql("SELECT COUNT(*) FROM events") == events

    # Raw bytes and attachments kept under the home, under names of our own making.
    for (path,) in sent.sql("SELECT path FROM inbox_messages"):
        assert re.fullmatch(r"inbox/messages/[0-9a-f]{24}\.eml", path)
        assert (sent.folder / path).is_file()
    for folder in [sent.folder / "inbox", *(sent.folder / "inbox").rglob("*")]:
        assert (folder.stat().st_mode & 0o077) == 0, folder  # the owner's alone
    attached = list((sent.folder / "inbox" / "attachments").rglob("*"))
    assert [p.name for p in attached if p.is_file()] == ["01-Response-250417.docx"]


def test_a_message_twice_in_one_mbox_is_stored_and_recorded_once(sent, tmp_path):
    # A mailbox export with a copy of an answer that carries a Word attachment.
    box = mailbox.mbox(tmp_path / "export.mbox")
    for name in ("kent-tagged-response", "walsall-postfix-dsn", "kent-tagged-response"):
        box.add(sent.mail(name))
    box.flush()
    report = json.loads(sent("inbox", "import", str(tmp_path / "export.mbox"), "--json").stdout)
    assert [line["state"] for line in report["messages"]] == ["processed", "processed", "seen"]
    assert sent.sql("SELECT COUNT(*) FROM inbox_messages") == [(2,)]
    assert sent.sql("SELECT COUNT(*) FROM events WHERE kind = 'response'") == [(1,)]
    files = [p for p in (sent.folder / "inbox").rglob("*") if p.is_file()]
    assert sorted(p.suffix for p in files) == [".docx", ".eml", ".eml"]  # no temporary left


def test_review_response_is_recorded_as_the_reviews_answer(sent, tmp_path):
    sheffield = tmp_path / "sheffield.eml"
    sheffield.write_bytes(
        sent.mail("leicester-ack")
        .replace(b"leicester", b"sheffield")
        .replace(b"FOI-2025-01234", b"FOI/2025/1190")
    )
    sent("respond", "spring", "sheffield", "--on", "2025-05-09", "--outcome", "refused")
    sent(
        "review",
        "spring",
        "sheffield",
        "--grounds",
        "Managers act in a public role.",
        "--send",
        "--yes",
        at="2025-05-12T10:00:00+01:00",
    )
    review = tmp_path / "review.eml"
    review.write_bytes(sent.mail("sheffield-review-response"))
    result = sent("inbox", "import", str(review), at="2025-06-06T10:00:00+01:00")
    assert "review_response" in result.stdout
    state = json.loads(sent("status", "--json", at="2025-06-06T10:00:00+01:00").stdout)
    (row,) = [s for s in state if s["council"] == "sheffield"]
    assert row["status"] == "review_answered"


def test_imap_login_refused_is_one_clear_line(imap_home, monkeypatch):
    monkeypatch.setenv("FOI_SENDER_IMAP_PASSWORD", "wrong")
    result = imap_home("inbox", "fetch", code=1)
    assert "refused the login of alex@example.org" in result.stderr
    assert "wrong" not in result.stderr and "Traceback" not in result.output


def test_no_password_is_refused_before_connecting(imap_home, monkeypatch):
    monkeypatch.delenv("FOI_SENDER_IMAP_PASSWORD")
    result = imap_home("inbox", "fetch", code=1)
    assert "no IMAP password for alex@example.org" in result.stderr


def test_import_refuses_what_is_not_mail(sent, tmp_path):
    folder = tmp_path / "notmaildir"
    folder.mkdir()
    result = sent("inbox", "import", str(folder), code=2)
    assert "not a Maildir" in result.stderr
    assert "no such file" in sent("inbox", "import", str(tmp_path / "nope"), code=2).stderr


def test_starttls_is_verified_against_the_system_cas_and_ca_file(home, run, imap_tls_server):
    server, ca_file = imap_tls_server
    write_home(home, server.port)
    flow = Home(home, run)
    flow("send", "spring", "--all", "--yes", at=SENT)
    config = home / "foi.toml"
    config.write_text(
        config.read_text().replace('security = "none"', 'security = "starttls"'), encoding="utf-8"
    )
    env = {"FOI_SENDER_IMAP_PASSWORD": server.password}
    refused = flow("inbox", "fetch", env=env, code=1)
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    config.write_text(config.read_text() + f'ca_file = "{ca_file}"\n', encoding="utf-8")
    assert "0 message(s): nothing new." in flow("inbox", "fetch", env=env).stdout


HOSTILE = {
    "noise.eml": bytes(range(256)) * 40,
    "empty.eml": b"",
    "headers-only.eml": b"From: FOI <foi@derby.gov.uk>\nSubject: " + b"x" * 5000 + b"\n",
    "broken-mime.eml": b'From: foi@derby.gov.uk\nContent-Type: multipart/mixed; boundary="\n'
    b"In-Reply-To: <\r\n>\n\n--\nContent-Type: application/pdf\n"
    b"Content-Transfer-Encoding: base64\n\n%%%notbase64\n",
    "bad-charset.eml": b"From: x@y.example\nSubject: =?x-unknown?q?FOI?=\n"
    b"Content-Type: text/plain; charset=x-unknown\n\nYour FOI request \xff\xfe\n",
    "dsn-no-recipient.eml": b"From: MAILER-DAEMON@mx.example\nSubject: Undeliverable\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
    b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n--b--\n",
}


def test_hostile_messages_are_kept_and_settled_without_a_traceback(sent, tmp_path):
    paths = []
    for name, data in HOSTILE.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    report = json.loads(sent("inbox", "import", *paths, "--json").stdout)
    assert len(report["messages"]) == len(HOSTILE)
    assert sent.sql("SELECT COUNT(*) FROM inbox_messages WHERE state = 'stored'") == [(0,)]
    assert sent.sql("SELECT COUNT(*) FROM events") == [(0,)]
    assert {s["status"] for s in sent.status().values()} == {"awaiting"}


def test_since_reads_only_mail_the_server_received_from_that_day(imap_home):
    from datetime import datetime

    client = imap_home.server.client()
    client.append("INBOX", imap_home.mail("leicester-ack"), msg_time=datetime(2025, 4, 15, 8, 2))
    client.append("INBOX", imap_home.mail("derby-clarification"), msg_time=datetime(2025, 5, 2))
    client.logout()
    report = json.loads(imap_home("inbox", "fetch", "--since", "2025-05-01", "--json").stdout)
    assert [m["kind"] for m in report["messages"]] == ["clarification"]
    bad = imap_home("inbox", "fetch", "--since", "1 May", code=2)
    assert "Error:" in bad.stderr and "Traceback" not in bad.output


def test_an_answer_read_before_its_acknowledgement_is_matched_on_a_second_look(imap_home):
    # Sent from the case system's own domain: only the reference can tie it to the request.
    answer = imap_home.mail("leicester-response").replace(
        b"<info.requests@leicester.gov.uk>", b"<noreply@caseworks.example.com>"
    )
    imap_home.server.append("INBOX", answer, imap_home.mail("leicester-ack"))
    report = json.loads(imap_home("inbox", "fetch", "--move-to", "Done", "--json").stdout)
    first = report["messages"][0]
    assert (first["kind"], first["council"], first["rule"]) == (
        "response",
        "spring/leicester",
        "council reference FOI-2025-01234",
    )
    assert report["summary"] == {"recorded": 2} and report["moved"] == 2
    assert imap_home.sql("SELECT state FROM inbox_messages") == [("processed",), ("processed",)]


def test_respond_with_the_outcome_read_confirms_it(imap_home):
    imap_home.server.append("INBOX", imap_home.mail("coventry-response-html"))
    imap_home("inbox", "fetch")
    read = imap_home.status()["coventry"]
    assert read["unconfirmed"] is True
    args = ["--on", read["response_on"], "--outcome", read["outcome"]]
    args += ["--reference", read["reference"]]
    for code in read["exemptions"]:
        args += ["--exemption", code]
    imap_home("respond", "spring", "coventry", *args)
    assert imap_home.status()["coventry"]["unconfirmed"] is False
    assert imap_home.sql("SELECT kind FROM events ORDER BY id") == [
        ("response",),
        ("outcome_confirmed",),
    ]


def test_a_second_different_answer_is_held_until_assigned_with_replace(imap_home):
    imap_home.server.append("INBOX", imap_home.mail("coventry-response-html"))
    imap_home("inbox", "fetch")
    second = (
        imap_home.mail("coventry-response-html")
        .replace(b"AM9PR06MB7441C2E0", b"AM9PR06MB7441FFFF")
        .replace(b"FOI/25/0876", b"FOI/25/0999")
    )
    imap_home.server.append("INBOX", second)
    line = json.loads(imap_home("inbox", "fetch", "--json").stdout)["messages"][0]
    assert line["state"] == "held" and "already recorded" in line["result"]
    refused = imap_home("inbox", "assign", str(line["id"]), "spring", "coventry", code=2)
    assert "--replace" in refused.stderr
    imap_home("inbox", "assign", str(line["id"]), "spring", "coventry", "--replace")
    assert imap_home.status()["coventry"]["reference"] == "FOI/25/0999"
    assert imap_home("inbox", "pending").stdout.startswith("Nothing held.")


def test_a_second_answer_in_the_thread_is_held_before_it_is_read(imap_home, monkeypatch):
    import foi_sender.replies as replies
    from foi_sender.errors import ReplyError

    imap_home.server.append("INBOX", imap_home.mail("coventry-response-html"))
    imap_home("inbox", "fetch")
    second = imap_home.mail("coventry-response-html").replace(
        b"AM9PR06MB7441C2E0", b"AM9PR06MB7441FFFF"
    )
    imap_home.server.append("INBOX", second)

    def unreadable(*args, **kwargs):  # a fault: any reply read from here on cannot be read
        raise ReplyError("injected: the reader was asked")

    monkeypatch.setattr(replies, "read_message", unreadable)
    line = json.loads(imap_home("inbox", "fetch", "--json").stdout)["messages"][0]
    # Read, it would be held as unreadable ("cannot read the outcome"); the thread and the
    # answer recorded from another message already tell it is a second, different answer.
    assert line["state"] == "held" and "already recorded" in line["result"], line
    assert line["rule"] == "In-Reply-To/References"
    assert imap_home.sql("SELECT kind FROM events") == [("response",)]


def test_only_a_reply_with_other_bytes_is_told_apart_unread(imap_home, tmp_path):
    from datetime import date

    from foi_sender.ledger import open_ledger
    from foi_sender.lifecycle import answered_otherwise, locate

    reply = tmp_path / "coventry.txt"
    reply.write_text("Dear Alex,\nThe information is attached.\nYours, FOI Team\n")
    imap_home(
        "respond",
        "spring",
        "coventry",
        "--on",
        "2025-05-07",
        "--outcome",
        "successful",
        "--file",
        str(reply),
    )
    other = tmp_path / "other.txt"
    other.write_bytes(reply.read_bytes() + b"PS: a second letter.\n")
    today, on = date(2025, 5, 13), date(2025, 5, 7)
    ledger = open_ledger(imap_home.folder)
    try:
        located = locate(ledger, "spring", "coventry", today)
        told = {
            name: answered_otherwise(located, f, on=on, home=imap_home.folder, today=today)
            for name, f in (("same", reply), ("other", other))
        }
    finally:
        ledger.close()
    assert told["same"] is None  # the same bytes may be the same answer: read it to tell
    assert "already recorded for spring/coventry" in told["other"]
