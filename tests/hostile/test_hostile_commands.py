"""Hostile arguments: impossible and future dates, unknown rounds, councils and templates, header
injection through a reference or a round name, NUL in review grounds, `send` with no councils
chosen or no terminal to confirm on. Each case runs against a home that has sent round `r1`."""

from __future__ import annotations

from datetime import date

import pytest

TODAY = date.today().isoformat()

CASES = {
    # id: (arguments, what the one error line must mention)
    "deadline-february-30": (("deadline", "2025-02-30"), "not a date"),
    "deadline-month-13": (("deadline", "2025-13-01"), "not a date"),
    "deadline-year-0": (("deadline", "0000-01-01"), "not a date"),
    "deadline-fullwidth-digits": (("deadline", "２０２５-０１-０１"), "not a date"),
    "deadline-not-iso": (("deadline", "01/02/2025"), "not a date"),
    "deadline-end-of-calendar": (("deadline", "9999-12-31"), "out of range"),
    "deadline-too-many-days": (("deadline", "2025-01-02", "--days", "99999999"), "out of range"),
    "deadline-zero-days": (("deadline", "2025-01-02", "--days", "0"), "days"),
    "deadline-unknown-regime": (("deadline", "2025-01-02", "--regime", "gdpr"), "regime"),
    "status-unknown-round": (("status", "nope"), "no round named 'nope'"),
    "draft-unknown-council": (("draft", "nowhere"), "no council with id 'nowhere'"),
    "draft-unknown-round": (("draft", "leicester", "--round", "nope"), "no round"),
    "send-unknown-council": (("send", "r", "--council", "nowhere", "--yes"), "nowhere"),
    "send-unknown-among-known": (
        ("send", "r", "--council", "glasgow", "--council", "glasgo", "--yes"),
        "glasgo",
    ),
    "send-no-councils-chosen": (("send", "r2"), "--council ID or --all"),
    "send-no-councils-chosen-yes": (("send", "r2", "--yes"), "--council ID or --all"),
    "send-no-terminal-no-yes": (("send", "r2", "--council", "glasgow"), "--yes"),
    "send-other-template-on-existing-round": (
        ("send", "r1", "--template", "overdue_chaser", "--council", "glasgow", "--yes"),
        "uses the template",
    ),
    "send-round-name-crlf": (
        ("send", "r2\r\nBcc: victim@example.com", "--council", "glasgow", "--yes"),
        "one line",
    ),
    "send-round-name-blank": (("send", "  ", "--council", "glasgow", "--yes"), "round name"),
    "send-round-name-10kB": (("send", "r" * 10_000, "--council", "glasgow", "--yes"), "limit"),
    "send-negative-rate": (("send", "r2", "--council", "glasgow", "--rate", "-1", "--yes"), "rate"),
    "respond-future-date": (
        ("respond", "r1", "leicester", "--on", "2099-01-01", "--outcome", "refused"),
        "future",
    ),
    "respond-impossible-date": (
        ("respond", "r1", "leicester", "--on", "2025-02-30", "--outcome", "refused"),
        "not a date",
    ),
    "respond-before-sent": (
        ("respond", "r1", "leicester", "--on", "2001-01-01", "--outcome", "refused"),
        "before",
    ),
    "respond-unknown-outcome": (
        ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "maybe"),
        "outcome",
    ),
    "respond-unknown-round": (
        ("respond", "nope", "leicester", "--on", TODAY, "--outcome", "refused"),
        "no round named 'nope'",
    ),
    "respond-unknown-council": (
        ("respond", "r1", "glasgow", "--on", TODAY, "--outcome", "refused"),
        "no request to 'glasgow'",
    ),
    "respond-reference-crlf-bcc": (
        (
            "respond",
            "r1",
            "leicester",
            "--on",
            TODAY,
            "--outcome",
            "refused",
            "--reference",
            "FOI-1\r\nBcc: victim@example.com",
        ),
        "one line",
    ),
    "respond-reference-10kB": (
        ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused", "--reference")
        + ("R" * 10_000,),
        "limit",
    ),
    "respond-missing-reply-file": (
        ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused", "--file", "nope.eml"),
        "nope.eml",
    ),
    "clarify-month-13": (("clarify", "r1", "leicester", "--on", "2025-13-01"), "not a date"),
    "clarify-future": (("clarify", "r1", "leicester", "--on", "2099-01-01"), "future"),
    "extend-zero-days": (("extend", "r1", "leicester", "--days", "0"), "days"),
    "extend-to-the-past": (("extend", "r1", "leicester", "--to", "2001-01-01"), "not after"),
    "extend-neither": (("extend", "r1", "leicester"), "--days N or --to DATE"),
    "read-reply-missing-file": (("read-reply", "nope.pdf"), "nope.pdf"),
}


