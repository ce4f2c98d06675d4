"""Working-day deadlines, checked against GOV.UK's bank-holiday data rather than against the code.

tests/data/govuk_bank_holidays.json has the shape of https://www.gov.uk/bank-holidays.json for
2019-2027, transcribed from a stored copy of that feed (dmossop/bank-holidays-data), plus Scotland's
"World Cup bank holiday" of 15 June 2026, which GOV.UK lists but that copy predates. The expected
dates below come from a plain day-by-day counter over that file, written apart from the module.
"""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foi_sender import deadlines
from foi_sender.deadlines import (
    Regime,
    SkippedDay,
    WorkingCalendar,
    calendar_for,
    clarified_due,
    explain,
    extend_due,
    fee_paused_due,
    london_date,
    long_overdue_on,
    parse_date,
    parse_regime,
    reply_due,
    review_reply_due,
    review_window_closes,
)
from foi_sender.errors import InputError

FOIA, EIR, FOISA = Regime.FOIA, Regime.EIR, Regime.FOISA
D = date.fromisoformat

# --- the independent reference: GOV.UK's lists and a day-by-day counter --------------------------

GOVUK = json.loads((Path(__file__).parent / "data" / "govuk_bank_holidays.json").read_text("utf-8"))
GOVUK_LAST_DAY = date(2027, 12, 31)
DIVISIONS = {
    "england-and-wales": ("England", "Wales"),
    "scotland": ("Scotland",),
    "northern-ireland": ("NI",),
}


def govuk_days(*divisions: str) -> dict[date, set[str]]:
    """Bank holidays in the given GOV.UK divisions: day -> the divisions that keep it."""
    days: dict[date, set[str]] = {}
    for division in divisions:
        for event in GOVUK[division]["events"]:
            days.setdefault(D(event["date"]), set()).add(division)
    return days


UK_WIDE = govuk_days("england-and-wales", "scotland", "northern-ireland")
SCOTLAND = govuk_days("scotland")
REFERENCE = {FOIA: UK_WIDE, EIR: UK_WIDE, FOISA: SCOTLAND}


def govuk_working(day: date, regime: Regime) -> bool:
    return day.weekday() < 5 and day not in REFERENCE[regime]


def govuk_count(received: date, n: int, regime: Regime) -> date:
    day = received
    while n > 0:
        day += timedelta(days=1)
        if govuk_working(day, regime):
            n -= 1
    assert day <= GOVUK_LAST_DAY, "the reference only covers 2019-2027"
    return day


def govuk_weekday_holidays(start: date, end: date, regime: Regime) -> list[date]:
    return sorted(d for d in REFERENCE[regime] if start < d <= end and d.weekday() < 5)


def every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- DESIGN §2 worked examples -------------------------------------------------------------------

WORKED_EXAMPLES = [
    ("2024-12-10", FOIA, "2025-01-13"),
    ("2025-03-14", FOIA, "2025-04-14"),
    ("2025-03-14", FOISA, "2025-04-11"),  # 17 Mar is a Northern Ireland holiday only
    ("2024-08-01", FOIA, "2024-09-02"),
    ("2024-08-01", FOISA, "2024-08-30"),
    ("2023-04-24", FOIA, "2023-05-24"),  # the coronation, 8 May 2023
    ("2009-03-14", FOIA, "2009-04-15"),  # a Saturday: still day 0
]


@pytest.mark.parametrize(("received", "regime", "due"), WORKED_EXAMPLES)
def test_worked_examples(received, regime, due):
    assert reply_due(D(received), regime) == D(due)
    assert explain(D(received), regime).due == D(due)


@pytest.mark.parametrize(("received", "regime", "due"), WORKED_EXAMPLES[:-1])
def test_worked_examples_agree_with_govuk(received, regime, due):
    assert govuk_count(D(received), 20, regime) == D(due)


# --- named cases, each checked against GOV.UK ----------------------------------------------------

