"""Replies from the mailbox: fetch (IMAP) or import (.eml, Maildir, mbox), store each message once,
classify it, match it to a request and record it through lifecycle; the rest waits in a holding
pen (`inbox pending`) until the user assigns or ignores it.

Exactly once: a message is journaled `stored` (its raw bytes already on disk) before anything is
recorded, and `processed` after; the event it records names it, so a run stopped in between
settles it on the next run without recording it again. IMAP moves happen only after that.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as replace_context
from datetime import date
from pathlib import Path

import foi_sender.inbox.journal as journal
import foi_sender.inbox.store as store
from foi_sender import deadlines
from foi_sender.config import extra_holidays, now, write_new_files
from foi_sender.errors import InputError
from foi_sender.inbox.match import Match, build_index
from foi_sender.inbox.record import Context, Outcome, decide
from foi_sender.inbox.sources import ImapMailbox, Incoming, from_paths
from foi_sender.ledger import Ledger, open_ledger, read_ledger
from foi_sender.replies.mail import header_text, parse


@dataclass(frozen=True)
class Line:
    """One message's line of output."""

    id: int | None
    origin: str
    kind: str
    council: str | None
    state: str
    result: str
    rule: str | None
    sender: str | None = None
    subject: str | None = None

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    moved: int = 0

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in self.lines:
            label = _summary_label(line)
            counts[label] = counts.get(label, 0) + 1
        return counts


def _summary_label(line: Line) -> str:
    if line.state == "processed":
        return {"bounce": "bounced", "out_of_office": "logged", "delayed": "logged"}.get(
            line.kind, "recorded"
        )
    return line.state


class Run:
    """One pass over a source; `total` is known before `process` starts (for a progress bar)."""

    def __init__(self, home: Path, settings, items: list[Incoming], *, dry_run: bool = False):
        self.home = home
        self.settings = settings
        self.items = items
        self.dry_run = dry_run
        self.ledger: Ledger = open_ledger(home, create=False)
        self.mailbox: ImapMailbox | None = None
        self.folder: tuple[str, int] | None = None  # IMAP folder and its UIDVALIDITY
        self.move_to: str | None = None
        self._held: list[tuple] = []  # (line number, row id, message, raw file) held this run

    @property
    def total(self) -> int:
        return len(self.items)

    def close(self) -> None:
        self.ledger.close()
        if self.mailbox is not None:
            self.mailbox.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def process(self, progress: Callable[[Line], None] | None = None) -> Report:
        ctx = _context(self.home, self.settings, self.ledger, self.dry_run)
        report = Report()
        for start in range(0, len(self.items), BATCH):
            batch = [_Loaded.of(item) for item in self.items[start : start + BATCH]]
            if self.dry_run:
                for loaded in batch:
                    report.lines.append(_dry(ctx, loaded))
                    if progress:
                        progress(report.lines[-1])
                continue
            to_move = self._batch(ctx, batch, report, progress)
            if self.mailbox is not None:
                # Only now, with every record and the journal committed, do messages move.
                if to_move and self.move_to:
                    self.mailbox.move(to_move, self.move_to)
                    report.moved += len(to_move)
                journal.set_folder_state(
                    self.ledger, self.mailbox.account, *self.folder, batch[-1].item.uid
                )
        if self._held:
            self._second_look(ctx, report)
        return report

    def _second_look(self, ctx: Context, report: Report) -> None:
        """Messages held this run, tried once more: a council's answer that arrived before its
        acknowledgement is matched by the reference the acknowledgement taught."""
        settled, to_move = [], []
        for number, row_id, loaded, path in self._held:
            outcome = decide(ctx, loaded.msg, loaded.key, path)
            if outcome.state == "held":
                continue
            settled.append((row_id, outcome))
            report.lines[number] = _line(ctx, row_id, loaded, outcome)
            if outcome.recorded and loaded.item.uid is not None:
                to_move.append(loaded.item.uid)
        journal.settle_many(self.ledger, settled, now())
        if self.mailbox is not None and to_move and self.move_to:
            self.mailbox.move(to_move, self.move_to)
            report.moved += len(to_move)

    def _batch(self, ctx: Context, batch: list[_Loaded], report: Report, progress) -> list:
        """Store the batch (files, then one commit), then settle each message; the UIDs of the
        messages that recorded something."""
        rows, new = self._store(batch)
        settled: list[tuple[int, Outcome]] = []
        done: set[str] = set()
        to_move = []
        for loaded in batch:
            row = rows[loaded.key]
            if row.state != "stored" or loaded.key in done:
                line = _seen(ctx, loaded, row)
                # Read before (a run stopped before its move): moved if it recorded something.
                recorded = (
                    loaded.item.uid is not None
                    and journal.recorded_event(self.ledger, loaded.key) is not None
                )
            else:
                done.add(loaded.key)
                # Only a message journaled by an earlier run can have recorded something already.
                earlier = None if loaded.key in new else _recovered(self.ledger, loaded.key)
                outcome = earlier or decide(ctx, loaded.msg, loaded.key, self.home / row.path)
                settled.append((row.id, outcome))
                line = _line(ctx, row.id, loaded, outcome)
                recorded = outcome.recorded
                if outcome.state == "held" and outcome.request_id is None:
                    # Unmatched (not refused by the request): a later message may teach a match.
                    self._held.append((len(report.lines), row.id, loaded, self.home / row.path))
            if recorded and loaded.item.uid is not None:
                to_move.append(loaded.item.uid)
            report.lines.append(line)
            if progress:
                progress(line)
        journal.settle_many(self.ledger, settled, now())
        return to_move

    def _store(self, batch: list[_Loaded]) -> tuple[dict[str, journal.InboxRow], set[str]]:
        """Raw bytes and attachments written (and synced) before one commit journals them; the
        batch's rows, and the keys journaled now."""
        new, files, keys = [], [], set()
        for loaded in batch:
            # A message twice in one batch (an mbox with a copy) is written once.
            if loaded.key not in keys and journal.find(self.ledger, loaded.key) is None:
                keys.add(loaded.key)
                path, to_write = store.store(self.home, loaded.key, loaded.raw, loaded.msg)
                new.append((loaded, path))
                files += to_write
        write_new_files(files, 0o600)
        journal.add_stored(
            self.ledger,
            [
                (loaded.key, path, loaded.item.origin, loaded.sender, loaded.subject, loaded.date)
                for loaded, path in new
            ],
            now(),
        )
        rows = {loaded.key: journal.find(self.ledger, loaded.key) for loaded in batch}
        return rows, keys


