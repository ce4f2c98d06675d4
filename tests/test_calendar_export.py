"""The .ics export (DESIGN §5): golden files, two independent parsers, stability, atomic writes.

Golden files live in tests/golden/calendar/. After an intended change of the output, regenerate
them with `FOI_SENDER_UPDATE_GOLDEN=1 pytest tests/test_calendar_export.py` and review the diff.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from foi_sender.calendar.ics import (
    DeadlineEvent,
    EventKind,
    build_calendar,
    build_event_resource,
    calendar_uid,
    uid_token,
    write_calendar,
)
from foi_sender.errors import FoiError, InputError

GOLDEN = Path(__file__).parent / "golden" / "calendar"
NOW = datetime(2025, 1, 6, 9, 30, 15, tzinfo=UTC)
LATER = datetime(2025, 2, 1, 17, 0, 0, tzinfo=UTC)
ROUND = "Placements 2025"
NAME = "FOI deadlines: Placements 2025"

UID_RE = re.compile(r"[a-z-]+\.[a-z0-9-]+\.[a-z0-9-]+@foi-sender")


def ev(council_id, council_name, kind, day, *, cancelled=False, round_name=ROUND, text=None):
    label = {
        EventKind.REPLY_DUE: "FOI reply due",
        EventKind.LONG_OVERDUE: "FOI reply long overdue",
        EventKind.REVIEW_WINDOW_CLOSES: "Internal review window closes",
        EventKind.REVIEW_REPLY_DUE: "Internal review reply due",
    }[kind]
    return DeadlineEvent(
        round_name=round_name,
        council_id=council_id,
        council_name=council_name,
        kind=kind,
        day=day,
        summary=f"{label}: {council_name}",
        description=text
        or f"Round “{round_name}”, request to {council_name}.\nSent 2024-12-10; FOIA s.10(1).",
        cancelled=cancelled,
    )


def sample() -> list[tuple[DeadlineEvent, int]]:
    """A few events: unicode names, a cancelled one, two on the same day, several kinds."""
    return [
        (ev("isle-of-anglesey", "Ynys Môn", EventKind.REPLY_DUE, date(2025, 1, 13)), 0),
        (
            ev(
                "na-h-eileanan-siar",
                "Comhairle nan Eilean Siar",
                EventKind.REPLY_DUE,
                date(2025, 1, 13),
                cancelled=True,
            ),
            2,
        ),
        (ev("isle-of-anglesey", "Ynys Môn", EventKind.LONG_OVERDUE, date(2025, 2, 10)), 1),
        (
            ev(
                "leicester",
                "Leicester City Council",
                EventKind.REVIEW_WINDOW_CLOSES,
                date(2025, 3, 7),
            ),
            0,
        ),
        (
            ev("leicester", "Leicester City Council", EventKind.REVIEW_REPLY_DUE, date(2025, 4, 4)),
            3,
        ),
    ]


def golden_check(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("FOI_SENDER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"{path} missing: run with FOI_SENDER_UPDATE_GOLDEN=1 to create it"
    assert data == path.read_bytes(), f"{name} differs from its golden file"


# --- golden files -----------------------------------------------------------------------------


def test_golden_round_calendar():
    golden_check("round.ics", build_calendar(sample(), name=NAME, now=NOW, alarm_days=2))


def test_golden_without_alarms():
    golden_check("no-alarm.ics", build_calendar(sample(), name=NAME, now=NOW, alarm_days=None))


def test_golden_caldav_resource():
    event, seq = sample()[0]
    golden_check("resource.ics", build_event_resource(event, seq, now=NOW, alarm_days=1))


# --- parsed by icalendar and by vobject -------------------------------------------------------


def expected_rows(alarm_days=2):
    """(uid, date, sequence, status, trigger-or-None, summary) in the calendar's order."""
    rows = []
    for event, seq in sample():
        trigger = None if event.cancelled or not alarm_days else -timedelta(days=alarm_days)
        status = "CANCELLED" if event.cancelled else "CONFIRMED"
        rows.append((event.uid, event.day, seq, status, trigger, event.summary, event.description))
    rows.sort(key=lambda r: (r[1], r[0].split(".")[1], r[0]))
    return rows


