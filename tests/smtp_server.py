"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, in a thread, that records
every message it receives and can be told to misbehave.

Load it as a plugin from a test module (tests/ has no __init__.py, so it is importable by name):

    pytest_plugins = ["smtp_server"]

    def test_round(smtp_server, home, run):
        write_smtp_home(home, smtp_server, councils=5)
        smtp_server.inject("rcpt", reply="451 4.3.0 Try again later", rcpt=address("council-003"))
        result = run("send", "r1", "--all", "--yes")
        assert smtp_server.copies()[address("council-003")] == 0

Faults (`inject(stage, action, ...)`), each limited to one recipient (`rcpt=`), to the n-th time the
server reaches that stage (`nth=`, 1-based, counted over the server's life; for `data`, the n-th
message received), from the n-th time on (`since=`) and/or to a number of times (`times=`):

    stage      where                                   actions
    connect    before the 220 greeting                 reply (e.g. 421), drop, stall, delay
    auth       the AUTH exchange                       reply (e.g. 535, 454)
    mail       MAIL FROM                               reply, drop, stall, delay
    rcpt       RCPT TO                                 reply (451, 550), drop, stall, delay
    data_cmd   the DATA command, before 354            reply, drop (close before DATA), stall, delay
    data       after the message was received,         reply (451, 554: not stored), drop and stall
               before the final reply                  (stored: the dangerous case), delay (stored,
                                                        then 250: "accepts slowly")

