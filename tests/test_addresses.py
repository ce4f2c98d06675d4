"""Addresses without crawling: learning from councils' replies, importing the user's own list,
an address without email_source (a warning), and reading addresses out of page markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foi_sender.discovery.extract import addresses_in_text, decode_cfemail, plausible, read_page
from tests.web.sites import cf

REPLIES = Path(__file__).parent / "fixtures" / "replies"
SENT_AT = {"FOI_SENDER_NOW": "2025-04-14T09:30:00+01:00"}
REPLIED_AT = {"FOI_SENDER_NOW": "2025-05-07T12:00:00+01:00"}


@pytest.fixture
def answered(run):
    """The demo's round: Leicester and Coventry asked, and their real replies recorded."""
    result = run(
        "send", "spring", "--council", "leicester", "--council", "coventry", "--yes", env=SENT_AT
    )
    assert result.exit_code == 0, result.output
    outputs = {}
    for council, extra in (("leicester", ["--on", "2025-05-07"]), ("coventry", [])):
        result = run(
            "respond",
            "spring",
            council,
            *extra,
            "--file",
            str(REPLIES / f"{council}-2025.txt"),
            env=REPLIED_AT,
        )
        assert result.exit_code == 0, result.output
        outputs[council] = result.stdout
    return outputs


