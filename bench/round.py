"""A round of N councils through `foi-sender send`, against three floors, in the same run.

Run from the repository root: .venv/bin/python bench/round.py [--councils N ...] [--runs R]

A real SMTP server (aiosmtpd, in a thread of this process, on 127.0.0.1) receives every side:
(a) `foi-sender send bench --all --yes` over SMTP, each run in a fresh home (foi.toml, a
    councils.yaml of N fake councils, no ledger yet), so every run renders, journals and sends the
    whole round: everything real, the ledger on disk with its fsyncs;
(A) floor A: a bare script that builds each message with the standard library's EmailMessage
    (the same From, To, Subject, Message-ID and body as foi-sender's, a Date of its own) and sends
    it with smtplib over one connection, and does nothing else;
(B) floor B: floor A plus two fsynced SQLite commits a message (WAL, synchronous = FULL: one
    before the SMTP transaction, one after), which is what sending exactly once costs;
(C) the pre-built floor: smtplib sending foi-sender's very bytes over one connection, building
    nothing: little but the server and the interpreter;
(L) the libraries' floor: floor A after importing the libraries a round of foi-sender cannot do
    without (click, Jinja2, PyYAML, yagmail, sqlite3, tomllib; keyring refused, as foi-sender
    refuses it when no password is looked up there): the least any sender built on them takes.
(before) with --baseline DIR: `foi-sender send` again, run from another copy of the package and
    its templates (say `git archive main foi_sender templates | tar -x -C DIR`) in the same
    interpreter and venv, so a change is timed beside what it replaces, under the same load.
The floors' letters are foi-sender's own, taken from one run of the same round through the outbox
transport. Every side is a fresh process timed from spawn to exit, so each pays for its interpreter
and its imports: the user pays for them too. The sides alternate in turn, so a slow moment of the
machine hits them all; prints medians and the ratios of (a) to each floor, for each round size.

The server answers at loopback speed by default, the hardest case for the ratios: a real server
takes milliseconds to answer each command. --reply-delay MS makes this one wait before each reply,
to see where a round's own costs stop mattering. The server takes MAIL without EHLO/HELO, as
Postfix does by default, and says so if a client relied on that.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from _common import FOI, PYTHON, REQUESTER, write_home
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

SIZES = (50, 300, 1000)
TARGET_A = 1.3  # at 300 councils, and flat from 50 to 1,000
TARGET_B = 1.1

# argv: letters.pickle host port [journal.sqlite]
FLOOR_BUILT = """\
import pickle, smtplib, sqlite3, sys
from email.message import EmailMessage
from email.utils import format_datetime, localtime
with open(sys.argv[1], "rb") as handle:
    letters = pickle.load(handle)
