"""councils discover against fixture council sites served by a real HTTP proxy on 127.0.0.1.

The sites (tests/web/sites.py) have realistic *.gov.uk hosts, reached through HTTP_PROXY as any
user behind a proxy would; the proxy logs every request, so politeness is checked from the
server's side: robots.txt, other hosts, spacing per host, pages per council.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from foi_sender import __version__
from foi_sender.cli import cli
from foi_sender.config import write_initial_config
from tests.web.proxy import ProxyServer, Route, Web
from tests.web.sites import COUNCILS, PROBED_HOSTS, all_sites, kelby_sites, registry_yaml

GAP = 0.1
TIMEOUT = 0.5
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
HOMEPAGE_HOSTS = {homepage.split("/")[2] for _, homepage, *_ in COUNCILS.values()}


def proxied_env(proxy_url: str) -> dict:
    env = {name: None for var in PROXY_VARS for name in (var, var.lower())}
    env.update({"HTTP_PROXY": proxy_url, "FOI_SENDER_NOW": "2026-03-02T10:00:00+00:00"})
    return env


@pytest.fixture(scope="module")
def proxy():
    with ProxyServer(Web(all_sites())) as server:
        yield server


def use_env(monkeypatch, env: dict) -> None:
    """The environment of `invoke`, for tests that call the core directly."""
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def invoke(home: Path, env: dict, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), *args], env=env)


@pytest.fixture(scope="module")
def crawled(proxy, tmp_path_factory):
    """One discovery of every fixture council; (home, outcomes by council, the server's log)."""
    home = tmp_path_factory.mktemp("crawled")
    write_initial_config(home, "Alex Example", "alex@example.org", None)
    (home / "councils.yaml").write_text(registry_yaml(), encoding="utf-8")
    proxy.web.hits.clear()
    env = proxied_env(proxy.url)
    result = invoke(
        home,
        env,
        "councils",
        "discover",
        "--all",
        "--json",
        "--gap",
        str(GAP),
        "--timeout",
        str(TIMEOUT),
        "--concurrency",
        "4",
    )
    assert result.exit_code == 0, result.output
    outcomes = {row["council"]: row for row in json.loads(result.stdout)}
    listed = invoke(home, env, "councils", "candidates", "--json")
    assert listed.exit_code == 0, listed.output
    return home, outcomes, json.loads(listed.stdout), list(proxy.web.hits)


@pytest.fixture
def site_home(crawled, tmp_path, proxy):
    """A copy of the crawled home, for tests that change it."""
    copy = tmp_path / "crawled"
    shutil.copytree(crawled[0], copy)
    return copy, proxied_env(proxy.url)


@pytest.mark.parametrize("council_id", list(COUNCILS))
def test_outcome_and_top_proposal_of_each_fixture_council(crawled, council_id):
    _, outcomes, candidates, _ = crawled
    _, _, outcome, foi, review = COUNCILS[council_id]
    row = outcomes[council_id]
    assert row["outcome"].startswith(outcome), row
    assert (row["foi_email"] or {}).get("address") == foi
    assert (row["review_email"] or {}).get("address") == review
    mine = [c for c in candidates if c["council_id"] == council_id]
    if foi is None:
        assert mine == [], "nothing is proposed where no address is published"
    else:
        best = max((c for c in mine if c["kind"] == "foi"), key=lambda c: c["score"])
        assert best["address"] == foi and best["url"].startswith("http://")
        assert best["found_on"] == "2026-03-02"


def test_decoys_rank_below_the_foi_address(crawled):
    _, _, candidates, _ = crawled
    example = {c["address"]: c["score"] for c in candidates if c["council_id"] == "exampleshire"}
    top = example["foi.requests@exampleshire.gov.uk"]
    for decoy in ("dpo@", "complaints@", "webmaster@"):
        address = decoy + "exampleshire.gov.uk"
        assert address not in example or example[address] < top - 40, (address, example)


def test_never_proposes_other_bodies_files_or_unpublished_addresses(crawled):
    _, _, candidates, _ = crawled
    addresses = {c["address"] for c in candidates}
    for address in addresses:
        assert not address.endswith(("whatdotheyknow.com", ".police.uk", "shared-services.co.uk"))
        assert not address.endswith((".png", ".jpg")), address
        assert "analytics-vendor" not in address  # inside a <script>
    assert "pdf.only@exampleshire.gov.uk" not in addresses  # a PDF is not read
    assert "late.foi@exampleshire.gov.uk" not in addresses  # past the 2 MB cap
    assert "press.office@exampleshire.gov.uk" not in addresses  # not FOI evidence
    assert "enquiries@quietmere.gov.uk" not in addresses
    assert "data.protection@fernbridge.gov.uk" not in addresses


def test_evidence_decodes_cloudflare_and_obfuscation(crawled):
    _, _, candidates, _ = crawled
    by = {(c["council_id"], c["kind"]): c for c in candidates if c["score"] >= 60}
    assert "[at]" in by[("carnwyn", "foi")]["evidence"]
    assert by[("glenmorach", "review")]["evidence"].startswith("If you are dissatisfied")
    assert by[("exampleshire", "foi")]["url"].endswith("/make-a-request")
    assert "Information Governance team" in by[("exampleshire", "foi")]["evidence"]


def test_redirect_to_a_new_domain_is_followed_and_recorded(crawled):
    _, outcomes, _, hits = crawled
    assert outcomes["oldtown"]["moved_to"] == "newtown-council.gov.uk"
    assert any(h.host == "www.newtown-council.gov.uk" for h in hits)


def test_unreachable_sites_say_why(crawled):
    _, outcomes, _, _ = crawled
    assert outcomes["slowford"]["outcome"] == f"unreachable (no answer within {TIMEOUT:g} s)"
    assert outcomes["brokenham"]["outcome"] == "unreachable (HTTP 500)"
    assert outcomes["nowhere"]["outcome"].startswith("unreachable (HTTP 502")


# -- an address on another domain: proposed only when that domain is the council's --------------


def paths(hits, host: str) -> list[str]:
    return [h.path for h in hits if h.host == host]


def test_an_alias_that_redirects_to_the_council_is_proposed_with_the_proof(crawled, site_home):
    """Leicestershire's case: foi@leics.gov.uk published on leicestershire.gov.uk."""
    _, outcomes, candidates, hits = crawled
    [mine] = [c for c in candidates if c["address"] == "foi@wmarch.gov.uk"]
    proof = "wmarch.gov.uk is the council's: http://www.wmarch.gov.uk/ redirects to http://www.westmarchshire.gov.uk/"
    assert mine["council_id"] == "westmarchshire" and mine["evidence"].endswith(f"[{proof}]")
    assert mine["url"] == "http://www.westmarchshire.gov.uk/your-council/freedom-of-information"
    assert outcomes["westmarchshire"]["notes"] == []
    # robots.txt, then the root; the redirect's target is the council's site, not fetched again
    assert paths(hits, "www.wmarch.gov.uk") == ["/robots.txt", "/"]
    assert paths(hits, "www.westmarchshire.gov.uk").count("/") == 1
    home, env = site_home
    shown = invoke(home, env, "councils", "candidates", "westmarchshire")
    assert proof in shown.stdout


def test_a_welsh_councils_welsh_language_name_is_proven_hop_by_hop(crawled):
    """Site on .gov.wales, address on the .llyw.cymru name, which redirects to its own /cy/ and
    then to the site; another Welsh body's .gov.wales address is not the council's."""
    _, outcomes, candidates, hits = crawled
    mine = {c["address"]: c for c in candidates if c["council_id"] == "oakvale"}
    best = mine["rhyddidgwybodaeth@broderwen.llyw.cymru"]
    assert best["evidence"].endswith(
        "[broderwen.llyw.cymru is the council's: http://www.broderwen.llyw.cymru/ redirects to "
        "http://www.oakvale.gov.wales/cy/]"
    )
    assert paths(hits, "www.broderwen.llyw.cymru") == ["/robots.txt", "/", "/cy/"]
    assert "/cy/" not in paths(hits, "www.oakvale.gov.wales")
    assert "archives@westglamarchives.gov.wales" not in mine
    assert outcomes["oakvale"]["notes"] == [
        "archives@westglamarchives.gov.wales not proposed: www.westglamarchives.gov.wales does "
        "not redirect to the council's site"
    ]


def test_welsh_councils_do_not_share_gov_wales():
    from foi_sender.discovery.extract import registrable_domain
    from foi_sender.discovery.rank import own_address

    assert registrable_domain("www.anglesey.gov.wales") == "anglesey.gov.wales"
    assert registrable_domain("ynysmon.llyw.cymru") == "ynysmon.llyw.cymru"
    assert registrable_domain("belfasttrust.hscni.net") == "belfasttrust.hscni.net"
    assert not own_address("foi@powys.gov.wales", {"anglesey.gov.wales"})
    assert own_address("foi@anglesey.gov.wales", {"anglesey.gov.wales"})


def test_other_domains_not_proven_are_not_proposed_and_the_output_says_why(crawled):
    _, outcomes, candidates, hits = crawled
    assert not [c for c in candidates if c["council_id"] == "eastbury"]
    assert outcomes["eastbury"]["outcome"] == "nothing found"
    assert outcomes["eastbury"]["notes"] == [
        "foi@eastburywolds.gov.uk not proposed: www.eastburywolds.gov.uk does not redirect to "
        "the council's site",
        "foi@northmoor.gov.uk not proposed: www.northmoor.gov.uk redirects to "
        "www.northmoorcounty.gov.uk",
        "foi@eastburycrematorium.gov.uk not checked (at most 2 other domains)",
    ]
    assert paths(hits, "www.eastburywolds.gov.uk") == ["/robots.txt", "/"]
    asked = {h.host for h in hits}
    # a redirect elsewhere is not followed, the third domain is past the cap, police.uk is
    # never a council's
    for host in ("www.northmoorcounty.gov.uk", "www.eastburycrematorium.gov.uk"):
        assert host not in asked and host.removeprefix("www.") not in asked
    assert not [h for h in asked if "police" in h]


def test_the_other_domains_robots_txt_is_obeyed(crawled):
    _, outcomes, candidates, hits = crawled
    assert paths(hits, "www.sdean.gov.uk") == ["/robots.txt"]
    assert "sdean.gov.uk" not in {h.host for h in hits}  # no bare-name detour round robots.txt
    assert not [c for c in candidates if c["council_id"] == "southdean"]
    assert outcomes["southdean"]["notes"] == [
        "foi@sdean.gov.uk not proposed: robots.txt of www.sdean.gov.uk disallows it"
    ]


def test_the_bare_name_is_asked_only_when_www_gives_no_answer(home, proxy, crawled):
    """And a redirect from a name anyone can register (www.kelbyhomes.co.uk) is never asked."""
    proxy.web.sites.update(kelby_sites(TIMEOUT))
    (home / "councils.yaml").write_text(
        "councils:\n  - id: kelby\n    name: Kelby Borough Council\n    nation: England\n"
        "    regime: FOIA\n    homepage: http://www.kelby.gov.uk/\n"
    )
    proxy.web.hits.clear()
    args = ("--json", "--gap", "0.05", "--timeout", str(TIMEOUT))
    result = invoke(home, proxied_env(proxy.url), "councils", "discover", "kelby", *args)
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["foi_email"]["address"] == "information.requests@kelbycouncil.gov.uk"
    assert row["foi_email"]["evidence"].endswith(
        "[kelbycouncil.gov.uk is the council's: http://kelbycouncil.gov.uk/ redirects to "
        "http://www.kelby.gov.uk/]"
    )
    assert row["notes"] == []  # foi@kelbyhomes.co.uk: not even a note
    hits = proxy.web.hits
    assert paths(hits, "www.kelbycouncil.gov.uk") == ["/robots.txt", "/"]
    assert paths(hits, "kelbycouncil.gov.uk") == ["/robots.txt", "/"]
    assert not [h for h in hits if "kelbyhomes" in h.host]
    # where www. answers, the bare name is never asked
    assert "westmarchshire.gov.uk" not in {h.host for h in crawled[3]}


def test_no_other_domain_is_asked_when_the_councils_own_address_is_found(crawled):
    """Exampleshire's FOI page names the fire service's gov.uk address: not asked about."""
    _, outcomes, _, hits = crawled
    assert not [h for h in hits if "exampleshirefire" in h.host]
    assert outcomes["exampleshire"]["notes"] == []


def test_discover_text_lists_the_unproven_addresses_and_what_to_do(site_home):
    home, env = site_home
    result = invoke(home, env, "councils", "discover", "southdean", "--gap", "0")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        "southdean: foi@sdean.gov.uk not proposed: robots.txt of www.sdean.gov.uk disallows it"
        in lines
    )
    assert "councils set-email ID ADDRESS --source TEXT" in result.stdout


