"""`foi-sender councils discover --all` over 212 council sites on loopback, against its floor.

Run from the repository root: .venv/bin/python bench/discover.py [--sites 212] [--gap 0.2]
    [--latency 0.1] [--concurrency 8]

A forward proxy in this process (the one the tests use, on 127.0.0.1) serves 212 generated
council sites, each answer after `--latency` seconds (100 ms by default, like a distant web
server). Each site has the FOI page three clicks deep: home -> Your council -> Transparency ->
Freedom of information, in the GOV.UK-style page furniture of the test sites (cookie banner, long
menu, footer with decoys). `foi-sender councils discover --all` runs as a fresh process in a fresh
home (no page cache), reaching the sites through HTTP_PROXY; nothing leaves 127.0.0.1.

The floor under the same politeness: every request to a site waits for the answer (latency) and
then the per-host gap, one site at a time per worker, so
    floor = sites x requests per site x (latency + gap) / concurrency,
with requests per site counted from the server's log (robots.txt and the pages). Prints the wall
time, the floor, their ratio (target <= 1.3), the proposals found, and the peak RSS of the
foi-sender process (target < 200 MB).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import FOI, REQUESTER, ROOT

sys.path.insert(0, str(ROOT))
from tests.web.proxy import ProxyServer, Route, Web  # noqa: E402
from tests.web.sites import page  # noqa: E402

TARGET_RATIO = 1.3
TARGET_RSS_MB = 200


def site(number: int) -> tuple[str, dict[str, Route]]:
    domain = f"bench-council-{number:03d}.gov.uk"
    name = f"Bench Council {number:03d}"
    yc, tr = ("Your council", "/your-council"), ("Transparency", "/your-council/transparency")
    foi = "/your-council/transparency/freedom-of-information"
    return f"www.{domain}", {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /search\n", content_type="text/plain"),
        "/": Route(page(name, name, "<p>Welcome.</p>", domain=domain)),
        "/your-council": Route(
            page(name, "Your council", f'<a href="{tr[1]}">Transparency</a>', [yc], domain=domain)
        ),
        tr[1]: Route(
            page(
                name,
                "Transparency",
                f'<a href="{foi}">Freedom of information</a>',
                [yc, tr],
                domain=domain,
            )
        ),
        foi: Route(
            page(
                name,
                "Freedom of information",
                f'<p>To make a request, email <a href="mailto:foi@{domain}">our FOI team</a>.</p>'
                f"<p>For your own data, contact dpo@{domain}.</p>",
                [yc, tr, ("Freedom of information", foi)],
                domain=domain,
            )
        ),
    }


def write_home(home: Path, sites: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "foi.toml").write_text(
        f'[requester]\nname = "Bench Requester"\nemail = "{REQUESTER}"\n', encoding="utf-8"
    )
    lines = ["councils:"]
    for number in range(1, sites + 1):
        lines += [
            f"  - id: bench-{number:03d}",
            f'    name: "Bench Council {number:03d}"',
            "    nation: England",
            "    regime: FOIA",
            f"    homepage: http://www.bench-council-{number:03d}.gov.uk/",
        ]
    (home / "councils.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=212)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between requests per host")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per response")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    web = Web(dict(site(n) for n in range(1, args.sites + 1)), latency=args.latency)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with ProxyServer(web) as proxy, tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        write_home(home, args.sites)
        env.update(HTTP_PROXY=proxy.url, FOI_SENDER_HOME=str(home))
        command = [
            str(FOI),
            "councils",
            "discover",
            "--all",
            "--gap",
            str(args.gap),
            "--concurrency",
            str(args.concurrency),
        ]
        per_site_guess = 5 * (args.latency + args.gap)
        limit = 3 * args.sites * per_site_guess / args.concurrency + 60  # bounded, whatever happens
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=limit)
        wall = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode != 0:
            sys.exit(f"discover failed ({done.returncode}): {done.stderr[-2000:]}")
        requests = Counter(hit.host for hit in web.hits)
        last = done.stdout.strip().splitlines()[-1]
    per_site = max(requests.values())
    if min(requests.values()) != per_site or len(requests) != args.sites:
        print(f"note: requests per site vary: {sorted(Counter(requests.values()).items())}")
    floor = args.sites * per_site * (args.latency + args.gap) / args.concurrency
    print(
        f"sites {args.sites}, latency {args.latency * 1000:.0f} ms, gap {args.gap:g} s, "
        f"concurrency {args.concurrency}, {per_site} requests per site "
        f"(robots.txt + {per_site - 1} pages), {sum(requests.values())} in all"
    )
    print(f"found: {last}")
    print(f"wall   {wall:7.2f} s  (fresh process, spawn to exit)")
    print(f"floor  {floor:7.2f} s  (sites x requests x (latency + gap) / concurrency)")
    print(f"ratio  {wall / floor:7.2f}    target <= {TARGET_RATIO}")
    # Stricter: no gap is owed after a site's last request.
    strict = args.sites * (per_site * args.latency + (per_site - 1) * args.gap) / args.concurrency
    print(
        f"strict floor {strict:7.2f} s (no gap after a site's last request), "
        f"ratio {wall / strict:.2f}"
    )
    print(f"peak RSS of foi-sender {peak_kb / 1024:.0f} MB    target < {TARGET_RSS_MB} MB")


if __name__ == "__main__":
    main()
