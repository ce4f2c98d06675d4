"""The hostile-input corpus: shared fixtures and the one check every case must pass.

Every case runs a command against a home that has already sent one round (so there is a ledger
and an outbox to disturb) and then asserts, through `refused`:

- a non-zero exit that is not an internal error (exit 70) and no traceback anywhere;
- exactly one `Error: ...` line on stderr that names the problem (`mentions`). Besides it, stderr
  may only hold click's usage preamble for a bad option (`Usage: ...`, `Try ...`) and the
  progress bar's label (`Sending`), which click prints once when stderr is not a terminal;
- nothing sent: every file under outbox/ identical (no new letter, no half-written tmp file) and,
  for SMTP cases, nothing at the server (checked by the case itself);
- nothing in the ledger changed: every row of every table, read from a copy of foi.sqlite (and
  its -wal) so that looking never changes it; when the file is not a readable database (the
  corrupt-ledger cases) its bytes are compared instead. A ledger that did not exist before and
  exists afterwards with empty tables counts as unchanged (opening creates the schema).

One honest exception: when the outbox itself fails (a full disk, an unwritable outbox/tmp) the
letters had already been journaled as `queued`, as the exactly-once design requires, so those
cases check instead that the ledger says `queued` (never `sent`) and that a re-run sends once.

HOSTILE_PEEK=1 pytest -s tests/hostile prints what the user was told in each case.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hostile_support import FOI_SENDER, REGISTRY, check_refused, delivered, snapshot

from foi_sender import letters


@pytest.fixture
def hhome(home, run, monkeypatch) -> Path:
    """A home with a registry of three councils and round `r1` already sent to leicester.

    letters keeps one Jinja environment per home for the life of the process, and Jinja caches
    each template it loaded; a real CLI run is a new process, so the cache is emptied here for a
    case that adds a template to the home after the first send."""
    (home / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    result = run("send", "r1", "--council", "leicester", "--yes")
    assert result.exit_code == 0, result.output
    assert len(delivered(home)) == 1
    monkeypatch.setattr(letters, "_environments", {})
    return home


@pytest.fixture
def refused():
    """check_refused(result, before, home, mentions): the check every hostile case passes.
    With HOSTILE_PEEK=1 (and pytest -s) each case also prints what the user was told."""
    if os.environ.get("HOSTILE_PEEK"):

        def peek(*args, **kwargs):
            out = check_refused(*args, **kwargs)
            print("\n   >>", out.stderr.strip()[:300])
            return out

        return peek
    return check_refused


@pytest.fixture
def snap():
    return snapshot


@pytest.fixture
def cli_subprocess():
    """Run the installed console script for real: a fresh interpreter, real stdin and stderr."""

    def invoke(home: Path, *args: str, env: dict | None = None, timeout: float = 60, **kwargs):
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [FOI_SENDER, "--home", str(home), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=full_env,
            timeout=timeout,
            **kwargs,
        )

    return invoke