def test_parses_in_icalendar():
    from icalendar import Calendar

    cal = Calendar.from_ical(build_calendar(sample(), name=NAME, now=NOW, alarm_days=2))
    assert str(cal["PRODID"]) == "-//foi-sender//foi-sender//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == NAME
    assert str(cal["UID"]) == calendar_uid(NAME)
    rows = []
    for vevent in cal.walk("VEVENT"):
        start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
        assert type(start) is date and end == start + timedelta(days=1)
        assert vevent.decoded("DTSTAMP") == NOW
        assert str(vevent["TRANSP"]) == "TRANSPARENT"
        alarms = vevent.walk("VALARM")
        assert len(alarms) <= 1
        trigger = None
        if alarms:
            assert str(alarms[0]["ACTION"]) == "DISPLAY"
            assert str(vevent["SUMMARY"]) in str(alarms[0]["DESCRIPTION"])
            trigger = alarms[0].decoded("TRIGGER")
        rows.append(
            (
                str(vevent["UID"]),
                start,
                int(vevent["SEQUENCE"]),
                str(vevent["STATUS"]),
                trigger,
                str(vevent["SUMMARY"]),
                str(vevent["DESCRIPTION"]),
            )
        )
    assert rows == expected_rows()


def test_parses_in_vobject():
    import vobject

    data = build_calendar(sample(), name=NAME, now=NOW, alarm_days=2)
    cal = vobject.readOne(data.decode("utf-8"))
    assert cal.prodid.value == "-//foi-sender//foi-sender//EN"
    assert cal.version.value == "2.0"
    assert cal.method.value == "PUBLISH"
    assert cal.contents["x-wr-calname"][0].value == NAME
    rows = []
    for vevent in cal.vevent_list:
        start = vevent.dtstart.value
        assert vevent.dtstart.params.get("VALUE") == ["DATE"]
        assert vevent.dtend.value == start + timedelta(days=1)
        assert vevent.dtstamp.value == NOW
        trigger = vevent.valarm.trigger.value if hasattr(vevent, "valarm") else None
        rows.append(
            (
                vevent.uid.value,
                start,
                int(vevent.sequence.value),
                vevent.status.value,
                trigger,
                vevent.summary.value,
                vevent.description.value,
            )
        )
    assert rows == expected_rows()


def test_lines_are_crlf_and_folded_without_splitting_characters():
    long = ev(
        "na-h-eileanan-siar",
        "Comhairle nan Eilean Siar — Ynys Môn — Ceredigion — Sir Ddinbych — Gwynedd — Môn",
        EventKind.REPLY_DUE,
        date(2025, 1, 13),
    )
    data = build_calendar(
        [(long, 0)], name="Ymholiadau Rhyddid Gwybodaeth Cymru 2025", now=NOW, alarm_days=2
    )
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # no fold splits a multi-byte character
    import vobject

    assert vobject.readOne(data.decode()).vevent.summary.value == long.summary


# --- stability ------------------------------------------------------------------------------


def test_same_input_same_bytes_whatever_the_order():
    events = sample()
    first = build_calendar(events, name=NAME, now=NOW, alarm_days=2)
    shuffled = events[:]
    random.Random(5).shuffle(shuffled)
    assert build_calendar(shuffled, name=NAME, now=NOW, alarm_days=2) == first
    assert build_calendar(reversed(events), name=NAME, now=NOW, alarm_days=2) == first


