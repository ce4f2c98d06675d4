"""Working-day deadlines under FOIA 2000, EIR 2004 and FOISA 2002 (DESIGN §2).

A working day is any day but Saturday, Sunday, Christmas Day, Good Friday and a bank holiday: a bank
holiday in any part of the UK for FOIA (s.10(6)) and EIR, in Scotland for FOISA (s.73). The day of
receipt is day 0 whatever day it is; day 1 is the first working day after it.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from foi_sender.errors import InputError

LONDON = ZoneInfo("Europe/London")

REPLY_DAYS = 20  # FOIA s.10(1), EIR reg 5(2), FOISA s.10
LONG_OVERDUE_DAYS = 40  # ICO: no case justifies more than 40 working days in all
REVIEW_WINDOW_DAYS = 40  # Code of Practice s.45 guidance; EIR reg 11(2); FOISA s.20(5)
REVIEW_REPLY_DAYS = 20  # Code of Practice; FOISA s.21(1)
EIR_REVIEW_REPLY_DAYS = 40  # EIR reg 11(4)


class Regime(StrEnum):
    FOIA = "FOIA"
    EIR = "EIR"
    FOISA = "FOISA"


# holidays-package subdivision -> the label a holiday gets when only some parts of the UK keep it
_PART_LABELS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "NI"}
_REGIME_PARTS = {
    Regime.FOIA: ("ENG", "WLS", "SCT", "NIR"),
    Regime.EIR: ("ENG", "WLS", "SCT", "NIR"),
    Regime.FOISA: ("SCT",),
}

# date.fromisoformat also takes 20250214 and 2025-W07-5; the CLI promises YYYY-MM-DD only.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_regime(text: str) -> Regime:
    try:
        return Regime(text.strip().upper())
    except ValueError:
        raise InputError(f"unknown regime '{text}': use foia, eir or foisa") from None


def parse_date(text: str) -> date:
    candidate = text.strip()
    if _ISO_DATE.fullmatch(candidate):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass  # well formed but not a real day, such as 2025-02-30
    raise InputError(f"not a date: '{text}' (use YYYY-MM-DD)")


def today() -> date:
    """Today's Europe/London date, by the one clock everything uses (config.now)."""
    from foi_sender.config import now

    return london_date(now())


def london_date(moment: datetime) -> date:
    """The Europe/London calendar date of a moment; a naive datetime is London wall-clock time."""
    if moment.utcoffset() is None:
        return moment.date()
    return moment.astimezone(LONDON).date()


@dataclass(frozen=True)
class SkippedDay:
    """A weekday that is not a working day; `regions` is empty when the whole regime keeps it."""

    day: date
    name: str
    regions: tuple[str, ...]