# -- politeness, from the server's log -----------------------------------------------------------


def test_only_the_councils_hosts_are_asked(crawled):
    _, _, _, hits = crawled
    allowed = HOMEPAGE_HOSTS | {"www.newtown-council.gov.uk"} | PROBED_HOSTS
    assert {h.host for h in hits} <= allowed
    assert not [h for h in hits if h.host == "www.shared-services.co.uk"]
    assert all(h.absolute for h in hits), "every request went through HTTP_PROXY"


def test_robots_txt_first_and_obeyed(crawled):
    _, _, _, hits = crawled
    by_host = defaultdict(list)
    for hit in hits:
        by_host[hit.host].append(hit.path)
    for host, paths in by_host.items():
        assert paths[0] == "/robots.txt", (host, paths)
        assert paths.count("/robots.txt") == 1
    assert not [
        p for p in by_host["www.exampleshire.gov.uk"] if p.startswith("/your-council/internal")
    ]
    assert not [p for p in by_host["www.exampleshire.gov.uk"] if p.startswith("/search")]
    assert not [
        p for p in by_host["www.highcombe.gov.uk"] if p.startswith("/freedom-of-information")
    ]


def test_a_site_closed_to_crawlers_is_only_asked_for_robots_txt(crawled):
    _, _, _, hits = crawled
    assert [h.path for h in hits if h.host == "www.closedford.gov.uk"] == ["/robots.txt"]


