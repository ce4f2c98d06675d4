"""`calendar export` and `calendar push` through the CLI, from a real ledger (issue 5, "Done when").

The round is the one of test_lifecycle.py: `r1` sent on Monday 14 April 2025 to alpha (FOIA), beta
(EIR) and gamma (FOISA). The golden file tests/golden/calendar/cli-round.ics is written under a
frozen clock; regenerate it with `FOI_SENDER_UPDATE_GOLDEN=1 pytest tests/test_calendar_cli.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

pytest_plugins = ["radicale_server"]

GOLDEN = Path(__file__).parent / "golden" / "calendar"
SENT_AT = "2025-04-14T09:30:00+01:00"

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
    name: "Gamma Council – Comhairle"
    nation: Scotland
    regime: FOISA
    foi_email: foi@gamma.gov.scot
    email_source: test fixture
"""


def at(day: str, clock: str = "12:00:00") -> dict:
    return {"FOI_SENDER_NOW": f"{day}T{clock}+01:00"}


@pytest.fixture
def act(home, run):
    """r1 sent on 14 April 2025; act(day, *args) runs the CLI at noon on `day`, expecting exit 0."""
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    result = run("send", "r1", "--all", "--yes", env={"FOI_SENDER_NOW": SENT_AT})
    assert result.exit_code == 0, result.output

    def invoke(day: str, *args: str, clock: str = "12:00:00", env: dict | None = None):
        result = run(*args, env={**at(day, clock), **(env or {})})
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    return invoke


def export(act, home: Path, day: str, *extra: str, name: str = "r1.ics", clock="12:00:00"):
    path = home / name
    result = act(day, "calendar", "export", "r1", "-o", str(path), *extra, clock=clock)
    assert result.stdout == f"Wrote {count_events(path.read_bytes())} events to {path}.\n"
    return path.read_bytes()


def count_events(data: bytes) -> int:
    return data.count(b"BEGIN:VEVENT\r\n")


def events(data: bytes) -> dict[str, dict]:
    """{UID: {property: value}} of each VEVENT, parsed by icalendar (without its alarms)."""
    from icalendar import Calendar

    cal = Calendar.from_ical(data)
    found = {}
    for vevent in cal.walk("VEVENT"):
        found[str(vevent["UID"])] = {
            "start": vevent["DTSTART"].dt,
            "end": vevent["DTEND"].dt,
            "sequence": int(vevent["SEQUENCE"]),
            "status": str(vevent["STATUS"]),
            "summary": str(vevent["SUMMARY"]),
            "description": str(vevent["DESCRIPTION"]),
            "stamp": vevent["DTSTAMP"].dt,
            "alarms": len(vevent.walk("VALARM")),
        }
    assert len(found) == count_events(data), "a UID is used twice"
    return found


def without_stamp(data: bytes) -> bytes:
    return re.sub(rb"DTSTAMP:[0-9TZ]+\r\n", b"", data)


def vevent_blocks(data: bytes) -> dict[str, bytes]:
    """Each VEVENT's raw text, less its DTSTAMP, by UID (to compare events byte for byte)."""
    blocks = {}
    for block in re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.DOTALL):
        unfolded = block.replace(b"\r\n ", b"")
        uid = re.search(rb"\r\nUID:([^\r]+)\r\n", unfolded).group(1).decode()
        blocks[uid] = without_stamp(block)
    return blocks


def check_well_formed(data: bytes) -> None:
    """CRLF everywhere, folded at 75 octets, and readable by two independent parsers."""
    import recurring_ical_events
    import vobject
    from icalendar import Calendar

    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n")), "a line is not folded"
    cal = Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    parsed = vobject.readOne(data.decode("utf-8"))
    uids = sorted(str(e.uid.value) for e in parsed.vevent_list)
    assert uids == sorted(events(data))
    for vevent in parsed.vevent_list:
        start, end = vevent.dtstart.value, vevent.dtend.value
        assert type(start) is date and (end - start).days == 1  # all-day, one day
    # A third reader: the events between the first and last date, expanded as a client would.
    days = [e["start"] for e in events(data).values()]
    occurrences = recurring_ical_events.of(cal).between(min(days), max(days) + timedelta(days=1))
    assert len(occurrences) == len(days)


