"""councils discover over https, as real council sites are reached: through HTTPS_PROXY's CONNECT
tunnel to a TLS server on 127.0.0.1 whose certificates come from a test CA (tests/web/proxy.py).

The user names that CA as one behind a TLS-inspecting proxy would, in foi.toml's
[discover] ca_file (or SSL_CERT_FILE); the TLS server logs every request, so politeness is checked
from the server's side as over http (tests/test_discovery.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from foi_sender import __version__
from foi_sender.cli import cli
from foi_sender.config import write_initial_config
from tests.web.proxy import ProxyServer, Web
from tests.web.sites import BAD_CERTS, HTTPS_COUNCILS, HTTPS_ONLY, https_sites, registry_yaml

GAP = 0.1
# Cleared for every run: the developer's own proxy and CA settings must not leak in.
CLEARED = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")
AGENT = f"foi-sender/{__version__} (+mailto:alex@example.org)"
NO_CA_FILE = object()


@pytest.fixture(scope="module")
def proxy():
    web = Web(https_sites(), https_only=HTTPS_ONLY, bad_certs=BAD_CERTS)
    with ProxyServer(web) as server:
        yield server


def proxied_env(proxy: ProxyServer, **more: str) -> dict:
    env: dict = {name: None for var in CLEARED for name in (var, var.lower())}
    env.update(HTTP_PROXY=proxy.url, HTTPS_PROXY=proxy.url)
    env.update(FOI_SENDER_NOW="2026-03-02T10:00:00+00:00", **more)
    return env


def make_home(folder: Path, councils: dict, ca_file) -> Path:
    folder.mkdir()
    config = write_initial_config(folder, "Alex Example", "alex@example.org", None)
    if ca_file is not NO_CA_FILE:
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'\n[discover]\nca_file = "{ca_file}"\n')
    (folder / "councils.yaml").write_text(registry_yaml(councils), encoding="utf-8")
    return folder


def discover(home: Path, env: dict, *ids: str):
    args = ["councils", "discover", *(ids or ["--all"]), "--json", "--gap", str(GAP)]
    return CliRunner().invoke(cli, ["--home", str(home), *args], env=env)


def candidates(home: Path, env: dict) -> list[dict]:
    listed = CliRunner().invoke(
        cli, ["--home", str(home), "councils", "candidates", "--json"], env=env
    )
    assert listed.exit_code == 0, listed.output
    return json.loads(listed.stdout)


@pytest.fixture(scope="module")
def crawled(proxy, tmp_path_factory):
    """One discovery of the https councils, their CA named in [discover] ca_file; (outcomes by
    council, candidates, the servers' log)."""
    home = make_home(tmp_path_factory.mktemp("https") / "home", HTTPS_COUNCILS, proxy.ca_file)
    env = proxied_env(proxy)
    proxy.web.hits.clear()
    result = discover(home, env)
    assert result.exit_code == 0, result.output
    outcomes = {row["council"]: row for row in json.loads(result.stdout)}
    return outcomes, candidates(home, env), list(proxy.web.hits)


@pytest.mark.parametrize("council_id", list(HTTPS_COUNCILS))
def test_outcome_and_top_proposal_of_each_https_council(crawled, council_id):
    outcomes, found, _ = crawled
    _, _, outcome, foi, review = HTTPS_COUNCILS[council_id]
    row = outcomes[council_id]
    assert row["outcome"].startswith(outcome), row
    assert (row["foi_email"] or {}).get("address") == foi
    assert (row["review_email"] or {}).get("address") == review
    mine = [c for c in found if c["council_id"] == council_id]
    if foi is None:
        assert mine == [], "nothing is proposed from a site whose certificate failed"
    else:
        assert {c["url"].split(":", 1)[0] for c in mine} == {"https"}


def test_an_https_site_gives_what_it_gives_over_http(crawled, proxy, tmp_path):
    """The same site, reached over http instead: the same proposals, word for word."""
    _, over_https, _ = crawled
    plain = {
        "exampleshire": (*HTTPS_COUNCILS["exampleshire"][:1], "http://www.exampleshire.gov.uk/")
    }
    home = make_home(tmp_path / "plain", plain, NO_CA_FILE)
    env = proxied_env(proxy)
    assert discover(home, env).exit_code == 0

    def seen(rows, scheme):
        return sorted(
            (c["kind"], c["address"], c["score"], c["evidence"], c["url"].removeprefix(scheme))
            for c in rows
            if c["council_id"] == "exampleshire"
        )

    over_http = seen(candidates(home, env), "http://")
    assert len(over_http) >= 5
    assert seen(over_https, "https://") == over_http


def test_https_requests_went_through_the_proxys_tunnel(crawled):
    _, _, hits = crawled
    https = [h for h in hits if h.scheme == "https"]
    assert {h.host for h in https} == {"www.exampleshire.gov.uk", "www.harbourside.gov.uk"}
    assert all(h.tunnelled for h in https), "every https request came through CONNECT"
    assert all(h.absolute for h in hits if h.scheme == "http"), "http went through HTTP_PROXY"
    assert {h.user_agent for h in hits} == {AGENT}


def test_a_homepage_redirected_from_http_to_https(crawled):
    """http://www.harbourside.gov.uk/ 301 -> https://...: the crawl goes on over https, the move
    is no new domain, and an old absolute http:// link on the way still leads to the address."""
    outcomes, found, hits = crawled
    assert outcomes["harbourside"]["moved_to"] is None
    best = next(c for c in found if c["address"] == "foi@harbourside.gov.uk")
    url = "https://www.harbourside.gov.uk/council-and-democracy/freedom-of-information"
    assert best["url"] == url + "/make-a-request"
    plain = [h.path for h in hits if h.host == "www.harbourside.gov.uk" and h.scheme == "http"]
    assert plain[:2] == ["/robots.txt", "/"]  # both answered with a 301 to https


def test_robots_txt_behind_a_redirect_is_obeyed(crawled):
    """A site moved to https answers http://.../robots.txt with a 301: its rules still apply."""
    _, found, hits = crawled
    paths = [(h.scheme, h.path) for h in hits if h.host == "www.harbourside.gov.uk"]
    assert paths[:2] == [("http", "/robots.txt"), ("https", "/robots.txt")]
    assert not [p for _, p in paths if p.endswith("/previous-requests")]
    assert "disclosures@harbourside.gov.uk" not in {c["address"] for c in found}


def test_politeness_holds_over_https(crawled):
    _, _, hits = crawled
    by_host = defaultdict(list)
    for hit in hits:
        by_host[hit.host].append(hit)
    for host, mine in by_host.items():
        assert mine[0].path == "/robots.txt", host
        for scheme in ("http", "https"):
            robots = [h for h in mine if h.scheme == scheme and h.path == "/robots.txt"]
            assert len(robots) <= 1, (host, scheme)
        # one gap per host, whichever scheme the request came by
        gaps = [b.at - a.at for a, b in zip(mine, mine[1:], strict=False)]
        assert all(g >= GAP - 0.005 for g in gaps), (host, gaps)
    assert not [h for h in by_host["www.exampleshire.gov.uk"] if h.path.startswith("/search")]
    assert len(by_host["www.exampleshire.gov.uk"]) >= 5


def test_a_site_whose_certificate_fails_is_never_asked_anything(crawled):
    """The handshake fails before a request is sent: no page, no User-Agent, nothing proposed."""
    _, _, hits = crawled
    assert not [h for h in hits if h.host in BAD_CERTS]


def test_certificate_failures_are_one_line_each(crawled):
    outcomes, _, _ = crawled
    for council_id in ("stonebury", "marshfield"):
        outcome = outcomes[council_id]["outcome"]
        assert "\n" not in outcome and "Traceback" not in outcome and "_ssl.c" not in outcome
        assert outcome.count("(") == 1 and outcome.endswith(")"), outcome


def test_without_the_ca_the_site_is_not_trusted(proxy, tmp_path):
    """Neither ca_file nor SSL_CERT_FILE: certifi's CAs alone, which never issued the test CA's."""
    home = make_home(tmp_path / "home", HTTPS_COUNCILS, NO_CA_FILE)
    proxy.web.hits.clear()
    result = discover(home, proxied_env(proxy), "exampleshire")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["outcome"] == (
        "unreachable (TLS certificate failed verification: unable to get local issuer certificate)"
    )
    assert row["foi_email"] is None and proxy.web.hits == []


def test_ssl_cert_file_names_the_cas_to_trust(proxy, tmp_path):
    home = make_home(tmp_path / "home", HTTPS_COUNCILS, NO_CA_FILE)
    env = proxied_env(proxy, SSL_CERT_FILE=str(proxy.ca_file))
    result = discover(home, env, "exampleshire")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["outcome"] == "found"
    assert row["foi_email"]["address"] == "foi.requests@exampleshire.gov.uk"


@pytest.mark.parametrize("name", ["missing.pem", "foi.toml"])
def test_a_ca_file_that_cannot_be_loaded_is_one_clear_error(proxy, tmp_path, name):
    home = tmp_path / "home"
    make_home(home, HTTPS_COUNCILS, home / name)  # not there; not a certificate
    proxy.web.hits.clear()
    result = discover(home, proxied_env(proxy), "exampleshire")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: [discover] ca_file {home / name}: cannot load it ("), line
    assert proxy.web.hits == []
