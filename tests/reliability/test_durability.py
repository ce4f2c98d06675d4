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


def synced_files(home: Path, smtp_server, councils: int, trace: Path) -> list[tuple[str, str]]:
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
        calls.append((found[1], Path(found[3]).name))
    return calls


def test_each_letter_costs_one_fsync_and_the_last_mark_is_synced_at_close(smtp_server, tmp_path):
    few = synced_files(tmp_path / "few", smtp_server, 4, tmp_path / "few.trace")
    more = synced_files(tmp_path / "more", smtp_server, 14, tmp_path / "more.trace")

    # Ten letters more, ten syncs more: one a letter (it was two before issue 15).
    assert len(more) - len(few) == 10
    # Every letter's sync is of the ledger's write-ahead log, the only file a claim writes...
    assert [file for _, file in more].count("foi.sqlite-wal") >= 14
    # ...and the run ends by syncing it once more, for the last letter's `sent` mark, whether
    # or not SQLite then checkpoints it into the ledger (which it does only when no other
    # process has the ledger open).
    assert more.count(("fsync", "foi.sqlite-wal")) == 1
    assert ("fsync", "foi.sqlite-wal") in more[-3:]
    assert len(smtp_server.messages) == 18
