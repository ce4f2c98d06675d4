"""Issue 4, "Done when": a round sent through a real SMTP server (aiosmtpd, tests/smtp_server.py).

No mocks: the CLI runs in-process (click's CliRunner) and talks SMTP over 127.0.0.1 to a server
that records what it received.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import time
from contextlib import closing
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import format_datetime, getaddresses, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import (  # noqa: E402
    REQUESTER_EMAIL,
    REQUESTER_NAME,
    SMTP_PASSWORD,
    SMTP_USER,
    address,
    council_id,
    council_name,
    running_smtp_server,
    write_smtp_home,
)

from foi_sender import rounds  # noqa: E402
from foi_sender.config import load_settings  # noqa: E402
from foi_sender.ledger import open_ledger  # noqa: E402
from foi_sender.transport import build_message, prebuild  # noqa: E402

pytest_plugins = ["smtp_server"]

PINNED = "2026-03-02T09:30:00+00:00"


def statuses(run) -> dict[str, dict]:
    result = run("status", "--json")
    assert result.exit_code == 0, result.output
    return {row["council"]: row for row in json.loads(result.stdout)}


def test_a_round_of_40_arrives_as_40_plain_text_letters_and_a_rerun_sends_nothing(
    smtp_server, home, run
):
    write_smtp_home(home, smtp_server, councils=40)

    result = run("send", "r1", "--all", "--yes")

    assert result.exit_code == 0, result.output
    assert "Sent 40." in result.stdout
    received = smtp_server.messages
    assert len(received) == 40
    assert sorted(r.rcpt_tos for r in received) == [(address(n),) for n in range(1, 41)]
    # One connection carries the whole round.
    assert {r.connection for r in received} == {1}
    assert smtp_server.count("connect") == 1
    ledger = statuses(run)
    assert set(ledger) == {council_id(n) for n in range(1, 41)}
    seen_ids = set()
    for item in received:
        number = int(item.rcpt_tos[0].split("@")[0].rsplit("-", 1)[1])
        message = item.message
        assert item.mail_from == REQUESTER_EMAIL
        # Plain text only: no multipart, no HTML part, no <br> anywhere in the bytes.
        assert not message.is_multipart()
        assert [part.get_content_type() for part in message.walk()] == ["text/plain"]
        assert message.get_content_charset() == "utf-8"
        assert message["Content-Transfer-Encoding"] == "quoted-printable"
        assert b"<br" not in item.raw.lower() and b"<html" not in item.raw.lower()
        assert "<br" not in message.get_content().lower()
        # Headers: To the council (its name encoded where not ASCII), From/Reply-To the requester.
        assert getaddresses([str(message["To"])]) == [(council_name(number), address(number))]
        assert parseaddr(str(message["From"])) == (REQUESTER_NAME, REQUESTER_EMAIL)
        assert parseaddr(str(message["Reply-To"])) == ("", REQUESTER_EMAIL)
        assert council_name(number) in str(message["Subject"])
        assert "Freedom of Information" in message.get_content()
        # Our Message-ID, unique, and the one the ledger holds for this council.
        message_id = message["Message-ID"]
        assert message_id == ledger[council_id(number)]["message_id"]
        assert message_id.endswith("@example.org>")
        seen_ids.add(message_id)
    assert len(seen_ids) == 40
    assert any(not council_name(n).isascii() for n in range(1, 41))  # encoded names exercised
    assert all(row["status"] == "awaiting" for row in ledger.values())

    again = run("send", "r1", "--yes")
    with_all = run("send", "r1", "--all", "--yes")

    for rerun in (again, with_all):
        assert rerun.exit_code == 0, rerun.output
        assert "40 already sent" in rerun.stdout
        assert "0 to send now" in rerun.stdout
    assert len(smtp_server.messages) == 40
    assert smtp_server.count("connect") == 1  # the re-runs did not even connect


def test_councils_without_an_address_are_named_and_skipped(smtp_server, home, run):
    write_smtp_home(home, smtp_server, councils=6, without_address=(2, 5))

    result = run("send", "r1", "--all", "--yes")

    assert result.exit_code == 0, result.output
    assert re.search(r"2 skipped, no FOI address: council-002, council-005", result.stdout)
    assert "4 to send now" in result.stdout
    assert sorted(smtp_server.copies()) == [address(n) for n in (1, 3, 4, 6)]
    assert sorted(statuses(run)) == [council_id(n) for n in (1, 3, 4, 6)]


def _every_file(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


def test_login_the_server_sees_auth_and_the_password_is_nowhere_in_the_home(home, run):
    with running_smtp_server(require_auth=True) as server:
        write_smtp_home(home, server, councils=3, login=True)

        env = {"FOI_SENDER_SMTP_PASSWORD": SMTP_PASSWORD}
        result = run("send", "r1", "--all", "--yes", env=env)

        assert result.exit_code == 0, result.output
        assert server.auth_attempts == [(SMTP_USER, SMTP_PASSWORD, True)]
        assert [m.user for m in server.messages] == [SMTP_USER] * 3
    secret = SMTP_PASSWORD.encode()
    forms = {
        secret,
        base64.b64encode(secret),  # AUTH LOGIN
        base64.b64encode(b"\0" + SMTP_USER.encode() + b"\0" + secret),  # AUTH PLAIN
        SMTP_PASSWORD.encode("utf-16-le"),
    }
    files = _every_file(home)
    assert {p.name for p in files} >= {"foi.toml", "foi.sqlite", "councils.yaml"}
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form not in data, f"the password is in {path}"
    assert SMTP_PASSWORD not in result.output


def test_login_without_a_password_fails_clearly_before_anything_is_sent(smtp_server, home, run):
    write_smtp_home(home, smtp_server, councils=2, login=True)

    result = run("send", "r1", "--all", "--yes")

    assert result.exit_code == 1
    assert "no SMTP password for alex@example.org: set FOI_SENDER_SMTP_PASSWORD" in result.output
    assert smtp_server.count("connect") == 0
    assert not (home / "foi.sqlite").exists() or statuses(run) == {}


def test_a_non_ascii_password_is_refused_clearly_and_never_shown(smtp_server, home, run):
    write_smtp_home(home, smtp_server, councils=2, login=True)
    password = "pässwörd-Ünique"

    result = run("send", "r1", "--all", "--yes", env={"FOI_SENDER_SMTP_PASSWORD": password})

    assert result.exit_code == 1
    assert "has non-ASCII characters" in result.output
    assert "Internal error" not in result.output
    assert "ä" not in result.output and "ö" not in result.output
    assert smtp_server.count("connect") == 0


def _dump(home: Path) -> list[str]:
    db = sqlite3.connect(home / "foi.sqlite")
    try:
        return list(db.iterdump())
    finally:
        db.close()


def test_dry_run_sends_and_records_nothing(smtp_server, home, run):
    write_smtp_home(home, smtp_server, councils=3)

    first = run("send", "r1", "--all", "--yes", "--dry-run")

    assert first.exit_code == 0, first.output
    assert "Dry run: nothing sent, nothing recorded." in first.stdout
    assert "3 to send now" in first.stdout
    assert not (home / "foi.sqlite").exists()
    assert not (home / "outbox").exists()
    assert smtp_server.count("connect") == 0

    # With a ledger: a half-sent round stays exactly as it was.
    smtp_server.inject("rcpt", reply="550 5.1.1 No such mailbox", rcpt=address(2))
    assert run("send", "r1", "--all", "--yes").exit_code == 1
    before, connections = _dump(home), smtp_server.count("connect")

    again = run("send", "r1", "--yes", "--retry-failed", "--dry-run")

    assert again.exit_code == 0, again.output
    assert "1 to send now" in again.stdout
    assert _dump(home) == before
    assert smtp_server.count("connect") == connections


def test_a_dry_run_plan_leaves_an_interrupted_letter_as_it_found_it(smtp_server, home):
    """A letter left `sending` by a killed process: the dry-run plan counts it, changes nothing;
    the real plan records it as uncertain. (cli.py must pass dry_run=dry_run to plan_send.)"""
    write_smtp_home(home, smtp_server, councils=2)
    settings = load_settings(home)
    ledger = open_ledger(home)
    try:
        plan = rounds.plan_send(home, settings, ledger, "r1", all_councils=True)
        messages = rounds.commit_plan(ledger, plan)
        ledger.claim(messages[0].id, "smtp", rounds.now())  # ...and the process died here
        before = _dump(home)

        dry = rounds.plan_send(home, settings, ledger, "r1", dry_run=True)

        assert _dump(home) == before
        assert dry.recovered_uncertain == 1
        assert [m.id for m in dry.uncertain] == [messages[0].id]
        assert [m.id for m in dry.queued] == [messages[1].id]

        real = rounds.plan_send(home, settings, ledger, "r1")

        assert real.recovered_uncertain == 1
        assert ledger.get_message(messages[0].id).status == "uncertain"
    finally:
        ledger.close()


TRICKY_TEMPLATE = """\
Subject: Tricky request to {{ council.name }} – “quoted” £5