class WorkingCalendar:
    """Working days for one regime. A year's holidays are read (from the `holidays` package, or
    its cached answers) the first time a date in that year is asked about, and kept as day
    ordinals in a set, so counting costs one set lookup per day."""

    def __init__(self, regime: Regime, extra_holidays: frozenset[date]):
        self.regime = regime
        self._extra = extra_holidays
        self._years: set[int] = set()
        self._closed: set[int] = set()  # ordinals of every non-working day, weekends included
        self._skipped: dict[int, SkippedDay] = {}  # the closed days that fall on a weekday

    def is_working_day(self, day: date) -> bool:
        self._ensure_years(day.year, day.year)
        return day.toordinal() not in self._closed

    def add(self, start: date, n: int) -> date:
        """The nth working day after `start`, which is day 0 whether or not it is a working day."""
        if n < 0:
            raise InputError(f"cannot count {n} working days: the number must be 0 or more")
        day = start.toordinal()
        closed = self._closed
        year_end = day  # the first step looks its year up
        while n:
            day += 1
            if day > year_end:
                year_end = self._year_end(day)
            if day not in closed:
                n -= 1
        return date.fromordinal(day)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end is not after start."""
        if end <= start:
            return 0
        self._ensure_years(start.year, end.year)
        closed = self._closed
        return sum(
            1 for day in range(start.toordinal() + 1, end.toordinal() + 1) if day not in closed
        )

    def holidays_between(self, start: date, end: date) -> list[SkippedDay]:
        """The weekdays in (start, end] that are not working days, in date order."""
        if end <= start:
            return []
        self._ensure_years(start.year, end.year)
        skipped = self._skipped
        return [
            skipped[day]
            for day in range(start.toordinal() + 1, end.toordinal() + 1)
            if day in skipped
        ]

    def _ensure_years(self, first: int, last: int) -> None:
        for year in range(first, last + 1):
            if year not in self._years:
                self._build(year)

    def _year_end(self, ordinal: int) -> int:
        """Build the year holding `ordinal` if need be; return the ordinal of its 31 December."""
        try:
            year = date.fromordinal(ordinal).year
        except ValueError:
            raise InputError("that date is out of range: the calendar ends on 9999-12-31") from None
        self._ensure_years(year, year)
        return date(year, 12, 31).toordinal()

    def _build(self, year: int) -> None:
        parts = set(_REGIME_PARTS[self.regime])
        # day -> holiday name -> the parts of the UK that keep it (dicts keep first-seen order)
        found: dict[date, dict[str, set[str]]] = {}
        for day, name, kept_in in _uk_closed_days(year):
            if parts & kept_in:
                found.setdefault(day, {}).setdefault(name, set()).update(parts & kept_in)
        for day in self._extra:
            if day.year == year:
                found.setdefault(day, {}).setdefault("Extra holiday (foi.toml)", set()).update(
                    parts
                )
        for day, names in found.items():
            ordinal = day.toordinal()
            self._closed.add(ordinal)
            if day.weekday() < 5:
                kept_in = set().union(*names.values())
                regions = () if len(kept_in) == len(parts) else _labels(kept_in)
                self._skipped[ordinal] = SkippedDay(day, "; ".join(names), regions)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        self._closed.update(d for d in range(first, last + 1) if date.fromordinal(d).weekday() >= 5)
        self._years.add(year)


# A year's non-working days in any part of the UK: (day, name, the parts that keep it).
ClosedDays = list[tuple[date, str, frozenset[str]]]
_UK_YEARS: dict[int, ClosedDays] = {}
CACHE_NAME = "uk-holidays-{key}.json"


def _uk_closed_days(year: int) -> ClosedDays:
    """Read from the `holidays` package once per release and machine, then from a cache file.

    Importing the package costs more than everything else a command like `status` does, so its
    answers are kept in the user's cache folder, in a file named after the installed release:
    upgrading the package (say, for a newly proclaimed holiday) starts a new file.
    """
    if year not in _UK_YEARS:
        cache = _HolidayCache.open()
        days = cache.get(year)
        if days is None:
            days, known = _from_package(year)
            if known:
                cache.put(year, days)
        _UK_YEARS[year] = days
    return _UK_YEARS[year]


def _from_package(year: int) -> tuple[ClosedDays, bool]:
    """The year's closed days, and whether the package knows the year (else only the rules)."""
    import holidays  # ~50 ms: paid once per release of the package, see _uk_closed_days
    from dateutil.easter import easter

    found: dict[tuple[date, str], set[str]] = {}
    known = holidays.UnitedKingdom.start_year <= year <= holidays.UnitedKingdom.end_year
    for part in _PART_LABELS if known else ():
        calendar = holidays.country_holidays("GB", subdiv=part, years=year)
        for day in calendar:
            for name in calendar.get_list(day):
                found.setdefault((day, name), set()).add(part)
    # Christmas Day and Good Friday are excluded by the Acts in their own right, not only as
    # bank holidays, so they must not depend on what a release of the package happens to list.
    for day, name in (
        (date(year, 12, 25), "Christmas Day"),
        (easter(year) - timedelta(days=2), "Good Friday"),
    ):
        found.setdefault((day, name), set()).update(_PART_LABELS)
    return [(day, name, frozenset(parts)) for (day, name), parts in found.items()], known


