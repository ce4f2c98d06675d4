"""Issue 11, class "locks": whether a letter is due is decided again inside the send lock, just
before it is queued, so two terminals never send the same follow-up twice.

Two real `foi-sender` processes against the real SMTP server fixture: B shows its letters and waits
at the confirmation prompt (on a pseudo-terminal, as a user would); meanwhile A sends the same
letters with --yes; then B's user answers y.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import (  # noqa: E402
    SmtpTestServer,
    address,
    council_id,
    foi_sender_command,
    write_smtp_home,
)

pytest_plugins = ["smtp_server"]

SENT = "2025-04-14T09:30:00+01:00"
OVERDUE = "2025-05-20T12:00:00+01:00"  # due 15 May: every request is overdue


def foi(home: Path, when: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [foi_sender_command(), "--home", str(home), *args],
        env={**os.environ, "FOI_SENDER_NOW": when},
        **kwargs,
    )


def finished(proc: subprocess.Popen, timeout: float = 30) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


class Prompted:
    """A foi-sender process on a pseudo-terminal (stdin, stdout and stderr: input() writes its
    prompt to stderr when both ends are a terminal), stopped at its confirmation prompt."""

    def __init__(self, home: Path, when: str, *args: str):
        self.master, slave = pty.openpty()
        self.proc = foi(home, when, *args, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.output = b""

    def wait_for(self, text: bytes, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} from foi-sender: {self.output!r}"
            if select.select([self.master], [], [], left)[0]:
                self.output += os.read(self.master, 4096)

    def answer(self, line: bytes) -> tuple[int, str]:
        os.write(self.master, line)
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            self.output += chunk
        self.proc.wait(timeout=30)
        os.close(self.master)
        return self.proc.returncode, self.output.decode()


@pytest.fixture
def sent_round(smtp_server: SmtpTestServer, home: Path) -> Path:
    write_smtp_home(home, smtp_server, councils=3, timeout=5)
    code, out, err = finished(
        foi(home, SENT, "send", "r1", "--all", "--yes", stdout=subprocess.PIPE, text=True)
    )
    assert code == 0 and "Sent 3." in out, err
    assert len(smtp_server.messages) == 3
    return home


def race(home: Path, waiting_args: tuple[str, ...], prompt: bytes) -> str:
    """B waits at the prompt, A sends with --yes, then B says yes; returns B's output."""
    b = Prompted(home, OVERDUE, *waiting_args)
    try:
        b.wait_for(prompt)
        a_code, a_out, a_err = finished(
            foi(home, OVERDUE, *waiting_args, "--yes", stdout=subprocess.PIPE, text=True)
        )
        assert a_code == 0, a_err
        code, out = b.answer(b"y\n")
    finally:
        if b.proc.poll() is None:
            b.proc.kill()
    assert code == 0, out
    return out


def test_chase_confirmed_after_another_terminal_chased_sends_nothing_twice(smtp_server, sent_round):
    out = race(sent_round, ("chase", "r1", "--send"), b"Send 3 letter(s)?")

    chasers = smtp_server.messages[3:]
    assert sorted(m.rcpt_tos[0] for m in chasers) == [address(n) for n in (1, 2, 3)]
    assert all(m.message["Subject"].startswith("Overdue") for m in chasers), [
        m.message["Subject"] for m in chasers
    ]
    assert "Sent 0." in out
    for n in (1, 2, 3):
        assert f"Not sent: {council_id(n)}: another run queued this letter meanwhile" in out


def test_review_confirmed_after_another_terminal_sent_it_sends_nothing_twice(
    smtp_server, sent_round
):
    args = ("review", "r1", council_id(1), "--grounds", "No answer yet.", "--send")
    out = race(sent_round, args, b"Send 1 letter(s)?")

    reviews = smtp_server.messages[3:]
    assert [m.rcpt_tos for m in reviews] == [(address(1),)]
    assert reviews[0].message["Subject"].startswith("Request for internal review")
    assert "Sent 0." in out
    assert f"Not sent: {council_id(1)}: another run queued this letter meanwhile" in out


def test_a_chaser_prepared_before_the_council_answered_is_not_sent(
    smtp_server, sent_round, monkeypatch
):
    """The decision is taken again from the ledger as it is when the letter is queued."""
    from foi_sender.config import load_settings
    from foi_sender.followups import prepare_chase, send_prepared

    monkeypatch.setenv("FOI_SENDER_NOW", OVERDUE)
    settings = load_settings(sent_round)
    prepared = prepare_chase(sent_round, settings, "r1")
    assert len(prepared.followups) == 3
    code, out, err = finished(
        foi(
            sent_round,
            OVERDUE,
            *("respond", "r1", council_id(2), "--on", "2025-05-19", "--outcome", "successful"),
            stdout=subprocess.PIPE,
            text=True,
        )
    )
    assert code == 0, err

    report = send_prepared(sent_round, settings, prepared)

    assert sorted(report.sent) == [council_id(1), council_id(3)]
    assert report.skipped == [(council_id(2), "no longer overdue (successful)")]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages[3:]) == [address(1), address(3)]
