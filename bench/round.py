"""A round of N councils through `foi-sender send`, against the floor: bare smtplib, same bytes.

Run from the repository root: .venv/bin/python bench/round.py [--councils N] [--runs R]

A real SMTP server (aiosmtpd, in a thread of this process, on 127.0.0.1) receives both sides:
(a) `foi-sender send bench --all --yes` over SMTP, each run in a fresh home (foi.toml, a
    councils.yaml of N fake councils, no ledger yet), so every run renders, journals and sends the
    whole round: everything real, the ledger on disk with its fsyncs;
(b) the floor: a bare script that sends the same N messages with smtplib over one connection
    (MAIL, RCPT, DATA each), and does nothing else.
Both sides are fresh processes timed from spawn to exit, so each pays for its interpreter and its
imports: the user pays for them too, and a floor without them would only measure the server. The
floor's messages are the very bytes foi-sender writes, taken from one run of the same round through
the outbox transport (only Date and Message-ID differ from run to run). The two sides alternate, so
a slow moment of the machine hits both; prints medians and the ratio (a)/(b), target <= 1.3.

The server answers at loopback speed by default, the hardest case for the ratio: a real server
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
from pathlib import Path

from _common import FOI, PYTHON, REQUESTER, write_home
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

TARGET = 1.3

FLOOR = """\
import pickle, smtplib, sys
with open(sys.argv[1], "rb") as handle:
    messages = pickle.load(handle)
smtp = smtplib.SMTP(sys.argv[2], int(sys.argv[3]))
for sender, to, data in messages:
    smtp.sendmail(sender, [to], data)
smtp.quit()
"""


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


def floor_messages(tmp: Path, councils: int, port: int, env: dict) -> list[tuple]:
    """The round's messages as foi-sender sends them: one run through the outbox transport."""
    home = tmp / "outbox-run"
    write_home(home, councils, smtp_settings(port))
    timed([FOI, "--home", home, "send", "bench", "--all", "--yes", "--transport", "outbox"], env)
    messages = []
    for path in sorted((home / "outbox" / "new").iterdir()):
        data = path.read_bytes()
        to = next(
            line.split(b"<")[-1].rstrip(b">").decode()
            for line in data.split(b"\r\n")
            if line.startswith(b"To: ")
        )
        messages.append((REQUESTER, to, data))
    if len(messages) != councils:
        sys.exit(f"the outbox run wrote {len(messages)} messages, not {councils}")
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=300, help="councils in the round")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side")
    parser.add_argument(
        "--reply-delay",
        type=float,
        default=0.0,
        metavar="MS",
        help="the server waits this long before each reply (default 0: loopback at full speed)",
    )
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOI_SENDER_", "PYTHON"))}
    handler = Counting()
    handler.reply_delay = args.reply_delay / 1000
    port = free_port()
    controller = LenientController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="foi-bench-round-") as tmp:
            tmp = Path(tmp)
            messages = floor_messages(tmp, args.councils, port, env)
            batch = tmp / "messages.pickle"
            batch.write_bytes(pickle.dumps(messages))
            floor = tmp / "floor.py"
            floor.write_text(FLOOR, encoding="utf-8")

            sides = {"foi-sender send": [], "smtplib floor": []}
            sizes = {"foi-sender send": set(), "smtplib floor": set()}
            for run in range(args.runs + 1):  # run 0 warms both sides and is not counted
                home = tmp / f"home-{run}"
                write_home(home, args.councils, smtp_settings(port))
                argvs = {
                    "foi-sender send": [FOI, "--home", home, "send", "bench", "--all", "--yes"],
                    "smtplib floor": [PYTHON, floor, batch, "127.0.0.1", str(port)],
                }
                order = list(argvs) if run % 2 == 0 else list(reversed(argvs))
                for side in order:
                    handler.take()
                    elapsed = timed(argvs[side], env)
                    count, size = handler.take()
                    if count != args.councils:
                        sys.exit(f"{side}: the server got {count} messages, not {args.councils}")
                    if run:
                        sides[side].append(elapsed)
                        sizes[side].add(size)
    finally:
        controller.stop()
        asyncio.set_event_loop(None)

    print(
        f"{args.councils} councils, {args.runs} runs each, server reply delay "
        f"{args.reply_delay:g} ms, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    for side, values in sides.items():
        med = statistics.median(values)
        print(
            f"{side:<16} median {med:6.3f}s  min {min(values):6.3f}s  max {max(values):6.3f}s"
            f"  ({med / args.councils * 1000:5.2f} ms a letter; "
            f"{max(sizes[side]) / args.councils:,.0f} bytes a letter on the wire)"
        )
    if handler.without_helo:
        print(
            f"note: {handler.without_helo} SMTP sessions sent MAIL without EHLO/HELO first (a"
            " strict server answers 503); this server let them through, as Postfix does by default"
        )
    ratio = statistics.median(sides["foi-sender send"]) / statistics.median(sides["smtplib floor"])
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"ratio send / floor: {ratio:.2f}  (target <= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