class _HolidayCache:
    """The package's answers on disk: $XDG_CACHE_HOME/foi-sender (else ~/.cache/foi-sender)."""

    _opened: _HolidayCache | None = None

    def __init__(self, path: Path | None):
        self.path = path
        self._dirty = False
        self.years: dict[str, list] = {}
        if path is not None:
            try:
                self.years = json.loads(path.read_text(encoding="utf-8"))["years"]
            except (OSError, ValueError, KeyError, TypeError):
                self.years = {}  # missing or damaged: rebuilt from the package

    @classmethod
    def open(cls) -> _HolidayCache:
        if cls._opened is None or cls._opened.path != _cache_path():
            cls._opened = cls(_cache_path())
        return cls._opened

    def get(self, year: int) -> ClosedDays | None:
        rows = self.years.get(str(year))
        if rows is None:
            return None
        return [(date.fromisoformat(day), name, frozenset(parts)) for day, name, parts in rows]

    def put(self, year: int, days: ClosedDays) -> None:
        self.years[str(year)] = [[d.isoformat(), name, sorted(parts)] for d, name, parts in days]
        if self.path is not None and not self._dirty:
            self._dirty = True
            atexit.register(self.save)  # once, however many years this process adds

    def save(self) -> None:
        from foi_sender.config import write_then_rename

        data = json.dumps({"years": self.years}, ensure_ascii=False).encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            write_then_rename(tmp, self.path, data, 0o644)
        except OSError:
            pass  # only a cache: without it each run reads the package again


