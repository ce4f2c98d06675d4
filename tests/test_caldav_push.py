"""`calendar push` against a real Radicale server (tests/radicale_server.py), and its errors."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, date, datetime, timedelta

import pytest

from foi_sender.calendar.caldav import PushReport, display_url, push_calendar
from foi_sender.calendar.ics import DeadlineEvent, EventKind, build_calendar
from foi_sender.errors import InputError, TransportError

pytest_plugins = ["radicale_server"]  # the `radicale_server` fixture

NOW = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
NAME = "FOI deadlines: Placements 2025"

REPLY = DeadlineEvent(
    round_name="Placements 2025",
    council_id="isle-of-anglesey",
    council_name="Ynys Môn",
    kind=EventKind.REPLY_DUE,
    day=date(2025, 1, 13),
    summary="FOI reply due: Ynys Môn",
    description="Sent 2024-12-10.",
)
OVERDUE = dataclasses.replace(
    REPLY, kind=EventKind.LONG_OVERDUE, day=date(2025, 2, 10), summary="Long overdue: Ynys Môn"
)
SIAR = DeadlineEvent(
    round_name="Placements 2025",
    council_id="na-h-eileanan-siar",
    council_name="Comhairle nan Eilean Siar",
    kind=EventKind.REPLY_DUE,
    day=date(2025, 1, 10),
    summary="FOI reply due: Comhairle nan Eilean Siar",
    description="Sent 2024-12-10 (FOISA).",
)


def push(server, events, *, url=None, now=NOW, alarm_days=2, name=NAME, **kw):
    kw.setdefault("user", server.user)
    kw.setdefault("password", server.password)
    return push_calendar(
        url or server.calendar_url("foi"), events, now=now, alarm_days=alarm_days, name=name, **kw
    )


def stored(server, calendar="foi"):
    """{uid: VEVENT} as the server has them, read with a plain GET and parsed by icalendar."""
    from icalendar import Calendar

    cal = Calendar.from_ical(server.ics(calendar))
    events = cal.walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)), "a UID is stored twice"
    return {str(e["UID"]): e for e in events}


def hrefs(server, calendar="foi"):
    status, body = server.request("PROPFIND", server.calendar_url(calendar), None, Depth="1")
    assert status == 207
    return sorted(
        part.split("</href>")[0] for part in body.decode().split("<href>")[1:] if ".ics" in part
    )


def test_exported_ics_imports_into_radicale(radicale_server):
    data = build_calendar(
        [(REPLY, 0), (OVERDUE, 1), (dataclasses.replace(SIAR, cancelled=True), 3)],
        name=NAME,
        now=NOW,
        alarm_days=2,
    )
    status, body = radicale_server.request(
        "PUT",
        radicale_server.calendar_url("imported"),
        data,
        Content_Type="text/calendar; charset=utf-8",
    )
    assert status == 201, body
    events = stored(radicale_server, "imported")
    assert set(events) == {REPLY.uid, OVERDUE.uid, SIAR.uid}
    assert events[OVERDUE.uid].decoded("DTSTART") == date(2025, 2, 10)
    assert int(events[OVERDUE.uid]["SEQUENCE"]) == 1
    assert str(events[SIAR.uid]["STATUS"]) == "CANCELLED"
    assert events[REPLY.uid].walk("VALARM")[0].decoded("TRIGGER") == timedelta(days=-2)
    assert str(events[REPLY.uid]["SUMMARY"]) == "FOI reply due: Ynys Môn"

    # a push onto the imported calendar finds every event as it is: .ics and push agree
    again = push(
        radicale_server,
        [(REPLY, 0), (OVERDUE, 1), (dataclasses.replace(SIAR, cancelled=True), 3)],
        url=radicale_server.calendar_url("imported"),
        now=NOW + timedelta(days=3),
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_push_creates_then_updates_in_place_then_cancels(radicale_server):
    server = radicale_server
    first = push(server, [(REPLY, 0), (OVERDUE, 0), (SIAR, 0)])
    assert first == PushReport(
        created=3,
        updated=0,
        unchanged=0,
        calendar_url=server.calendar_url("foi"),
        created_calendar=True,
    )
    events = stored(server)
    assert set(events) == {REPLY.uid, OVERDUE.uid, SIAR.uid}
    assert events[REPLY.uid].decoded("DTSTART") == date(2025, 1, 13)
    assert int(events[REPLY.uid]["SEQUENCE"]) == 0  # caldav did not bump it
    assert events[REPLY.uid].decoded("DTSTAMP") == NOW
    places = hrefs(server)
    assert len(places) == 3

    # nothing changed: nothing is written, not even a new DTSTAMP
    same = push(server, [(REPLY, 0), (OVERDUE, 0), (SIAR, 0)], now=NOW + timedelta(days=1))
    assert (same.created, same.updated, same.unchanged, same.created_calendar) == (0, 0, 3, False)
    assert stored(server)[REPLY.uid].decoded("DTSTAMP") == NOW

    # an extension moves the reply-due date: same UID, same resource, new date, higher SEQUENCE
    later = NOW + timedelta(days=5)
    extended = dataclasses.replace(REPLY, day=date(2025, 2, 10), description="Extended (s.10(3)).")
    moved = push(server, [(extended, 1), (OVERDUE, 0), (SIAR, 0)], now=later)
    assert (moved.created, moved.updated, moved.unchanged) == (0, 1, 2)
    events = stored(server)
    assert len(events) == 3
    assert events[REPLY.uid].decoded("DTSTART") == date(2025, 2, 10)
    assert events[REPLY.uid].decoded("DTEND") == date(2025, 2, 11)
    assert int(events[REPLY.uid]["SEQUENCE"]) == 1
    assert events[REPLY.uid].decoded("DTSTAMP") == later
    assert str(events[REPLY.uid]["DESCRIPTION"]) == "Extended (s.10(3))."
    assert events[OVERDUE.uid].decoded("DTSTAMP") == NOW  # untouched
    assert hrefs(server) == places  # updated in place, not re-created elsewhere

    # a response arrives: the reply-due and long-overdue events are cancelled, not deleted
    answered = [
        (dataclasses.replace(extended, cancelled=True), 2),
        (dataclasses.replace(OVERDUE, cancelled=True), 1),
        (SIAR, 0),
    ]
    cancelled = push(server, answered, now=later)
    assert (cancelled.created, cancelled.updated, cancelled.unchanged) == (0, 2, 1)
    events = stored(server)
    assert str(events[REPLY.uid]["STATUS"]) == "CANCELLED"
    assert int(events[REPLY.uid]["SEQUENCE"]) == 2
    assert events[REPLY.uid].walk("VALARM") == []
    assert str(events[OVERDUE.uid]["STATUS"]) == "CANCELLED"
    assert str(events[SIAR.uid]["STATUS"]) == "CONFIRMED"
    assert hrefs(server) == places


def test_a_cancelled_event_the_calendar_never_had_is_not_created(radicale_server):
    report = push(radicale_server, [(dataclasses.replace(REPLY, cancelled=True), 1), (SIAR, 0)])
    assert (report.created, report.skipped) == (1, 1)
    assert set(stored(radicale_server)) == {SIAR.uid}


def test_changed_alarm_days_rewrite_the_events(radicale_server):
    push(radicale_server, [(REPLY, 0)])
    report = push(radicale_server, [(REPLY, 0)], alarm_days=5)
    assert report.updated == 1
    alarm = stored(radicale_server)[REPLY.uid].walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == timedelta(days=-5)


def test_server_noise_is_not_a_change_but_a_user_edit_is(radicale_server):
    server = radicale_server
    push(server, [(REPLY, 0)])
    (href,) = hrefs(server)
    original = server.request("GET", href)[1]
    noisy = original.replace(b"DTSTAMP:20250106T093000Z", b"DTSTAMP:20250301T000000Z").replace(
        b"END:VEVENT", b"X-SERVER-THING:1\r\nEND:VEVENT"
    )
    assert server.request("PUT", href, noisy, Content_Type="text/calendar")[0] in (201, 204)
    assert push(server, [(REPLY, 0)]).unchanged == 1
    edited = original.replace(b"SUMMARY:FOI reply due", b"SUMMARY:Renamed by hand")
    assert server.request("PUT", href, edited, Content_Type="text/calendar")[0] in (201, 204)
    assert push(server, [(REPLY, 0)]).updated == 1
    assert str(stored(server)[REPLY.uid]["SUMMARY"]) == REPLY.summary


def test_url_without_the_trailing_slash(radicale_server):
    url = radicale_server.calendar_url("foi").rstrip("/")
    first = push(radicale_server, [(REPLY, 0)], url=url)
    again = push(radicale_server, [(REPLY, 0)], url=url)
    assert (first.created, again.unchanged) == (1, 1)
    assert first.calendar_url == again.calendar_url == url + "/"


def test_events_not_pushed_are_left_alone(radicale_server):
    push(radicale_server, [(REPLY, 0), (SIAR, 0)])
    report = push(radicale_server, [(SIAR, 0)])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert set(stored(radicale_server)) == {REPLY.uid, SIAR.uid}


def test_a_server_url_finds_or_makes_the_calendar_by_name(radicale_server):
    server = radicale_server
    first = push(server, [(REPLY, 0)], url=server.url)
    assert first.created_calendar and first.created == 1
    assert first.calendar_url.startswith(server.url + server.user + "/")
    again = push(server, [(REPLY, 0)], url=server.url)
    assert not again.created_calendar and again.unchanged == 1
    assert again.calendar_url == first.calendar_url
    other = push(server, [(REPLY, 0)], url=server.url + server.user + "/", name="Other round")
    assert other.created_calendar and other.calendar_url != first.calendar_url


def test_wrong_password_is_one_clear_line(radicale_server):
    url = radicale_server.calendar_url("foi")
    with pytest.raises(TransportError) as info:
        push(radicale_server, [(REPLY, 0)], password="wrong")
    assert str(info.value) == f"CalDAV server refused the login for alex at {url}"
    with pytest.raises(TransportError, match="asks for a login"):
        push(radicale_server, [(REPLY, 0)], user=None, password=None)


def test_password_in_the_url_is_never_shown(radicale_server):
    url = radicale_server.calendar_url("foi").replace("http://", "http://alex:hunter2@")
    assert display_url(url) == radicale_server.calendar_url("foi")
    with pytest.raises(TransportError) as info:
        push_calendar(url, [(REPLY, 0)], user=None, password=None, now=NOW, alarm_days=2, name=NAME)
    assert "hunter2" not in str(info.value)
    assert radicale_server.calendar_url("foi") in str(info.value)


def test_unreachable_server_names_the_url():
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/alex/foi/"
    with pytest.raises(TransportError) as info:
        push_calendar(
            url,
            [(REPLY, 0)],
            user="alex",
            password="x",
            now=NOW,
            alarm_days=2,
            name=NAME,
            timeout=5,
        )
    assert str(info.value) == f"cannot reach CalDAV server at {url}: Connection refused"


def test_a_silent_server_times_out():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/alex/foi/"
        with pytest.raises(TransportError) as info:
            push_calendar(
                url,
                [(REPLY, 0)],
                user="alex",
                password="x",
                now=NOW,
                alarm_days=2,
                name=NAME,
                timeout=0.3,
            )
    assert str(info.value) == f"cannot reach CalDAV server at {url}: timed out"


@pytest.mark.parametrize("url", ["caldav.example.org/foi/", "ftp://example.org/", "https://"])
def test_bad_url_is_an_input_error(url):
    with pytest.raises(InputError, match="CalDAV URL must start with https://"):
        push_calendar(url, [(REPLY, 0)], user=None, password=None, now=NOW, alarm_days=2, name=NAME)
