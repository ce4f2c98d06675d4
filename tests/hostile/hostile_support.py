"""Helpers for the hostile-input corpus (see conftest.py for what every case asserts)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The venv's console script; not resolved, as the venv's python is a symlink to a system one.
FOI_SENDER = str(Path(sys.executable).parent / "foi-sender")

REGISTRY = """\
councils:
  - id: leicester
    name: Leicester City Council
    nation: England
    regime: FOIA
    foi_email: info.requests@leicester.gov.uk
    gss_code: E06000016
    dfe_la_code: "856"
    email_source: the council's FOI reply of 2025
  - id: glasgow
    name: Glasgow City Council
    nation: Scotland
    regime: FOISA
    foi_email: foi@glasgow.gov.uk
    email_source: the council's FOI page, 2025
  - id: barnet
    name: London Borough of Barnet
    nation: England
    regime: FOIA
"""

# Lines click or the progress bar may print on stderr besides the one error line.
_ALLOWED_CHATTER = (
    re.compile(r"^Usage: "),
    re.compile(r"^Try '.*' for help\.$"),
    re.compile(r"^Sending$"),
)


@dataclass
class Outcome:
    """What a command did, from CliRunner or from a real subprocess."""

    exit_code: int
    stdout: str
    stderr: str


def outcome_of(result) -> Outcome:
    if isinstance(result, subprocess.CompletedProcess):
        return Outcome(result.returncode, result.stdout, result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"the command raised {type(result.exception).__name__}: {result.exception}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        ) from result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _ledger_rows(path: Path) -> dict | None:
    """Every row of every table, read from a private copy; None if it is not a database."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy.sqlite"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name("copy.sqlite-wal"))
        try:
            con = sqlite3.connect(copy)
            try:
                tables = [
                    row[0]
                    for row in con.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                    )
                ]
                rows = {
                    table: con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
                    for table in tables
                }
                rows["user_version"] = con.execute("PRAGMA user_version").fetchone()[0]
            finally:
                con.close()
        except sqlite3.DatabaseError:
            return None
    return rows


def snapshot(home: Path) -> dict:
    """The ledger's content and every outbox file, to compare before and after a command."""
    state: dict = {}
    db = home / "foi.sqlite"
    if db.is_file():
        rows = _ledger_rows(db)
        if rows is None:
            state["ledger_bytes"] = hashlib.sha256(db.read_bytes()).hexdigest()
        elif any(rows[t] for t in rows if t != "user_version"):
            state["ledger"] = rows
        # else: an empty schema is the same as no ledger at all
    elif db.exists():
        state["ledger"] = f"not a file: {db}"
    outbox = home / "outbox"
    if outbox.is_dir():
        state["outbox"] = {
            str(p.relative_to(outbox)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outbox.rglob("*"))
            if p.is_file()
        }
    return state


def delivered(home: Path) -> list[Path]:
    folder = home / "outbox" / "new"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def check_refused(
    result, before: dict, home: Path, mentions: str, *, ledger_unchanged: bool = True
) -> Outcome:
    """The check every hostile case passes (see conftest.py). `ledger_unchanged=False` only for
    a failure after the letters were journaled as queued (a full disk): the case itself then
    checks what the ledger says."""
    out = outcome_of(result)
    everything = out.stdout + out.stderr
    assert "Traceback" not in everything, everything
    assert out.exit_code != 0, f"exit 0; stdout: {out.stdout!r} stderr: {out.stderr!r}"
    assert out.exit_code != 70, f"an internal error, not a clear message: {out.stderr!r}"
    assert "Internal error" not in everything, everything
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    others = [
        line
        for line in lines
        if not line.startswith("Error: ") and not any(p.match(line) for p in _ALLOWED_CHATTER)
    ]
    assert len(errors) == 1, f"expected one Error: line on stderr, got {out.stderr!r}"
    assert not others, f"stderr has more than the error line: {out.stderr!r}"
    assert re.search(mentions, errors[0], re.IGNORECASE), (
        f"the error does not mention /{mentions}/: {errors[0]!r}"
    )
    assert len(errors[0]) < 1000, f"the error line is {len(errors[0])} characters long"
    after = snapshot(home)
    assert after.get("outbox") == before.get("outbox"), "the outbox changed: something was sent"
    if ledger_unchanged:
        for key in ("ledger", "ledger_bytes"):
            assert after.get(key) == before.get(key), "the ledger changed"
    return out


def tree_state(folder: Path) -> dict:
    """Every file, folder and link under `folder` (itself too): content hash, mode and mtime, so
    that a command that only reads can be shown to have written nothing at all."""
    state = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        info = path.lstat()
        if path.is_symlink():
            kind = f"link to {os.readlink(path)}"
        elif path.is_file():
            kind = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            kind = "folder" if path.is_dir() else f"node {info.st_mode:o}"
        state[str(path.relative_to(folder))] = (kind, info.st_mode, info.st_mtime_ns)
    return state