def golden_check(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("FOI_SENDER_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
        return
    assert path.exists(), f"{path} missing: run with FOI_SENDER_UPDATE_GOLDEN=1 to create it"
    assert data == path.read_bytes(), f"{name} differs from its golden file"


UID = "{kind}.{council}.r1@foi-sender"


def uid(kind: str, council: str) -> str:
    return UID.format(kind=kind, council=council)


# ---------------------------------------------------------------------------------------------
# export


def test_golden_round_calendar_under_a_frozen_clock(act, home):
    export(act, home, "2025-04-14")  # the first export: every SEQUENCE 0
    act("2025-04-24", "clarify", "r1", "gamma", "--on", "2025-04-23")
    act(
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
    )
    act("2025-05-08", "review", "r1", "alpha", "--grounds", "Not personal data.", "--send", "--yes")
    act("2025-05-14", "extend", "r1", "beta", "--days", "20")
    data = export(act, home, "2025-05-14", "--alarm-days", "3")

    check_well_formed(data)
    golden_check("cli-round.ics", data)
    found = events(data)
    expected = {
        # alpha answered before its due date: both reply events cancelled, same UIDs.
        ("reply-due", "alpha"): (date(2025, 5, 15), "CANCELLED", 1),
        ("long-overdue", "alpha"): (date(2025, 6, 13), "CANCELLED", 1),
        # ... and asked for a review: the window event is cancelled, the review's is new.
        ("review-window-closes", "alpha"): (date(2025, 7, 3), "CANCELLED", 0),
        ("review-reply-due", "alpha"): (date(2025, 6, 6), "CONFIRMED", 0),
        # beta: extended by 20 working days; long overdue stays 40 days from receipt.
        ("reply-due", "beta"): (date(2025, 6, 13), "CONFIRMED", 1),
        ("long-overdue", "beta"): (date(2025, 6, 13), "CONFIRMED", 0),
        # gamma: clarified on 23 April; 5 and 26 May are Scottish bank holidays too.
        ("reply-due", "gamma"): (date(2025, 5, 22), "CONFIRMED", 1),
        ("long-overdue", "gamma"): (date(2025, 6, 20), "CONFIRMED", 1),
    }
    assert {
        tuple(k.split("@")[0].split(".")[:2]): (v["start"], v["status"], v["sequence"])
        for k, v in found.items()
    } == expected
    for event in found.values():
        assert event["end"] == event["start"] + timedelta(days=1)
        assert event["alarms"] == (0 if event["status"] == "CANCELLED" else 1)
        assert event["stamp"].isoformat() == "2025-05-14T11:00:00+00:00"
    assert b"X-WR-CALNAME:FOI deadlines: r1\r\n" in data
    assert b"TRIGGER:-P3D\r\n" in data
    assert "Gamma Council – Comhairle" in found[uid("reply-due", "gamma")]["summary"]


def test_two_exports_with_nothing_changed_differ_only_in_dtstamp(act, home):
    act("2025-05-07", "respond", "r1", "alpha", "--on", "2025-05-07", "--outcome", "refused")
    first = export(act, home, "2025-05-07", name="a.ics")
    again = export(act, home, "2025-05-07", name="b.ics")
    assert again == first  # the same clock: the same bytes
    later = export(act, home, "2025-05-21", name="c.ics", clock="08:15:00")
    assert later != first
    assert without_stamp(later) == without_stamp(first)
    stamps = set(re.findall(rb"DTSTAMP:([0-9TZ]+)\r\n", later))
    assert stamps == {b"20250521T071500Z"}
    assert {e["sequence"] for e in events(later).values()} == {0}


def test_clarification_moves_exactly_its_events_and_raises_only_their_sequence(act, home):
    before = export(act, home, "2025-04-15", name="before.ics")
    act("2025-04-24", "clarify", "r1", "alpha", "--on", "2025-04-23")
    after = export(act, home, "2025-04-24", name="after.ics")

    old, new = events(before), events(after)
    assert set(old) == set(new)
    changed = {u for u in old if vevent_blocks(before)[u] != vevent_blocks(after)[u]}
    assert changed == {uid("reply-due", "alpha"), uid("long-overdue", "alpha")}
    assert new[uid("reply-due", "alpha")]["start"] == date(2025, 5, 22)
    assert new[uid("long-overdue", "alpha")]["start"] == date(2025, 6, 20)
    for u in changed:
        assert old[u]["sequence"] == 0 and new[u]["sequence"] == 1
        assert new[u]["status"] == "CONFIRMED"
    for u in set(old) - changed:
        assert new[u]["sequence"] == 0

    # An extension of another council moves only its reply-due event.
    act("2025-05-12", "extend", "r1", "beta", "--to", "2025-06-16")
    extended = export(act, home, "2025-05-12", name="extended.ics")
    third = events(extended)
    changed = {u for u in new if vevent_blocks(after)[u] != vevent_blocks(extended)[u]}
    assert changed == {uid("reply-due", "beta")}
    assert third[uid("reply-due", "beta")]["start"] == date(2025, 6, 16)
    assert third[uid("reply-due", "beta")]["sequence"] == 1
    assert third[uid("reply-due", "alpha")]["sequence"] == 1  # not raised again

    # A second extension of the same event raises it once more; nothing else moves.
    act("2025-05-13", "extend", "r1", "beta", "--days", "1")
    fourth = events(export(act, home, "2025-05-13", name="fourth.ics"))
    assert fourth[uid("reply-due", "beta")]["start"] == date(2025, 6, 17)
    assert fourth[uid("reply-due", "beta")]["sequence"] == 2
    assert {u: e["sequence"] for u, e in fourth.items() if u != uid("reply-due", "beta")} == {
        u: e["sequence"] for u, e in third.items() if u != uid("reply-due", "beta")
    }


def test_response_before_due_cancels_the_reply_events_under_the_same_uid(act, home):
    before = events(export(act, home, "2025-04-15", name="before.ics"))
    act("2025-05-02", "respond", "r1", "beta", "--on", "2025-05-02", "--outcome", "successful")
    data = export(act, home, "2025-05-02", name="after.ics")
    after = events(data)
    reply_due = after[uid("reply-due", "beta")]
    assert reply_due["status"] == "CANCELLED"
    assert reply_due["start"] == before[uid("reply-due", "beta")]["start"] == date(2025, 5, 15)
    assert reply_due["sequence"] == 1
    assert reply_due["alarms"] == 0
    assert after[uid("long-overdue", "beta")]["status"] == "CANCELLED"
    window = after[uid("review-window-closes", "beta")]
    # 40 working days from 2 May (5 and 26 May off): Tuesday 1 July.
    assert (window["start"], window["status"], window["sequence"]) == (
        date(2025, 7, 1),
        "CONFIRMED",
        0,
    )
    assert after[uid("reply-due", "alpha")]["status"] == "CONFIRMED"
    check_well_formed(data)


def test_withdrawn_request_cancels_all_its_events(act, home):
    export(act, home, "2025-04-15")
    act("2025-04-20", "withdraw", "r1", "gamma")
    found = events(export(act, home, "2025-04-20"))
    gamma = {u: e for u, e in found.items() if ".gamma." in u}
    assert len(gamma) == 2
    assert {(e["status"], e["sequence"]) for e in gamma.values()} == {("CANCELLED", 1)}
    assert {e["status"] for u, e in found.items() if ".gamma." not in u} == {"CONFIRMED"}


def test_export_of_every_round_and_alarm_days_zero(act, home):
    act("2025-04-15", "send", "r2", "--council", "alpha", "--yes")
    path = home / "all.ics"
    result = act("2025-04-16", "calendar", "export", "-o", str(path), "--alarm-days", "0")
    data = path.read_bytes()
    assert result.stdout == f"Wrote 8 events to {path}.\n"
    assert b"X-WR-CALNAME:FOI deadlines\r\n" in data
    assert b"BEGIN:VALARM" not in data
    found = events(data)
    assert found["reply-due.alpha.r2@foi-sender"]["start"] == date(2025, 5, 16)
    assert found[uid("reply-due", "alpha")]["start"] == date(2025, 5, 15)
    check_well_formed(data)


def test_summaries_name_the_round_and_a_renamed_summary_updates_the_same_uid(act, home):
    """Issue 11 item 15: one council asked in two rounds had identical events in a calendar."""
    act("2025-04-15", "send", "r2", "--council", "alpha", "--yes")
    path = home / "all.ics"
    act("2025-04-16", "calendar", "export", "-o", str(path))
    found = events(path.read_bytes())

    summaries = [event["summary"] for event in found.values()]
    assert len(set(summaries)) == len(summaries) == 8, summaries
    assert (
        found[uid("reply-due", "alpha")]["summary"]
        == "FOI reply due: Alpha Borough Council, round r1"
    )
    assert found["reply-due.alpha.r2@foi-sender"]["summary"] == (
        "FOI reply due: Alpha Borough Council, round r2"
    )
    # A ledger whose events were exported with the old summaries: the same UIDs come back with
    # the new text and a higher SEQUENCE, so a client updates them instead of adding new ones.
    with sqlite3.connect(home / "foi.sqlite") as db:
        db.execute("UPDATE calendar_events SET fingerprint = 'exported before the rename'")
    db.close()
    act("2025-04-16", "calendar", "export", "-o", str(path))
    again = events(path.read_bytes())
    assert sorted(again) == sorted(found)
    assert all(again[u]["sequence"] == found[u]["sequence"] + 1 for u in found)


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("calendar", "export", "r9", "-o", "x.ics"), "no round named 'r9'"),
        (("calendar", "export", "r1", "-o", "no/such/folder/x.ics"), "does not exist"),
        (("calendar", "export", "r1", "-o", "x.ics", "--alarm-days", "-1"), "alarm-days"),
        (("calendar", "push", "r1", "--url", "ftp://example.org/cal"), "https://"),
        (
            ("calendar", "push", "r1", "--url", "http://dav.example.org/cal", "--user", "alex"),
            "would send your password unencrypted to dav.example.org: use https://",
        ),
    ],
)
def test_calendar_errors_are_one_line(act, run, home, args, mentions):
    result = run(*args, env=at("2025-04-15"))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and mentions in errors[0], result.stderr
    assert not (home / "x.ics").exists()