db = None
if len(sys.argv) > 4:
    db = sqlite3.connect(sys.argv[4], isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE journal (id TEXT PRIMARY KEY, status TEXT)")
smtp = smtplib.SMTP(sys.argv[2], int(sys.argv[3]))
for sender, to, subject, message_id, body in letters:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = message_id
    msg.set_content(body)
    if db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO journal VALUES (?, 'sending')", (message_id,))
        db.execute("COMMIT")
    smtp.send_message(msg)
    if db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE journal SET status = 'sent' WHERE id = ?", (message_id,))
        db.execute("COMMIT")
smtp.quit()
"""

# The same, after importing what foi-sender's send path is built on.
FLOOR_LIBRARIES = (
    "import sys\n"
    "sys.modules['keyring'] = None\n"
    "import click, jinja2.sandbox, sqlite3, tomllib, yaml, yagmail\n"
    "del sys.modules['keyring']\n"
) + FLOOR_BUILT

FLOOR_BYTES = """\
import pickle, smtplib, sys
with open(sys.argv[1], "rb") as handle:
    messages = pickle.load(handle)
smtp = smtplib.SMTP(sys.argv[2], int(sys.argv[3]))
for sender, to, data in messages:
    smtp.sendmail(sender, [to], data)
smtp.quit()
"""

SEND = "foi-sender send"
BASELINE = "baseline send (--baseline)"
# argv: DIR foi-sender-args...: the CLI from the copy of the package in DIR, not the installed one
RUN_BASELINE = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'foi-sender'; "
    "from foi_sender.cli import main; sys.exit(main())"
)
FLOOR_A = "floor A: EmailMessage+smtplib"
FLOOR_B = "floor B: A + 2 fsynced commits"
FLOOR_C = "floor C: pre-built bytes"
FLOOR_L = "floor L: A + the libraries' imports"
FLOORS = (FLOOR_A, FLOOR_B, FLOOR_C, FLOOR_L)


class Counting:
    """The server's handler: counts messages and bytes, keeps nothing else."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = 0
        self.bytes = 0
        self.without_helo = 0  # sessions that sent MAIL before any EHLO/HELO
        self.reply_delay = 0.0  # seconds before each final reply: a server that is not loopback

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            self.bytes += len(envelope.content)
        return "250 2.0.0 Ok: queued"

    def take(self) -> tuple[int, int]:
        with self.lock:
            counts = (self.messages, self.bytes)
            self.messages = self.bytes = 0
        return counts


class Lenient(SMTP):
    """Takes MAIL without a greeting first, as Postfix does by default (smtpd_helo_required = no),
    and counts such sessions: RFC 5321 wants EHLO, and aiosmtpd would answer 503."""

    async def check_helo_needed(self, helo: str = "HELO") -> bool:
        if not self.session.host_name:
            with self.event_handler.lock:
                self.event_handler.without_helo += 1
            self.session.host_name = "(no greeting)"
        return False

    async def push(self, status: str) -> None:
        if self.event_handler.reply_delay and status[3:4] == " ":  # "250-..." lines go at once
            await asyncio.sleep(self.event_handler.reply_delay)
        await super().push(status)


class LenientController(Controller):
    def factory(self):
        return Lenient(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings(port: int) -> str:
    return (
        '[send]\ntransport = "smtp"\n\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nlogin = false\n'
    )


def timed(argv: list, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def floor_letters(tmp: Path, councils: int, port: int, env: dict) -> tuple[list, list]:
    """The round's letters as foi-sender sends them, from one run through the outbox transport:
    their fields (for floors A and B) and their bytes (for floor C)."""
    home = tmp / f"outbox-run-{councils}"
    write_home(home, councils, smtp_settings(port))
    timed([FOI, "--home", home, "send", "bench", "--all", "--yes", "--transport", "outbox"], env)
    fields, raw = [], []
    for path in sorted((home / "outbox" / "new").iterdir()):
        data = path.read_bytes()
        msg = message_from_bytes(data, policy=policy.default)
        to = msg["To"].addresses[0].addr_spec
        fields.append(
            (str(msg["From"]), str(msg["To"]), str(msg["Subject"]), msg["Message-ID"],
             msg.get_content())
        )  # fmt: skip
        raw.append((REQUESTER, to, data))
    if len(raw) != councils:
        sys.exit(f"the outbox run wrote {len(raw)} messages, not {councils}")
    return fields, raw


def measure(
    tmp: Path, councils: int, runs: int, port: int, env: dict, handler, baseline: Path | None
) -> dict:
    """Median seconds of each side for a round of `councils`, and the bytes a letter."""
    fields, raw = floor_letters(tmp, councils, port, env)
    letters, messages = tmp / f"letters-{councils}.pickle", tmp / f"bytes-{councils}.pickle"
    letters.write_bytes(pickle.dumps(fields))
    messages.write_bytes(pickle.dumps(raw))
    built, pre_built = tmp / "floor_built.py", tmp / "floor_bytes.py"
    with_libraries = tmp / "floor_libraries.py"
    built.write_text(FLOOR_BUILT, encoding="utf-8")
    pre_built.write_text(FLOOR_BYTES, encoding="utf-8")
    with_libraries.write_text(FLOOR_LIBRARIES, encoding="utf-8")
    sides = (SEND, BASELINE) if baseline else (SEND,)
    times: dict[str, list[float]] = {side: [] for side in (*sides, *FLOORS)}
    sizes: dict[str, int] = {}
    server = ["127.0.0.1", str(port)]
    for run in range(runs + 1):  # run 0 warms every side and is not counted
        home = tmp / f"home-{councils}-{run}"
        write_home(home, councils, smtp_settings(port))
        journal = tmp / f"journal-{councils}-{run}.sqlite"
        send = ["send", "bench", "--all", "--yes"]
        argvs = {
            SEND: [FOI, "--home", home, *send],
            FLOOR_A: [PYTHON, built, letters, *server],
            FLOOR_B: [PYTHON, built, letters, *server, journal],
            FLOOR_C: [PYTHON, pre_built, messages, *server],
            FLOOR_L: [PYTHON, with_libraries, letters, *server],
        }
        if baseline:
            before = tmp / f"home-{councils}-{run}-baseline"
            write_home(before, councils, smtp_settings(port))
            argvs[BASELINE] = [PYTHON, "-c", RUN_BASELINE, baseline, "--home", before, *send]
        order = list(argvs)
        order = order[run % len(order) :] + order[: run % len(order)]
        for side in order:
            handler.take()
            elapsed = timed(argvs[side], env)
            count, size = handler.take()
            if count != councils:
                sys.exit(f"{side}: the server got {count} messages, not {councils}")
            if run:
                times[side].append(elapsed)
                sizes[side] = size // councils
    return {side: (statistics.median(values), min(values), sizes[side])
            for side, values in times.items()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--councils", type=int, nargs="+", default=list(SIZES), help="round sizes to measure"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side and size")
    parser.add_argument(
        "--reply-delay",
        type=float,
        default=0.0,
        metavar="MS",
        help="the server waits this long before each reply (default 0: loopback at full speed)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        help="where the homes and journals go (default: the system's temporary folder); "
        "/dev/shm takes the disk's fsyncs out of the figures",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="a folder holding another copy of the foi_sender package, timed beside this one",
    )
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOI_SENDER_", "PYTHON"))}
    handler = Counting()
    handler.reply_delay = args.reply_delay / 1000
    port = free_port()
    controller = LenientController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    results = {}
    try:
        with tempfile.TemporaryDirectory(prefix="foi-bench-round-", dir=args.dir) as tmp:
            for councils in args.councils:
                results[councils] = measure(
                    Path(tmp), councils, args.runs, port, env, handler, args.baseline
                )
    finally:
        controller.stop()
        asyncio.set_event_loop(None)

    print(
        f"medians of {args.runs} runs, server reply delay {args.reply_delay:g} ms, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"files in {args.dir or tempfile.gettempdir()}"
    )
    for councils, sides in results.items():
        print(f"\n{councils} councils")
        for side, (med, least, size) in sides.items():
            print(
                f"  {side:<36} {med:7.3f} s  (min {least:6.3f} s; {med / councils * 1000:5.2f} ms"
                f" and {size:,} bytes a letter)"
            )
        for label, pick in (("medians", 0), ("minimums", 1)):
            for name, side in (("send", SEND), ("baseline", BASELINE)):
                if side not in sides:
                    continue
                took = sides[side][pick]
                ratio = {floor: took / sides[floor][pick] for floor in FLOORS}
                print(
                    f"  ratios of {label}: {name} / A {ratio[FLOOR_A]:.2f} (target <= {TARGET_A}),"
                    f" {name} / B {ratio[FLOOR_B]:.2f} (target <= {TARGET_B}),"
                    f" {name} / pre-built {ratio[FLOOR_C]:.2f}, {name} / L {ratio[FLOOR_L]:.2f}"
                )
            least = sides[FLOOR_L][pick] / sides[FLOOR_A][pick]
            print(
                f"  ratio of {label}: floor L / floor A {least:.2f}"
                + (
                    f": importing the libraries alone is over {TARGET_A}x"
                    if least > TARGET_A
                    else ""
                )
            )
    if handler.without_helo:
        print(
            f"\nnote: {handler.without_helo} SMTP sessions sent MAIL without EHLO/HELO first (a"
            " strict server answers 503); this server let them through, as Postfix does by default"
        )


if __name__ == "__main__":
    main()
