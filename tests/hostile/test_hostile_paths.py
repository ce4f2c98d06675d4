"""Paths and special files: `-o` aimed at a FIFO, a character device, a symlink (live, dangling,
looping) or `-` for standard output; round names that are paths or hide characters; a round name
an older foi-sender let into the ledger (`../../etc`) reaching the file system; a ledger that is a
looping or dangling symlink.

`-o` must replace only a regular file (write-then-rename); a device or FIFO is written through and
stays what it was, a symlink is followed and its target replaced. The device is a real one: a
character device made with mknod (1, 3: what /dev/null is) in the test's folder, so that the test
never risks the machine's own /dev/null; where mknod is not allowed (not root) /dev/null itself is
used, which such a user could not replace anyway.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from hostile_support import REGISTRY, outcome_of

from foi_sender.config import write_initial_config

REPLIES = Path(__file__).resolve().parents[1] / "fixtures" / "replies"
TODAY = date.today().isoformat()

# The two commands with -o, each with what its output starts with.
OUTPUTS = {
    "calendar-export": (("calendar", "export", "r1"), b"BEGIN:VCALENDAR"),
    "export": (("export", "r1"), b"round,council,"),
}


def _ok(result):
    out = outcome_of(result)
    assert out.exit_code == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out


@pytest.mark.parametrize("args, start", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_output_to_a_fifo_is_written_through(hhome, run, snap, tmp_path, args, start):
    """A FIFO (a pipe with a name) gets the bytes and is still a FIFO. Our reader end is opened
    first, non-blocking, so the command's open does not wait and the bytes wait in the pipe."""
    fifo = tmp_path / "pipe.ics"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        before = snap(hhome)
        _ok(run(*args, "-o", str(fifo)))
        received = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a file"
    assert received.startswith(start)
    assert snap(hhome).get("outbox") == before.get("outbox")


def _character_device(tmp_path: Path) -> Path:
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return Path("/dev/null")
    return node