# (received, regime, days the due date must skip because of that case's holiday)
CASES = [
    # Christmas and New Year, with their substitute days
    ("2021-12-20", FOIA, ["2021-12-27", "2021-12-28", "2022-01-03", "2022-01-04"]),
    ("2021-12-20", FOISA, ["2021-12-27", "2021-12-28", "2022-01-03", "2022-01-04"]),
    ("2022-12-19", FOIA, ["2022-12-26", "2022-12-27", "2023-01-02", "2023-01-03"]),
    ("2024-12-10", FOISA, ["2024-12-25", "2024-12-26", "2025-01-01", "2025-01-02"]),
    ("2026-12-14", FOIA, ["2026-12-25", "2026-12-28", "2027-01-01", "2027-01-04"]),
    ("2027-12-01", EIR, ["2027-12-27", "2027-12-28"]),
    # Easter: Good Friday everywhere, Easter Monday everywhere but Scotland
    ("2025-04-01", FOIA, ["2025-04-18", "2025-04-21"]),
    ("2025-04-01", FOISA, ["2025-04-18"]),
    ("2024-03-20", EIR, ["2024-03-29", "2024-04-01"]),
    ("2027-03-15", FOISA, ["2027-03-26"]),
    # the 2022 Platinum Jubilee and the state funeral
    ("2022-05-20", FOIA, ["2022-06-02", "2022-06-03"]),
    ("2022-05-20", FOISA, ["2022-06-02", "2022-06-03"]),
    ("2022-09-09", FOIA, ["2022-09-19"]),
    ("2022-09-09", FOISA, ["2022-09-19"]),
    # the 2023 coronation
    ("2023-05-02", FOISA, ["2023-05-08"]),
    ("2023-05-02", EIR, ["2023-05-08", "2023-05-29"]),
    # Northern Ireland only: St Patrick's Day, the Twelfth, and their substitutes
    ("2024-03-08", FOIA, ["2024-03-18", "2024-03-29", "2024-04-01"]),
    ("2024-03-08", FOISA, ["2024-03-29"]),
    ("2019-03-11", FOIA, ["2019-03-18"]),
    ("2023-07-03", FOIA, ["2023-07-12"]),
    ("2025-07-01", FOIA, ["2025-07-14"]),
    ("2025-07-01", FOISA, []),
    ("2026-07-06", EIR, ["2026-07-13"]),
    # Scotland only: 2 January, the first Monday of August, St Andrew's Day and its substitutes,
    # and the one-off 15 June 2026
    ("2023-12-15", FOIA, ["2023-12-25", "2023-12-26", "2024-01-01", "2024-01-02"]),
    ("2025-07-25", FOIA, ["2025-08-04", "2025-08-25"]),
    ("2025-07-25", FOISA, ["2025-08-04"]),
    ("2024-11-25", FOIA, ["2024-12-02"]),
    ("2024-11-25", FOISA, ["2024-12-02"]),
    ("2025-11-20", FOIA, ["2025-12-01"]),
    ("2019-11-25", FOISA, ["2019-12-02"]),
    ("2026-06-01", FOIA, ["2026-06-15"]),
    ("2026-06-01", FOISA, ["2026-06-15"]),
    # receipt on a weekend or a holiday: still day 0
    ("2025-03-15", FOIA, ["2025-03-17"]),
    ("2025-03-30", FOISA, ["2025-04-18"]),
    ("2022-12-24", FOIA, ["2022-12-26", "2022-12-27", "2023-01-02", "2023-01-03"]),
    ("2024-12-25", FOIA, ["2024-12-26", "2025-01-01", "2025-01-02"]),
    ("2024-03-29", FOIA, ["2024-04-01"]),
    ("2023-05-08", FOIA, ["2023-05-29"]),
    ("2026-06-15", FOISA, []),
    ("2025-03-17", FOIA, []),
    ("2025-03-17", FOISA, []),
]


@pytest.mark.parametrize(("received", "regime", "must_skip"), CASES)
def test_named_cases_agree_with_govuk(received, regime, must_skip):
    received = D(received)
    expected = govuk_count(received, 20, regime)
    assert reply_due(received, regime) == expected
    skipped = [s.day for s in calendar_for(regime).holidays_between(received, expected)]
    assert skipped == govuk_weekday_holidays(received, expected, regime)
    assert set(map(D, must_skip)) <= set(skipped)  # the case really exercises its holiday


def test_foisa_is_a_day_earlier_where_only_another_part_of_the_uk_has_a_holiday():
    assert reply_due(D("2025-07-01"), FOISA) == reply_due(D("2025-07-01"), FOIA) - timedelta(days=1)
    assert reply_due(D("2025-04-01"), FOISA) < reply_due(D("2025-04-01"), FOIA)


@pytest.mark.parametrize("regime", [FOIA, EIR, FOISA])
def test_every_day_of_2019_to_2027_agrees_with_govuk(regime):
    calendar = calendar_for(regime)
    for day in every_day(date(2019, 1, 1), GOVUK_LAST_DAY):
        assert calendar.is_working_day(day) == govuk_working(day, regime), day


