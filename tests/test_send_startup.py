"""Issue 15: what a run of `foi-sender` imports, as a real process does it.

Starting Python is a fixed cost of every run, as long as sending a few dozen letters: commands
that do not send must not load the sending stack, and a round whose server needs no password
(or gets it from the environment) must not load keyring, which yagmail imports for a password
prompt foi-sender never uses. A password kept in the keyring must still be found and used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import (  # noqa: E402
    SMTP_PASSWORD,
    SMTP_USER,
    running_smtp_server,
    write_smtp_home,
)

pytest_plugins = ["smtp_server"]

WATCHED = ("keyring", "asyncio", "yagmail", "smtplib", "jinja2", "msal")
# Runs the command as `foi-sender` would, and says on stderr, as it exits, which of WATCHED were
# imported (an entry set to None is an import refused on purpose, not an import).
PROBE = (
    "import atexit, runpy, sys\n"
    f"watched = {WATCHED!r}\n"
    "atexit.register(lambda: print('imported:', *[m for m in watched if sys.modules.get(m)],"
    " file=sys.stderr))\n"
    "sys.argv = ['foi-sender', *sys.argv[1:]]\n"
    "runpy.run_module('foi_sender', run_name='__main__')\n"
)


def run_probed(home: Path, *args: str, env: dict | None = None) -> tuple[set[str], str]:
    """Run `foi-sender --home HOME ARGS` in a fresh interpreter: (modules imported, output)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("FOI_SENDER_")}
    base["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--home", str(home), *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("imported:")]
    return set(line.split()[1:]), done.stdout


def test_status_and_a_dry_run_load_no_sending_stack(smtp_server, tmp_path):
    home = write_smtp_home(tmp_path / "home", smtp_server, councils=3)
    imported, out = run_probed(home, "send", "r1", "--all", "--dry-run")
    assert "3 to send now" in out
    assert imported == {"smtplib", "jinja2"}  # the letters are built, nothing is sent
    run_probed(home, "send", "r1", "--all", "--yes")
    imported, out = run_probed(home, "status")
    assert "r1" in out
    assert imported == set()


def test_a_round_without_login_does_not_load_keyring(smtp_server, tmp_path):
    home = write_smtp_home(tmp_path / "home", smtp_server, councils=3)
    imported, out = run_probed(home, "send", "r1", "--all", "--yes")
    assert "Sent 3." in out
    assert len(smtp_server.messages) == 3
    assert "yagmail" in imported and "keyring" not in imported


def test_a_password_from_the_environment_logs_in_without_keyring(tmp_path):
    with running_smtp_server(require_auth=True) as server:
        home = write_smtp_home(tmp_path / "home", server, councils=2, login=True)
        imported, out = run_probed(
            home, "send", "r1", "--all", "--yes", env={"FOI_SENDER_SMTP_PASSWORD": SMTP_PASSWORD}
        )
        assert "Sent 2." in out
        assert server.auth_attempts == [(SMTP_USER, SMTP_PASSWORD, True)]
    assert "keyring" not in imported


def test_a_password_from_the_keyring_is_still_found_and_used(tmp_path):
    # A keyring backend of our own that holds the password, as yagmail.register would store it.
    backends = tmp_path / "backends"
    backends.mkdir()
    (backends / "stored_keyring.py").write_text(
        "from keyring.backend import KeyringBackend\n"
        "class Stored(KeyringBackend):\n"
        "    priority = 1\n"
        "    def get_password(self, service, username):\n"
        f"        if (service, username) == ('yagmail', {SMTP_USER!r}):\n"
        f"            return {SMTP_PASSWORD!r}\n"
        "    def set_password(self, service, username, password):\n"
        "        raise NotImplementedError\n"
        "    def delete_password(self, service, username):\n"
        "        raise NotImplementedError\n",
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(backends), "PYTHON_KEYRING_BACKEND": "stored_keyring.Stored"}
    with running_smtp_server(require_auth=True) as server:
        home = write_smtp_home(tmp_path / "home", server, councils=2, login=True)
        imported, out = run_probed(home, "send", "r1", "--all", "--yes", env=env)
        assert "Sent 2." in out
        assert server.auth_attempts == [(SMTP_USER, SMTP_PASSWORD, True)]
    assert "keyring" in imported


def test_the_exit_spares_the_collection_and_still_runs_atexit_handlers(tmp_path):
    # main() freezes the heap once the command is over; what atexit holds still runs after it.
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"
        "from foi_sender.cli import main\n"
        "sys.argv = ['foi-sender', *sys.argv[1:]]\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_SENDER_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-c", probe, "deadline", "2025-03-14"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("frozen: True")
    # The holiday cache is saved by an atexit handler of foi_sender.deadlines.
    assert list((tmp_path / "cache" / "foi-sender").glob("uk-holidays-*.json"))
