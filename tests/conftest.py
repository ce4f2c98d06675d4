"""Shared fixtures: an isolated home folder, a configured requester, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from foi_sender.cli import cli
from foi_sender.config import write_initial_config

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def _holiday_cache(tmp_path_factory) -> Path:
    """One cache of the holidays package's answers for the whole run, not the user's own."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path, _holiday_cache):
    """No test may read or write the developer's own home or keyring."""
    monkeypatch.delenv("FOI_SENDER_HOME", raising=False)
    monkeypatch.delenv("FOI_SENDER_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("FOI_SENDER_NOW", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("XDG_CACHE_HOME", str(_holiday_cache))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def home(tmp_path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    write_initial_config(folder, "Alex Example", "alex@example.org", "Example Care Ltd")
    return folder


@pytest.fixture
def run(home):
    """Run the CLI in `home`; returns click's Result (exit_code, output, stderr)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict | None = None):
        return runner.invoke(cli, ["--home", str(home), *args], input=input, env=env)

    return invoke