@pytest.mark.parametrize("regime", [FOIA, EIR, FOISA])
@pytest.mark.parametrize("days", [20, 40])
def test_every_receipt_from_2019_to_2027_agrees_with_govuk(regime, days):
    calendar = calendar_for(regime)
    for received in every_day(date(2019, 1, 1), date(2027, 10, 31)):
        assert calendar.add(received, days) == govuk_count(received, days, regime), received


def test_region_labels_agree_with_govuk_divisions():
    calendar = calendar_for(FOIA)
    for skipped in calendar.holidays_between(date(2018, 12, 31), GOVUK_LAST_DAY):
        divisions = UK_WIDE[skipped.day]
        labels = tuple(label for d, names in DIVISIONS.items() if d in divisions for label in names)
        assert skipped.regions == (() if len(divisions) == 3 else labels), skipped


def test_region_labels_and_names():
    foia = calendar_for(FOIA)
    (patrick,) = foia.holidays_between(D("2025-03-16"), D("2025-03-17"))
    assert patrick == SkippedDay(D("2025-03-17"), "Saint Patrick's Day", ("NI",))
    (august,) = foia.holidays_between(D("2024-08-04"), D("2024-08-05"))
    assert august.regions == ("Scotland",)
    (easter_monday,) = foia.holidays_between(D("2025-04-20"), D("2025-04-21"))
    assert easter_monday.regions == ("England", "Wales", "NI")
    (christmas,) = foia.holidays_between(D("2025-12-24"), D("2025-12-25"))
    assert christmas == SkippedDay(D("2025-12-25"), "Christmas Day", ())
    # FOISA's calendar is Scotland's alone, so nothing in it needs a label
    assert all(
        not s.regions
        for s in calendar_for(FOISA).holidays_between(D("2024-12-31"), D("2026-12-31"))
    )


def test_a_day_that_is_a_holiday_everywhere_has_no_label_even_under_two_names():
    # 2 Jan 2023 is Scotland's New Year Holiday and, across the UK, New Year's Day's substitute
    (day,) = calendar_for(FOIA).holidays_between(D("2023-01-01"), D("2023-01-02"))
    assert day.regions == ()
    assert "New Year's Day (observed)" in day.name


# --- the other deadlines -------------------------------------------------------------------------


def test_long_overdue_review_window_and_review_reply():
    received = D("2025-03-14")
    assert long_overdue_on(received, FOIA) == govuk_count(received, 40, FOIA)
    assert review_window_closes(received, FOISA) == govuk_count(received, 40, FOISA)
    assert review_reply_due(received, FOIA) == govuk_count(received, 20, FOIA)
    assert review_reply_due(received, FOISA) == govuk_count(received, 20, FOISA)
    assert review_reply_due(received, EIR) == govuk_count(received, 40, EIR)


def test_extension_counts_on_from_the_current_due_date():
    due = reply_due(D("2025-03-14"), FOIA)
    assert extend_due(due, 20, FOIA) == long_overdue_on(D("2025-03-14"), FOIA)
    assert extend_due(D("2025-12-19"), 5, EIR) == govuk_count(D("2025-12-19"), 5, EIR)


def test_clarification_restarts_the_clock():
    assert clarified_due(D("2025-04-01"), FOIA) == reply_due(D("2025-04-01"), FOIA)
    assert clarified_due(D("2025-04-01"), FOIA) > reply_due(D("2025-03-14"), FOIA)


def test_fees_notice_pauses_the_clock_from_notice_to_payment_inclusive():
    received = D("2025-06-02")  # Monday; no holidays in June 2025
    # Notice on Wed 4 Jun, paid Tue 10 Jun: Wed-Fri and Mon-Tue, 5 working days disregarded
    assert fee_paused_due(received, D("2025-06-04"), D("2025-06-10"), FOIA) == govuk_count(
        received, 25, FOIA
    )
    # Notice and payment on one day: that one day is disregarded
    assert fee_paused_due(received, D("2025-06-04"), D("2025-06-04"), FOIA) == govuk_count(
        received, 21, FOIA
    )
    # A notice on the day of receipt: day 0 was never counted, so only days 1..payment are
    assert fee_paused_due(received, received, D("2025-06-03"), FOIA) == govuk_count(
        received, 21, FOIA
    )
    # Paid over a weekend: only the working days in between are disregarded
    assert fee_paused_due(received, D("2025-06-06"), D("2025-06-09"), FOIA) == govuk_count(
        received, 22, FOIA
    )


