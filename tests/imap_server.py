"""A real IMAP server for tests: pymap's in-memory `dict` backend, in its own process on
127.0.0.1 and a free port, with one user. Nothing is mocked: foi-sender talks IMAP4rev1 to it
over a socket, as to Gmail or Dovecot. Messages are put in with imapclient's APPEND.

    from imap_server import imap_server    # the pytest fixture

    def test_fetch(imap_server):
        imap_server.append("INBOX", raw_bytes)
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD = "alex@example.org", "imap-s3cret"


@dataclass
class ImapTestServer:
    port: int
    process: subprocess.Popen
    user: str = USER
    password: str = PASSWORD

    def client(self):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        with contextlib.closing(_Session(self)) as session:
            if not session.client.folder_exists(folder):
                session.client.create_folder(folder)
            for raw in messages:
                session.client.append(folder, raw)

    def uids(self, folder: str) -> list[int]:
        with contextlib.closing(_Session(self)) as session:
            if not session.client.folder_exists(folder):
                return []
            session.client.select_folder(folder, readonly=True)
            return session.client.search("ALL")

    def message_ids(self, folder: str) -> list[str]:
        with contextlib.closing(_Session(self)) as session:
            if not session.client.folder_exists(folder):
                return []
            session.client.select_folder(folder, readonly=True)
            uids = session.client.search("ALL")
            fetched = (
                session.client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
                if uids
                else {}
            )
            return sorted(
                v[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                for v in fetched.values()
            )

    def seen(self, folder: str) -> list[int]:
        with contextlib.closing(_Session(self)) as session:
            session.client.select_folder(folder, readonly=True)
            return session.client.search("SEEN")

    def recreate(self, folder: str) -> int:
        """Delete and create `folder` again: the server gives it a new UIDVALIDITY."""
        with contextlib.closing(_Session(self)) as session:
            session.client.delete_folder(folder)
            session.client.create_folder(folder)
            return session.client.select_folder(folder)[b"UIDVALIDITY"]


class _Session:
    def __init__(self, server: ImapTestServer):
        self.client = server.client()

    def close(self) -> None:
        self.client.logout()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_imap_server(
    log: Path, tls: tuple[Path, Path] | None = None, bearer: tuple[Path, Path] | None = None
) -> Iterator[ImapTestServer]:
    """`tls`: (certificate, key) to offer STARTTLS with; without, plain IMAP only. `bearer`:
    (token file, attempts log) to take XOAUTH2 as well (see pymap_xoauth2.py)."""
    port = _free_port()
    pymap = (
        [sys.executable, str(Path(__file__).with_name("pymap_xoauth2.py"))]
        if bearer
        else [str(Path(sys.executable).with_name("pymap"))]
    )
    env = (
        {**os.environ, "PYMAP_BEARER_FILE": str(bearer[0]), "PYMAP_BEARER_LOG": str(bearer[1])}
        if bearer
        else None
    )
    command = [
        *pymap,
        *(["--cert", str(tls[0]), "--key", str(tls[1])] if tls else ["--no-tls"]),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-service",
        "admin",
        "dict",
        "--demo-user",
        USER,
        "--demo-password",
        PASSWORD,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pymap did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.05)
        yield ImapTestServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def imap_server(tmp_path) -> Iterator[ImapTestServer]:
    with running_imap_server(tmp_path / "pymap.log") as server:
        yield server


@pytest.fixture
def imap_tls_server(tmp_path) -> Iterator[tuple[ImapTestServer, Path]]:
    """A server offering STARTTLS with a certificate from a test CA; yields it and the CA file."""
    import trustme

    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    ca_file, cert, key = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    with running_imap_server(tmp_path / "pymap-tls.log", (cert, key)) as server:
        yield server, ca_file