BATCH = 50


@dataclass(frozen=True)
class _Loaded:
    item: Incoming
    raw: bytes
    msg: object
    key: str
    sender: str | None
    subject: str | None
    date: str | None

    @classmethod
    def of(cls, item: Incoming) -> _Loaded:
        raw = item.load()
        msg = parse(raw)
        return cls(
            item,
            raw,
            msg,
            store.message_key(msg, raw),
            _header(msg, "from"),
            _header(msg, "subject"),
            _header(msg, "date"),
        )


def _seen(ctx: Context, loaded: _Loaded, row: journal.InboxRow) -> Line:
    return Line(
        row.id,
        loaded.item.origin,
        row.kind or "unread",
        _council(ctx, row.request_id),
        "seen",
        f"already read ({row.state})",
        row.rule,
        loaded.sender,
        loaded.subject,
    )


def _header(msg, name: str) -> str | None:
    return header_text(msg, name)[:300] or None


def _recovered(ledger: Ledger, key: str) -> Outcome | None:
    """A run that recorded this message and stopped before settling it: settle it now."""
    found = journal.recorded_event(ledger, key)
    if found is None:
        return None
    request_id, event = found
    kind = "clarification" if event == "clarification_requested" else event
    return Outcome(
        "processed",
        kind,
        f"{event} recorded by a run that stopped; settled now",
        request_id=request_id,
        rule="recorded earlier",
        recorded=True,
    )