def test_a_fees_notice_after_the_deadline_does_not_move_it():
    received = D("2025-06-02")
    due = reply_due(received, FOIA)
    assert fee_paused_due(received, due + timedelta(days=1), due + timedelta(days=9), FOIA) == due


def test_a_fees_notice_on_the_due_date_pauses_it():
    received = D("2025-06-02")
    due = reply_due(received, FOIA)  # Mon 30 Jun 2025
    assert fee_paused_due(received, due, due, FOIA) == govuk_count(received, 21, FOIA)


def test_fee_dates_out_of_order_are_refused():
    with pytest.raises(InputError, match="before the request"):
        fee_paused_due(D("2025-06-02"), D("2025-06-01"), D("2025-06-03"), FOIA)
    with pytest.raises(InputError, match="before the fees notice"):
        fee_paused_due(D("2025-06-02"), D("2025-06-05"), D("2025-06-04"), FOIA)


# --- extra holidays and the cache ----------------------------------------------------------------


def test_extra_holidays_move_the_date():
    received = D("2025-06-02")
    plain = reply_due(received, FOIA)
    assert reply_due(received, FOIA, [D("2025-06-10")]) == plain + timedelta(days=1)
    assert reply_due(received, FOIA, [D("2025-06-14")]) == plain  # a Saturday changes nothing
    (extra,) = calendar_for(FOISA, [D("2025-06-10")]).holidays_between(received, plain)
    assert extra.day == D("2025-06-10") and extra.regions == ()
    assert explain(received, FOIA, extra_holidays=(D("2025-06-10"),)).skipped == [extra]


def test_calendars_are_built_once_per_regime_and_extra_holidays():
    assert calendar_for(FOIA) is calendar_for(FOIA, [])
    assert calendar_for(FOIA, iter([D("2025-06-10")])) is calendar_for(FOIA, (D("2025-06-10"),))
    assert calendar_for(FOIA) is not calendar_for(FOISA)
    assert calendar_for(FOIA) is not calendar_for(FOIA, [D("2025-06-10")])


def test_years_are_read_from_the_package_only_when_first_needed(monkeypatch, tmp_path):
    import holidays

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(deadlines, "_UK_YEARS", {})
    asked = []
    real = holidays.country_holidays

    def counting(country, subdiv, years):
        asked.append((subdiv, years))
        return real(country, subdiv=subdiv, years=years)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    calendar = WorkingCalendar(FOIA, frozenset())
    assert calendar.add(D("2025-03-14"), 20) == D("2025-04-14")
    assert sorted(asked) == [("ENG", 2025), ("NIR", 2025), ("SCT", 2025), ("WLS", 2025)]
    calendar.add(D("2025-06-02"), 20)
    assert len(asked) == 4
    calendar.add(D("2025-12-10"), 20)  # runs into 2026
    assert {years for _, years in asked} == {2025, 2026} and len(asked) == 8


def test_a_new_process_reads_the_package_answers_from_the_cache(monkeypatch, tmp_path):
    import holidays

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def refuse(*args, **kwargs):
        raise AssertionError("the package was asked again")

    monkeypatch.setattr(deadlines, "_UK_YEARS", {})
    first = WorkingCalendar(FOIA, frozenset()).holidays_between(D("2025-01-01"), D("2025-12-31"))
    deadlines._HolidayCache.open().save()  # as the process exits
    cached = list((tmp_path / "cache" / "foi-sender").glob("uk-holidays-*.json"))
    assert len(cached) == 1
    monkeypatch.setattr(deadlines, "_UK_YEARS", {})  # as a new process starts
    monkeypatch.setattr(holidays, "country_holidays", refuse)
    again = WorkingCalendar(FOIA, frozenset()).holidays_between(D("2025-01-01"), D("2025-12-31"))
    assert again == first
    assert D("2025-03-17") in {s.day for s in again}  # St Patrick's Day, NI: from the cache