def test_a_failed_export_records_no_new_sequence(act, run, home):
    export(act, home, "2025-04-15")
    act("2025-04-24", "clarify", "r1", "alpha", "--on", "2025-04-23")
    sequences = sqlite3.connect(home / "foi.sqlite").execute(
        "SELECT uid, fingerprint, sequence FROM calendar_events ORDER BY uid"
    )
    before = sequences.fetchall()
    result = run(
        "calendar", "export", "r1", "-o", str(home / "gone" / "x.ics"), env=at("2025-04-24")
    )
    assert result.exit_code == 2 and "does not exist" in result.stderr
    con = sqlite3.connect(home / "foi.sqlite")
    assert (
        con.execute(
            "SELECT uid, fingerprint, sequence FROM calendar_events ORDER BY uid"
        ).fetchall()
        == before
    )
    con.close()
    # The next export that works raises the moved events once.
    found = events(export(act, home, "2025-04-24"))
    assert found[uid("reply-due", "alpha")]["sequence"] == 1
    assert found[uid("reply-due", "beta")]["sequence"] == 0


# ---------------------------------------------------------------------------------------------
# push to a real CalDAV server


def stored(server, calendar="foi") -> dict[str, dict]:
    """What the server holds, by a plain GET (not through the caldav library)."""
    return events(server.ics(calendar))


