"""Read-only homes: a backup copy or a mounted snapshot must still be viewable.

Commands that only read (`status`, `export`, `calendar export -o` elsewhere, `draft --round`) open
the ledger with SQLite's `mode=ro`: no switch to WAL, no migration, no write of any kind. Two
conditions make that real, even for root (see make_readonly_home in conftest.py):

- the whole home read-only for the user running the command (root runs it as `nobody`), where
  any attempt to write fails, so a pass shows that nothing was tried;
- a ledger in rollback-journal mode (how `sqlite3 foi.sqlite .backup` or VACUUM INTO leave a
  copy): opening it to write switches it to WAL, which rewrites its header; opened `mode=ro`
  it stays byte for byte and mtime for mtime what it was.

Each case compares every file and folder of the home (content, mode, mtime) before and after.
"""

from __future__ import annotations

import sqlite3

import pytest
from hostile_support import check_refused, outcome_of, snapshot, tree_state

READERS = {
    "status": (("status",), "leicester"),
    "status-json": (("status", "r1", "--json"), '"council": "leicester"'),
    "draft-round": (
        ("draft", "leicester", "--round", "r1", "--template", "overdue_chaser"),
        "Subject:",
    ),
    "complain-draft": (("complain", "r1", "leicester", "--force"), "Subject:"),
}


def _ok(result) -> str:
    out = outcome_of(result)
    assert out.exit_code == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out.stdout


@pytest.mark.parametrize("args, shows", READERS.values(), ids=READERS.keys())
def test_read_only_home_can_be_viewed(make_readonly_home, args, shows):
    made = make_readonly_home()
    before = tree_state(made.home)
    assert shows in _ok(made.invoke(*args))
    assert tree_state(made.home) == before


@pytest.mark.parametrize(
    "args, name, start",
    [
        (("export", "r1", "--format", "csv"), "answers.csv", b"round,council,"),
        (("calendar", "export", "r1"), "deadlines.ics", b"BEGIN:VCALENDAR"),
    ],
    ids=["export", "calendar-export"],
)
def test_read_only_home_exports_elsewhere(make_readonly_home, args, name, start):
    """The calendar's SEQUENCEs cannot be recorded in a read-only ledger: they are worked out as
    they would be, and the export still goes out."""
    made = make_readonly_home()
    before = tree_state(made.home)
    _ok(made.invoke(*args, "-o", str(made.out / name)))
    assert (made.out / name).read_bytes().startswith(start)
    assert tree_state(made.home) == before


def test_read_only_ledger_file_exports_a_calendar(make_readonly_home):
    """Only foi.sqlite is read-only (the folder is not): the calendar export still works and the
    ledger is untouched."""
    made = make_readonly_home(whole=False)
    ledger = made.home / "foi.sqlite"
    before = tree_state(made.home)[ledger.name]
    _ok(made.invoke("calendar", "export", "r1", "-o", str(made.out / "d.ics")))
    assert (made.out / "d.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert tree_state(made.home)[ledger.name] == before


def _older_schema(home) -> None:
    """A ledger as a first foi-sender left it: no tables, schema version 0."""
    (home / "foi.sqlite").unlink()
    sqlite3.connect(home / "foi.sqlite").close()


def test_read_only_ledger_of_an_older_schema_says_so(make_readonly_home):
    made = make_readonly_home(prepare=_older_schema)
    before = snapshot(made.home)
    check_refused(made.invoke("status"), before, made.home, "older.*read-only")


def _rollback_journal(home) -> None:
    con = sqlite3.connect(home / "foi.sqlite")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()


@pytest.mark.parametrize(
    "args",
    [("status",), ("export", "r1"), ("draft", "leicester", "--round", "r1")],
    ids=["status", "export", "draft-round"],
)
def test_reading_never_writes_the_ledger(hhome, run, args):
    _rollback_journal(hhome)
    before = tree_state(hhome)
    _ok(run(*args))
    assert tree_state(hhome) == before