def test_a_council_that_takes_too_long_is_given_up(site_home, monkeypatch):
    from foi_sender import discovery
    from foi_sender.discovery.crawl import Politeness

    home, env = site_home
    use_env(monkeypatch, env)
    chosen = discovery.choose_councils(home, ("slowford",), False, False)
    shutil.rmtree(home / "cache")
    limits = Politeness(gap=0.05, request_timeout=5, council_timeout=0.4)
    [outcome] = discovery.discover(home, chosen, requester_email=None, politeness=limits)
    assert outcome.outcome == "unreachable (gave up after 0.4 s)"


def test_spacing_per_host_and_crawl_delay(crawled):
    _, _, _, hits = crawled
    times = defaultdict(list)
    for hit in hits:
        times[hit.host].append(hit.at)
    for host, moments in times.items():
        needed = 0.4 if host == "www.ashvale.gov.uk" else GAP  # its robots.txt Crawl-delay
        gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
        assert all(g >= needed - 0.005 for g in gaps), (host, gaps)
    assert len(times["www.ashvale.gov.uk"]) >= 3


def test_pages_per_council_and_no_link_trap(crawled):
    _, _, _, hits = crawled
    pages = defaultdict(int)
    for hit in hits:
        if hit.path != "/robots.txt":
            site = (
                "oldtown"
                if hit.host.endswith(("oldtown.gov.uk", "newtown-council.gov.uk"))
                else hit.host
            )
            pages[site] += 1
    assert max(pages.values()) <= 8, pages
    assert not [h for h in hits if "calendar" in h.path]
    board = [h.path for h in hits if "/board/" in h.path]
    assert board == ["/council-and-government/access-to-information/board/2026-01"]