def candidates(run, *ids) -> list[dict]:
    result = run("councils", "candidates", *ids, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_replies_teach_their_review_addresses(answered, run):
    found = {(c["council_id"], c["kind"], c["address"]) for c in candidates(run)}
    assert found == {
        ("leicester", "review", "info.requests@leicester.gov.uk"),
        ("coventry", "review", "infogov@coventry.gov.uk"),
    }
    leicester = candidates(run, "leicester")[0]
    assert leicester["source"] == "reply" and leicester["found_on"] == "2025-05-07"
    assert leicester["url"] == "replies/spring/leicester-2025-05-07.txt"
    assert "dissatisfied" in leicester["evidence"]
    assert "Proposed review address info.requests@leicester.gov.uk" in answered["leicester"]


def test_a_learned_review_address_can_be_accepted(answered, run, home):
    result = run("councils", "accept", "coventry")
    assert result.exit_code == 0, result.output
    text = (home / "councils.yaml").read_text(encoding="utf-8")
    assert "    review_email: infogov@coventry.gov.uk\n" in text
    assert candidates(run, "coventry") == []


def learn(home: Path, council_id: str, reply: str) -> list:
    from datetime import date

    from foi_sender.discovery.learn import learn_from_reply
    from foi_sender.ledger import open_ledger
    from foi_sender.registry import load_registry

    council = load_registry(home).get(council_id)
    text = (REPLIES / reply).read_text(encoding="utf-8")
    ledger = open_ledger(home)
    try:
        return learn_from_reply(ledger, council, text, date(2025, 5, 1), "replies/x.txt")
    finally:
        ledger.close()


def test_learning_needs_the_council_domain_and_a_request_or_review_role(home):
    learned = learn(home, "birmingham", "birmingham-table.txt")
    # Not the placements contacts, not Coventry's framework hub: only the review address.
    assert [(c.kind, c.address) for c in learned] == [("review", "foi.reviews@birmingham.gov.uk")]


def test_addresses_of_other_councils_are_not_learned(home):
    """Charnwood's reply sends the requester to Leicestershire (foi@leics.gov.uk) and signs with
    its own address: recorded against Leicester, neither is Leicester's."""
    assert learn(home, "leicester", "charnwood-redirect.txt") == []


# -- import ------------------------------------------------------------------------------------


def write_csv(home: Path, text: str) -> Path:
    path = home / "mine.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_matches_names_tolerantly_and_shows_the_diff(home, run):
    path = write_csv(
        home,
        (
            "name,foi_email,review_email,source\n"
            "Barnet,foi@barnet.gov.uk,,Barnet's FOI page 2026\n"
            "Bristol City Council,foi@bristol.gov.uk,reviews@bristol.gov.uk,my notes\n"
            "Leicester City,info.requests@leicester.gov.uk,,\n"
            "Brighton & Hove,foi@brighton-hove.gov.uk,,their reply\n"
        ),
    )
    dry = run("councils", "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert not (home / "councils.yaml").exists()
    assert "new       barnet: foi_email = foi@barnet.gov.uk" in dry.stdout
    assert "unchanged leicester: foi_email = info.requests@leicester.gov.uk" in dry.stdout
    assert "new       brighton-and-hove: foi_email = foi@brighton-hove.gov.uk" in dry.stdout
    assert (
        dry.stdout.splitlines()[-1] == "4 new, 0 changed, 1 unchanged; nothing written (--dry-run)"
    )
    real = run("councils", "import", str(path))
    assert real.exit_code == 0, real.output
    text = (home / "councils.yaml").read_text(encoding="utf-8")
    assert "    review_email: reviews@bristol.gov.uk\n" in text
    assert '    email_source: "Barnet\'s FOI page 2026"\n' in text
    assert run("councils", "check").exit_code == 0


def test_import_by_id_and_gss_code_shows_changes(home, run):
    path = write_csv(
        home,
        "id,gss_code,foi_email\nleicester,,foi@leicester.gov.uk\n"
        ",E08000026,infogov@coventry.gov.uk\n",
    )
    result = run("councils", "import", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "changed   leicester: foi_email = foi@leicester.gov.uk (was info.requests@leicester.gov.uk)"
    ) in result.stdout
    assert "unchanged coventry" in result.stdout


def test_import_refuses_ambiguous_and_unknown_names_and_writes_nothing(home, run):
    (home / "councils.yaml").write_text(
        "councils:\n"
        "  - id: westshire\n    name: Westshire County Council\n    nation: England\n"
        "    regime: FOIA\n"
        "  - id: westshire-city\n    name: City of Westshire Council\n    nation: England\n"
        "    regime: FOIA\n",
        encoding="utf-8",
    )
    before = (home / "councils.yaml").read_bytes()
    path = write_csv(
        home, "name,foi_email\nWestshire,foi@westshire.gov.uk\nEastshire,foi@eastshire.gov.uk\n"
    )
    result = run("councils", "import", str(path))
    assert result.exit_code == 2
    assert "could be any of westshire, westshire-city" in result.stderr
    assert "no council named 'Eastshire'" in result.stderr
    assert (home / "councils.yaml").read_bytes() == before


@pytest.mark.parametrize(
    "text, words",
    [
        ("council,email\nx,y\n", "first row must name the columns"),
        ("id,foi_email,fax\nleicester,a@leicester.gov.uk,1\n", "unknown column"),
        ("id,foi_email\nleicester,not-an-address\n", "not an email"),
        ("id,foi_email\n", "no rows"),
        ("id,foi_email\nleicester,a@leicester.gov.uk\nleicester,b@leicester.gov.uk\n", "twice"),
    ],
)
def test_import_bad_files_are_one_clear_line(home, run, text, words):
    result = run("councils", "import", str(write_csv(home, text)))
    assert result.exit_code == 2 and words in result.stderr, result.output
    assert "Traceback" not in result.output
    assert not (home / "councils.yaml").exists()


# -- a missing email_source ----------------------------------------------------------------------


def test_an_address_without_source_is_a_warning_and_send_goes_ahead(home, run):
    (home / "councils.yaml").write_text(
        "councils:\n  - id: leicester\n    name: Leicester City Council\n    nation: England\n"
        "    regime: FOIA\n    foi_email: info.requests@leicester.gov.uk\n",
        encoding="utf-8",
    )
    check = run("councils", "check")
    assert check.exit_code == 0, check.output
    assert "councils.yaml:2: warning: leicester has foi_email but no email_source" in check.stdout
    assert check.stdout.splitlines()[-1].endswith("1 councils, no problems, 1 warning(s)")
    sent = run("send", "r1", "--all", "--yes", env=SENT_AT)
    assert sent.exit_code == 0 and "Sent 1." in sent.stdout


# -- reading a page ------------------------------------------------------------------------------


def test_cloudflare_email_protection_decodes():
    assert decode_cfemail(cf("foi@glenmorach.gov.uk")) == "foi@glenmorach.gov.uk"
    assert decode_cfemail("zz") is None and decode_cfemail("4b") is None


@pytest.mark.parametrize(
    "text, address",
    [
        ("Email foi [at] northby [dot] gov [dot] uk", "foi@northby.gov.uk"),
        ("Email foi(at)northby.gov.uk today", "foi@northby.gov.uk"),
        ("write to foi at northby dot gov dot uk", "foi@northby.gov.uk"),
        ("Email: FOI@Northby.gov.uk.", "foi@northby.gov.uk"),
    ],
)
def test_obfuscated_addresses_in_text(text, address):
    assert [a for a, _, _ in addresses_in_text(text)] == [address]


@pytest.mark.parametrize(
    "text",
    [
        "logo@2x.png and banner@2x.jpg",
        "Contact us at the Town Hall. Open at 9.",
        "We are at County Hall, Exampleton",
    ],
)
def test_no_address_where_there_is_none(text):
    assert addresses_in_text(text) == []


def test_plausible_needs_a_real_suffix():
    assert plausible("foi@leicester.gov.uk")
    assert not plausible("icon@2x.webp") and not plausible("a@b.invalidtld")


def test_mailto_label_entities_and_no_link_from_scripts():
    html = """<html><head><title>FOI</title></head><body>
    <p>Send it to <a href="mailto:foi&#64;northby.gov.uk?subject=FOI">our team</a>.</p>
    <p>Or &#102;&#111;&#105;&#64;northby.gov.uk</p>
    <script>document.write('<a href="/secret">x</a> hidden@northby.gov.uk')</script>
    <a href="tel:0123">call</a><a href="javascript:go()">go</a><a href="/foi#top">FOI</a>
    </body></html>"""
    page = read_page("http://www.northby.gov.uk/", html)
    assert [(f.address, f.via) for f in page.addresses] == [("foi@northby.gov.uk", "mailto")]
    assert "our team" in page.addresses[0].context
    assert [link.url for link in page.links] == ["http://www.northby.gov.uk/foi"]


def test_candidates_before_any_discovery_is_empty_and_creates_nothing(home, run):
    result = run("councils", "candidates")
    assert result.exit_code == 0 and result.stdout == "0 proposal(s) for 0 council(s)\n"
    assert not (home / "foi.sqlite").exists()
    assert run("councils", "candidates", "nosuch").exit_code == 2
