"""Keep a CalDAV calendar in step with the deadline events (DESIGN §5, `calendar push`).

Each event is one calendar object resource under its stable UID. A push creates the events the
calendar does not have, rewrites in place (same UID, same URL) those whose SEQUENCE or content
differs, and leaves identical ones alone. Cancelled events are rewritten as STATUS:CANCELLED, never
deleted, so a client that imported the .ics file keeps in step too; a cancelled event the calendar
never had is not created (`PushReport.skipped`).

The bytes PUT are exactly those of `calendar.ics.build_event_resource`: the caldav library must
not bump SEQUENCE itself (its default on save), because the ledger owns SEQUENCE.

caldav and icalendar are imported inside the functions: CLI start-up time is benchmarked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from foi_sender.calendar.ics import (
    DeadlineEvent,
    build_event_resource,
    calendar_name,
    events_with_sequences,
    uid_token,
)
from foi_sender.errors import InputError, TransportError

CALDAV_PASSWORD_ENV = "FOI_SENDER_CALDAV_PASSWORD"
CALDAV_KEYRING_SERVICE = "foi-sender-caldav"
DEFAULT_TIMEOUT = 30.0  # seconds, per HTTP request
_CALDAV_CALENDAR = "{urn:ietf:params:xml:ns:caldav}calendar"


@dataclass(frozen=True)
class PushReport:
    created: int
    updated: int
    unchanged: int
    skipped: int = 0  # cancelled events the calendar never had: nothing to cancel, not created
    calendar_url: str = ""  # the calendar written to (without any user:password in it)
    created_calendar: bool = False  # the calendar did not exist and was made (MKCALENDAR)


def display_url(url: str) -> str:
    """`url` without a `user:password@` part, fit for a message."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            "CalDAV URL must start with https:// (or http://) and name a server: "
            + display_url(url)
        )


def _event_key(data: bytes | str | None) -> tuple | None:
    """What a calendar shows of the (first) VEVENT in `data`; None if it cannot be read.

    Two resources with the same key are the same event for our purposes: DTSTAMP, PRODID and
    anything a server adds of its own (X- properties, ACKNOWLEDGED on alarms) do not count.
    """
    from icalendar import Calendar

    if not data:
        return None
    try:
        calendar = Calendar.from_ical(data)
        vevent = next(c for c in calendar.walk("VEVENT"))

        def value(name: str):
            prop = vevent.get(name)
            if prop is None:
                return None
            return prop.dt if hasattr(prop, "dt") else str(prop)

        alarms = sorted(
            (
                str(alarm.get("ACTION", "")),
                str(alarm.decoded("TRIGGER", "")),
                str(alarm.get("DESCRIPTION", "")),
            )
            for alarm in vevent.walk("VALARM")
        )
        return (
            int(vevent.get("SEQUENCE", 0)),
            value("DTSTART"),
            value("DTEND"),
            value("SUMMARY"),
            value("DESCRIPTION"),
            value("STATUS"),
            value("TRANSP"),
            tuple(alarms),
        )
    except Exception:  # a server's garbage is simply "different": we rewrite it
        return None


