"""The inbox's journal in the ledger: each message stored, then processed (or held, or ignored),
and per IMAP folder the UIDVALIDITY and the highest UID read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from foi_sender.ledger import Ledger


@dataclass(frozen=True)
class InboxRow:
    id: int
    key: str
    path: str
    source: str
    sender: str | None
    subject: str | None
    sent_at: str | None
    state: str
    kind: str | None
    rule: str | None
    request_id: int | None
    result: str | None
    evidence: str | None
    guesses: list

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "message_id": self.key,
            "file": self.path,
            "sender": self.sender,
            "subject": self.subject,
            "date": self.sent_at,
            "state": self.state,
            "kind": self.kind,
            "rule": self.rule,
            "result": self.result,
            "evidence": self.evidence,
            "guesses": self.guesses,
        }


_COLUMNS = (
    "id, key, path, source, sender, subject, sent_at, state, kind, rule, request_id, result,"
    " evidence, guesses"
)


def _row(row) -> InboxRow:
    return InboxRow(*row[:13], json.loads(row[13]) if row[13] else [])


def find(ledger: Ledger, key: str) -> InboxRow | None:
    row = ledger.db.execute(f"SELECT {_COLUMNS} FROM inbox_messages WHERE key = ?", (key,))
    found = row.fetchone()
    return _row(found) if found else None


def get(ledger: Ledger, row_id: int) -> InboxRow | None:
    found = ledger.db.execute(
        f"SELECT {_COLUMNS} FROM inbox_messages WHERE id = ?", (row_id,)
    ).fetchone()
    return _row(found) if found else None


def in_state(ledger: Ledger, state: str) -> list[InboxRow]:
    rows = ledger.db.execute(
        f"SELECT {_COLUMNS} FROM inbox_messages WHERE state = ? ORDER BY id", (state,)
    ).fetchall()
    return [_row(r) for r in rows]


def add_stored(ledger: Ledger, rows: list[tuple], at: datetime) -> None:
    """Journal messages whose raw bytes are on disk: (key, path, source, sender, subject, date)."""
    if not rows:
        return
    with ledger.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO inbox_messages (key, path, source, sender, subject, sent_at,"
            " state, stored_at) VALUES (?, ?, ?, ?, ?, ?, 'stored', ?)",
            [(*row, at.isoformat()) for row in rows],
        )


def settle_many(ledger: Ledger, settled: list[tuple[int, object]], at: datetime) -> None:
    """Each (row id, record.Outcome): the message's final state and what it did, one commit."""
    if not settled:
        return
    with ledger.transaction() as db:
        db.executemany(
            "UPDATE inbox_messages SET state = ?, kind = ?, rule = ?, request_id = ?, result = ?,"
            " evidence = ?, guesses = ?, processed_at = ? WHERE id = ?",
            [
                (
                    o.state,
                    o.kind,
                    o.rule,
                    o.request_id,
                    o.result,
                    o.evidence,
                    json.dumps(list(o.guesses)) if o.guesses else None,
                    at.isoformat(),
                    row_id,
                )
                for row_id, o in settled
            ],
        )


def ignore(ledger: Ledger, row_id: int, at: datetime) -> None:
    with ledger.transaction() as db:
        db.execute(
            "UPDATE inbox_messages SET state = 'ignored', rule = 'ignored by you',"
            " result = 'ignored by you', request_id = NULL, processed_at = ? WHERE id = ?",
            (at.isoformat(), row_id),
        )


def recorded_event(ledger: Ledger, key: str) -> tuple[int, str] | None:
    """(request id, event kind) of what this message recorded, if a run recorded it and then
    stopped before settling the message."""
    return ledger.db.execute(
        "SELECT request_id, kind FROM events WHERE json_extract(data, '$.inbox') = ?"
        " ORDER BY id DESC LIMIT 1",
        (key,),
    ).fetchone()


def folder_state(ledger: Ledger, account: str, folder: str) -> tuple[int, int] | None:
    return ledger.db.execute(
        "SELECT uidvalidity, last_uid FROM inbox_folders WHERE account = ? AND folder = ?",
        (account, folder),
    ).fetchone()


def set_folder_state(
    ledger: Ledger, account: str, folder: str, uidvalidity: int, last_uid: int
) -> None:
    with ledger.transaction() as db:
        db.execute(
            "INSERT INTO inbox_folders (account, folder, uidvalidity, last_uid) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
            " last_uid = excluded.last_uid",
            (account, folder, uidvalidity, last_uid),
        )
