"""The report's charts and map, drawn by matplotlib and inlined as SVG.

Why matplotlib and SVG: a well-kept plotting library gets axes, ticks, scales and text layout
right where hand-written SVG strings drift; its SVG backend needs no browser, no JavaScript and no
network, and the result is vector, so it prints sharply and zooms. `svg.fonttype = "none"` keeps
labels as <text> (searchable, selectable, small) and the page's CSS gives them the system font.
The library is imported here only, and only when a report is made: no other command pays for it.
`Figure` is used without pyplot, so no global figure state or GUI backend is involved.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager

from foi_sender.report.data import BIN, GROUPS, ON_TIME, HexMap, question_keys

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
INK, MUTED, ACCENT = "#222222", "#767676", "#2166ac"
# Several SVGs share one page: each one's ids get its own prefix so references stay inside it.
_LOCAL_REF = re.compile(r"url\(#([^)]+)\)")
_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "foi-sender",  # stable ids: the same round gives the same file
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "text.color": INK,
}


@contextmanager
def _figure(width: float, height: float, layout: str | None = "constrained"):
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        yield Figure(figsize=(width, height), layout=layout)


def _svg(figure, prefix: str, titles: dict[str, str] | None = None) -> str:
    """The figure as an <svg> element for an HTML page: no XML prologue, ids made unique, and a
    <title> (a tooltip) on each element whose gid is a key of `titles`."""
    buffer = io.StringIO()
    figure.savefig(
        buffer, format="svg", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type"))
    )
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(buffer.getvalue())
    for size in ("width", "height"):
        del root.attrib[size]  # the page's CSS sizes it, keeping the viewBox's proportions
    root.set("role", "img")
    href = f"{{{XLINK_NS}}}href"
    for element in root.iter():
        gid = element.get("id")
        if gid is not None:
            if titles and gid in titles:
                title = ET.Element(f"{{{SVG_NS}}}title")
                title.text = titles[gid]
                element.insert(0, title)
            element.set("id", f"{prefix}-{gid}")
        if element.get(href, "").startswith("#"):
            element.set(href, f"#{prefix}-{element.get(href)[1:]}")
        for name, value in element.attrib.items():
            if "url(#" in value:
                element.set(name, _LOCAL_REF.sub(rf"url(#{prefix}-\1)", value))
    return ET.tostring(root, encoding="unicode")


def answers_over_time(rows: list[tuple[int, int, int]], sent: int) -> str:
    """Answers per working day since sending, the running share, and the 20-day line."""
    from matplotlib.ticker import MaxNLocator

    with _figure(7.5, 3.2) as figure:
        axes = figure.subplots()
        days = [day for day, _, _ in rows]
        axes.bar(days, [n for _, n, _ in rows], width=0.8, color=ACCENT, label="answers that day")
        axes.set_xlabel("working days since the request was received")
        axes.set_ylabel("answers that day")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.axvline(ON_TIME + 0.5, color="#b2182b", linestyle="--", linewidth=1)
        axes.text(
            ON_TIME + 0.8,
            0.97,
            "20 working days:\nreply due",
            color="#b2182b",
            transform=axes.get_xaxis_transform(),
            va="top",
            fontsize=8,
        )
        share = axes.twinx()
        share.step(
            days,
            [100 * total / max(sent, 1) for _, _, total in rows],
            where="mid",
            color=INK,
            linewidth=1.2,
            label="answered so far (% of sent)",
        )
        share.set_ylim(0, 100)
        share.set_ylabel("answered so far, % of letters sent")
        share.spines["right"].set_visible(True)
        axes.set_xlim(-0.6, max(days + [ON_TIME]) + 1.5)
        return _svg(figure, "answers-over-time")


def time_to_answer(bins: list[tuple[str, int, int]]) -> str:
    from matplotlib.ticker import MaxNLocator

    with _figure(7.5, 2.8) as figure:
        axes = figure.subplots()
        starts = [start for _, start, _ in bins]
        colours = [ACCENT if start < ON_TIME else "#d6604d" for start in starts]
        axes.bar(starts, [n for *_, n in bins], width=BIN * 0.9, align="edge", color=colours)
        axes.set_xticks(starts + [starts[-1] + BIN] if starts else [0])
        axes.set_xlabel(f"working days to answer ({BIN} a bar; red: after the 20th)")
        axes.set_ylabel("replies")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.axvline(ON_TIME, color="#b2182b", linestyle="--", linewidth=1)
        return _svg(figure, "time-to-answer")


def _stacked(axes, labels: list[str], table: list[dict], keys: list[str], colours: dict) -> None:
    """Horizontal bars, one a row, split by key, with the counts written inside wide parts."""
    left = [0] * len(labels)
    for key in keys:
        values = [row.get(key, 0) for row in table]
        if not any(values):
            continue
        bars = axes.barh(
            labels,
            values,
            left=left,
            color=colours[key][1],
            edgecolor="#ffffff",
            label=colours[key][0],
        )
        dark = _is_dark(colours[key][1])
        axes.bar_label(
            bars,
            labels=[str(v) if v >= 3 else "" for v in values],
            label_type="center",
            fontsize=7,
            color="#ffffff" if dark else INK,
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)


def _is_dark(colour: str) -> bool:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140


def outcome_by_nation(table: dict) -> str:
    nations = list(table)
    with _figure(7.5, 0.45 * len(nations) + 1.2) as figure:
        axes = figure.subplots()
        keys = [k for k in GROUPS if k != "none"]
        _stacked(axes, nations, [table[n] for n in nations], keys, GROUPS)
        axes.set_xlabel("requests")
        return _svg(figure, "outcome-by-nation")


QUESTION_COLOURS = {
    "answered": ("answered", "#1b7837"),
    "not_held": ("not held", "#c2a5cf"),
    "redirected": ("redirected", "#56b4e9"),
    "cost_limit": ("cost limit (s.12)", "#fdb863"),
    "unclear": ("unclear", "#bababa"),
}
_WITHHELD = ("#d6604d", "#b2182b", "#f4a582", "#67001f", "#e08214")


def per_question(table: dict[int, dict]) -> str:
    keys = question_keys(table)
    colours = dict(QUESTION_COLOURS)
    withheld = [s for s in keys if s.startswith("withheld")]
    for i, status in enumerate(withheld):
        colours[status] = (status.replace("withheld ", "withheld under "), _WITHHELD[i % 5])
    labels = [f"Q{n}" for n in table]
    with _figure(7.5, 0.4 * len(labels) + 1.2) as figure:
        axes = figure.subplots()
        _stacked(axes, labels, list(table.values()), keys, colours)
        axes.set_xlabel("replies")
        return _svg(figure, "per-question")


def hex_map(hexmap: HexMap, colour_of: dict[str, str], titles: dict[str, str]) -> str:
    """One pointy-top hexagon per district, odd rows half a hex to the right (odd-r), north up.
    `colour_of` and `titles` are keyed by the district's code."""
    from matplotlib.patches import RegularPolygon

    width = math.sqrt(3)
    xs = [width * (c.q + 0.5 * (c.r & 1)) for c in hexmap.hexes]
    ys = [1.5 * c.r for c in hexmap.hexes]
    span_x, span_y = max(xs) - min(xs) + 2, max(ys) - min(ys) + 2
    with _figure(5.0, 5.0 * span_y / span_x, layout=None) as figure:
        axes = figure.add_axes((0, 0, 1, 1))
        for cell, x, y in zip(hexmap.hexes, xs, ys, strict=True):
            patch = RegularPolygon(
                (x, y),
                6,
                radius=0.98,
                facecolor=colour_of[cell.lad],
                edgecolor="#9e9e9e",
                linewidth=0.3,
            )
            patch.set_gid(f"hex-{cell.lad}")
            axes.add_artist(patch)  # not add_patch: the limits are set once below, not per hex
        axes.set_xlim(min(xs) - 1, max(xs) + 1)
        axes.set_ylim(min(ys) - 1, max(ys) + 1)
        axes.set_aspect("equal")
        axes.set_axis_off()
        return _svg(figure, "hexmap", {f"hex-{lad}": text for lad, text in titles.items()})