def _dry(ctx: Context, loaded: _Loaded) -> Line:
    row = journal.find(ctx.ledger, loaded.key)
    if row is not None and row.state != "stored":
        return _seen(ctx, loaded, row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "message.eml"
        path.write_bytes(loaded.raw)
        outcome = decide(ctx, loaded.msg, loaded.key, path)
    return _line(ctx, None, loaded, outcome)


def _line(ctx: Context, row_id: int | None, loaded: _Loaded, outcome: Outcome) -> Line:
    return Line(
        row_id,
        loaded.item.origin,
        outcome.kind,
        _council(ctx, outcome.request_id),
        outcome.state,
        outcome.result,
        outcome.rule,
        loaded.sender,
        loaded.subject,
    )


def _council(ctx: Context, request_id: int | None) -> str | None:
    if request_id is None or request_id not in ctx.index.candidates:
        return None
    request = ctx.index.candidates[request_id].state.request
    return f"{request.round_name}/{request.council_id}"


def _context(home: Path, settings, ledger: Ledger, dry_run: bool) -> Context:
    from foi_sender.registry import load_registry

    try:
        registry = load_registry(home)
    except InputError:
        registry = None  # a broken registry must not stop the inbox: letters' addresses still match
    domains = {
        council.id: {
            a.rpartition("@")[2].lower() for a in (council.foi_email, council.review_email) if a
        }
        for council in (registry.councils if registry else ())
    }
    extra = extra_holidays(settings)
    today = deadlines.today()
    index = build_index(ledger, domains, today, extra)
    rounds = ledger.rounds()
    templates = {r.name: r.template for r in rounds}
    latest = rounds[-1].template if rounds else None
    return Context(
        home, settings, ledger, index, today, extra, registry, templates, latest, dry_run
    )


# ---- the commands


def import_paths(home: Path, settings, paths: list[Path], *, dry_run: bool = False) -> Run:
    return Run(home, settings, from_paths(paths), dry_run=dry_run)


def fetch(
    home: Path,
    settings,
    *,
    folder: str | None,
    since: date | None,
    move_to: str | None,
    dry_run: bool,
) -> Run:
    """Connect, select the folder and list the new messages; `Run.process` reads them."""
    if settings.imap is None:
        raise InputError("no [imap] settings in foi.toml: add host, port, security and user")
    chosen = folder or settings.imap.folder
    run = Run(home, settings, [], dry_run=dry_run)
    try:
        run.mailbox = ImapMailbox(settings.imap)
        run.mailbox.open()
        validity = run.mailbox.select(chosen)
        known = journal.folder_state(run.ledger, run.mailbox.account, chosen)
        # A new UIDVALIDITY means the server renumbered the folder: read it all again; what
        # was read before is known by its Message-ID and not recorded twice.
        last = known[1] if known and known[0] == validity else 0
        uids = run.mailbox.new_uids(last, since)
        messages = dict(run.mailbox.fetch(uids)) if uids else {}
    except BaseException:
        run.close()
        raise
    run.folder = (chosen, validity)
    run.move_to = move_to
    run.items = [
        Incoming(f"{chosen} UID {uid}", lambda data=data: data, uid)
        for uid, data in messages.items()
    ]
    return run


def pending(home: Path) -> list[journal.InboxRow]:
    ledger = read_ledger(home)
    try:
        return journal.in_state(ledger, "held")
    finally:
        ledger.close()


def _held(ledger: Ledger, message: int, verb: str) -> journal.InboxRow:
    row = journal.get(ledger, message)
    if row is None:
        raise InputError(f"no inbox message #{message} (see `foi-sender inbox pending`)")
    if row.state != "held":
        raise InputError(f"message #{message} is {row.state}, not held: nothing to {verb}")
    return row


def assign(
    home: Path, settings, message: int, round_name: str, council_id: str, *, replace: bool = False
) -> Line:
    """Settle a held message as being about ROUND's request to COUNCIL; `replace`: its answer
    takes the place of one recorded before."""
    ledger = open_ledger(home, create=False)
    try:
        row = _held(ledger, message, "assign")
        ctx = replace_context(_context(home, settings, ledger, dry_run=False), replace=replace)
        request = ledger.get_request(ledger.require_round(round_name).id, council_id)
        if request is None:
            raise InputError(f"round {round_name!r} has no request to {council_id!r}")
        path = home / row.path
        msg = parse(path.read_bytes())
        forced = Match(request.id, "assigned by you")
        outcome = _recovered(ledger, row.key) or decide(ctx, msg, row.key, path, forced)
        if outcome.state == "held":
            raise InputError(f"message #{message}: {outcome.result.removeprefix('held: ')}")
        journal.settle_many(ledger, [(row.id, outcome)], now())
        return Line(
            row.id,
            row.source,
            outcome.kind,
            _council(ctx, outcome.request_id),
            outcome.state,
            outcome.result,
            outcome.rule,
            row.sender,
            row.subject,
        )
    finally:
        ledger.close()


def ignore(home: Path, message: int) -> None:
    ledger = open_ledger(home, create=False)
    try:
        row = _held(ledger, message, "ignore")
        journal.ignore(ledger, row.id, now())
    finally:
        ledger.close()


def confirm(home: Path, settings, round_name: str | None, council_id: str | None) -> list[str]:
    """Confirm the outcomes read from councils' replies: every unconfirmed one, or one request's."""
    from foi_sender.lifecycle import Located, confirm_outcome, request_state

    ledger = open_ledger(home, create=False)
    try:
        extra = extra_holidays(settings)
        today = deadlines.today()
        round_id = ledger.require_round(round_name).id if round_name else None
        states = [request_state(ledger, r, today, extra) for r in ledger.requests(round_id)]
        chosen = [s for s in states if s.unconfirmed and council_id in (None, s.request.council_id)]
        if council_id and not chosen:
            raise InputError(f"no unconfirmed outcome for {council_id}")
        done = []
        for state in chosen:
            outcome = confirm_outcome(Located(ledger, state, tuple(extra)), today=today)
            done.append(f"{state.request.round_name}/{state.request.council_id}: {outcome}")
        return done
    finally:
        ledger.close()