def test_a_real_command_leaves_the_cache_for_the_next(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "foi_sender", "deadline", "2025-03-14", "--json"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    [cached] = (tmp_path / "cache" / "foi-sender").glob("uk-holidays-*.json")
    assert set(json.loads(cached.read_text(encoding="utf-8"))["years"]) == {"2025"}
    probe = "import sys, runpy; sys.argv = ['foi-sender', *sys.argv[1:]]; "
    probe += "runpy.run_module('foi_sender', run_name='__main__')"
    again = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe, "deadline", "2025-03-14", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert again.stdout == first.stdout
    assert "| holidays\n" not in again.stderr  # the package itself was never imported


def test_a_damaged_cache_is_rebuilt_from_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(deadlines, "_UK_YEARS", {})
    WorkingCalendar(FOIA, frozenset()).add(D("2025-03-14"), 20)
    deadlines._HolidayCache.open().save()
    [cached] = (tmp_path / "cache" / "foi-sender").glob("uk-holidays-*.json")
    cached.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(deadlines, "_UK_YEARS", {})
    monkeypatch.setattr(deadlines._HolidayCache, "_opened", None)
    assert WorkingCalendar(FOIA, frozenset()).add(D("2025-03-14"), 20) == D("2025-04-14")
    deadlines._HolidayCache.open().save()
    assert "2025" in json.loads(cached.read_text(encoding="utf-8"))["years"]


# --- dates, times and parsing --------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 5, 1, 23, 30, tzinfo=UTC), "2025-05-02"),  # 00:30 BST on 2 May
        (datetime(2025, 5, 2, 0, 30, tzinfo=LONDON), "2025-05-02"),
        (datetime(2025, 1, 10, 23, 30, tzinfo=UTC), "2025-01-10"),  # GMT: London is UTC
        (datetime(2025, 3, 30, 0, 30, tzinfo=UTC), "2025-03-30"),  # clocks go forward at 01:00 UTC
        (datetime(2025, 3, 29, 23, 59, tzinfo=UTC), "2025-03-29"),
        (datetime(2025, 10, 25, 23, 30, tzinfo=UTC), "2025-10-26"),  # still BST: 00:30 on the 26th
        (datetime(2025, 10, 26, 23, 30, tzinfo=UTC), "2025-10-26"),  # GMT again
        (datetime(2025, 5, 1, 20, 0, tzinfo=ZoneInfo("America/New_York")), "2025-05-02"),
        (datetime(2025, 5, 2, 0, 30), "2025-05-02"),  # naive: London wall-clock time
        (datetime(2025, 5, 1, 23, 59), "2025-05-01"),
    ],
)
def test_london_date(moment, expected):
    assert london_date(moment) == D(expected)


@pytest.mark.parametrize(
    "text", ["2025-02-30", "20250214", "2025-2-14", "2025-W07-5", "14/02/2025", "", "٢٠٢٥-٠٢-١٤"]
)
def test_parse_date_refuses_anything_but_a_real_iso_date(text):
    with pytest.raises(InputError) as caught:
        parse_date(text)
    assert str(caught.value) == f"not a date: '{text}' (use YYYY-MM-DD)"
    assert caught.value.exit_code == 2


def test_parse_date_and_regime_accept_good_input():
    assert parse_date("2025-02-14") == date(2025, 2, 14)
    assert parse_date(" 2024-02-29 ") == date(2024, 2, 29)
    assert parse_regime("foisa") is FOISA
    assert parse_regime("Eir") is EIR
    assert parse_regime("FOIA") is FOIA


def test_parse_regime_refuses_unknown_names():
    with pytest.raises(InputError) as caught:
        parse_regime("x")
    assert str(caught.value) == "unknown regime 'x': use foia, eir or foisa"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("days", [0, -1, -20])
def test_explain_needs_at_least_one_day(days):
    with pytest.raises(InputError, match=r"^--days must be a whole number of at least 1$"):
        explain(D("2025-03-14"), FOIA, days=days)


@pytest.mark.parametrize("days", [0, -5])
def test_extension_needs_at_least_one_day(days):
    with pytest.raises(InputError, match=r"^--days must be a whole number of at least 1$"):
        extend_due(D("2025-03-14"), days, FOIA)


def test_counting_backwards_is_refused():
    with pytest.raises(InputError):
        calendar_for(FOIA).add(D("2025-03-14"), -1)


def test_counting_past_the_end_of_the_calendar_is_refused():
    with pytest.raises(InputError, match="9999-12-31"):
        reply_due(date(9999, 12, 20), FOIA)


# --- explain -------------------------------------------------------------------------------------