`drop` closes the connection without a reply; `reply_close` gives the reply, then closes; `stall`
waits `seconds` (longer than the client's timeout) and then drops; `delay` waits `seconds` and then
carries on normally.

Everything the server saw is in `server.log` (one `Event` per command), every message it stored in
`server.messages` (`Received`: envelope, the bytes carried by DATA, the same bytes as an MTA would
store them with Received/X-Peer prepended, the parsed message and the session's AUTH user).
`server.wait_for(predicate)` waits for the server's state from another thread or process.

`write_smtp_home(folder, server, ...)` writes a foi.toml that sends through the server and a
councils.yaml of fake councils (`council-001`... at `council-001@example.gov.uk`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import re
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

STAGES = ("connect", "auth", "mail", "rcpt", "data_cmd", "data")
ACTIONS = ("reply", "reply_close", "drop", "stall", "delay")
SMTP_USER = "alex@example.org"
SMTP_PASSWORD = "pw-Zq7!kV3#unique-s3cret"
REQUESTER_EMAIL = "alex@example.org"
REQUESTER_NAME = "Alex Example"
SERVER_NAME = "smtp.test.invalid"

# aiosmtpd logs every command at info level, and a deprecation warning of its own at each login.
logging.getLogger("mail.log").setLevel(logging.ERROR)


@dataclass
class Fault:
    stage: str
    action: str = "reply"
    reply: str | None = None
    seconds: float = 0.0
    rcpt: str | None = None
    nth: int | None = None
    times: int | None = None
    since: int | None = None
    fired: int = 0

    def __post_init__(self):
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}; one of {STAGES}")
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}; one of {ACTIONS}")
        if self.action in ("reply", "reply_close") and not self.reply:
            raise ValueError("a reply fault needs reply='CODE text'")
        if self.stage == "auth" and self.action != "reply":
            raise ValueError("auth faults can only reply (the authenticator is synchronous)")
        if self.stage == "connect" and self.rcpt:
            raise ValueError("a connect fault cannot know the recipient")


@dataclass(frozen=True)
class Event:
    at: float  # time.monotonic()
    connection: int  # 1-based, in order of arrival
    stage: str  # connect, auth, mail, rcpt, data_cmd, data, replied, closed
    detail: str  # address, user, reply...


@dataclass(frozen=True)
class Received:
    index: int  # 1-based order of arrival
    connection: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes  # exactly what DATA carried (dot-unstuffed), CRLF line ends
    stored: bytes  # as an MTA stores it: Received and X-Peer prepended
    user: str | None  # the session's AUTH user, None if it did not log in
    at: float

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


class _Dropped(Exception):
    """The fault closed the connection; nothing more to do on it."""


class Recorder:
    """The aiosmtpd handler: records, and applies faults. Runs in the server's thread."""

    def __init__(self, users: dict[str, str], require_auth: bool):
        self.users = dict(users)
        self.require_auth = require_auth
        self.faults: list[Fault] = []
        self.log: list[Event] = []
        self.messages: list[Received] = []
        self.auth_attempts: list[tuple[str, str, bool]] = []  # (user, password, accepted)
        # XOAUTH2: (user, token) -> accepted; None: the mechanism is not offered
        self.accept_bearer: Callable[[str, str], bool] | None = None
        self.counts: Counter[str] = Counter()
        self.accepting = False
        self.changed = threading.Condition()

    # bookkeeping
    def record(self, server, stage: str, detail: str = "") -> int:
        """Count and log one stage; returns its server-wide number (for `nth`)."""
        with self.changed:
            self.counts[stage] += 1
            self.log.append(Event(time.monotonic(), _conn(server), stage, detail))
            self.changed.notify_all()
            return self.counts[stage]

    def match(self, stage: str, number: int, rcpts: tuple[str, ...] = ()) -> Fault | None:
        with self.changed:
            for fault in self.faults:
                if fault.stage != stage:
                    continue
                if fault.rcpt and fault.rcpt not in rcpts:
                    continue
                if fault.nth is not None and fault.nth != number:
                    continue
                if fault.since is not None and number < fault.since:
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                fault.fired += 1
                return fault
        return None

    async def apply(self, server, fault: Fault) -> str | None:
        """A reply to give instead of the normal one, or None to carry on; drop never returns."""
        if fault.action == "delay":
            await asyncio.sleep(fault.seconds)
            return None
        if fault.action == "reply":
            return fault.reply
        if fault.action == "reply_close":
            await server.push(fault.reply)
        if fault.action == "stall":
            await asyncio.sleep(fault.seconds)
        self.record(server, "closed", fault.stage)
        if server.transport is not None:
            server.transport.close()
        # connection_lost() cancels this coroutine; should it not, give up on the session here.
        await asyncio.sleep(60)
        raise _Dropped

    # aiosmtpd hooks
    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        number = self.record(server, "auth", user)
        fault = self.match("auth", number)
        accepted = fault is None and self.users.get(user) == password
        with self.changed:
            self.auth_attempts.append((user, password, accepted))
        if fault is not None:
            return AuthResult(success=False, handled=False, message=fault.reply)
        if not accepted:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=user)

    async def auth_XOAUTH2(self, server, args: list[str]) -> AuthResult:
        """OAuth2 as Exchange Online does it: `accept_bearer(user, token)` decides; a refused
        token gets a 334 challenge carrying a JSON status, the client's empty answer, then 535."""
        if self.accept_bearer is None:  # a server that does not know the mechanism
            await server.push("504 5.7.4 Unrecognized authentication type")
            return AuthResult(success=False, handled=True)
        if len(args) > 1:
            response = base64.b64decode(args[1])
        else:
            response = await server.challenge_auth("")
            if response is MISSING:
                return AuthResult(success=False, handled=True)
        match = re.fullmatch(rb"user=([^\x01]*)\x01auth=Bearer ([^\x01]*)\x01\x01", response)
        user, token = (m.decode() for m in match.groups()) if match else ("", "")
        self.record(server, "auth", user)
        accepted = bool(match) and self.accept_bearer(user, token)
        with self.changed:
            self.auth_attempts.append((user, token, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=user)
        status = json.dumps(
            {"status": "401", "schemes": "bearer", "scope": "https://outlook.office.com/SMTP.Send"}
        )
        await server.challenge_auth(status)
        await server.push("535 5.7.3 Authentication unsuccessful")
        return AuthResult(success=False, handled=True)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        number = self.record(server, "mail", address)
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        fault = self.match("mail", number)
        if fault is not None:
            reply = await self.apply(server, fault)
            if reply is not None:
                return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        number = self.record(server, "rcpt", address)
        fault = self.match("rcpt", number, (address,))
        if fault is not None:
            reply = await self.apply(server, fault)
            if reply is not None:
                return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpts = tuple(envelope.rcpt_tos)
        number = self.record(server, "data_end", ",".join(rcpts))
        fault = self.match("data", number, rcpts)
        if fault is not None and fault.action == "reply" and not fault.reply.startswith("2"):
            self.record(server, "replied", fault.reply)
            return fault.reply  # refused: not stored
        raw = bytes(envelope.original_content)
        user = session.auth_data if session.authenticated else None
        peer = f"{session.peer[0]}:{session.peer[1]}" if session.peer else "unknown"
        stored = (
            f"Received: from {session.host_name or 'unknown'} ([{peer}])\r\n"
            f"\tby {SERVER_NAME} (aiosmtpd) with ESMTP; connection {_conn(server)}\r\n"
            f"X-Peer: {peer}\r\n"
        ).encode() + raw
        with self.changed:
            self.messages.append(
                Received(
                    len(self.messages) + 1,
                    _conn(server),
                    envelope.mail_from,
                    rcpts,
                    raw,
                    stored,
                    user,
                    time.monotonic(),
                )
            )
        self.record(server, "data", ",".join(rcpts))
        reply = None
        if fault is not None:
            reply = await self.apply(server, fault)
        reply = reply or f"250 2.0.0 OK queued as m{len(self.messages)}"
        self.record(server, "replied", reply)
        return reply


def _conn(server) -> int:
    return getattr(server, "_foi_connection", 0)


class _FaultySMTP(SMTP):
    """aiosmtpd's SMTP with hooks where its handler API has none: the greeting and DATA command."""

    async def _handle_client(self):
        recorder: Recorder = self.event_handler
        if not recorder.accepting:  # the Controller's own start-up probe
            return await super()._handle_client()
        with recorder.changed:
            recorder.counts["connection"] += 1
            self._foi_connection = recorder.counts["connection"]
        number = recorder.record(self, "connect", str(self.session.peer))
        fault = recorder.match("connect", number)
        if fault is not None:
            try:
                reply = await recorder.apply(self, fault)
            except _Dropped:
                return
            if reply is not None:
                await self.push(reply)
                recorder.record(self, "closed", "connect")
                self.transport.close()
                return
        with contextlib.suppress(_Dropped):
            await super()._handle_client()

    async def smtp_DATA(self, arg):
        recorder: Recorder = self.event_handler
        if recorder.accepting and self.envelope is not None and self.envelope.rcpt_tos:
            rcpts = tuple(self.envelope.rcpt_tos)
            number = recorder.record(self, "data_cmd", ",".join(rcpts))
            fault = recorder.match("data_cmd", number, rcpts)
            if fault is not None:
                reply = await recorder.apply(self, fault)
                if reply is not None:
                    await self.push(reply)
                    return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    """Binds port 0 (a free port, no race) and learns the port before its start-up probe."""

    def factory(self):
        return _FaultySMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpTestServer:
    host = "127.0.0.1"

    def __init__(
        self,
        users: dict[str, str] | None = None,
        *,
        require_auth: bool = False,
    ):
        self.recorder = Recorder(
            {SMTP_USER: SMTP_PASSWORD} if users is None else users, require_auth
        )
        self._controller = _Controller(
            self.recorder,
            hostname=self.host,
            port=0,
            server_hostname=SERVER_NAME,
            authenticator=self.recorder.authenticate,
            auth_require_tls=False,
            ready_timeout=10,
        )
        self.port = 0

    def start(self) -> SmtpTestServer:
        self._controller.start()
        self.port = self._controller.port
        self.recorder.accepting = True
        return self

    def stop(self) -> None:
        self.recorder.accepting = False
        self._controller.stop()

    # faults
    def inject(
        self,
        stage: str,
        action: str = "reply",
        *,
        reply: str | None = None,
        seconds: float = 0.0,
        rcpt: str | None = None,
        nth: int | None = None,
        times: int | None = None,
        since: int | None = None,
    ) -> Fault:
        fault = Fault(stage, action, reply, seconds, rcpt, nth, times, since)
        with self.recorder.changed:
            self.recorder.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.recorder.changed:
            self.recorder.faults.clear()

    # what the server saw
    @property
    def messages(self) -> list[Received]:
        with self.recorder.changed:
            return list(self.recorder.messages)

    @property
    def log(self) -> list[Event]:
        with self.recorder.changed:
            return list(self.recorder.log)

    @property
    def auth_attempts(self) -> list[tuple[str, str, bool]]:
        with self.recorder.changed:
            return list(self.recorder.auth_attempts)

    def count(self, stage: str) -> int:
        """How many times the server reached `stage` (connect, auth, mail, rcpt, data_cmd,
        data_end, data (= stored), replied, closed)."""
        with self.recorder.changed:
            return self.recorder.counts[stage]

    def stage_count(self, stage: str, detail: str) -> int:
        return sum(1 for e in self.log if e.stage == stage and e.detail == detail)

    def copies(self) -> Counter[str]:
        """Messages stored per recipient address."""
        counter: Counter[str] = Counter()
        for message in self.messages:
            counter.update(message.rcpt_tos)
        return counter

    def wait_for(self, predicate: Callable[[SmtpTestServer], bool], timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        with self.recorder.changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.recorder.changed.wait(min(left, 0.05))
        return True


@contextlib.contextmanager
def running_smtp_server(**kwargs) -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


# ---------------------------------------------------------------------------------------------
# A test home that sends through the server


def council_id(number: int) -> str:
    return f"council-{number:03d}"


def address(council: str | int) -> str:
    return f"{council_id(council) if isinstance(council, int) else council}@example.gov.uk"


def council_name(number: int) -> str:
    # Every seventh has a non-ASCII (Welsh) name, so encoded To headers are exercised.
    return f"Cyngor Prawf Môn {number:03d}" if number % 7 == 0 else f"Test Borough {number:03d}"


def write_councils(folder: Path, councils: int, without_address: tuple[int, ...] = ()) -> list[str]:
    """councils.yaml with `councils` fake councils; the numbers in `without_address` have none."""
    lines = ["councils:"]
    for number in range(1, councils + 1):
        lines += [
            f"  - id: {council_id(number)}",
            f'    name: "{council_name(number)}"',
            f"    nation: {'Wales' if number % 7 == 0 else 'England'}",
            "    regime: FOIA",
        ]
        if number not in without_address:
            lines += [
                f"    foi_email: {address(number)}",
                '    email_source: "test fixture"',
            ]
    (folder / "councils.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [council_id(n) for n in range(1, councils + 1)]


def write_smtp_home(
    folder: Path,
    server: SmtpTestServer | None,
    *,
    councils: int = 5,
    without_address: tuple[int, ...] = (),
    login: bool = False,
    user: str = SMTP_USER,
    timeout: float = 1.0,
    retries: int = 2,
    retry_delay: float = 0.01,
    transport: str = "smtp",
    requester_name: str = REQUESTER_NAME,
    rate_per_minute: float = 0,
) -> Path:
    """foi.toml (0600) sending through `server`, and councils.yaml; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    port = server.port if server else 25
    toml = f"""\
[requester]
name = "{requester_name}"
email = "{REQUESTER_EMAIL}"
organisation = "Example Care Ltd"

[send]
transport = "{transport}"
rate_per_minute = {rate_per_minute}

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
login = {"true" if login else "false"}
user = "{user}"
timeout = {timeout}
retries = {retries}
retry_delay = {retry_delay}
"""
    path = folder / "foi.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(toml)
    write_councils(folder, councils, without_address)
    return folder


@dataclass(frozen=True)
class LedgerRow:
    round: str
    council: str
    status: str  # the journal's own: queued, sending, sent, failed, uncertain
    message_id: str
    attempts: int


def ledger_rows(home: Path) -> dict[str, LedgerRow]:
    """Each council's request letter, read straight from foi.sqlite (one round per home)."""
    path = home / "foi.sqlite"
    if not path.exists():
        return {}
    db = sqlite3.connect(path, timeout=10)
    try:
        rows = db.execute(
            "SELECT r.name, q.council_id, m.status, m.message_id,"
            " (SELECT COUNT(*) FROM attempts a WHERE a.message_id = m.id)"
            " FROM messages m JOIN requests q ON q.id = m.request_id"
            " JOIN rounds r ON r.id = q.round_id WHERE m.kind = 'request' ORDER BY m.id"
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # created, not yet migrated: a process died right there
            return {}
        raise
    finally:
        db.close()
    return {row[1]: LedgerRow(*row) for row in rows}


def foi_sender_command() -> str:
    """The venv's foi-sender console script: next to the Python running the tests (unresolved:
    the venv's python is a symlink to the system's, whose folder has no foi-sender)."""
    return str(Path(sys.executable).parent / "foi-sender")


# ---------------------------------------------------------------------------------------------
# Summary tables printed at the end of the run (quotable figures for the closing note)

SUMMARIES: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}


def add_summary_row(title: str, headers: tuple[str, ...], row: tuple) -> None:
    SUMMARIES.setdefault(title, (headers, []))[1].append(row)


def tally(title: str, headers: tuple[str, ...], row: tuple) -> None:
    """Add `row`, or add its numbers to the row with the same first column (other columns:
    distinct values joined with /)."""
    rows = SUMMARIES.setdefault(title, (headers, []))[1]
    for index, existing in enumerate(rows):
        if existing[0] == row[0]:
            merged = [row[0]]
            for old, new in zip(existing[1:], row[1:], strict=True):
                if isinstance(old, int) and isinstance(new, int):
                    merged.append(old + new)
                else:
                    values = str(old).split("/")
                    merged.append(str(old) if str(new) in values else f"{old}/{new}")
            rows[index] = tuple(merged)
            return
    rows.append(tuple(row))


def format_rows(headers: tuple[str, ...], rows: list[tuple]) -> str:
    cells = [tuple(str(v) for v in row) for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(line.format(*r).rstrip() for r in [headers, *cells])


def pytest_terminal_summary(terminalreporter):
    for title, (headers, rows) in SUMMARIES.items():
        if rows:
            terminalreporter.write_sep("-", title)
            terminalreporter.write_line(format_rows(headers, rows))
