"""A whole round to every one of the 212 shipped councils, with replies, as a user's would be by
late June: sent on 14 April 2025 through the outbox transport, 150 answers recorded from council
reply fixtures over nine weeks, a few reviews asked for, clarifications and an extension, one
withdrawal, and the rest overdue. Built in-process (the CLI through click's runner, the core for
replies), so the report's tests and bench/report.py share one realistic round in a few seconds.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import yaml
from click.testing import CliRunner

from foi_sender import deadlines
from foi_sender.cli import cli
from foi_sender.config import shipped_path, write_initial_config
from foi_sender.lifecycle import (
    open_request,
    record_acknowledgement,
    record_bounce,
    record_clarification,
    record_clarification_request,
    respond_from_file,
)

ROOT = Path(__file__).resolve().parent
REPLIES = ROOT / "fixtures" / "replies"
HOSTILE_REPLY = ROOT / "hostile" / "data" / "formula-reply.txt"
ROUND = "summer-2025"
SENT_AT = "2025-04-14T09:30:00+01:00"
TODAY = "2025-06-20T12:00:00+01:00"
ANSWERED = 150
# Replies in plain text, each with the outcome a person reading it would record.
REPLY_FILES = (
    ("coventry-2025.txt", "successful"),
    ("leicester-2025.txt", "partially_successful"),
    ("birmingham-table.txt", "successful"),
    ("brighton-cp1252.txt", "partially_successful"),
    ("charnwood-redirect.txt", "redirected"),
    ("derby-s12-refusal.txt", "refused"),
    ("edinburgh-foisa.txt", "partially_successful"),
    ("nottingham-numbered.txt", "successful"),
    ("walsall-hardwrapped.txt", "successful"),
    ("wolverhampton-not-held.txt", "not_held"),
)
OWN_REPLIES = {"leicester": "partially_successful", "coventry": "successful"}
SOURCE = "tests/big_round.py"  # what the inbox would name: the message an event came from
GROUNDS = "The names of the managers who place children are not the personal data of junior staff."


@contextmanager
def clock(moment: str):
    before = os.environ.get("FOI_SENDER_NOW")
    os.environ["FOI_SENDER_NOW"] = moment
    try:
        yield
    finally:
        if before is None:
            del os.environ["FOI_SENDER_NOW"]
        else:
            os.environ["FOI_SENDER_NOW"] = before


def slug(council_id: str) -> str:
    return "".join(ch for ch in council_id if ch.isalnum() or ch == "-")


def write_registry(home: Path) -> list[dict]:
    """The shipped registry, every council given a (made-up) address so the round reaches all."""
    shipped = yaml.safe_load(shipped_path("councils.yaml").read_text(encoding="utf-8"))
    councils = shipped["councils"]
    for council in councils:
        council["foi_email"] = council.get("foi_email") or f"foi@{slug(council['id'])}.gov.uk"
        council["email_source"] = council.get("email_source") or "test fixture"
    text = yaml.safe_dump({"councils": councils}, sort_keys=False, allow_unicode=True)
    (home / "councils.yaml").write_text(text, encoding="utf-8")
    return councils


def build_round(home: Path) -> dict[str, str]:
    """Fill `home` with the round; returns what was done to each council (for the tests)."""
    home.mkdir(parents=True, exist_ok=True)
    write_initial_config(home, "Alex Example", "alex@example.org", "Example Care Ltd")
    ids = sorted(c["id"] for c in write_registry(home))
    runner = CliRunner()

    def foi(*args: str) -> None:
        result = runner.invoke(cli, ["--home", str(home), *args])
        assert result.exit_code == 0, (args, result.output)

    with clock(SENT_AT):
        foi("send", ROUND, "--all", "--yes")
    calendar = deadlines.calendar_for(deadlines.Regime.FOIA)
    sent = date(2025, 4, 14)
    done: dict[str, str] = {}
    with clock(TODAY):
        from foi_sender.config import load_settings

        settings = load_settings(home)
        for index, council in enumerate(ids):
            if index % 3 == 0:  # a third acknowledged the request the day after it arrived
                with open_request(home, settings, ROUND, council) as located:
                    record_acknowledgement(
                        located,
                        on=date(2025, 4, 15),
                        reference=None,
                        council_due=None,
                        source=SOURCE,
                        today=date(2025, 6, 20),
                    )
            if index < ANSWERED:
                file, outcome = REPLY_FILES[index % len(REPLY_FILES)]
                path = HOSTILE_REPLY if council == "leeds" else REPLIES / file
                if council in OWN_REPLIES:
                    path, outcome = REPLIES / f"{council}-2025.txt", OWN_REPLIES[council]
                # Answers from 3 to 45 working days after sending: most on time, some late.
                on = calendar.add(sent, 3 + (index * 7) % 43)
                respond_from_file(
                    home,
                    settings,
                    ROUND,
                    council,
                    path,
                    on=on,
                    outcome=outcome,
                    reference=None,
                    exemptions=(),
                )
                done[council] = outcome
            elif index < ANSWERED + 20:
                # Clarified in early May: overdue now, but not yet long overdue.
                with open_request(home, settings, ROUND, council) as located:
                    record_clarification(located, on=date(2025, 5, 1), today=date(2025, 6, 20))
                done[council] = "clarified"
            elif index < ANSWERED + 26:
                # Clarified in June: the clock started again, not yet due.
                with open_request(home, settings, ROUND, council) as located:
                    record_clarification(located, on=date(2025, 6, 2), today=date(2025, 6, 20))
                done[council] = "awaiting"
            elif index == ANSWERED + 26:
                foi("withdraw", ROUND, council)
                done[council] = "withdrawn"
            elif index < ANSWERED + 31:  # the address was wrong: the letter came back
                with open_request(home, settings, ROUND, council) as located:
                    record_bounce(
                        located,
                        on=date(2025, 4, 14),
                        status_code="5.1.1",
                        diagnostic="550 5.1.1 User unknown",
                        recipient=f"foi@{slug(council)}.gov.uk",
                        source=SOURCE,
                        today=date(2025, 6, 20),
                    )
                done[council] = "bounced"
            elif index < ANSWERED + 33:
                with open_request(home, settings, ROUND, council) as located:
                    record_clarification_request(
                        located, on=date(2025, 5, 2), source=SOURCE, today=date(2025, 6, 20)
                    )
                done[council] = "clarification_requested"
            else:
                done[council] = "silent"
        refused = [c for c, outcome in done.items() if outcome == "refused"][:6]
        for council in refused:
            foi("review", ROUND, council, "--grounds", GROUNDS, "--send", "--yes")
            done[council] = "review"
    return done
