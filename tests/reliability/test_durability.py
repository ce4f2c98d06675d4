"""One fsync a letter (issue 15): a letter's `sending` mark (claim) is fsynced before any byte
of it goes out; its `sent` mark (finish) is committed without an fsync of its own and becomes
durable with the next letter's claim, or when the ledger is closed. Counted with strace on the
installed `foi-sender send` against the real test SMTP server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import foi_sender_command, ledger_rows, write_smtp_home  # noqa: E402

pytest_plugins = ["smtp_server"]

SYNC = re.compile(r"^\d+\s+(fsync|fdatasync)\((\d+)<([^>]*)>\)\s+=\s+0$")


def synced_files(home: Path, smtp_server, councils: int, trace: Path) -> list[tuple[str, Path]]:
    """(call, file) for every fsync and fdatasync of a whole round of `councils` letters."""
    strace = shutil.which("strace")
    assert strace, "this test counts fsyncs with strace: install it (apt install strace)"
    write_smtp_home(home, smtp_server, councils=councils)
    done = subprocess.run(
        [strace, "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o", str(trace),
         foi_sender_command(), "--home", str(home), "send", "r1", "--all", "--yes"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [row.status for row in ledger_rows(home).values()] == ["sent"] * councils
    calls = []
    for line in trace.read_text().splitlines():
        found = SYNC.match(line)
        assert found, f"an fsync that strace did not show whole, or that failed: {line}"
        calls.append((found[1], Path(found[3])))
    return calls


def test_each_letter_costs_one_fsync_and_the_last_mark_is_synced_at_close(smtp_server, tmp_path):
    few = synced_files(tmp_path / "few", smtp_server, 4, tmp_path / "few.trace")
    more = synced_files(tmp_path / "more", smtp_server, 14, tmp_path / "more.trace")
    log = tmp_path / "more" / "foi.sqlite-wal"

    # Ten letters more, ten syncs more: one a letter (it was two before issue 15).
    assert len(more) - len(few) == 10
    # Every letter's sync is of the ledger's write-ahead log, the only file a claim writes...
    assert [file for _, file in more].count(log) >= 14
    # ...and the run ends by syncing it once more, for the last letter's `sent` mark, whether
    # or not SQLite then checkpoints it into the ledger (which it does only when no other
    # process has the ledger open).
    assert more.count(("fsync", log)) == 1
    assert ("fsync", log) in more[-3:]
    assert len(smtp_server.messages) == 18


def test_a_ledger_kept_elsewhere_through_a_link_has_its_own_log_synced(smtp_server, tmp_path):
    """SQLite follows the link and keeps the log beside the real file: that is the one synced."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    home.mkdir()
    (home / "foi.sqlite").symlink_to(elsewhere / "foi.sqlite")

    calls = synced_files(home, smtp_server, 3, tmp_path / "trace")

    assert ("fsync", elsewhere / "foi.sqlite-wal") in calls[-3:]
    assert not (home / "foi.sqlite-wal").exists()


def test_a_log_that_cannot_be_synced_at_the_end_is_one_clear_error(smtp_server, home, run):
    """A disk that fails the last fsync (EIO, injected): the letters went and are recorded as
    sent, and the user is told in one line that the record may not survive a power cut."""
    import errno
    import os

    write_smtp_home(home, smtp_server, councils=3)
    real_fsync = os.fsync

    def failing_for_the_log(descriptor):
        if os.readlink(f"/proc/self/fd/{descriptor}").endswith("foi.sqlite-wal"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(descriptor)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", failing_for_the_log)
        result = run("send", "r1", "--all", "--yes")

    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    assert "foi.sqlite-wal: cannot write it to disk (Input/output error)" in errors[0]
    assert "(before that, this run: 3 sent)" in errors[0]
    assert len(smtp_server.messages) == 3
    assert [row.status for row in ledger_rows(home).values()] == ["sent"] * 3


def test_a_power_cut_that_loses_the_last_sent_mark_leaves_that_letter_uncertain_not_resent(
    smtp_server, home, run, tmp_path
):
    """What one fsync a letter risks, played out: the ledger as a power cut right after the
    third letter's `sent` commit would leave it, when only what was fsynced survives (the log
    cut back to where it stood after that letter's claim). The next run must find the letter
    `sending`, call it uncertain and send nothing; the letters before it stay sent."""
    import shutil

    from click.testing import CliRunner

    from foi_sender.cli import cli
    from foi_sender.ledger import Ledger

    write_smtp_home(home, smtp_server, councils=5)
    cut = tmp_path / "after-the-cut"
    real_finish = Ledger.finish
    finished = []

    def finish_then_cut_power_after_the_third(ledger, *args, **kwargs):
        log = home / "foi.sqlite-wal"
        synced = log.stat().st_size  # the claim just before was fsynced: all of this survives
        real_finish(ledger, *args, **kwargs)
        finished.append(args[0])
        if len(finished) == 3:
            cut.mkdir()
            for name in ("foi.toml", "councils.yaml", "foi.sqlite"):
                shutil.copy2(home / name, cut / name)
            with log.open("rb") as source, (cut / "foi.sqlite-wal").open("wb") as kept:
                kept.write(source.read(synced))  # the unsynced `sent` is lost; no -shm either

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Ledger, "finish", finish_then_cut_power_after_the_third)
        assert run("send", "r1", "--all", "--yes").exit_code == 0
    assert len(smtp_server.messages) == 5

    after = [row.status for row in ledger_rows(cut).values()]
    assert after == ["sent", "sent", "sending", "queued", "queued"]

    resumed = CliRunner().invoke(cli, ["--home", str(cut), "send", "r1", "--yes"])

    assert resumed.exit_code == 1, resumed.output  # a letter left uncertain is not "done"
    assert "uncertain" in resumed.output
    assert [row.status for row in ledger_rows(cut).values()] == [
        "sent", "sent", "uncertain", "sent", "sent"
    ]  # fmt: skip
    # The third letter was not sent again: the server has its one copy, and the last two.
    assert len(smtp_server.messages) == 7
    assert [m.rcpt_tos for m in smtp_server.messages[5:]] == [
        m.rcpt_tos for m in smtp_server.messages[3:5]
    ]