def _first_line(text: str, limit: int = 160) -> str:
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _network_reason(err: BaseException) -> str:
    """The root cause of a connection failure ("Connection refused", "timed out", ...)."""
    import socket

    seen: set[int] = set()
    todo: list[BaseException] = [err]
    while todo:
        exc = todo.pop(0)
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, TimeoutError) or type(exc).__name__.endswith("Timeout"):
            return "timed out"
        if isinstance(exc, socket.gaierror):
            return "host name not found"
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        todo.extend(a for a in getattr(exc, "args", ()) if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nested = getattr(exc, attr, None)
            if isinstance(nested, BaseException):
                todo.append(nested)
    return _first_line(str(err)) or type(err).__name__


def _dav_reason(err: Exception) -> str:
    """One line out of a caldav DAVError (its `url` often holds the server's message)."""
    status = getattr(err, "status", None)
    message = getattr(err, "url", None)
    if not message or str(message).startswith(("http://", "https://")):
        message = getattr(err, "reason", "") or ""
    message = _first_line(message)
    if message in ("", "no reason"):
        message = type(err).__name__
    if status and str(status) not in message:
        return f"HTTP {status}: {message}"
    return message


@contextlib.contextmanager
def _caldav_errors(url: str, user: str | None) -> Iterator[None]:
    """Turn the caldav library's and the HTTP library's errors into one-line TransportErrors."""
    from caldav.lib import error
    from caldav.lib.http_sync import requests

    shown = display_url(url)
    try:
        yield
    except error.AuthorizationError as err:
        if getattr(err, "status", None) == 403:
            who = f"{user} " if user else ""
            raise TransportError(
                f"CalDAV server at {shown} does not let {who}write there (HTTP 403)"
            ) from err
        if not user:
            raise TransportError(
                f"CalDAV server at {shown} asks for a login: give a user and password"
            ) from err
        raise TransportError(f"CalDAV server refused the login for {user} at {shown}") from err
    except error.DAVError as err:
        raise TransportError(f"CalDAV server at {shown} failed: {_dav_reason(err)}") from err
    except (requests.exceptions.RequestException, OSError) as err:
        raise TransportError(
            f"cannot reach CalDAV server at {shown}: {_network_reason(err)}"
        ) from err


def _resource_types(props: dict) -> list[str]:
    types = props.get("{DAV:}resourcetype") or []
    return [types] if isinstance(types, str) else list(types)


def _open_calendar(client, url: str, name: str):
    """The calendar at `url`, made there if missing (-> (calendar, created)).

    If `url` is a collection that is not a calendar (a server root, a principal, a calendar home),
    the user's calendar whose display name is `name` is used, and made if there is none.
    """
    from caldav import CalendarSet
    from caldav.elements import dav
    from caldav.lib import error

    calendar = client.calendar(url=url)
    try:
        props = calendar.get_properties([dav.ResourceType()])
    except error.NotFoundError:
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        parent_path, _, cal_id = path.rpartition("/")
        if not cal_id:
            raise
        parent = urlunsplit(parts._replace(path=parent_path + "/", query="", fragment=""))
        return CalendarSet(client, url=parent).make_calendar(name=name, cal_id=cal_id), True
    if _CALDAV_CALENDAR in _resource_types(props):
        return calendar, False
    principal = client.principal()
    for candidate in principal.get_calendars():
        if candidate.get_display_name() == name:
            return candidate, False
    return principal.make_calendar(name=name, cal_id=uid_token(name)), True


def push_calendar(
    url: str,
    events: Iterable[tuple[DeadlineEvent, int]],
    *,
    user: str | None,
    password: str | None,
    now: datetime,
    alarm_days: int | None,
    name: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> PushReport:
    """Make the CalDAV calendar at `url` hold `events` (paired with their SEQUENCE).

    `url` is a calendar collection (made, with display name `name`, if it does not exist) or any
    other collection of the server, in which case the calendar named `name` is used or made.
    Events of the calendar that are not in `events` are left alone. Raises InputError for a bad URL
    and TransportError (one line, naming the URL) when the server cannot be reached or refuses.
    """
    _check_url(url)
    parts = urlsplit(url)
    if not parts.path.endswith("/"):  # a collection's URL ends with a slash
        url = urlunsplit(parts._replace(path=parts.path + "/"))
    wanted = []
    for event, sequence in events:
        data = build_event_resource(event, sequence, now=now, alarm_days=alarm_days)
        wanted.append((event, data, _event_key(data)))
    if len({event.uid for event, _, _ in wanted}) != len(wanted):
        raise ValueError("two events share a UID")

    import caldav

    created = updated = unchanged = skipped = 0
    with _caldav_errors(url, user):
        client = caldav.DAVClient(url=url, username=user, password=password, timeout=timeout)
        with client:
            calendar, created_calendar = _open_calendar(client, url, name)
            on_server = {}
            if not created_calendar:
                for obj in calendar.get_events():
                    on_server.setdefault(obj.id, obj)
            for event, data, key in wanted:
                obj = on_server.get(event.uid)
                if obj is None:
                    if event.cancelled:
                        skipped += 1
                        continue
                    caldav.Event(client, parent=calendar).save(raw_data=data)
                    created += 1
                elif _event_key(obj.data) == key:
                    unchanged += 1
                else:
                    obj.save(raw_data=data)  # same URL; If-Match its ETag
                    updated += 1
            calendar_url = display_url(str(calendar.url))
    return PushReport(
        created=created,
        updated=updated,
        unchanged=unchanged,
        skipped=skipped,
        calendar_url=calendar_url,
        created_calendar=created_calendar,
    )


__all__ = ["PushReport", "display_url", "push_calendar"]


def push_deadlines(
    home: Path,
    settings,
    round_name: str | None,
    url: str,
    user: str | None,
    alarm_days,
    broken: list | None = None,
) -> PushReport:
    """Keep the CalDAV calendar at `url` in step with the ledger's deadlines; requests whose
    dates cannot be worked out are added to `broken` (see ics.events_with_sequences)."""
    from foi_sender.config import now, refuse_password_in_clear

    if user is not None:
        parts = urlsplit(url)
        refuse_password_in_clear(
            "an http:// CalDAV URL", parts.hostname or url, parts.scheme == "https", "use https://"
        )
    pairs = events_with_sequences(home, settings, round_name, broken=broken)
    return push_calendar(
        url,
        pairs,
        user=user,
        password=caldav_password(user),
        now=now(),
        alarm_days=alarm_days,
        name=calendar_name(round_name),
    )


def caldav_password(user: str | None) -> str | None:
    """From FOI_SENDER_CALDAV_PASSWORD, else the keyring; None for a server that needs no login."""
    from foi_sender.config import stored_secret

    if user is None:
        return None
    password, _ = stored_secret(CALDAV_PASSWORD_ENV, CALDAV_KEYRING_SERVICE, user)
    if not password:
        raise InputError(
            f"no CalDAV password for {user}: set {CALDAV_PASSWORD_ENV}, or store it with "
            f"python -c \"import keyring; keyring.set_password('{CALDAV_KEYRING_SERVICE}', "
            f"'{user}', input('password: '))\""
        )
    return password
