"""Addresses a council's reply names for requests or for reviews become proposals."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from foi_sender.discovery import store
from foi_sender.discovery.extract import REVIEW_WORDS, registrable_domain
from foi_sender.discovery.rank import is_decoy, own_address
from foi_sender.discovery.store import Candidate

_ADDRESS = re.compile(r"(?<![\w.+-])[\w.%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,24}\b", re.I)
# The reply names the address for requests, not just mentions it.
_FOR_REQUESTS = re.compile(
    r"(?:(?:freedom[ ]+of[ ]+information|\bfoi(?:sa)?\b|information)[ ]+"
    r"(?:requests?|team|officer|unit)|information[ ]+governance"
    r"|(?:future|further|new|any[ ]+other)[ ]+requests?"
    r"|(?:send|submit|make|direct)[ ]+(?:\w+[ ]+){0,3}requests?)\b",
    re.I,
)
_WINDOW_LINES = 5
REPLY_SCORE = {"review": 80, "foi": 75}  # the council's own letter says so


def learn_from_reply(ledger, council, text: str, on: date, where: str) -> list[Candidate]:
    """Propose what the reply names, on the council's own domain; returns the new proposals.

    `where` is the evidence's place (the reply's copy in the home). An address the registry
    already holds in that very field is not proposed again.
    """
    domains = {
        registrable_domain(host)
        for host in (
            urlsplit(council.homepage or "").hostname or "",
            (council.foi_email or "").rpartition("@")[2],
            (council.review_email or "").rpartition("@")[2],
        )
        if host
    } - {None}
    current = {"foi": council.foi_email, "review": council.review_email}
    found: dict[tuple[str, str], Candidate] = {}
    for kind, address, evidence in _named(text):
        if not own_address(address, domains) or is_decoy(address) or current[kind] == address:
            continue
        candidate = Candidate(
            council.id, kind, address, REPLY_SCORE[kind], "reply", where, evidence, on
        )
        found.setdefault((kind, address), candidate)
    return store.add_candidates(ledger, list(found.values())) if found else []


def _named(text: str) -> list[tuple[str, str, str]]:
    """(kind, address, evidence) for each address the text names for reviews or requests: the
    few lines above it, back to the previous address, say which."""
    lines = text.splitlines()
    results = []
    last_address_line = -1
    for number, line in enumerate(lines):
        matches = list(_ADDRESS.finditer(line))
        if not matches:
            continue
        start = max(last_address_line, number - _WINDOW_LINES, 0)
        before = [row.strip() for row in lines[start:number] if row.strip()]
        window = " ".join([*before, line[: matches[-1].start()]])
        evidence = " ".join([*before, line.strip()])[-300:]
        for match in matches:
            address = match.group(0).lower().strip(".")
            if REVIEW_WORDS.search(window):
                results.append(("review", address, evidence))
            elif _FOR_REQUESTS.search(window):
                results.append(("foi", address, evidence))
        last_address_line = number + 1
    return results
