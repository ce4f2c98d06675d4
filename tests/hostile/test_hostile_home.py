"""A hostile home folder: missing, a file, read-only, a ledger that is locked, corrupt, from the
future or not a file, and an outbox on a full disk.

The tests run as root in CI, where permission bits stop nothing. Each case therefore uses a way
that really fails for root, and says which:
- read-only home: the `readonly_home` fixture (conftest.py) runs the command as a user the
  permission bits bind;
- `foi.sqlite` a directory: no open() can make a directory a database, root or not;
- full disk: a 64 kB tmpfs mounted on outbox/ and filled up, so the outbox write meets a real
  ENOSPC (skipped where mounting is not allowed), and outbox/tmp made a plain file, so no letter
  can be written there whoever runs it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_support import FOI_SENDER, check_refused, delivered, snapshot

from foi_sender.cli import cli

TODAY = date.today().isoformat()


# -- a missing home, a home that is a file ----------------------------------------------------


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("send", "r1", "--council", "leicester", "--yes"), "not found.*init"),
        (("status",), "no ledger"),
        (("draft", "leicester"), "not found.*init"),
        (("init", "--name", "Alex", "--email", "alex@example.org"), "does not exist"),
    ],
    ids=["send", "status", "draft", "init"],
)
def test_missing_home(tmp_path, args, mentions):
    missing = tmp_path / "no" / "such" / "home"
    result = CliRunner().invoke(cli, ["--home", str(missing), *args])
    check_refused(result, {}, missing, mentions)
    assert not (tmp_path / "no").exists(), "a refused command created the home"


def test_missing_home_from_the_environment(tmp_path):
    """$FOI_SENDER_HOME naming a folder that is not there, in a real process."""
    missing = tmp_path / "gone"
    env = {"FOI_SENDER_HOME": str(missing)}
    result = subprocess.run(
        [FOI_SENDER, "send", "r1", "--council", "leicester", "--yes"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        timeout=60,
    )
    check_refused(result, {}, missing, "not found")
    assert not missing.exists()


def test_home_is_a_file(tmp_path):
    plain = tmp_path / "notes.txt"
    plain.write_text("not a folder\n")
    result = CliRunner().invoke(cli, ["--home", str(plain), "send", "r1", "--all", "--yes"])
    check_refused(result, {}, tmp_path, "is a file")
    assert plain.read_text() == "not a folder\n"


# -- a read-only home -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("send", "r2", "--council", "glasgow", "--yes"), "Permission denied|read-only"),
        (("send", "r1", "--yes"), "Permission denied|read-only"),
        (
            ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused"),
            "foi.sqlite",
        ),
    ],
    ids=["send-new-round", "resume-round", "respond"],
)
def test_read_only_home(readonly_home, args, mentions):
    home, invoke = readonly_home
    before = snapshot(home)
    check_refused(invoke(*args), before, home, mentions)


def test_ledger_is_a_directory(hhome, run, snap, refused):
    """Root cannot open a directory as a database either."""
    (hhome / "foi.sqlite").unlink()
    (hhome / "foi.sqlite").mkdir()
    before = snap(hhome)
    refused(run("send", "r2", "--council", "glasgow", "--yes"), before, hhome, "foi.sqlite")
    refused(run("status"), before, hhome, "foi.sqlite")


# -- a locked, corrupt or future ledger -------------------------------------------------------


@pytest.fixture
def locked(hhome):
    """Another connection holds the ledger's write lock (BEGIN EXCLUSIVE) for the whole case."""
    holder = sqlite3.connect(hhome / "foi.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield hhome
    holder.execute("ROLLBACK")
    holder.close()


@pytest.mark.parametrize(
    "args",
    [
        ("send", "r2", "--council", "glasgow", "--yes"),
        ("send", "r1", "--yes"),
        ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused"),
    ],
    ids=["send-new-round", "resume-round", "respond"],
)
@pytest.mark.slow  # each waits out the ledger's 5 s busy timeout
def test_locked_ledger(hhome, run, snap, refused, request, args):
    before = snap(hhome)
    request.getfixturevalue("locked")
    refused(run(*args), before, hhome, "locked")


def _corrupt_garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot a database\x00" * 4096)


def _corrupt_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:16] = b"SQLite format 2\x00"
    path.write_bytes(bytes(data))