def _cache_path() -> Path | None:
    """Named after the installed release of `holidays`, found without importing it."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    try:
        release = (Path(spec.origin).parent / "version.py").read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(spec.origin.encode() + b"\0" + release).hexdigest()[:16]
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "foi-sender"
    return folder / CACHE_NAME.format(key=key)


def _labels(parts: set[str]) -> tuple[str, ...]:
    return tuple(label for part, label in _PART_LABELS.items() if part in parts)


def calendar_for(regime: Regime, extra_holidays: Iterable[date] = ()) -> WorkingCalendar:
    """The process-wide calendar for a regime and set of extra holidays."""
    return _cached_calendar(regime, frozenset(extra_holidays))


@cache
def _cached_calendar(regime: Regime, extra_holidays: frozenset[date]) -> WorkingCalendar:
    return WorkingCalendar(regime, extra_holidays)


def reply_due(received: date, regime: Regime, extra_holidays: Iterable[date] = ()) -> date:
    return calendar_for(regime, extra_holidays).add(received, REPLY_DAYS)


def long_overdue_on(received: date, regime: Regime, extra_holidays: Iterable[date] = ()) -> date:
    """The 40th working day after receipt: still unanswered the day after, it is long overdue."""
    return calendar_for(regime, extra_holidays).add(received, LONG_OVERDUE_DAYS)


def review_window_closes(
    response_on: date, regime: Regime, extra_holidays: Iterable[date] = ()
) -> date:
    return calendar_for(regime, extra_holidays).add(response_on, REVIEW_WINDOW_DAYS)


def review_reply_due(
    review_received: date, regime: Regime, extra_holidays: Iterable[date] = ()
) -> date:
    days = EIR_REVIEW_REPLY_DAYS if regime == Regime.EIR else REVIEW_REPLY_DAYS
    return calendar_for(regime, extra_holidays).add(review_received, days)


def extend_due(
    due: date, working_days: int, regime: Regime, extra_holidays: Iterable[date] = ()
) -> date:
    """`working_days` more working days on top of the current due date (FOIA s.10(3), EIR reg 7)."""
    if working_days < 1:
        raise InputError("--days must be a whole number of at least 1")
    return calendar_for(regime, extra_holidays).add(due, working_days)


def clarified_due(
    clarification_received: date, regime: Regime, extra_holidays: Iterable[date] = ()
) -> date:
    """Clarification restarts the clock: a fresh 20 working days from the day it arrives."""
    return calendar_for(regime, extra_holidays).add(clarification_received, REPLY_DAYS)


def fee_paused_due(
    received: date,
    notice_on: date,
    paid_on: date,
    regime: Regime,
    extra_holidays: Iterable[date] = (),
) -> date:
    """The 20th working day after receipt, disregarding the working days from the day the fees
    notice is given to the day the fee arrives, both included (FOIA s.10(2), FOISA s.10(2))."""
    if notice_on < received:
        raise InputError(f"the fees notice ({notice_on}) is dated before the request ({received})")
    if paid_on < notice_on:
        raise InputError(f"the fee ({paid_on}) is dated before the fees notice ({notice_on})")
    calendar = calendar_for(regime, extra_holidays)
    due = calendar.add(received, REPLY_DAYS)
    if due < notice_on:  # a notice after the deadline cannot pause a clock that has run out
        return due
    # Only days after receipt count at all: a notice given on the day of receipt pauses from day 1.
    paused = calendar.working_days_between(max(notice_on - timedelta(days=1), received), paid_on)
    return calendar.add(received, REPLY_DAYS + paused)


@dataclass(frozen=True)
class Explanation:
    received: date
    regime: Regime
    working_days: int
    due: date
    skipped: list[SkippedDay]
    note: str | None

    def as_json(self) -> dict:
        return {
            "received": self.received.isoformat(),
            "regime": str(self.regime),
            "working_days": self.working_days,
            "due": self.due.isoformat(),
            "skipped": [
                {"date": s.day.isoformat(), "name": s.name, "regions": list(s.regions)}
                for s in self.skipped
            ],
        }

    def describe(self) -> list[str]:
        plural = "" if self.working_days == 1 else "s"
        lines = [
            f"Due {self.due.isoformat()} ({self.due:%a}): {self.working_days} working day{plural}"
            f" after {self.received.isoformat()} under {self.regime}."
        ]
        if self.skipped:
            # The year is only needed to tell apart days either side of a New Year.
            with_year = self.received.year != self.due.year
            lines.append(
                "Skips " + ", ".join(_skipped_text(s, with_year) for s in self.skipped) + "."
            )
        else:
            lines.append("Skips no holidays, only weekends.")
        if self.note:
            lines.append(self.note)
        return lines


def _skipped_text(skipped: SkippedDay, with_year: bool) -> str:
    day = skipped.day
    when = f"{day.day} {day:%b}" + (f" {day.year}" if with_year else "")
    where = f" ({', '.join(skipped.regions)})" if skipped.regions else ""
    return f"{when} {skipped.name}{where}"


def explain(
    received: date, regime: Regime, days: int = REPLY_DAYS, extra_holidays: Iterable[date] = ()
) -> Explanation:
    """The due date `days` working days after receipt, the holidays it skips, and a note when
    receipt fell on a non-working day."""
    if days < 1:
        raise InputError("--days must be a whole number of at least 1")
    calendar = calendar_for(regime, extra_holidays)
    due = calendar.add(received, days)
    note = None
    if not calendar.is_working_day(received):
        # Some authorities treat such a request as received on the next working day; the Act counts
        # from the day it arrived, so the later date is only shown, never used.
        next_working = calendar.add(received, 1)
        later = calendar.add(received, days + 1)
        note = (
            f"Note: {received.isoformat()} is not a working day. Some authorities count from the"
            f" next working day ({next_working.isoformat()}), which would make it due one working"
            f" day later, {later.isoformat()} ({later:%a}); the statutory due date is"
            f" {due.isoformat()}."
        )
    return Explanation(
        received=received,
        regime=regime,
        working_days=days,
        due=due,
        skipped=calendar.holidays_between(received, due),
        note=note,
    )
