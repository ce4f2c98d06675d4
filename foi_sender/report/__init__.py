"""`foi-sender report`: a round as one self-contained HTML page (numbers, map, charts, answers).

Everything the page needs is inside it: CSS, the charts and the map as inline SVG, a few lines of
script to sort the table (the page reads fine without). No font, style sheet, script or image is
fetched, so it opens from an email attachment or a USB stick and prints cleanly.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import foi_sender.report.data as data
from foi_sender import deadlines
from foi_sender.config import STDOUT, atomic_write, extra_holidays
from foi_sender.dataset import dataset_table
from foi_sender.lifecycle import round_states
from foi_sender.registry import load_registry


@dataclass(frozen=True)
class Written:
    path: Path
    requests: int
    answered: int


def write_report(home: Path, settings, round_name: str, output: Path) -> Written:
    states = round_states(home, settings, round_name)
    extra = extra_holidays(settings)
    columns, rows = dataset_table(home, settings, round_name)
    questions = [int(m[1]) for c in columns if (m := _QUESTION_STATUS.fullmatch(c.name))]
    page = render_report(home, states, rows, questions, output, extra)
    atomic_write(output, page.encode("utf-8"))
    answered = sum(1 for s in states if s.response_on is not None)
    return Written(output, len(states), answered)


_QUESTION_STATUS = re.compile(r"q(\d+)_status")


def render_report(
    home: Path, states, rows: list[dict], questions: list[int], output: Path, extra=()
) -> str:
    """The page for `states` and their dataset `rows`, whose template asks `questions`."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    import foi_sender.report.charts as charts

    registry = {c.id: c for c in load_registry(home).councils}
    nations = {cid: c.nation for cid, c in registry.items()}
    days = {
        s.request.council_id: data.working_days_to_answer(s, extra)
        for s in states
        if s.response_on is not None
    }
    answered_days = sorted(d for d in days.values() if d is not None)
    sent = sum(1 for s in states if s.sent_on is not None)
    over_time = data.answers_by_day(answered_days)
    bins = data.time_to_answer_bins(answered_days)
    nation_table = data.by_nation(states, nations)
    question_table = data.by_question(states)
    hexmap = data.load_hexmap()
    legend, colour_of, titles = _map_key(hexmap, states, registry)
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("page.html.j2")
    svg = Markup  # matplotlib's SVG, re-serialised by ElementTree: markup to insert, not text
    return template.render(
        round_name=states[0].request.round_name if states else "",
        today=deadlines.today(),
        total=len(states),
        sent=sent,
        figures=data.at_a_glance(states),
        groups=data.GROUPS,
        legend=legend,
        attribution=hexmap.attribution,
        hex_svg=svg(charts.hex_map(hexmap, colour_of, titles)),
        over_time=over_time,
        over_time_svg=svg(charts.answers_over_time(over_time, sent)) if answered_days else None,
        bins=bins,
        bins_svg=svg(charts.time_to_answer(bins)) if answered_days else None,
        nation_table=nation_table,
        nation_keys=[k for k in data.GROUPS if any(t[k] for t in nation_table.values())],
        nation_svg=svg(charts.outcome_by_nation(nation_table)) if nation_table else None,
        question_table=question_table,
        question_keys=data.question_keys(question_table),
        question_svg=svg(charts.per_question(question_table)) if question_table else None,
        questions=questions,
        table=_table(home, states, rows, questions, nations, days, output),
        on_time=data.ON_TIME,
    )


def _map_key(hexmap: data.HexMap, states, registry) -> tuple[list, dict, dict]:
    """The legend (label, colour, requests, hexes), and each district's colour and tooltip."""
    group_of_council = {s.request.council_id: data.group_of(s.status) for s in states}
    colour_of, titles, hexes = {}, {}, {}
    for cell in hexmap.hexes:
        group = group_of_council.get(cell.council, "none")
        label, colour = data.GROUPS[group]
        colour_of[cell.lad] = colour
        council = registry.get(cell.council)
        name = council.name if council else cell.council
        titles[cell.lad] = f"{cell.name} ({name}): {label}"
        hexes[group] = hexes.get(group, 0) + 1
    requests_in = Counter(group_of_council.values())
    legend = [
        (label, colour, requests_in[group], hexes[group])
        for group, (label, colour) in data.GROUPS.items()
        if group in hexes
    ]
    return legend, colour_of, titles


def _table(home: Path, states, rows: list[dict], questions, nations: dict, days: dict, output):
    by_council = {s.request.council_id: s for s in states}
    table = []
    for row in rows:
        state = by_council[row["council"]]
        answers = []
        for n in questions:
            status = row.get(f"q{n}_status")
            answers.append((status.replace("_", " ") if status else None, row.get(f"q{n}_text")))
        table.append(
            {
                **row,
                "nation": nations.get(row["council"], ""),
                "group": data.group_of(state.status),
                "unconfirmed": state.unconfirmed,
                "days": days.get(row["council"]),
                "answers": answers,
                "link": reply_link(home, output, state.response_file),
            }
        )
    return table


def reply_link(home: Path, output: Path, file: str | None) -> str | None:
    """A report kept in the home links the stored reply relatively, so the home can move (or be
    zipped) with its links working; a report written elsewhere (or to standard output) links it
    by absolute file: URL."""
    if not file:
        return None
    target = (home / file).resolve()
    folder = Path(os.path.realpath(output)).parent
    if str(output) != STDOUT and folder.is_relative_to(home.resolve()):
        return quote(Path(os.path.relpath(target, folder)).as_posix())
    return target.as_uri()