def test_explain_describes_what_was_skipped():
    explanation = explain(D("2025-03-14"), FOIA, days=25)
    assert explanation.due == govuk_count(D("2025-03-14"), 25, FOIA)
    assert explanation.note is None
    assert explanation.describe() == [
        "Due 2025-04-23 (Wed): 25 working days after 2025-03-14 under FOIA.",
        "Skips 17 Mar Saint Patrick's Day (NI), 18 Apr Good Friday,"
        " 21 Apr Easter Monday (England, Wales, NI).",
    ]
    assert explanation.as_json() == {
        "received": "2025-03-14",
        "regime": "FOIA",
        "working_days": 25,
        "due": "2025-04-23",
        "skipped": [
            {"date": "2025-03-17", "name": "Saint Patrick's Day", "regions": ["NI"]},
            {"date": "2025-04-18", "name": "Good Friday", "regions": []},
            {"date": "2025-04-21", "name": "Easter Monday", "regions": ["England", "Wales", "NI"]},
        ],
    }
    json.dumps(explanation.as_json())


def test_explain_across_new_year_gives_years():
    lines = explain(D("2024-12-10"), FOISA).describe()
    assert lines[0] == "Due 2025-01-13 (Mon): 20 working days after 2024-12-10 under FOISA."
    assert lines[1].startswith(
        "Skips 25 Dec 2024 Christmas Day, 26 Dec 2024 Boxing Day, 1 Jan 2025 "
    )


def test_explain_with_nothing_but_weekends_and_one_day():
    lines = explain(D("2025-06-02"), FOISA, days=1).describe()
    assert lines == [
        "Due 2025-06-03 (Tue): 1 working day after 2025-06-02 under FOISA.",
        "Skips no holidays, only weekends.",
    ]


@pytest.mark.parametrize(
    ("received", "regime", "next_working"),
    [
        ("2025-03-15", FOIA, "2025-03-18"),  # Saturday, then NI's St Patrick's Day on Monday
        ("2025-03-15", FOISA, "2025-03-17"),
        ("2024-12-25", FOIA, "2024-12-27"),  # a holiday receipt
        ("2025-03-17", FOIA, "2025-03-18"),  # a holiday in NI only, so a non-working day for FOIA
    ],
)
def test_a_non_working_receipt_gets_a_note_with_the_later_date(received, regime, next_working):
    received = D(received)
    explanation = explain(received, regime)
    later = govuk_count(D(next_working), 20, regime)
    assert explanation.due == govuk_count(received, 20, regime)  # the statutory date is unchanged
    assert later == govuk_count(received, 21, regime)
    assert explanation.note is not None
    assert f"next working day ({next_working})" in explanation.note
    assert f"one working day later, {later.isoformat()}" in explanation.note
    assert explanation.describe()[-1] == explanation.note
    assert "note" not in explanation.as_json()


def test_a_working_day_receipt_gets_no_note():
    assert (
        explain(D("2025-03-17"), FOISA).note is None
    )  # St Patrick's Day is a working day in Scotland


# --- properties ----------------------------------------------------------------------------------

receipts = st.dates(min_value=date(1995, 1, 1), max_value=date(2095, 12, 31))
regimes = st.sampled_from(list(Regime))
counts = st.integers(min_value=0, max_value=300)


@settings(deadline=None)
@given(receipts, regimes, st.integers(min_value=1, max_value=300))
def test_due_is_a_working_day_strictly_after_receipt(received, regime, n):
    calendar = calendar_for(regime)
    due = calendar.add(received, n)
    assert due > received
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(received, due) == n
    assert calendar.working_days_between(received, due - timedelta(days=1)) == n - 1


@settings(deadline=None)
@given(receipts, regimes, counts, counts)
def test_adding_is_monotonic_and_additive(received, regime, a, b):
    calendar = calendar_for(regime)
    assert calendar.add(calendar.add(received, a), b) == calendar.add(received, a + b)
    assert calendar.add(received, min(a, b)) <= calendar.add(received, max(a, b))
    if a != b:
        assert calendar.add(received, a) != calendar.add(received, b)


@settings(deadline=None)
@given(receipts, counts)
def test_foisa_is_never_later_than_foia(received, n):
    assert calendar_for(FOISA).add(received, n) <= calendar_for(FOIA).add(received, n)
    assert reply_due(received, FOISA) <= reply_due(received, FOIA)


@settings(deadline=None)
@given(receipts, receipts, regimes)
def test_working_days_between_is_zero_unless_end_is_after_start(start, end, regime):
    calendar = calendar_for(regime)
    count = calendar.working_days_between(start, end)
    if end <= start:
        assert count == 0
    else:
        assert calendar.add(start, count) <= end < calendar.add(start, count + 1)


def test_module_does_not_import_the_holidays_package_until_needed():
    code = (
        "import sys, foi_sender.deadlines; print('holidays' in sys.modules, 'click' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(deadlines.__file__).parents[1],
    )
    assert out.stdout.split() == ["False", "False"]