def test_two_builds_differ_only_in_dtstamp():
    a = build_calendar(sample(), name=NAME, now=NOW, alarm_days=2).split(b"\r\n")
    b = build_calendar(sample(), name=NAME, now=LATER, alarm_days=2).split(b"\r\n")
    assert len(a) == len(b)
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    assert len(diff) == len(sample())
    assert all(x == b"DTSTAMP:20250106T093015Z" for x, _ in diff)
    assert all(y == b"DTSTAMP:20250201T170000Z" for _, y in diff)


def test_now_in_another_zone_is_written_in_utc():
    bst = timezone(timedelta(hours=1))
    data = build_calendar(sample()[:1], name=NAME, now=NOW.astimezone(bst), alarm_days=2)
    assert b"DTSTAMP:20250106T093015Z\r\n" in data


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        build_calendar(sample(), name=NAME, now=datetime(2025, 1, 6), alarm_days=2)


def test_fingerprint_changes_with_date_text_and_cancelled_only():
    base = sample()[0][0]
    fp = base.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", fp)
    assert fp == dataclasses.replace(base).fingerprint()
    for change in (
        {"day": base.day + timedelta(days=1)},
        {"summary": base.summary + "!"},
        {"description": base.description + " "},
        {"cancelled": True},
    ):
        assert dataclasses.replace(base, **change).fingerprint() != fp, change
    for same in (
        {"council_name": "Anglesey"},
        {"round_name": "Another round"},
        {"council_id": "anglesey"},
        {"kind": EventKind.LONG_OVERDUE},
    ):
        assert dataclasses.replace(base, **same).fingerprint() == fp, same
    # the separator cannot be forged by moving text between fields
    a = dataclasses.replace(base, summary="a", description="b,c")
    b = dataclasses.replace(base, summary="a,b", description="c")
    assert a.fingerprint() != b.fingerprint()


