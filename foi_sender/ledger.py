"""The SQLite ledger: rounds, requests, outgoing letters, send attempts and life events.

Every state change is one transaction. Outgoing letters (the request, reviews, chasers) share one
table so the same exactly-once journal (queued -> sending -> sent) guards all of them.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from foi_sender.errors import InputError, LedgerError, ReadOnlyLedger

LEDGER_NAME = "foi.sqlite"

# Append-only: never edit a migration that has shipped; add a new one.
MIGRATIONS = (
    """
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        template TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        council_id TEXT NOT NULL,
        council_name TEXT NOT NULL,
        regime TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (round_id, council_id)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests(id),
        kind TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        to_address TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        thread TEXT,  -- the References chain, oldest first: its last id is In-Reply-To
        status TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed','uncertain')),
        created_at TEXT NOT NULL,
        sent_at TEXT,
        last_error TEXT
    );
    CREATE INDEX messages_by_request ON messages(request_id, kind);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id),
        transport TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT,
        server_reply TEXT
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests(id),
        kind TEXT NOT NULL,
        on_date TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_by_request ON events(request_id, id);
    CREATE TABLE calendar_events (
        uid TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        sequence INTEGER NOT NULL
    );
    """,
    # Proposed addresses (discovery, replies) with their evidence, the user's rejections, and how
    # each council's last discovery ended. Nothing here reaches councils.yaml without `accept`.
    """
    CREATE TABLE address_candidates (
        id INTEGER PRIMARY KEY,
        council_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('foi','review')),
        address TEXT NOT NULL,
        score INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('site','reply')),
        url TEXT NOT NULL,
        evidence TEXT NOT NULL,
        found_on TEXT NOT NULL,
        UNIQUE (council_id, kind, address)
    );
    CREATE TABLE address_rejections (
        council_id TEXT NOT NULL,
        address TEXT NOT NULL,
        rejected_at TEXT NOT NULL,
        PRIMARY KEY (council_id, address)
    );
    CREATE TABLE discovery_outcomes (
        council_id TEXT PRIMARY KEY,
        outcome TEXT NOT NULL,
        moved_to TEXT,
        pages INTEGER NOT NULL,
        finished_at TEXT NOT NULL
    );
    """,
    # The inbox (issue 13): each incoming message once, journaled stored -> processed | held |
    # ignored, and per IMAP folder the UIDVALIDITY and the highest UID read.
    """
    CREATE TABLE inbox_messages (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,  -- the Message-ID, else sha256: of the raw bytes
        path TEXT NOT NULL,        -- the raw message, relative to the home
        source TEXT NOT NULL,
        sender TEXT,
        subject TEXT,
        sent_at TEXT,
        state TEXT NOT NULL CHECK (state IN ('stored','processed','held','ignored')),
        kind TEXT,
        rule TEXT,
        request_id INTEGER REFERENCES requests(id),
        result TEXT,
        evidence TEXT,
        guesses TEXT,
        stored_at TEXT NOT NULL,
        processed_at TEXT
    );
    CREATE INDEX inbox_by_state ON inbox_messages(state);
    CREATE TABLE inbox_folders (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL,
        PRIMARY KEY (account, folder)
    );
    """,
)


@dataclass(frozen=True)
class RoundRow:
    id: int
    name: str
    template: str
    created_at: datetime


@dataclass(frozen=True)
class RequestRow:
    id: int
    round_id: int
    round_name: str
    council_id: str
    council_name: str
    regime: str


@dataclass(frozen=True)
class MessageRow:
    id: int
    request_id: int
    kind: str
    message_id: str
    to_address: str
    subject: str
    body: str
    thread: tuple[str, ...]
    status: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class EventRow:
    id: int
    request_id: int
    kind: str
    on_date: date | None
    recorded_at: datetime | None
    data: dict
    problem: str | None = None  # why the row cannot be read (then on_date and data are empty)


def ledger_path(home: Path) -> Path:
    return home / LEDGER_NAME


class Ledger:
    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        *,
        read_only: bool = False,
        wal: bool = False,
    ):
        self.db = connection
        self.path = path
        # Opened `mode=ro` (read_ledger): nothing can be recorded, and calendar SEQUENCEs are
        # worked out as they would be recorded, without recording them.
        self.read_only = read_only
        self.wal = wal  # every commit appends to the -wal file, in order (see finish)
        self._unsynced = False

    def close(self) -> None:
        try:
            self.sync()
        finally:
            self.db.close()

    def sync(self) -> None:
        """Make durable the commits finish made without an fsync of their own."""
        if not self._unsynced:
            return
        self._unsynced = False  # tried once: a failure is reported once, not again at close
        # The log is beside the file SQLite opened, which is the ledger's target if it is a link.
        log = self.db.execute("PRAGMA database_list").fetchone()[2] + "-wal"
        try:
            descriptor = os.open(log, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except FileNotFoundError:  # checkpointed into the ledger and removed: durable already
            pass
        except OSError as exc:
            raise LedgerError(
                f"{log}: cannot write it to disk ({exc.strerror}); after a power cut the last "
                "letter sent could show as uncertain"
            ) from exc

    @contextmanager
    def _without_fsync(self) -> Iterator[None]:
        """The transaction inside is committed (a crash cannot undo it) but not fsynced (a power
        cut can, until the next fsynced commit or sync()). Only in WAL mode: there a commit is
        an append to one file, so the next fsync of that file makes this one durable too, and
        a power cut loses at most a tail of the latest commits, never one in the middle."""
        if not self.wal:
            yield
            return
        self.db.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            self._unsynced = True
            self.db.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE so two processes never interleave a read-then-write. On a read-only
        ledger a plain BEGIN: one consistent view to read, and any write still fails."""
        try:
            self.db.execute("BEGIN" if self.read_only else "BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _ledger_error(self.path, exc) from exc
        try:
            yield self.db
        except BaseException as exc:
            # SQLite may have rolled back already (a full disk, an I/O error): then ROLLBACK
            # itself fails, and must not hide the error that caused it.
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _ledger_error(self.path, exc) from exc
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise _ledger_error(self.path, exc) from exc

    # rounds
    def get_round(self, name: str) -> RoundRow | None:
        row = self._one("SELECT id, name, template, created_at FROM rounds WHERE name = ?", name)
        return RoundRow(row[0], row[1], row[2], _dt(row[3])) if row else None

    def require_round(self, name: str) -> RoundRow:
        found = self.get_round(name)
        if found is None:
            names = [r.name for r in self.rounds()]
            known = f"known rounds: {', '.join(names)}" if names else "no rounds yet"
            raise InputError(f"no round named {name!r} ({known})")
        return found

    def rounds(self) -> list[RoundRow]:
        rows = self._all("SELECT id, name, template, created_at FROM rounds ORDER BY id")
        return [RoundRow(r[0], r[1], r[2], _dt(r[3])) for r in rows]

    def create_round(self, db: sqlite3.Connection, name: str, template: str, at: datetime) -> int:
        cursor = db.execute(
            "INSERT INTO rounds (name, template, created_at) VALUES (?, ?, ?)",
            (name, template, at.isoformat()),
        )
        return cursor.lastrowid

    # requests
    _REQUEST_SQL = """SELECT q.id, q.round_id, r.name, q.council_id, q.council_name, q.regime
                      FROM requests q JOIN rounds r ON r.id = q.round_id"""

    def requests(self, round_id: int | None = None) -> list[RequestRow]:
        if round_id is None:
            rows = self._all(self._REQUEST_SQL + " ORDER BY q.round_id, q.council_id")
        else:
            rows = self._all(
                self._REQUEST_SQL + " WHERE q.round_id = ? ORDER BY q.council_id", round_id
            )
        return [RequestRow(*row) for row in rows]

    def get_request_by_id(self, request_id: int) -> RequestRow:
        return RequestRow(*self._one(self._REQUEST_SQL + " WHERE q.id = ?", request_id))

    def get_request(self, round_id: int, council_id: str) -> RequestRow | None:
        row = self._one(
            self._REQUEST_SQL + " WHERE q.round_id = ? AND q.council_id = ?", round_id, council_id
        )
        return RequestRow(*row) if row else None

    def add_request(
        self,
        db: sqlite3.Connection,
        round_id: int,
        council_id: str,
        council_name: str,
        regime: str,
        at: datetime,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO requests (round_id, council_id, council_name, regime, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (round_id, council_id, council_name, regime, at.isoformat()),
        )
        return cursor.lastrowid

    # outgoing letters
    _MESSAGE_COLUMNS = (
        "id, request_id, kind, message_id, to_address, subject, body, thread, status,"
        " created_at, sent_at, last_error"
    )
    _MESSAGE_SQL = f"SELECT {_MESSAGE_COLUMNS} FROM messages"

    def add_message(
        self,
        db: sqlite3.Connection,
        request_id: int,
        kind: str,
        message_id: str,
        to_address: str,
        subject: str,
        body: str,
        thread: tuple[str, ...],
        at: datetime,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO messages (request_id, kind, message_id, to_address, subject, body,"
            " thread, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
            (
                request_id,
                kind,
                message_id,
                to_address,
                subject,
                body,
                " ".join(thread) or None,
                at.isoformat(),
            ),
        )
        return cursor.lastrowid

    def messages(self, request_id: int, kind: str | None = None) -> list[MessageRow]:
        if kind is None:
            rows = self._all(self._MESSAGE_SQL + " WHERE request_id = ? ORDER BY id", request_id)
        else:
            rows = self._all(
                self._MESSAGE_SQL + " WHERE request_id = ? AND kind = ? ORDER BY id",
                request_id,
                kind,
            )
        return [_message(row) for row in rows]

    def messages_of_round(self, round_id: int, kinds: tuple[str, ...]) -> list[MessageRow]:
        marks = ",".join("?" * len(kinds))
        columns = ", ".join(f"m.{c.strip()}" for c in self._MESSAGE_COLUMNS.split(","))
        rows = self._all(
            f"SELECT {columns} FROM messages m JOIN requests q ON q.id = m.request_id"
            f" WHERE q.round_id = ? AND m.kind IN ({marks}) ORDER BY q.council_id, m.id",
            round_id,
            *kinds,
        )
        return [_message(row) for row in rows]

    def get_message(self, message_row_id: int) -> MessageRow:
        return _message(self._one(self._MESSAGE_SQL + " WHERE id = ?", message_row_id))

    def find_message_ids(self, message_ids: list[str]) -> list[MessageRow]:
        if not message_ids:
            return []
        marks = ",".join("?" * len(message_ids))
        rows = self._all(self._MESSAGE_SQL + f" WHERE message_id IN ({marks})", *message_ids)
        return [_message(row) for row in rows]

    def claim(self, message_row_id: int, transport: str, at: datetime) -> int | None:
        """queued -> sending, journaled before any byte goes out. None if no longer queued."""
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE messages SET status = 'sending' WHERE id = ? AND status = 'queued'",
                (message_row_id,),
            ).rowcount
            if not changed:
                return None
            return db.execute(
                "INSERT INTO attempts (message_id, transport, started_at) VALUES (?, ?, ?)",
                (message_row_id, transport, at.isoformat()),
            ).lastrowid

    def finish(
        self,
        message_row_id: int,
        attempt_id: int,
        status: str,
        outcome: str,
        reply: str | None,
        at: datetime,
    ) -> None:
        """sending -> sent | failed | uncertain | queued (a temporary failure, retried later).

        Committed without an fsync of its own: the next letter's claim fsyncs it along with
        itself, and close() (or sync()) fsyncs the last one. A letter is sent twice only if its
        `sending` mark is lost, and claim's fsync guards that before any byte goes out; if a
        power cut undoes this commit instead, the letter is found `sending` and called
        uncertain, never sent again on its own: as after a crash between the server's reply and
        this commit. So each letter costs one fsync, not two."""
        with self._without_fsync(), self.transaction() as db:
            db.execute(
                "UPDATE messages SET status = ?, last_error = ?, sent_at = ? WHERE id = ?",
                (
                    status,
                    None if status == "sent" else reply,
                    at.isoformat() if status == "sent" else None,
                    message_row_id,
                ),
            )
            db.execute(
                "UPDATE attempts SET finished_at = ?, outcome = ?, server_reply = ? WHERE id = ?",
                (at.isoformat(), outcome, reply, attempt_id),
            )

    def interrupted_count(self) -> int:
        """Letters left `sending` (what mark_interrupted_as_uncertain would change)."""
        return self._one("SELECT COUNT(*) FROM messages WHERE status = 'sending'")[0]

    def mark_interrupted_as_uncertain(self) -> int:
        """A message left `sending` means a process died mid-send: it may or may not have gone."""
        with self.transaction() as db:
            db.execute(
                "UPDATE attempts SET outcome = 'interrupted' WHERE outcome IS NULL"
                " AND message_id IN (SELECT id FROM messages WHERE status = 'sending')"
            )
            return db.execute(
                "UPDATE messages SET status = 'uncertain', last_error = 'the sending process"
                " stopped mid-send: the server may or may not have it' WHERE status = 'sending'"
            ).rowcount

    def readdress(self, db: sqlite3.Connection, message_row_id: int, to_address: str) -> None:
        """A letter not delivered (failed, uncertain) goes to a new address when retried."""
        db.execute(
            "UPDATE messages SET to_address = ? WHERE id = ? AND status IN ('failed', 'uncertain')",
            (to_address, message_row_id),
        )

    def requeue(self, message_row_ids: list[int]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE messages SET status = 'queued' WHERE id = ? AND status IN"
                " ('failed', 'uncertain')",
                [(i,) for i in message_row_ids],
            )

    def confirm_delivered(self, message_row_id: int, sent_at: datetime) -> bool:
        """An uncertain letter the council says it received: sent, as of `sent_at`."""
        with self.transaction() as db:
            return bool(
                db.execute(
                    "UPDATE messages SET status = 'sent', sent_at = ?, last_error = NULL"
                    " WHERE id = ? AND status = 'uncertain'",
                    (sent_at.isoformat(), message_row_id),
                ).rowcount
            )

    def attempts(self, message_row_id: int) -> list[tuple]:
        return self._all(
            "SELECT transport, started_at, finished_at, outcome, server_reply FROM attempts"
            " WHERE message_id = ? ORDER BY id",
            message_row_id,
        )

    # life events
    def add_event(
        self,
        db: sqlite3.Connection,
        request_id: int,
        kind: str,
        on_date: date,
        at: datetime,
        data: dict | None = None,
    ) -> None:
        db.execute(
            "INSERT INTO events (request_id, kind, on_date, recorded_at, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                request_id,
                kind,
                on_date.isoformat(),
                at.isoformat(),
                json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
            ),
        )

    def events(self, request_id: int) -> list[EventRow]:
        rows = self._all(
            "SELECT id, request_id, kind, on_date, recorded_at, data FROM events"
            " WHERE request_id = ? ORDER BY id",
            request_id,
        )
        return [_event(row) for row in rows]

    def events_of_kind(self, kind: str) -> list[EventRow]:
        rows = self._all(
            "SELECT id, request_id, kind, on_date, recorded_at, data FROM events"
            " WHERE kind = ? ORDER BY id",
            kind,
        )
        return [
            EventRow(r[0], r[1], r[2], date.fromisoformat(r[3]), _dt(r[4]), json.loads(r[5]))
            for r in rows
        ]

    # calendar sequence numbers
    def calendar_sequence(self, db: sqlite3.Connection, uid: str, fingerprint: str) -> int:
        """SEQUENCE for an event: unchanged while its fingerprint is, one higher when it changes."""
        row = db.execute(
            "SELECT fingerprint, sequence FROM calendar_events WHERE uid = ?", (uid,)
        ).fetchone()
        if row is None:
            if not self.read_only:
                db.execute("INSERT INTO calendar_events VALUES (?, ?, 0)", (uid, fingerprint))
            return 0
        if row[0] == fingerprint:
            return row[1]
        if self.read_only:
            return row[1] + 1
        db.execute(
            "UPDATE calendar_events SET fingerprint = ?, sequence = ? WHERE uid = ?",
            (fingerprint, row[1] + 1, uid),
        )
        return row[1] + 1

    def _one(self, sql: str, *args):
        try:
            return self.db.execute(sql, args).fetchone()
        except sqlite3.Error as exc:
            raise _ledger_error(self.path, exc) from exc

    def _all(self, sql: str, *args) -> list:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _ledger_error(self.path, exc) from exc


def open_ledger(home: Path, *, create: bool = True, or_read_only: bool = False) -> Ledger:
    """The ledger, to read and record. `create`: make it (0600) when there is none.
    `or_read_only`: when it cannot be written (a read-only home), open it as read_ledger does
    instead of refusing."""
    path = _ledger_file(home, create=create)
    try:
        _check_writable(path)
        db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            db.execute("PRAGMA synchronous = FULL")
            _migrate(db, path)
        except BaseException:
            db.close()
            raise
    except sqlite3.Error as exc:
        error = _ledger_error(path, exc)
        if or_read_only and isinstance(error, ReadOnlyLedger):
            return read_ledger(home)
        raise error from exc
    except ReadOnlyLedger:
        if or_read_only:
            return read_ledger(home)
        raise
    return Ledger(db, path, wal=mode == "wal")


def read_ledger(home: Path) -> Ledger:
    """The ledger for a command that only reads (status, export, draft --round): opened with
    SQLite's `mode=ro`, so a read-only home (a backup copy, a mounted snapshot) can be viewed and
    nothing is ever written: no WAL switch, no migration, no write of any kind. A ledger from an
    older foi-sender is upgraded first when it can be written, else refused with the reason."""
    path = _ledger_file(home, create=False)
    try:
        db = _connect_read_only(path)
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise _ledger_error(path, exc) from exc
    if version == len(MIGRATIONS):
        return Ledger(db, path, read_only=True)
    db.close()
    if version > len(MIGRATIONS):
        raise _newer_schema(path, version)
    try:
        return open_ledger(home, create=False)
    except ReadOnlyLedger as exc:
        raise LedgerError(
            f"{path} has schema version {version}, older than this foi-sender's "
            f"{len(MIGRATIONS)}, and is read-only, so it cannot be upgraded to read it: look at a "
            "writable copy of the home, or use the foi-sender that wrote it"
        ) from exc


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = f"{path.absolute().as_uri()}?mode=ro"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5.0)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        if not isinstance(_ledger_error(path, exc), ReadOnlyLedger):
            raise
    # A WAL ledger in a folder nobody may write: SQLite cannot make the -shm index it reads
    # through. With no pending -wal the file alone is the whole ledger, and as the folder cannot
    # be written no foi-sender can be changing it: `immutable` reads it without the index.
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise LedgerError(
            f"{wal} holds changes not yet in {path.name}, and the home is read-only, so they "
            "cannot be read: copy the home somewhere writable and look there"
        )
    db = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
    db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    return db


