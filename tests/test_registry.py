"""councils.yaml: the shipped registry, `councils check` (FILE:LINE for every kind of problem),
a home's own registry, `councils set-email` and `councils list`."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from foi_sender.config import shipped_path
from foi_sender.errors import InputError, RegistryError
from foi_sender.registry import load_registry

SHIPPED = shipped_path("councils.yaml")

# Line numbers matter: the cases below name the line each problem must be reported on.
GOOD = """\
# my own registry
councils:
  - id: leicester
    name: Leicester City Council
    nation: England
    regime: FOIA
    foi_email: info.requests@leicester.gov.uk
    email_source: the council's FOI reply of 2025
  - id: glasgow
    name: Glasgow City Council
    nation: Scotland
    regime: FOISA
"""


def own_registry(home: Path, text: str | bytes) -> Path:
    path = home / "councils.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def registry_file(home: Path) -> str:
    """The file name exactly as messages give it (the home is resolved)."""
    return str(home.resolve() / "councils.yaml")


def councils_json(run, *args: str) -> list[dict]:
    result = run("councils", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- the shipped registry -------------------------------------------------------------------------


def test_shipped_registry_lists_212_bodies(run):
    councils = councils_json(run)
    assert len(councils) == 212
    ids = [c["id"] for c in councils]
    assert len(set(ids)) == 212
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*", i) for i in ids)
    by_nation = Counter(c["nation"] for c in councils)
    assert by_nation == {"England": 153, "Wales": 22, "Scotland": 32, "Northern Ireland": 5}
    for council in councils:
        expected = "FOISA" if council["nation"] == "Scotland" else "FOIA"
        assert council["regime"] == expected, council["id"]
    trusts = [c for c in councils if c["nation"] == "Northern Ireland"]
    assert all(c["id"].endswith("-hsc-trust") for c in trusts)
    assert {c["id"] for c in councils} >= {"leicester", "coventry", "glasgow", "cardiff"}
    gss = [c["gss_code"] for c in councils if c["gss_code"]]
    assert len(gss) == len(set(gss))


def test_shipped_registry_invents_no_address(run):
    councils = {c["id"]: c for c in councils_json(run)}
    with_address = {i: c for i, c in councils.items() if c["foi_email"]}
    assert set(with_address) == {"leicester", "coventry"}
    assert with_address["leicester"]["foi_email"] == "info.requests@leicester.gov.uk"
    assert with_address["coventry"]["foi_email"] == "infogov@coventry.gov.uk"
    for council in with_address.values():
        assert council["email_source"]
        assert council["review_email"] == council["foi_email"]  # defaults to the FOI address
    assert not any(c["email_source"] for i, c in councils.items() if i not in with_address)


def test_shipped_registry_carries_its_attribution():
    header = SHIPPED.read_text(encoding="utf-8").split("\ncouncils:\n")[0]
    for credit in ("mySociety", "CC-BY-4.0", "CC-BY-SA-4.0", "OGL", "Department for Education"):
        assert credit in header


def test_check_passes_on_the_shipped_file(run, home):
    assert not (home / "councils.yaml").exists()
    result = run("councils", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{SHIPPED}: 212 councils, no problems\n"
    assert result.stderr == ""


# -- councils check: every problem as FILE:LINE: message ------------------------------------------

BAD = {
    # name: (the registry text, the line to blame, words the message must contain)
    "bad YAML: unclosed bracket": (
        GOOD.replace("regime: FOISA", "regime: [FOISA"),
        12,
        "YAML syntax error",
    ),
    "bad YAML: bad indentation": (
        GOOD.replace("    nation: Scotland", "   nation: Scotland"),
        11,
        "YAML syntax error",
    ),
    "bad YAML: unclosed quote": (
        GOOD.replace("name: Glasgow City Council", 'name: "Glasgow City Council'),
        10,
        "YAML syntax error",
    ),
    "bad YAML: tab indentation": (
        GOOD.replace("    nation: England", "\tnation: England"),
        5,
        "YAML syntax error",
    ),
    "duplicate id": (
        GOOD.replace("id: glasgow", "id: leicester"),
        9,
        "duplicate id 'leicester' (first at line 3)",
    ),
    "bad address": (
        GOOD.replace("info.requests@leicester.gov.uk", "info.requests@@leicester.gov.uk"),
        7,
        "foi_email 'info.requests@@leicester.gov.uk' is not an email address",
    ),
    "address with a display name": (
        GOOD.replace("info.requests@leicester.gov.uk", '"FOI <info@leicester.gov.uk>"'),
        7,
        "is not an email address",
    ),
    "bad review address": (
        GOOD + "    review_email: reviews.glasgow.gov.uk\n",
        13,
        "review_email 'reviews.glasgow.gov.uk' is not an email address",
    ),
    "unknown key": (
        GOOD + "    foi_emial: foi@glasgow.gov.uk\n",
        13,
        "unknown key 'foi_emial'; did you mean 'foi_email'?",
    ),
    "CR/LF in a name": (
        GOOD.replace("name: Glasgow City Council", 'name: "a\\r\\nb"'),
        10,
        "name must be one line",
    ),
    "LF in a name (block scalar)": (
        GOOD.replace("name: Glasgow City Council", "name: |\n      Glasgow\n      City"),
        10,
        "name must be one line",
    ),
    "Unicode line separator in a name": (
        GOOD.replace("name: Glasgow City Council", 'name: "Glasgow\\u2028Bcc: x@example.org"'),
        10,
        "name must be one line",
    ),
    "CR/LF in an email source": (
        GOOD.replace("email_source: the council's FOI reply of 2025", 'email_source: "a\\r\\nb"'),
        8,
        "email_source must be one line",
    ),
    "missing required key": (
        GOOD.replace("    nation: Scotland\n", ""),
        9,
        "missing nation",
    ),
    "wrong nation": (
        GOOD.replace("nation: Scotland", "nation: Scotlnd"),
        11,
        "nation must be one of England, Wales, Scotland, Northern Ireland, not 'Scotlnd'",
    ),
    "wrong regime": (
        GOOD.replace("regime: FOISA", "regime: FOI"),
        12,
        "regime must be one of FOIA, EIR, FOISA, not 'FOI'",
    ),
    "FOIA for a Scottish council": (
        GOOD.replace("regime: FOISA", "regime: FOIA"),
        12,
        "regime FOIA does not apply in Scotland",
    ),
    "FOISA for an English council": (
        GOOD.replace("    regime: FOIA\n", "    regime: FOISA\n"),
        6,
        "regime FOISA does not apply in England",
    ),
    "key given twice": (
        GOOD + "    regime: FOIA\n",
        13,
        "key 'regime' given twice",
    ),
    "null value": (
        GOOD + "    homepage: null\n",
        13,
        "homepage has no value",
    ),
    "list value": (
        GOOD + "    homepage: [a, b]\n",
        13,
        "homepage must be a single text value",
    ),
    "bad id": (
        GOOD.replace("id: glasgow", "id: Glasgow City"),
        9,
        "id must be a GOV.UK-style slug",
    ),
    "bad gss code": (
        GOOD + "    gss_code: X1\n",
        13,
        "gss_code must look like E06000016",
    ),
    "a council that is not a mapping": (
        GOOD + "  - just a name\n",
        13,
        "each council must be a mapping",
    ),
    "unknown top-level key": (
        GOOD + "version: 2\n",
        13,
        "unknown top-level key 'version'",
    ),
    "top level not a mapping": ("- leicester\n- glasgow\n", 1, "expected a mapping"),
    "empty file": ("", 1, "expected a mapping"),
    "councils not a list": ("councils:\n  leicester: yes\n", 1, "followed by a list"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_check_reports_file_and_line(run, home, case):
    text, line, words = BAD[case]
    own_registry(home, text)
    result = run("councils", "check")
    assert result.exit_code == 1, result.output
    problems = result.stdout.splitlines()
    assert problems, "no problem printed"
    assert all(p.startswith(f"{registry_file(home)}:") for p in problems), problems
    assert any(p.startswith(f"{registry_file(home)}:{line}: ") and words in p for p in problems), (
        f"expected line {line} with {words!r}, got {problems}"
    )
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_check_non_utf8_file_names_the_line(run, home):
    own_registry(home, GOOD.encode("utf-8").replace(b"Glasgow City", b"Glasg\xf6w City"))
    result = run("councils", "check")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{registry_file(home)}:10: not UTF-8")


def test_check_reports_every_problem_at_once(run, home):
    text = (
        GOOD.replace("info.requests@leicester.gov.uk", "nobody")
        .replace("regime: FOISA", "regime: FOIA")
        .replace("id: glasgow", "id: leicester")
    )
    own_registry(home, text + "    colour: blue\n")
    result = run("councils", "check")
    assert result.exit_code == 1
    lines = [int(p.split(":")[1]) for p in result.stdout.splitlines()]
    assert lines == [7, 13, 12]  # the bad address, then the second council's two problems
    assert "3 problem(s)" in result.stderr


def test_a_broken_registry_stops_other_commands(run, home):
    own_registry(home, GOOD.replace("info.requests@leicester.gov.uk", "nobody"))
    result = run("draft", "leicester")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {registry_file(home)}:7: foi_email 'nobody'")
    assert result.stdout == ""
    with pytest.raises(RegistryError) as caught:
        load_registry(home)
    assert caught.value.problems == [
        f"{home / 'councils.yaml'}:7: foi_email 'nobody' is not an email address"
    ]


def test_quoted_null_and_numbers_are_text(run, home):
    own_registry(
        home,
        GOOD + '    dfe_la_code: 851\n    salutation: "null"\n',
    )
    assert run("councils", "check").exit_code == 0
    glasgow = {c["id"]: c for c in councils_json(run)}["glasgow"]
    assert (glasgow["dfe_la_code"], glasgow["salutation"]) == ("851", "null")


# -- a home's own registry ------------------------------------------------------------------------


def test_home_registry_replaces_the_shipped_one(run, home):
    own_registry(home, GOOD)
    councils = councils_json(run)
    assert [c["id"] for c in councils] == ["leicester", "glasgow"]
    result = run("councils", "check")
    assert result.stdout == f"{registry_file(home)}: 2 councils, no problems\n"
    assert run("draft", "coventry").exit_code == 2  # only in the shipped file
    assert run("draft", "glasgow").exit_code == 0


def test_unknown_council_suggests(home):
    registry = load_registry(home)
    with pytest.raises(InputError, match=r"no council with id 'glasgw'.*did you mean glasgow"):
        registry.get("glasgw")
    with pytest.raises(InputError, match=r"see `foi-sender councils list`"):
        registry.get("zzzzzzzz")


# -- councils set-email ---------------------------------------------------------------------------


def diff_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    old, new = before.splitlines(), after.splitlines()
    return [x for x in old if x not in new], [x for x in new if x not in old]


def test_set_email_copies_the_shipped_file_then_replaces(run, home):
    args = ("councils", "set-email", "leicester", "foi@leicester.gov.uk", "--source", "their site")
    refused = run(*args)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert "info.requests@leicester.gov.uk" in refused.stderr  # the address it would replace
    assert not (home / "councils.yaml").exists()
    result = run(*args, "--force")
    assert result.exit_code == 0, result.output
    target = home / "councils.yaml"
    assert "Copied the shipped registry" in result.stdout
    assert (
        "leicester: foi_email info.requests@leicester.gov.uk -> foi@leicester.gov.uk "
        f"({registry_file(home)})" in result.stdout
    )
    shipped, written = SHIPPED.read_text("utf-8"), target.read_text("utf-8")
    header = shipped.split("\ncouncils:\n")[0]
    assert written.startswith(header + "\ncouncils:\n")  # comments and attribution kept
    removed, added = diff_lines(shipped, written)
    assert removed == [
        "    foi_email: info.requests@leicester.gov.uk",
        '    email_source: "Leicester City Council\'s FOI reply of 2025 (internal review address)"',
    ]
    assert added == ["    foi_email: foi@leicester.gov.uk", '    email_source: "their site"']
    assert written.count("foi_email:") == shipped.count("foi_email:")
    leicester = {c["id"]: c for c in councils_json(run)}["leicester"]
    assert (leicester["foi_email"], leicester["email_source"]) == (
        "foi@leicester.gov.uk",
        "their site",
    )
    # Second time: the home's file is edited, not copied again.
    again = run(
        "councils", "set-email", "coventry", "foi@coventry.gov.uk", "--source", "site", "--force"
    )
    assert again.exit_code == 0
    assert "Copied" not in again.stdout
    assert "foi_email: foi@leicester.gov.uk" in target.read_text("utf-8")


def test_set_email_inserts_when_absent(run, home):
    result = run(
        "councils", "set-email", "glasgow", "foi@glasgow.gov.uk", "--source", 'their "FOI" page'
    )
    assert result.exit_code == 0, result.output
    shipped, written = SHIPPED.read_text("utf-8"), (home / "councils.yaml").read_text("utf-8")
    removed, added = diff_lines(shipped, written)
    assert removed == []
    assert added == [
        "    foi_email: foi@glasgow.gov.uk",
        '    email_source: "their \\"FOI\\" page"',
    ]
    before = {c.id: c for c in load_registry(home.parent / "nowhere").councils}
    after = {c.id: c for c in load_registry(home).councils}
    assert after["glasgow"].foi_email == "foi@glasgow.gov.uk"
    assert after["glasgow"].email_source == 'their "FOI" page'
    assert after["glasgow"].name == before["glasgow"].name
    for council_id in before:  # nothing else moved
        if council_id != "glasgow":
            assert after[council_id].foi_email == before[council_id].foi_email
    assert len(after) == 212
    assert run("councils", "check").exit_code == 0


def test_set_email_keeps_a_home_files_comments(run, home):
    text = GOOD.replace("  - id: glasgow", "  # Scotland from here on\n  - id: glasgow")
    text += "  # more to come\n"
    own_registry(home, text)
    result = run("councils", "set-email", "glasgow", "foi@glasgow.gov.uk", "--source", "site")
    assert result.exit_code == 0, result.output
    assert "Copied" not in result.stdout
    assert (home / "councils.yaml").read_text("utf-8") == text.replace(
        "    regime: FOISA\n",
        '    regime: FOISA\n    foi_email: foi@glasgow.gov.uk\n    email_source: "site"\n',
    )


def test_set_email_on_the_last_council_without_final_newline(run, home):
    own_registry(home, GOOD.rstrip("\n"))
    result = run("councils", "set-email", "glasgow", "foi@glasgow.gov.uk", "--source", "site")
    assert result.exit_code == 0, result.output
    assert {c.id: c.foi_email for c in load_registry(home).councils}["glasgow"] == (
        "foi@glasgow.gov.uk"
    )


def test_set_email_quotes_an_address_yaml_would_misread(run, home):
    own_registry(home, GOOD)
    address = "{foi}@glasgow.gov.uk"  # valid mail syntax; a YAML flow mapping if left bare
    result = run("councils", "set-email", "glasgow", address, "--source", "site")
    assert result.exit_code == 0, result.output
    assert {c.id: c.foi_email for c in load_registry(home).councils}["glasgow"] == address


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["glasgow", "not-an-address", "--source", "site"], "is not an email address"),
        (["glasgow", "foi@glasgow", "--source", "site"], "is not an email address"),
        (["glasgow", "fói@glasgow.gov.uk", "--source", "site"], "non-ASCII"),
        (["glasgow", "foi@glasgow.gov.uk", "--source", "  "], "--source must say where"),
        (["glasgow", "foi@glasgow.gov.uk", "--source", "a\nb"], "one line"),
        (["glasgow", "foi@glasgow.gov.uk"], "Missing option '--source'"),
        (["glasgw", "foi@glasgow.gov.uk", "--source", "site"], "did you mean glasgow?"),
    ],
)
@pytest.mark.parametrize("has_own_file", [False, True])
def test_set_email_refuses_and_changes_nothing(run, home, args, words, has_own_file):
    target = home / "councils.yaml"
    if has_own_file:
        own_registry(home, GOOD)
    result = run("councils", "set-email", *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output
    if has_own_file:
        assert target.read_text("utf-8") == GOOD
    else:
        assert not target.exists()


# -- councils list --------------------------------------------------------------------------------


def test_list_by_nation(run):
    scotland = councils_json(run, "--nation", "Scotland")
    assert len(scotland) == 32
    assert {c["nation"] for c in scotland} == {"Scotland"}
    assert {c["regime"] for c in scotland} == {"FOISA"}
    assert councils_json(run, "--nation", "northern ireland") == councils_json(
        run, "--nation", "Northern Ireland"
    )
    assert len(councils_json(run, "--nation", "Wales")) == 22
    assert run("councils", "list", "--nation", "Atlantis").exit_code == 2


def test_list_missing_email(run):
    missing = councils_json(run, "--missing-email")
    assert len(missing) == 210
    assert not any(c["foi_email"] for c in missing)
    assert "leicester" not in {c["id"] for c in missing}
    both = councils_json(run, "--missing-email", "--nation", "Scotland")
    assert len(both) == 32


def test_list_json_shape(run):
    leicester = {c["id"]: c for c in councils_json(run)}["leicester"]
    assert leicester == {
        "id": "leicester",
        "name": "Leicester City Council",
        "nation": "England",
        "regime": "FOIA",
        "foi_email": "info.requests@leicester.gov.uk",
        "review_email": "info.requests@leicester.gov.uk",
        "gss_code": "E06000016",
        "dfe_la_code": "856",
        "email_source": "Leicester City Council's FOI reply of 2025 (internal review address)",
        "homepage": "https://www.leicester.gov.uk/",
        "salutation": None,
        "bounced": False,
        "proposal_waiting": False,
    }


def test_list_table(run):
    result = run("councils", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "NATION", "REGIME", "FOI", "ADDRESS", "SOURCE", "PROPOSAL"]
    assert re.search(
        r"^leicester +England +FOIA +info\.requests@leicester\.gov\.uk +Leicester City Council's",
        result.stdout,
        re.M,
    )
    assert re.search(r"^glasgow +Scotland +FOISA +\(needs an address\)$", result.stdout, re.M)
    assert lines[-1] == f"212 councils, 2 with an address ({SHIPPED})"
    assert len(lines) == 1 + 212 + 1


def test_set_email_keeps_a_crlf_file_crlf(run, home):
    text = (
        "# councils kept on Windows\r\n"
        "councils:\r\n"
        "  - id: glasgow\r\n"
        "    name: Glasgow City Council\r\n"
        "    nation: Scotland\r\n"
        "    regime: FOISA\r\n"
        "  - id: leicester\r\n"
        "    name: Leicester City Council\r\n"
        "    nation: England\r\n"
        "    regime: FOIA\r\n"
        "    foi_email: old@leicester.gov.uk\r\n"
        "    email_source: their site\r\n"
    )
    path = home / "councils.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert (
        run("councils", "set-email", "glasgow", "foi@glasgow.gov.uk", "--source", "site").exit_code
        == 0
    )
    result = run(
        "councils", "set-email", "leicester", "new@leicester.gov.uk", "--source", "x", "--force"
    )
    assert result.exit_code == 0, result.output
    assert "old@leicester.gov.uk -> new@leicester.gov.uk" in result.stdout
    written = path.read_bytes()
    assert written.count(b"\r\n") == written.count(b"\n") == 14
    assert b"    foi_email: foi@glasgow.gov.uk\r\n" in written
    assert b"    foi_email: new@leicester.gov.uk\r\n" in written


def test_set_email_same_address_again_needs_no_force(run, home):
    args = ("councils", "set-email", "glasgow", "foi@glasgow.gov.uk", "--source", "their page")
    assert run(*args).exit_code == 0
    again = run(*args[:-1], "their page, checked again")
    assert again.exit_code == 0, again.output
    assert "glasgow: foi_email = foi@glasgow.gov.uk" in again.stdout