def test_push_creates_then_updates_after_an_extension_then_cancels_after_a_response(
    act, radicale_server
):
    url = radicale_server.calendar_url("foi")
    login = ("--user", radicale_server.user)
    secret = {"FOI_SENDER_CALDAV_PASSWORD": radicale_server.password}

    def push(day: str) -> str:
        return act(day, "calendar", "push", "r1", "--url", url, *login, env=secret).stdout

    out = push("2025-04-15")
    assert out == f"{url}: 6 created, 0 updated, 0 unchanged.\n"
    first = stored(radicale_server)
    assert set(first) == {
        uid(k, c) for k in ("reply-due", "long-overdue") for c in ["alpha", "beta", "gamma"]
    }
    assert first[uid("reply-due", "alpha")]["start"] == date(2025, 5, 15)
    assert {e["sequence"] for e in first.values()} == {0}

    # Nothing changed: nothing rewritten.
    assert push("2025-04-16") == f"{url}: 0 created, 0 updated, 6 unchanged.\n"

    # An extension: the same UID at the same place, a new date and a higher SEQUENCE.
    act("2025-05-14", "extend", "r1", "alpha", "--days", "10")
    assert push("2025-05-14") == f"{url}: 0 created, 1 updated, 5 unchanged.\n"
    second = stored(radicale_server)
    assert set(second) == set(first)
    moved = second[uid("reply-due", "alpha")]
    assert (moved["start"], moved["sequence"], moved["status"]) == (
        date(2025, 5, 30),
        1,
        "CONFIRMED",
    )
    for u in set(first) - {uid("reply-due", "alpha")}:
        assert second[u] == first[u]

    # A response: the reply events are cancelled in place; the review window appears.
    act("2025-05-20", "respond", "r1", "alpha", "--on", "2025-05-20", "--outcome", "refused")
    assert push("2025-05-20") == f"{url}: 1 created, 2 updated, 4 unchanged.\n"
    third = stored(radicale_server)
    assert set(third) == set(first) | {uid("review-window-closes", "alpha")}
    cancelled = third[uid("reply-due", "alpha")]
    assert (cancelled["start"], cancelled["sequence"], cancelled["status"]) == (
        date(2025, 5, 30),
        2,
        "CANCELLED",
    )
    assert third[uid("long-overdue", "alpha")]["status"] == "CANCELLED"
    assert third[uid("long-overdue", "alpha")]["sequence"] == 1
    # 40 working days from 20 May: 26 May off, and 14 July (the Twelfth's substitute day in
    # Northern Ireland counts under FOIA): Thursday 17 July.
    assert third[uid("review-window-closes", "alpha")]["start"] == date(2025, 7, 17)
    assert third[uid("reply-due", "beta")] == first[uid("reply-due", "beta")]