def _ledger_file(home: Path, *, create: bool) -> Path:
    """The ledger's path once it is known to be there (or, with `create`, has been made 0600)."""
    path = ledger_path(home)
    try:
        path.stat()
        return path
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LedgerError(
                f"{path} is a symbolic link that leads round in a loop; point it at the ledger "
                "or remove it"
            ) from exc
        raise LedgerError(f"cannot open {path}: {exc.strerror}") from exc
    # Through a dangling link the file is made where the link points, with the mode we promise.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not create:
        if target != path:
            raise InputError(f"{path} links to {target}, which does not exist")
        raise InputError(f"no ledger in {home}: send a round first (`foi-sender send ROUND`)")
    if not home.is_dir():
        raise InputError(f"home folder {home} does not exist")
    try:
        # Created 0600 first: SQLite gives its -wal and -shm files the database's mode.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise LedgerError(f"cannot create {path}: {exc.strerror}") from exc
    return path


def _check_writable(path: Path) -> None:
    """SQLite opens a file it may not write read-only without a word, and fails at the first
    write; asking the system first (as SQLite does) names the cause before anything starts.
    Root too is refused by an immutable file or a read-only mount."""
    try:
        os.close(os.open(path, os.O_RDWR))
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise ReadOnlyLedger(
                f"{path} is read-only: foi-sender cannot record anything ({exc.strerror})"
            ) from exc


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    if db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the lock: another process may have migrated meanwhile.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise _newer_schema(path, version)
        # Statement by statement, not executescript(), which would commit half a migration.
        for script in MIGRATIONS[version:]:
            for statement in _statements(script):
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _newer_schema(path: Path, version: int) -> LedgerError:
    return LedgerError(
        f"{path} was written by a newer foi-sender (schema {version}); upgrade foi-sender"
    )


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _ledger_error(path: Path, exc: sqlite3.Error) -> LedgerError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return LedgerError(f"{path} is locked by another foi-sender process; try again shortly")
    if "not a database" in text or "malformed" in text:
        return LedgerError(f"{path} is not a readable foi-sender ledger ({text}); restore a backup")
    if "readonly" in text or "read-only" in text:
        return ReadOnlyLedger(f"{path} is read-only: foi-sender cannot record anything ({text})")
    return LedgerError(f"{path}: {text}")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _event(row) -> EventRow:
    """A row that cannot be read is returned with its problem rather than raised, so that one bad
    row (a hand edit, a bug of an older release) names itself instead of failing every reader."""
    try:
        on_date, recorded_at = date.fromisoformat(row[3]), _dt(row[4])
        data = json.loads(row[5])
        if not isinstance(data, dict):
            raise ValueError("its data is not a JSON object")
    except (TypeError, ValueError) as exc:
        return EventRow(row[0], row[1], str(row[2]), None, None, {}, f"unreadable row ({exc})")
    return EventRow(row[0], row[1], row[2], on_date, recorded_at, data)


def _message(row) -> MessageRow:
    return MessageRow(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        tuple(row[7].split()) if row[7] else (),
        row[8],
        _dt(row[9]),
        _dt(row[10]),
        row[11],
    )