@pytest.mark.parametrize("args, start", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_output_to_a_character_device_is_written_through(hhome, run, tmp_path, args, start):
    device = _character_device(tmp_path)
    before = device.lstat()
    _ok(run(*args, "-o", str(device)))
    after = device.lstat()
    assert stat.S_ISCHR(after.st_mode), "the device was replaced by a regular file"
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize("args, start", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_output_through_a_symlink_replaces_its_target(hhome, run, tmp_path, args, start):
    """`-o link` writes the file the link points to; the link stays a link."""
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "deadlines.out"
    target.write_bytes(b"an older export\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.out"
    link.symlink_to(Path("shared") / "deadlines.out")  # relative, as users make them
    _ok(run(*args, "-o", str(link)))
    assert link.is_symlink() and os.readlink(link) == str(Path("shared") / "deadlines.out")
    assert target.read_bytes().startswith(start)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640, "the target lost its permissions"
    assert sorted(p.name for p in shared.iterdir()) == ["deadlines.out"], "a temp file was left"


def test_output_through_a_dangling_symlink_creates_its_target(hhome, run, tmp_path):
    link = tmp_path / "deadlines.ics"
    link.symlink_to(tmp_path / "synced" / "foi.ics")
    (tmp_path / "synced").mkdir()
    _ok(run("calendar", "export", "r1", "-o", str(link)))
    assert link.is_symlink()
    assert (tmp_path / "synced" / "foi.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("args, start", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_output_dash_is_standard_output(hhome, run, tmp_path, args, start):
    """`-o -` prints the file; no file called `-` appears in the working folder."""
    result = run(*args, "-o", "-")
    out = _ok(result)
    assert result.stdout_bytes.startswith(start), out.stdout[:200]
    assert not (tmp_path / "-").exists()
    assert "Wrote" not in out.stdout, "the summary line went into the data"


def test_output_to_a_symlink_loop_is_refused(hhome, run, snap, refused, tmp_path):
    loop = tmp_path / "loop.ics"
    loop.symlink_to(loop)
    before = snap(hhome)
    refused(run("calendar", "export", "r1", "-o", str(loop)), before, hhome, "loop")
    assert loop.is_symlink() and os.readlink(loop) == str(loop)


def test_output_to_a_socket_is_refused(hhome, run, snap, refused, tmp_path):
    """Neither a file nor something to write through: a socket (a running agent's, say) stays."""
    path = tmp_path / "agent.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        before = snap(hhome)
        refused(run("export", "r1", "-o", str(path)), before, hhome, "socket")
        assert stat.S_ISSOCK(path.lstat().st_mode)


# -- round names --------------------------------------------------------------------------------

BAD_ROUND_NAMES = {
    "dot-dot": "..",
    "dot": ".",
    "parent-path": "../../etc",
    "slash": "a/b",
    "absolute": "/tmp/round",
    "backslash": "spring\\2025",
    "tab": "spring\t2025",
    "rtl-override": "spring\u202e5202",
    "zero-width-space": "spring\u200b2025",
}


@pytest.mark.parametrize("name", BAD_ROUND_NAMES.values(), ids=BAD_ROUND_NAMES.keys())
def test_round_name_that_is_a_path_or_hides_characters(hhome, run, snap, refused, name):
    before = snap(hhome)
    refused(run("send", name, "--council", "glasgow", "--yes"), before, hhome, "round name")


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_respond_to_a_round_named_like_a_path_stays_in_the_home(hhome, run, tmp_path):
    """A ledger from an older foi-sender may hold a round called `../../etc`: the reply's copy
    must still land inside the home, under a slugged folder name."""
    assert run("send", "r9", "--council", "glasgow", "--yes").exit_code == 0
    with sqlite3.connect(hhome / "foi.sqlite") as con:
        con.execute("UPDATE rounds SET name = '../../etc' WHERE name = 'r9'")
    con.close()
    reply = tmp_path / "downloads" / "glasgow-reply.txt"
    reply.parent.mkdir()
    shutil.copyfile(REPLIES / "edinburgh-foisa.txt", reply)
    outside_before = _tree(tmp_path) - {p for p in _tree(tmp_path) if p.startswith("home")}
    result = run(
        "respond",
        "../../etc",
        "glasgow",
        "--on",
        TODAY,
        "--outcome",
        "refused",
        "--file",
        str(reply),
    )
    _ok(result)
    outside_after = _tree(tmp_path) - {p for p in _tree(tmp_path) if p.startswith("home")}
    assert outside_after == outside_before, "the reply was copied outside the home"
    kept = list((hhome / "replies").rglob("*.txt"))
    assert len(kept) == 1 and kept[0].parent.parent == hhome / "replies"
    assert ".." not in kept[0].relative_to(hhome).parts


# -- the ledger as a symlink --------------------------------------------------------------------


def test_ledger_that_is_a_symlink_loop(hhome, run, snap, refused):
    (hhome / "foi.sqlite").rename(hhome / "kept.sqlite")
    (hhome / "foi.sqlite").symlink_to("foi.sqlite")
    before = snap(hhome)
    refused(run("status"), before, hhome, "loop")
    refused(run("send", "r2", "--council", "glasgow", "--yes"), before, hhome, "loop")


def test_ledger_made_through_a_dangling_symlink_is_private(tmp_path):
    """The README promises foi.sqlite mode 0600, also when it is a link to a synced folder."""
    home = tmp_path / "fresh"
    home.mkdir()
    write_initial_config(home, "Alex Example", "alex@example.org")
    (home / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "vault").mkdir()
    (home / "foi.sqlite").symlink_to(tmp_path / "vault" / "foi.sqlite")
    from click.testing import CliRunner

    from foi_sender.cli import cli

    result = CliRunner().invoke(
        cli, ["--home", str(home), "send", "r1", "--council", "leicester", "--yes"]
    )
    _ok(result)
    assert (home / "foi.sqlite").is_symlink()
    assert stat.S_IMODE((tmp_path / "vault" / "foi.sqlite").stat().st_mode) == 0o600
