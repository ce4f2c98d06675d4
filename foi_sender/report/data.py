"""The numbers a report shows, from the same states `status` prints: no plotting, no HTML here."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from foi_sender import deadlines
from foi_sender.config import shipped_path
from foi_sender.lifecycle import RequestState

# The round at a glance. Each figure is a rule on lifecycle's status values (what `status --json`
# prints), so the report and `status` can never disagree about a request.
AT_A_GLANCE = (
    ("sent", "letters sent (bounced ones too)", lambda s: s.sent_on is not None),
    (
        "acknowledged",
        "the council said it had the request",
        lambda s: s.acknowledged_on is not None,
    ),
    ("answered", "a reply recorded", lambda s: s.response_on is not None),
    ("overdue", "past the 20th working day", lambda s: s.status == "overdue"),
    ("long overdue", "past the 40th working day", lambda s: s.status == "long_overdue"),
    ("bounced", "the address refused the letter", lambda s: s.status == "bounced"),
    (
        "in review",
        "internal review asked for, not yet answered",
        lambda s: s.status in ("review_requested", "review_overdue"),
    ),
)

# How the map and the charts colour a request: its status, grouped. Colours are Okabe-Ito-like and
# told apart by lightness too, so the map still reads in greyscale print and for colour-blind eyes.
GROUPS = {
    "successful": ("answered in full", "#1b7837"),
    "partially_successful": ("partly answered", "#7fbf7b"),
    "not_held": ("not held", "#c2a5cf"),
    "redirected": ("redirected", "#56b4e9"),
    "refused": ("refused", "#d6604d"),
    "in_review": ("in review", "#2166ac"),
    "awaiting": ("awaiting, not yet due", "#e0e0e0"),
    "clarification": ("clarification asked for", "#fee08b"),
    "overdue": ("overdue", "#f4a582"),
    "long_overdue": ("long overdue", "#67001f"),
    "undelivered": ("bounced or not sent", "#4d4d4d"),
    "withdrawn": ("withdrawn", "#ffffff"),
    "broken": ("record to repair (see `status`)", "#000000"),
    "none": ("not in this round", "#f7f7f7"),
}
_GROUP_OF = {
    "review_requested": "in_review",
    "review_overdue": "in_review",
    "review_answered": "in_review",
    "clarification_requested": "clarification",
    "queued": "undelivered",
    "sending": "undelivered",
    "uncertain": "undelivered",
    "failed": "undelivered",
    "bounced": "undelivered",
}
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
ON_TIME = 20  # working days: FOIA s.10(1), FOISA s.10
BIN = 5  # working days a bar of the time-to-answer histogram spans


def group_of(status: str) -> str:
    if status in GROUPS:
        return status
    return _GROUP_OF.get(status, "in_review" if status.startswith("review_") else "undelivered")


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    meaning: str
    count: int
    percent: float


def at_a_glance(states: list[RequestState]) -> list[Tally]:
    total = len(states) or 1
    figures = []
    for label, meaning, rule in AT_A_GLANCE:
        count = sum(1 for s in states if rule(s))
        key = label.replace(" ", "_")
        figures.append(Tally(key, label, meaning, count, round(100 * count / total, 1)))
    return figures


def working_days_to_answer(state: RequestState, extra_holidays=()) -> int | None:
    """Working days from receipt to the reply, counted as the deadline is (same calendar)."""
    if state.sent_on is None or state.response_on is None:
        return None
    calendar = deadlines.calendar_for(deadlines.Regime(state.request.regime), extra_holidays)
    return calendar.working_days_between(state.sent_on, state.response_on)


def answers_by_day(days: list[int]) -> list[tuple[int, int, int]]:
    """(working day, answers that day, answers by then) from day 0 to the latest answer."""
    per_day = Counter(days)
    rows, total = [], 0
    for day in range(max(days, default=0) + 1):
        total += per_day[day]
        rows.append((day, per_day[day], total))
    return rows


def time_to_answer_bins(days: list[int]) -> list[tuple[str, int, int]]:
    """(bin label, first day of the bin, answers in it), BIN working days a bin."""
    per_bin = Counter(day // BIN for day in days)
    return [
        (f"{b * BIN}–{b * BIN + BIN - 1}", b * BIN, per_bin[b])
        for b in range(max(per_bin, default=0) + 1)
    ]


def by_nation(states: list[RequestState], nations: dict[str, str]) -> dict[str, Counter]:
    """Nation → how many requests in each status group; nations with no request left out."""
    table: dict[str, Counter] = {}
    for state in states:
        nation = nations.get(state.request.council_id, "Unknown")
        table.setdefault(nation, Counter())[group_of(state.status)] += 1
    order = {n: i for i, n in enumerate(NATIONS)}
    return dict(sorted(table.items(), key=lambda item: order.get(item[0], len(order))))


QUESTION_STATUSES = ("answered", "withheld", "not_held", "redirected", "cost_limit", "unclear")


def question_keys(table: dict[int, Counter]) -> list[str]:
    """The statuses in `table`, in reading order: answered, withheld (by exemption), the rest."""
    found = {status for row in table.values() for status in row}
    withheld = sorted(s for s in found if s.startswith("withheld"))
    rest = [s for s in QUESTION_STATUSES if s != "withheld" and s in found]
    return rest[:1] + withheld + rest[1:] if "answered" in found else withheld + rest


def by_question(states: list[RequestState]) -> dict[int, Counter]:
    """Question number → how many replies gave it each status; withheld split by exemption
    (`withheld s40(2)`). Replies recorded without per-question statuses count for none."""
    table: dict[int, Counter] = {}
    for state in states:
        for number, answer in sorted(state.questions.items()):
            status = answer.get("status") or "unclear"
            if status == "withheld":
                status = "withheld " + ("/".join(answer.get("exemptions") or ()) or "(no section)")
            table.setdefault(int(number), Counter())[status] += 1
    return dict(sorted(table.items()))


@dataclass(frozen=True)
class Hex:
    lad: str
    name: str
    q: int
    r: int
    council: str


@dataclass(frozen=True)
class HexMap:
    hexes: tuple[Hex, ...]
    attribution: str


def load_hexmap() -> HexMap:
    raw = json.loads(_hexmap_path().read_text(encoding="utf-8"))
    hexes = tuple(
        Hex(h["lad"], h["name"], int(h["q"]), int(h["r"]), h["council"]) for h in raw["hexes"]
    )
    return HexMap(hexes, raw["attribution"])


def _hexmap_path() -> Path:
    return shipped_path("data") / "uk_hexmap_2025.json"
