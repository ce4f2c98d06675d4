"""A real keyring backend for tests: entries in a JSON file under the test's tmp folder.

The suite runs with keyring's null backend (tests/conftest.py), which keeps nothing. Tests of
what foi-sender stores in the keyring install this one for their duration:

    pytest_plugins = ["file_keyring"]

    def test_login(file_keyring):
        file_keyring.entries()   # {(service, username): secret}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1

    def __init__(self, path: Path | None = None):
        """`path`, else $TEST_KEYRING_FILE (a subprocess given
        PYTHON_KEYRING_BACKEND=file_keyring.FileKeyring and tests/ on PYTHONPATH)."""
        super().__init__()
        self.path = path or Path(os.environ["TEST_KEYRING_FILE"])

    def entries(self) -> dict[tuple[str, str], str]:
        if not self.path.exists():
            return {}
        return {tuple(k.split("\n", 1)): v for k, v in json.loads(self.path.read_text()).items()}

    def _write(self, entries: dict[tuple[str, str], str]) -> None:
        self.path.write_text(json.dumps({f"{s}\n{u}": v for (s, u), v in entries.items()}))

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries().get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._write({**self.entries(), (service, username): password})

    def delete_password(self, service: str, username: str) -> None:
        entries = self.entries()
        if entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)
        self._write(entries)


@pytest.fixture
def file_keyring(tmp_path) -> Iterator[FileKeyring]:
    before = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "keyring.json")
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)