def test_user_agent_names_the_tool_and_the_requester(crawled):
    _, _, _, hits = crawled
    assert {h.user_agent for h in hits} == {f"foi-sender/{__version__} (+mailto:alex@example.org)"}


def test_a_rerun_within_a_day_reuses_the_pages(site_home, proxy):
    home, env = site_home
    proxy.web.hits.clear()
    result = invoke(home, env, "councils", "discover", "exampleshire", "--json", "--gap", "0")
    assert result.exit_code == 0, result.output
    assert proxy.web.hits == []
    row = json.loads(result.stdout)[0]
    assert row["foi_email"]["address"] == "foi.requests@exampleshire.gov.uk"


def test_a_stale_cache_is_fetched_again(site_home, proxy):
    home, env = site_home
    proxy.web.hits.clear()
    later = {**env, "FOI_SENDER_NOW": "2026-03-04T10:00:00+00:00"}
    result = invoke(home, later, "councils", "discover", "carnwyn", "--gap", "0.05")
    assert result.exit_code == 0, result.output
    assert [h.path for h in proxy.web.hits][:2] == ["/robots.txt", "/"]


@pytest.mark.parametrize("no_proxy, through_proxy", [(None, True), ("127.0.0.1", False)])
def test_no_proxy_is_honoured(home, proxy, no_proxy, through_proxy):
    """NO_PROXY naming a host sends its requests straight to it, as curl does."""
    port = proxy.url.rsplit(":", 1)[1]
    proxy.web.sites["127.0.0.1"] = {"/": Route(b"<html><body><h1>Intranet</h1></body></html>")}
    (home / "councils.yaml").write_text(
        f"councils:\n  - id: intranet\n    name: Intranet\n    nation: England\n"
        f"    regime: FOIA\n    homepage: http://127.0.0.1:{port}/\n"
    )
    proxy.web.hits.clear()
    env = {**proxied_env(proxy.url), "NO_PROXY": no_proxy}
    result = invoke(home, env, "councils", "discover", "intranet", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "nothing found"
    assert [h.path for h in proxy.web.hits] == ["/robots.txt", "/"]
    assert {h.absolute for h in proxy.web.hits} == {through_proxy}


def test_an_interrupted_run_keeps_what_it_found(site_home, proxy, monkeypatch):
    """^C after the first council: its proposals are in the ledger already."""
    from foi_sender import discovery
    from foi_sender.discovery.crawl import Politeness

    home, env = site_home
    use_env(monkeypatch, env)
    monkeypatch.setenv("FOI_SENDER_NOW", "2026-03-05T10:00:00+00:00")
    (home / "foi.sqlite").unlink()
    shutil.rmtree(home / "cache")

    def interrupt(outcome):
        raise KeyboardInterrupt

    chosen = discovery.choose_councils(home, ("carnwyn", "exampleshire"), False, False)
    with pytest.raises(KeyboardInterrupt):
        discovery.discover(
            home,
            chosen,
            requester_email=None,
            concurrency=1,
            politeness=Politeness(gap=0.05, request_timeout=1),
            progress=interrupt,
        )
    kept = discovery.list_candidates(home)
    assert {c.council_id for c in kept} == {"carnwyn"}


# -- candidates, accept, reject ------------------------------------------------------------------


def test_councils_list_shows_a_waiting_proposal(site_home):
    home, env = site_home
    result = invoke(home, env, "councils", "list")
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    assert rows["exampleshire"].rstrip().endswith("yes")
    assert not rows["fernbridge"].rstrip().endswith("yes")


def test_accept_writes_the_best_addresses_with_their_source(site_home):
    home, env = site_home
    before = (home / "councils.yaml").read_text(encoding="utf-8").splitlines()
    result = invoke(home, env, "councils", "accept", "exampleshire")
    assert result.exit_code == 0, result.output
    after = (home / "councils.yaml").read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    url = "http://www.exampleshire.gov.uk/your-council/transparency/freedom-of-information"
    assert added == [
        "    foi_email: foi.requests@exampleshire.gov.uk",
        "    review_email: foi.reviews@exampleshire.gov.uk",
        f'    email_source: "{url}/make-a-request (page; found 2026-03-02)"',
    ]
    assert [line for line in before if line not in after] == []
    listed = json.loads(invoke(home, env, "councils", "list", "--json").stdout)
    example = next(c for c in listed if c["id"] == "exampleshire")
    assert example["proposal_waiting"] is False and example["review_email"].startswith("foi.rev")
    assert invoke(home, env, "councils", "check").exit_code == 0


def test_accept_a_named_address_and_refuse_an_unproposed_one(site_home):
    home, env = site_home
    refused = invoke(home, env, "councils", "accept", "exampleshire", "guess@exampleshire.gov.uk")
    assert refused.exit_code == 2 and "not a proposal" in refused.stderr
    chosen = invoke(home, env, "councils", "accept", "exampleshire", "dpo@exampleshire.gov.uk")
    assert chosen.exit_code == 0, chosen.output
    assert "    foi_email: dpo@exampleshire.gov.uk\n" in (home / "councils.yaml").read_text()


def test_accept_all_above_a_score(site_home):
    home, env = site_home
    result = invoke(home, env, "councils", "accept", "--all", "--min-score", "88")
    assert result.exit_code == 0, result.output
    text = (home / "councils.yaml").read_text()
    assert "foi_email: foi.requests@exampleshire.gov.uk" in text
    assert "foi_email: foi@carnwyn.gov.uk" in text
    assert "foi_email: foi@glenmorach.gov.uk" not in text  # 85: below the bar
    assert "review_email" not in text  # --all writes FOI addresses only
    assert invoke(home, env, "councils", "accept", "--all").exit_code == 2


def test_reject_forgets_an_address_for_good(site_home, proxy):
    home, env = site_home
    result = invoke(home, env, "councils", "reject", "carnwyn", "foi@carnwyn.gov.uk")
    assert result.exit_code == 0 and "1 proposal(s) removed" in result.stdout
    again = invoke(home, env, "councils", "discover", "carnwyn", "--json", "--gap", "0")
    assert json.loads(again.stdout)[0]["foi_email"] is None  # from the cache, still rejected
    listed = json.loads(invoke(home, env, "councils", "candidates", "carnwyn", "--json").stdout)
    assert "foi@carnwyn.gov.uk" not in {c["address"] for c in listed}


def test_candidates_text_shows_the_evidence(site_home):
    home, env = site_home
    result = invoke(home, env, "councils", "candidates", "glenmorach")
    assert result.exit_code == 0
    assert "glenmorach  review foireviews@glenmorach.gov.uk" in result.stdout
    assert "where: http://www.glenmorach.gov.uk/" in result.stdout


def test_discover_needs_a_choice(run):
    result = run("councils", "discover")
    assert result.exit_code == 2 and "--missing or --all" in result.stderr


def propose(home: Path, *candidate) -> None:
    """A proposal put straight into the ledger, as discovery or a reply would."""
    from foi_sender.discovery import store
    from foi_sender.discovery.store import Candidate
    from foi_sender.ledger import open_ledger

    ledger = open_ledger(home)
    try:
        store.add_candidates(ledger, [Candidate(*candidate, date(2026, 3, 2))])
    finally:
        ledger.close()


def test_shipped_registry_accept_round_trips_byte_for_byte(home, run):
    """Accepting into a home without councils.yaml copies the shipped one; every byte but the
    new lines stays."""
    from foi_sender.config import shipped_path

    propose(
        home,
        "barnet",
        "foi",
        "foi@barnet.gov.uk",
        90,
        "site",
        "https://www.barnet.gov.uk/foi",
        "Email foi@barnet.gov.uk",
    )
    result = run("councils", "accept", "barnet")
    assert result.exit_code == 0, result.output
    assert "Copied the shipped registry" in result.stdout
    shipped = shipped_path("councils.yaml").read_bytes().splitlines(keepends=True)
    written = (home / "councils.yaml").read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(shipped) if line.startswith(b"  - id: barnet"))
    end = next(i for i in range(at + 1, len(shipped)) if shipped[i].startswith(b"  - id:"))
    assert written[:end] == shipped[:end]
    assert written[end : end + 2] == [
        b"    foi_email: foi@barnet.gov.uk\n",
        b'    email_source: "https://www.barnet.gov.uk/foi (page; found 2026-03-02)"\n',
    ]
    assert written[end + 2 :] == shipped[end:]