def test_fingerprint_is_the_same_in_another_process():
    code = (
        "from datetime import date; from foi_sender.calendar.ics import *;"
        "print(DeadlineEvent('r', 'c', 'C', EventKind.REPLY_DUE, date(2025,1,13), 's', 'd')"
        ".fingerprint())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = DeadlineEvent("r", "c", "C", EventKind.REPLY_DUE, date(2025, 1, 13), "s", "d")
    assert out.stdout.strip() == here.fingerprint()
    # pinned: the ledger stores it, so a silent change of the recipe would raise every SEQUENCE
    assert here.fingerprint() == "edf97e185d0aebb843c1f4fef3bd7d44b6daa2e0d40021d26e85365fcd9542d6"


# --- UIDs -----------------------------------------------------------------------------------


def test_uid_is_stable_readable_and_per_round_council_kind():
    e = ev("leicester", "Leicester City Council", EventKind.REPLY_DUE, date(2025, 1, 13))
    assert dataclasses.replace(e, round_name="placements-2025").uid == (
        "reply-due.leicester.placements-2025@foi-sender"
    )
    moved = dataclasses.replace(e, day=date(2025, 2, 1), summary="x", cancelled=True)
    assert moved.uid == e.uid
    uids = {dataclasses.replace(e, kind=k).uid for k in EventKind}
    assert len(uids) == 4


@pytest.mark.parametrize(
    "round_name",
    [
        "Placements 2025",
        "Ymholiad Ynys Môn 2025",
        "children's homes / 2025",
        "北京",
        "a" * 300,
        "-",
    ],
)
def test_uid_is_valid_for_any_round_name(round_name):
    e = ev(
        "isle-of-anglesey",
        "Ynys Môn",
        EventKind.REPLY_DUE,
        date(2025, 1, 13),
        round_name=round_name,
    )
    assert UID_RE.fullmatch(e.uid), e.uid
    assert len(e.uid) < 120
    assert e.uid == dataclasses.replace(e).uid


def test_similar_round_names_get_different_uids():
    names = ["Round 1", "round 1", "round-1", "Round  1", "Round 1 ", "Rôund 1"]
    tokens = {uid_token(n) for n in names}
    assert len(tokens) == len(names)
    assert uid_token("round-1") == "round-1"  # already clean: used as it is


def test_calendar_uid_is_derived_from_the_name():
    assert calendar_uid(NAME) == calendar_uid(NAME)
    assert calendar_uid(NAME) != calendar_uid("FOI deadlines: all rounds")
    a = build_calendar(sample(), name=NAME, now=NOW, alarm_days=2)
    b = build_calendar(sample()[:1], name=NAME, now=LATER, alarm_days=None)
    assert f"UID:{calendar_uid(NAME)}\r\n".encode() in a
    assert f"UID:{calendar_uid(NAME)}\r\n".encode() in b


def test_duplicate_uids_are_refused():
    e, _ = sample()[0]
    with pytest.raises(ValueError, match="share the UID"):
        build_calendar(
            [(e, 0), (dataclasses.replace(e, day=date(2025, 5, 1)), 1)],
            name=NAME,
            now=NOW,
            alarm_days=2,
        )


# --- alarms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("alarm_days", [None, 0])
def test_no_alarm(alarm_days):
    assert b"VALARM" not in build_calendar(sample(), name=NAME, now=NOW, alarm_days=alarm_days)


def test_alarm_days_and_cancelled_events_have_no_alarm():
    data = build_calendar(sample(), name=NAME, now=NOW, alarm_days=7)
    assert data.count(b"BEGIN:VALARM") == len(sample()) - 1
    assert data.count(b"TRIGGER:-P7D\r\n") == len(sample()) - 1
    one = build_calendar(sample()[:1], name=NAME, now=NOW, alarm_days=1)
    assert b"TRIGGER:-P1D\r\n" in one and b"(tomorrow" in one


def test_negative_alarm_days_is_an_input_error():
    with pytest.raises(InputError, match="alarm days"):
        build_calendar(sample(), name=NAME, now=NOW, alarm_days=-1)


def test_empty_calendar_still_parses():
    import vobject
    from icalendar import Calendar

    data = build_calendar([], name=NAME, now=NOW, alarm_days=2)
    assert Calendar.from_ical(data).walk("VEVENT") == []
    assert vobject.readOne(data.decode()).name == "VCALENDAR"


def test_event_resource_has_one_event_and_no_method_or_calendar_uid():
    from icalendar import Calendar

    event, seq = sample()[1]
    data = build_event_resource(event, seq, now=NOW, alarm_days=2)
    cal = Calendar.from_ical(data)
    assert "METHOD" not in cal and "UID" not in cal and "X-WR-CALNAME" not in cal
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid and str(vevent["STATUS"]) == "CANCELLED"


# --- writing --------------------------------------------------------------------------------


def test_write_calendar_writes_the_bytes_atomically(tmp_path):
    target = tmp_path / "deadlines.ics"
    data = build_calendar(sample(), name=NAME, now=NOW, alarm_days=2)
    write_calendar(target, data)
    assert target.read_bytes() == data
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    write_calendar(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o600  # an existing file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deadlines.ics"]  # no temp file left


def test_write_calendar_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "deadlines.ics"
    target.write_bytes(b"old")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InputError, match="No space left on device"):
        write_calendar(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deadlines.ics"]


def test_write_calendar_needs_an_existing_folder(tmp_path):
    with pytest.raises(InputError) as info:
        write_calendar(tmp_path / "nope" / "x.ics", b"data")
    assert isinstance(info.value, FoiError)
    assert (
        str(info.value)
        == f"cannot write {tmp_path / 'nope' / 'x.ics'}: folder {tmp_path / 'nope'} does not exist"
    )
    with pytest.raises(InputError, match="it is a folder"):
        write_calendar(tmp_path, b"data")


def test_modules_do_not_import_icalendar_or_caldav_at_import_time():
    code = (
        "import sys, foi_sender.calendar.ics, foi_sender.calendar.caldav;"
        "names = ('icalendar', 'caldav', 'vobject', 'radicale');"
        "print(sorted(m for m in names if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