@pytest.mark.parametrize("args, mentions", CASES.values(), ids=CASES.keys())
def test_hostile_arguments(hhome, run, snap, refused, args, mentions):
    before = snap(hhome)
    refused(run(*args), before, hhome, mentions)


@pytest.mark.parametrize(
    "name, content",
    [
        ("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8),
        ("garbage.docx", b"PK\x03\x04" + bytes(range(256)) * 8),
        ("empty.pdf", b""),
    ],
    ids=["pdf", "docx", "empty-pdf"],
)
def test_hostile_reply_files(hhome, run, snap, refused, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    before = snap(hhome)
    refused(run("read-reply", str(path)), before, hhome, name.replace(".", r"\."))


@pytest.fixture
def answered(hhome, run):
    """r1/leicester refused today: an internal review may be asked for."""
    result = run("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused")
    assert result.exit_code == 0, result.output
    return hhome


def test_review_grounds_with_nul(answered, run, snap, refused):
    before = snap(answered)
    result = run("review", "r1", "leicester", "--grounds", "Section 40\x00 misapplied", "--send")
    refused(result, before, answered, "NUL")


def test_review_grounds_100kB(answered, run, snap, refused):
    before = snap(answered)
    grounds = ("The exemption was misapplied. " * 350 + "\n") * 10
    result = run("review", "r1", "leicester", "--grounds", grounds, "--send", "--yes")
    refused(result, before, answered, "limit")


def test_review_grounds_file_not_utf8(answered, run, snap, refused, tmp_path):
    grounds = tmp_path / "grounds.txt"
    grounds.write_bytes("Adran 40 – camddefnyddiwyd".encode("cp1252"))
    before = snap(answered)
    result = run("review", "r1", "leicester", "--grounds-file", str(grounds), "--send", "--yes")
    refused(result, before, answered, "UTF-8|grounds")


def test_review_send_without_terminal(answered, run, snap, refused):
    before = snap(answered)
    result = run("review", "r1", "leicester", "--grounds", "Please look again.", "--send")
    refused(result, before, answered, "--yes")


def test_status_without_a_ledger(home, run, snap, refused):
    before = snap(home)
    refused(run("status"), before, home, "no ledger")
    assert not (home / "foi.sqlite").exists()


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("send", "r2", "--council", "glasgow"), "no terminal"),
        (("send", "r2"), "--council ID or --all"),
        (("send", "r", "--council", "nowhere", "--yes"), "nowhere"),
        (("deadline", "2025-02-30"), "not a date"),
        (("status", "nope"), "no round named"),
        (("draft", "nowhere"), "nowhere"),
    ],
    ids=[
        "send-no-terminal",
        "send-no-councils",
        "send-unknown-council",
        "deadline",
        "status",
        "draft",
    ],
)
def test_hostile_arguments_in_a_real_process(hhome, snap, refused, cli_subprocess, args, mentions):
    """The installed console script, stdin not a terminal (/dev/null), real stderr."""
    before = snap(hhome)
    refused(cli_subprocess(hhome, *args), before, hhome, mentions)