def test_accept_keeps_crlf_line_endings(home, run):
    text = registry_yaml().replace("\n", "\r\n")
    (home / "councils.yaml").write_bytes(text.encode())
    propose(
        home,
        "carnwyn",
        "review",
        "adolygiad@carnwyn.gov.uk",
        80,
        "reply",
        "replies/r1/carnwyn.txt",
        "Internal review: adolygiad@carnwyn.gov.uk",
    )
    assert run("councils", "accept", "carnwyn").exit_code == 0
    data = (home / "councils.yaml").read_bytes()
    assert b"    review_email: adolygiad@carnwyn.gov.uk\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n") == text.count("\r\n") + 1


@pytest.fixture(autouse=True)
def _no_real_proxy(monkeypatch):
    """A developer's own proxy settings must not leak into the tests that do not set one."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    assert "HTTP_PROXY" not in os.environ


def test_missing_crawls_only_councils_without_an_address(home, proxy):
    registry = registry_yaml().replace(
        "    homepage: http://www.carnwyn.gov.uk/\n",
        "    homepage: http://www.carnwyn.gov.uk/\n    foi_email: foi@carnwyn.gov.uk\n"
        "    email_source: their reply\n",
    )
    (home / "councils.yaml").write_text(registry, encoding="utf-8")
    proxy.web.hits.clear()
    env = proxied_env(proxy.url)
    result = invoke(
        home,
        env,
        "councils",
        "discover",
        "--missing",
        "--json",
        "--gap",
        "0.05",
        "--timeout",
        str(TIMEOUT),
        "--concurrency",
        "12",
    )
    assert result.exit_code == 0, result.output
    crawled = {row["council"] for row in json.loads(result.stdout)}
    assert crawled == set(COUNCILS) - {"carnwyn"}
    assert not [h for h in proxy.web.hits if h.host == "www.carnwyn.gov.uk"]


def test_an_address_on_another_domain_keeps_its_proof_in_the_registry(site_home):
    """Once accepted the proposal is gone: email_source is what says why the domain is theirs."""
    home, env = site_home
    result = invoke(home, env, "councils", "accept", "westmarchshire")
    assert result.exit_code == 0, result.output
    text = (home / "councils.yaml").read_text(encoding="utf-8")
    url = "http://www.westmarchshire.gov.uk/your-council/freedom-of-information"
    proof = "wmarch.gov.uk is the council's: http://www.wmarch.gov.uk/ redirects to http://www.westmarchshire.gov.uk/"
    assert f'    email_source: "{url} (page; found 2026-03-02; {proof})"\n' in text
    assert invoke(home, env, "councils", "check").exit_code == 0
