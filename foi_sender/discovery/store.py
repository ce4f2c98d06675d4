"""Proposals kept in the ledger: candidates with evidence, rejections, discovery outcomes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from foi_sender.ledger import Ledger


@dataclass(frozen=True)
class Candidate:
    council_id: str
    kind: str  # foi or review
    address: str
    score: int
    source: str  # site or reply
    url: str  # the page, or the reply file in the home
    evidence: str  # link text or the sentence around it
    found_on: date

    def as_json(self) -> dict:
        data = asdict(self)
        data["found_on"] = self.found_on.isoformat()
        return data


_COLUMNS = "council_id, kind, address, score, source, url, evidence, found_on"


def replace_site_candidates(
    ledger: Ledger,
    council_id: str,
    candidates: list[Candidate],
    outcome: str,
    moved_to: str | None,
    pages: int,
    at: datetime,
) -> None:
    """A council's new discovery replaces its old one; proposals learned from replies stay."""
    with ledger.transaction() as db:
        db.execute(
            "DELETE FROM address_candidates WHERE council_id = ? AND source = 'site'", (council_id,)
        )
        _insert(db, candidates)
        db.execute(
            "INSERT OR REPLACE INTO discovery_outcomes VALUES (?, ?, ?, ?, ?)",
            (council_id, outcome, moved_to, pages, at.isoformat()),
        )


def add_candidates(ledger: Ledger, candidates: list[Candidate]) -> list[Candidate]:
    """Add (or strengthen) proposals; returns those that are new."""
    with ledger.transaction() as db:
        return _insert(db, candidates)


def _insert(db, candidates: list[Candidate]) -> list[Candidate]:
    added = []
    for c in candidates:
        if db.execute(
            "SELECT 1 FROM address_rejections WHERE council_id = ? AND address = ?",
            (c.council_id, c.address),
        ).fetchone():
            continue
        old = db.execute(
            "SELECT score FROM address_candidates"
            " WHERE council_id = ? AND kind = ? AND address = ?",
            (c.council_id, c.kind, c.address),
        ).fetchone()
        if old is not None and old[0] >= c.score:
            continue
        db.execute(
            f"INSERT OR REPLACE INTO address_candidates ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
            (
                c.council_id,
                c.kind,
                c.address,
                c.score,
                c.source,
                c.url,
                c.evidence,
                c.found_on.isoformat(),
            ),
        )
        if old is None:
            added.append(c)
    return added


def candidates(ledger: Ledger, council_ids: tuple[str, ...] = ()) -> list[Candidate]:
    """Best first within each council and kind."""
    sql = f"SELECT {_COLUMNS} FROM address_candidates"
    args: tuple = ()
    if council_ids:
        sql += f" WHERE council_id IN ({','.join('?' * len(council_ids))})"
        args = tuple(council_ids)
    rows = ledger.db.execute(sql + " ORDER BY council_id, kind, score DESC, address", args)
    return [Candidate(*row[:7], date.fromisoformat(row[7])) for row in rows.fetchall()]


def outcomes(ledger: Ledger) -> dict[str, tuple[str, str | None, int, str]]:
    rows = ledger.db.execute(
        "SELECT council_id, outcome, moved_to, pages, finished_at FROM discovery_outcomes"
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def reject(ledger: Ledger, council_id: str, address: str, at: datetime) -> int:
    """Remember a wrong address; returns how many proposals it removed."""
    with ledger.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO address_rejections VALUES (?, ?, ?)",
            (council_id, address, at.isoformat()),
        )
        return db.execute(
            "DELETE FROM address_candidates WHERE council_id = ? AND address = ?",
            (council_id, address),
        ).rowcount


def forget(ledger: Ledger, council_id: str, kinds: tuple[str, ...]) -> None:
    """An accepted address closes the council's proposals of that kind."""
    with ledger.transaction() as db:
        for kind in kinds:
            db.execute(
                "DELETE FROM address_candidates WHERE council_id = ? AND kind = ?",
                (council_id, kind),
            )


def waiting(ledger: Ledger) -> set[str]:
    rows = ledger.db.execute("SELECT DISTINCT council_id FROM address_candidates").fetchall()
    return {row[0] for row in rows}


def rejected(ledger: Ledger) -> dict[str, frozenset[str]]:
    """The addresses the user rejected, by council."""
    found: dict[str, set[str]] = {}
    for council_id, address in ledger.db.execute(
        "SELECT council_id, address FROM address_rejections"
    ).fetchall():
        found.setdefault(council_id, set()).add(address)
    return {k: frozenset(v) for k, v in found.items()}