def _corrupt_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):  # every page but the first
        data[offset : offset + 4096] = b"\xa5" * 4096
    path.write_bytes(bytes(data))


def _corrupt_truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:100])


def _from_the_future(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()


@pytest.mark.parametrize(
    "damage, mentions",
    [
        (_corrupt_garbage, "not a readable"),
        (_corrupt_header, "not a readable"),
        (_corrupt_pages, "not a readable|malformed"),
        (_corrupt_truncate, "not a readable|malformed"),
        (_from_the_future, "newer foi-sender"),
    ],
    ids=["garbage", "bad-header", "garbage-pages", "truncated", "newer-schema"],
)
@pytest.mark.parametrize(
    "args",
    [
        ("send", "r2", "--council", "glasgow", "--yes"),
        ("status",),
        ("respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused"),
    ],
    ids=["send", "status", "respond"],
)
def test_damaged_ledger(hhome, run, snap, refused, damage, mentions, args):
    damage(hhome / "foi.sqlite")
    before = snap(hhome)
    refused(run(*args), before, hhome, mentions)


# -- a full disk under the outbox --------------------------------------------------------------


def _journaled_not_sent(home: Path, round_name: str) -> list[str]:
    """The statuses of the round's letters: journaled as queued, none sent."""
    con = sqlite3.connect(home / "foi.sqlite")
    try:
        rows = con.execute(
            "SELECT m.status FROM messages m JOIN requests q ON q.id = m.request_id"
            " JOIN rounds r ON r.id = q.round_id WHERE r.name = ?",
            (round_name,),
        ).fetchall()
    finally:
        con.close()
    return [status for (status,) in rows]


def _mount_tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    return done.returncode == 0


def test_full_disk_under_the_outbox(hhome, run, snap, refused):
    """A real ENOSPC: outbox/ on a 64 kB tmpfs that is already full. The letter is journaled
    (queued) before the write, so the ledger does change: it must say `queued`, never `sent`,
    and a re-run once there is space sends it exactly once."""
    outbox = hhome / "outbox"
    kept = hhome / "outbox-before"
    outbox.rename(kept)
    outbox.mkdir()
    if not _mount_tmpfs(outbox):
        outbox.rmdir()
        kept.rename(outbox)
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        for sub in ("tmp", "new", "cur"):
            (outbox / sub).mkdir()
        filler = outbox / "filler"
        with open(filler, "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError:
                pass
        before = snap(hhome)
        result = run("send", "r2", "--council", "glasgow", "--yes")
        refused(result, before, hhome, "No space left", ledger_unchanged=False)
        assert list((outbox / "tmp").iterdir()) == [], "a half-written letter was left in tmp/"
        assert _journaled_not_sent(hhome, "r2") == ["queued"]

        filler.unlink()
        resumed = run("send", "r2", "--yes")
        assert resumed.exit_code == 0, resumed.output
        assert len(delivered(hhome)) == 1
        assert _journaled_not_sent(hhome, "r2") == ["sent"]
    finally:
        subprocess.run(["umount", "-l", str(outbox)], check=True)
        outbox.rmdir()
        kept.rename(outbox)
    assert len(delivered(hhome)) == 1, "r1's letter is untouched"


def test_outbox_cannot_be_written(hhome, run, snap, refused):
    """outbox/tmp is a plain file: no letter can be written, whoever runs the command."""
    tmp = hhome / "outbox" / "tmp"
    shutil.rmtree(tmp)
    tmp.write_text("in the way\n")
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--yes")
    refused(result, before, hhome, "outbox", ledger_unchanged=False)
    assert _journaled_not_sent(hhome, "r2") == ["queued"]
    assert tmp.read_text() == "in the way\n"

    tmp.unlink()
    resumed = run("send", "r2", "--yes")
    assert resumed.exit_code == 0, resumed.output
    assert len(delivered(hhome)) == 2  # r1's and now r2's, once