def test_push_without_a_password_is_refused(act, run, radicale_server):
    url = radicale_server.calendar_url("foi")
    result = run("calendar", "push", "r1", "--url", url, "--user", "alex", env=at("2025-04-15"))
    assert result.exit_code == 2
    assert "FOI_SENDER_CALDAV_PASSWORD" in result.stderr
    status, _ = radicale_server.request("GET", url)
    assert status == 404  # nothing was created


# ---------------------------------------------------------------------------------------------
# The installed command, in a process of its own


def test_installed_command_respond_then_calendar_export(tmp_path):
    """`.venv/bin/foi-sender` end to end: send, record the real Coventry reply, export."""
    import subprocess
    import sys

    command = str(Path(sys.executable).parent / "foi-sender")  # the venv's console script
    home = tmp_path / "proc-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_SENDER_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

    def foi(day: str, *args: str, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [command, "--home", str(home), *args],
            env={**env, **at(day)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
        return done

    foi("2025-04-14", "init", "--name", "Alex Example", "--email", "alex@example.org")
    (home / "councils.yaml").write_text(COUNCILS, encoding="utf-8")
    assert "Sent 3." in foi("2025-04-14", "send", "r1", "--all", "--yes").stdout
    reply = Path(__file__).parent / "fixtures" / "replies" / "coventry-2025.txt"
    done = foi("2025-05-08", "respond", "r1", "beta", "--file", str(reply))
    assert done.stdout == "r1/beta: response of 2025-05-07 recorded (successful).\n"
    assert (home / "replies" / "r1" / "beta-2025-05-07.txt").read_bytes() == reply.read_bytes()

    refusal = foi(
        "2025-05-08", "respond", "r1", "gamma", "--on", "2025-05-09", "--outcome", "refused", code=2
    )
    assert refusal.stderr.startswith("Error: ") and "future" in refusal.stderr
    assert len(refusal.stderr.strip().splitlines()) == 1

    out = home / "deadlines.ics"
    done = foi("2025-05-08", "calendar", "export", "r1", "-o", str(out), "--alarm-days", "1")
    assert done.stdout == f"Wrote 7 events to {out}.\n"
    data = out.read_bytes()
    check_well_formed(data)
    found = events(data)
    assert found[uid("reply-due", "beta")]["status"] == "CANCELLED"
    assert found[uid("review-window-closes", "beta")]["start"] == date(2025, 7, 3)
    assert found[uid("reply-due", "alpha")]["status"] == "CONFIRMED"
    assert b"TRIGGER:-P1D\r\n" in data
    status = {r["council"]: r for r in json.loads(foi("2025-05-08", "status", "--json").stdout)}
    assert status["beta"]["reference"] == "FOI704387821"
    assert status["beta"]["review_window_closes"] == "2025-07-03"
