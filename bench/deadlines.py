"""How many due dates a second foi_sender.deadlines computes.

Run from the repository root: .venv/bin/python bench/deadlines.py
Prints figures; it is not a test. Calendars are warmed first, so this measures the per-day set
lookups, not the one-off reading of holiday years from the `holidays` package (timed separately).
"""

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# Run as a script, so the repository root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from foi_sender.deadlines import (  # noqa: E402
    Regime,
    WorkingCalendar,
    calendar_for,
    explain,
    reply_due,
)

RECEIPTS = 200_000
FIRST = date(2020, 1, 1)


def rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<52} {count / seconds:>12,.0f} /s  ({count:,} in {seconds:.3f} s)")


def main() -> None:
    rng = random.Random(2025)
    receipts = [FIRST + timedelta(days=rng.randrange(3650)) for _ in range(RECEIPTS)]
    regimes = [rng.choice(list(Regime)) for _ in range(RECEIPTS)]

    started = time.perf_counter()
    WorkingCalendar(Regime.FOIA, frozenset()).add(FIRST, 20)
    first_ms = (time.perf_counter() - started) * 1000
    print(f"first calendar year (the holidays package, or its cache): {first_ms:.1f} ms")
    started = time.perf_counter()
    cold = WorkingCalendar(Regime.FOIA, frozenset())
    cold.add(FIRST, 2600)  # ten years
    print(
        f"ten more years, all four parts of the UK: {(time.perf_counter() - started) * 1000:.1f} ms"
    )

    for regime in Regime:  # warm the shared calendars over the whole range
        calendar_for(regime).add(FIRST, 2700)

    calendar = calendar_for(Regime.FOIA)
    started = time.perf_counter()
    for received in receipts:
        calendar.add(received, 20)
    rate("WorkingCalendar.add(received, 20), FOIA", RECEIPTS, time.perf_counter() - started)

    started = time.perf_counter()
    for received, regime in zip(receipts, regimes, strict=True):
        reply_due(received, regime)
    rate("reply_due(received, regime), mixed regimes", RECEIPTS, time.perf_counter() - started)

    extra = (date(2026, 6, 16),)
    started = time.perf_counter()
    for received, regime in zip(receipts, regimes, strict=True):
        reply_due(received, regime, extra)
    rate("reply_due(..., extra_holidays), mixed regimes", RECEIPTS, time.perf_counter() - started)

    count = RECEIPTS // 10
    started = time.perf_counter()
    for received, regime in zip(receipts[:count], regimes[:count], strict=True):
        explain(received, regime)
    rate("explain(received, regime) with skipped days", count, time.perf_counter() - started)


if __name__ == "__main__":
    main()
