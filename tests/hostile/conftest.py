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
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_support import FOI_SENDER, REGISTRY, check_refused, delivered, snapshot

from foi_sender import letters
from foi_sender.cli import cli
from foi_sender.config import write_initial_config

NOBODY = 65534


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


# -- read-only homes ---------------------------------------------------------------------------


def _as_nobody(*command: str) -> list[str]:
    """`command` under the unprivileged `nobody` account, with no capabilities left."""
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


def _can_run_as_nobody() -> bool:
    if not shutil.which("setpriv"):
        return False
    try:
        probe = subprocess.run(
            _as_nobody(FOI_SENDER, "--version"), capture_output=True, cwd="/", timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


@dataclass
class ReadOnlyHome:
    home: Path
    out: Path  # a folder outside the home that the same user may write (for -o)
    invoke: Callable  # invoke(*args): the CLI run as that user; CliRunner result or process


@pytest.fixture
def make_readonly_home():
    """make(whole=True, prepare=None): a home that has sent `r1`, then made read-only for the
    user who runs the command: the whole home, or (whole=False) only its foi.sqlite.
    `prepare(home)` runs first, to change the ledger while it can still be written.

    Permission bits do not stop root, and the tests run as root in CI: as root the command runs
    in a subprocess under the unprivileged `nobody` account (util-linux `setpriv`: uid 65534, no
    capabilities), on a home that account owns but may not write (a home made read-only by a
    backup tool, say); as a normal user, chmod alone does it."""
    roots: list[Path] = []

    def make(*, whole: bool = True, prepare=None) -> ReadOnlyHome:
        as_root = os.geteuid() == 0
        if as_root and not _can_run_as_nobody():
            pytest.skip("running as root, and `setpriv` cannot run foi-sender as `nobody`")
        root = Path(tempfile.mkdtemp(prefix="foi-readonly-"))
        roots.append(root)
        os.chmod(root, 0o755)  # `nobody` must be able to reach the home inside
        home, out = root / "home", root / "out"
        home.mkdir()
        out.mkdir()
        write_initial_config(home, "Alex Example", "alex@example.org")
        (home / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
        sent = CliRunner().invoke(
            cli, ["--home", str(home), "send", "r1", "--council", "leicester", "--yes"]
        )
        assert sent.exit_code == 0, sent.output
        if prepare is not None:
            prepare(home)
        for path in [home, out, *home.rglob("*")]:
            if as_root:
                os.chown(path, NOBODY, NOBODY)
            if path.is_dir():
                os.chmod(path, 0o555 if whole and path != out else 0o755)
            elif whole or path.name == "foi.sqlite":
                os.chmod(path, 0o444)

        def invoke(*args: str):
            if not as_root:
                return CliRunner().invoke(cli, ["--home", str(home), *args])
            return subprocess.run(
                _as_nobody(FOI_SENDER, "--home", str(home), *args),
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "HOME": str(home)},
                cwd="/",  # the tests' own working folder is private to root
                timeout=60,
            )

        return ReadOnlyHome(home, out, invoke)

    yield make
    for root in roots:
        for path in [root, *root.rglob("*")]:
            os.chmod(path, 0o700)
        shutil.rmtree(root)


@pytest.fixture
def readonly_home(make_readonly_home):
    """(home, invoke) for a wholly read-only home; see make_readonly_home."""
    made = make_readonly_home()
    return made.home, made.invoke