{{ council.salutation or "Dear Freedom of Information team" }},
.
..
.a line that starts with a dot
From the start of a line (no mbox escaping)
Trailing spaces here{{ "   " }}
Ünïcödé — Cyngor Môn, naïve café, €, ✓
{{ "A very long line without breaks " * 12 }}end
=3D is not an escape here, and neither is =

{% include "_signature.j2" %}
"""


def test_outbox_and_smtp_carry_the_same_bytes_apart_from_transport_headers(
    smtp_server, home, run, monkeypatch
):
    write_smtp_home(home, smtp_server, councils=7)
    (home / "templates").mkdir()
    (home / "templates" / "tricky.j2").write_text(TRICKY_TEMPLATE, encoding="utf-8")
    monkeypatch.setenv("FOI_SENDER_NOW", PINNED)
    pairs = []
    for template in ("placements_request", "tricky"):
        for council in (council_id(1), council_id(7)):
            out_round, smtp_round = f"out-{template}-{council}", f"smtp-{template}-{council}"
            common = ("--template", template, "--council", council, "--yes")
            assert run("send", out_round, "--transport", "outbox", *common).exit_code == 0
            outbox = sorted((home / "outbox" / "new").iterdir())[-1].read_bytes()
            result = run("send", smtp_round, "--transport", "smtp", *common)
            assert result.exit_code == 0, result.output
            pairs.append((out_round, smtp_round, outbox, smtp_server.messages[-1]))

    ledger = {(row["round"], row["council"]): row for row in _status_rows(run)}
    date_header = format_datetime(
        datetime.fromisoformat(PINNED).astimezone(ZoneInfo("Europe/London"))
    )
    for out_round, smtp_round, outbox, received in pairs:
        council = received.rcpt_tos[0].split("@")[0]
        out_id = ledger[(out_round, council)]["message_id"]
        smtp_id = ledger[(smtp_round, council)]["message_id"]
        assert out_id != smtp_id
        assert f"\r\nMessage-ID: {out_id}\r\n".encode() in outbox
        assert f"\r\nMessage-ID: {smtp_id}\r\n".encode() in received.raw
        assert f"\r\nDate: {date_header}\r\n".encode() in received.raw
        # The wire bytes (dot-stuffing undone by the server) are the outbox file's bytes...
        assert received.raw.replace(smtp_id.encode(), out_id.encode()) == outbox
        # ...and what the server stores differs only by the headers it adds in front.
        stored = _strip_transport_headers(received.stored)
        assert stored.replace(smtp_id.encode(), out_id.encode()) == outbox
        assert received.stored != received.raw  # the server did add transport headers
    tricky = message_from_bytes(pairs[-1][2], policy=policy.default)
    body = tricky.get_content().replace("\r\n", "\n")
    assert "\n.\n..\n.a line that starts with a dot\n" in body
    assert "Trailing spaces here   \n" in body
    assert "€, ✓" in body and "Cyngor Prawf Môn 007" in str(tricky["To"])


def _status_rows(run) -> list[dict]:
    result = run("status", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _strip_transport_headers(data: bytes) -> bytes:
    """Drop the trace headers a server puts in front (Received, X-Peer, Return-Path...)."""
    transport = (b"received:", b"x-peer:", b"return-path:", b"delivered-to:", b"x-mailfrom:")
    lines = data.split(b"\r\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lower().startswith(transport):
            index += 1
            while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
                index += 1
            continue
        break
    return b"\r\n".join(lines[index:])


def test_rate_limits_letters_per_minute(smtp_server, home, run):
    write_smtp_home(home, smtp_server, councils=8)

    fast = run("send", "fast", "--council", council_id(1), "--council", council_id(2), "--yes")
    start = time.monotonic()
    slow = run(
        "send", "slow", *[a for n in range(3, 8) for a in ("--council", council_id(n))],
        "--yes", "--rate", "240",
    )  # fmt: skip
    elapsed = time.monotonic() - start

    assert fast.exit_code == 0 and slow.exit_code == 0, slow.output
    times = [m.at for m in smtp_server.messages]
    fast_gap = times[1] - times[0]
    gaps = [b - a for a, b in zip(times[2:], times[3:], strict=False)]
    assert len(gaps) == 4
    # 240 a minute: one letter every 0.25 s, measured where the letters arrive.
    assert all(0.24 <= gap < 0.6 for gap in gaps), gaps
    assert fast_gap < 0.1, fast_gap
    assert elapsed >= 1.0


def test_a_stop_during_the_rate_wait_sends_no_further_letter(smtp_server, home):
    """^C while waiting for the rate limit stops before the next letter, not after it."""
    write_smtp_home(home, smtp_server, councils=3)
    settings = load_settings(home)
    ledger = open_ledger(home)
    try:
        plan = rounds.plan_send(home, settings, ledger, "r1", all_councils=True)
        messages = rounds.commit_plan(ledger, plan)
        transport = rounds.open_transport(home, settings, "smtp")
        start = time.monotonic()

        report = rounds.send_messages(
            ledger,
            settings,
            transport,
            messages,
            rate_per_minute=6,  # one every 10 s
            should_stop=lambda: len(smtp_server.messages) >= 1 and time.monotonic() - start > 0.2,
        )

        assert time.monotonic() - start < 2
        assert report.stopped and len(report.sent) == 1
        assert len(smtp_server.messages) == 1
        assert [ledger.get_message(m.id).status for m in messages] == ["sent", "queued", "queued"]
    finally:
        ledger.close()


def test_retry_failed_after_set_email_goes_to_the_new_address(smtp_server, home, run):
    """Issue 11 item 6: the old address refused the letter (550); the retry must not go there."""
    write_smtp_home(home, smtp_server, councils=3)
    old, new = address(2), "foi.requests@council-two.gov.uk"
    smtp_server.inject("rcpt", reply="550 5.1.1 No such mailbox here", rcpt=old)
    first = run("send", "r1", "--all", "--yes")
    assert first.exit_code != 0 and "Failed: council-002: 550" in first.stdout
    fixed = run("councils", "set-email", "council-002", new, "--source", "reply", "--force")
    assert fixed.exit_code == 0, fixed.output

    retry = run("send", "r1", "--yes", "--retry-failed")

    assert retry.exit_code == 0, retry.output
    assert f"council-002: retried at its new address {old} -> {new}" in retry.stdout
    assert "Sent 1." in retry.stdout
    rcpts = [e.detail for e in smtp_server.log if e.stage == "rcpt"]
    assert rcpts.count(old) == 1 and rcpts[-1] == new
    assert [m.rcpt_tos for m in smtp_server.messages][-1] == (new,)
    assert smtp_server.messages[-1].message["To"].addresses[0].addr_spec == new
    with closing(sqlite3.connect(home / "foi.sqlite")) as db:
        (stored,) = db.execute(
            "SELECT m.to_address, m.status FROM messages m JOIN requests q ON q.id = m.request_id"
            " WHERE q.council_id = 'council-002'"
        ).fetchall()
    assert stored == (new, "sent")
    draft = run("draft", "council-002", "--round", "r1")
    assert f"To: Test Borough 002 <{new}>" in draft.stdout
    (row,) = [
        r for r in json.loads(run("status", "r1", "--json").stdout) if r["council"] == "council-002"
    ]
    assert row["status"] == "awaiting" or row["sent_on"] is not None
    assert row["message_id"] == smtp_server.messages[-1].message["Message-ID"]


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("UTC")),  # GMT
        datetime(2026, 7, 31, 23, 59, 59, tzinfo=ZoneInfo("UTC")),  # BST: 1 Aug in London
        datetime(2025, 12, 25, 0, 0, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
    ],
)
def test_a_letter_built_once_carries_the_bytes_it_would_have_if_built_when_sent(when):
    """Issue 15: the round builds each letter when planned and only sets its Date when it goes."""
    from foi_sender.config import Requester

    letter = dict(
        requester=Requester("Siân Example", "sian@example.org", "Example Care Ltd"),
        to_name="Cyngor Sir Ynys Môn",
        to_address="foi@ynysmon.llyw.cymru",
        subject="Freedom of Information request: placements – Cyngor Sir Ynys Môn",
        body="Annwyl Swyddog,\n\nDate: this line is the body's, not a header.\n" + "é" * 200,
        message_id="<foi.1@example.org>",
        thread=("<foi.0@example.org>",),
    )

    assert prebuild(**letter).at(when) == build_message(**letter, when=when).as_bytes()


def _plain_email_package(letter: dict, when: datetime) -> bytes:
    """The letter as the standard library alone makes it: no header shared between letters."""
    from email.message import EmailMessage
    from email.utils import formataddr

    from foi_sender.replytag import reply_address

    requester, thread = letter["requester"], letter.get("thread", ())
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((requester.name, requester.email))
    msg["To"] = formataddr((letter["to_name"], letter["to_address"]))
    first = thread[0] if thread else letter["message_id"]
    msg["Reply-To"] = (
        reply_address(requester.email, first) if requester.reply_tag else requester.email
    )
    msg["Subject"] = letter["subject"]
    msg["Date"] = format_datetime(when.astimezone(ZoneInfo("Europe/London")))
    msg["Message-ID"] = letter["message_id"]
    if thread:
        msg["In-Reply-To"] = thread[-1]
        msg["References"] = " ".join(thread)
    msg.set_content(letter["body"], charset="utf-8", cte="quoted-printable")
    return msg.as_bytes()


def test_letters_built_one_after_another_are_each_what_the_email_package_makes_alone():
    """Headers the letters of a round share are parsed and folded once, then reused: each
    letter must still be byte for byte what the email package makes of it on its own, whatever
    was built before it (the same name at another address, the same subject long enough to
    fold, a reply tag, a thread)."""
    from foi_sender.config import Requester

    when = datetime(2026, 7, 31, 23, 59, 59, tzinfo=ZoneInfo("UTC"))
    plain = Requester("Alex Example", "alex@example.org")
    welsh = Requester("Siân Example", "sian@example.org", reply_tag=True)
    long_subject = "Freedom of Information request: residential placements of looked after " * 2
    letters = [
        dict(requester=requester, to_name=name, to_address=to, subject=subject, body=body,
             message_id=f"<foi.{number}@example.org>", thread=thread)
        for number, (requester, name, to, subject, body, thread) in enumerate(
            [
                (plain, "Cyngor Sir Ynys Môn", "foi@ynysmon.llyw.cymru", long_subject, "é\n", ()),
                (plain, "Cyngor Sir Ynys Môn", "foi@ynysmon.llyw.cymru", long_subject, "e\n", ()),
                (plain, "Kent County Council", "foi@ynysmon.llyw.cymru", "Request", "b\n", ()),
                (welsh, "Kent County Council", "foi@kent.gov.uk", long_subject, "b\n", ()),
                (welsh, "Kent, County Council", "foi@kent.gov.uk", "Review", "c\n",
                 ("<foi.3@example.org>",)),
                (plain, "Kent, County Council", "foi@kent.gov.uk", "Review", "c\n",
                 ("<foi.3@example.org>", "<foi.4@example.org>")),
                (plain, "Cyngor Sir Ynys Môn", "foi@ynysmon.llyw.cymru", long_subject, "é\n", ()),
            ]
        )
    ]  # fmt: skip

    for letter in letters:
        assert prebuild(**letter).at(when) == _plain_email_package(letter, when), letter
