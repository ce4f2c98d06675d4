"""Where incoming mail comes from: .eml files, Maildir folders, mbox files, and an IMAP mailbox.

Every source yields raw message bytes, untouched, so what is stored is what the server held.
"""

from __future__ import annotations

import contextlib
import mailbox
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from foi_sender.config import ImapSettings, refuse_password_in_clear, stored_secret
from foi_sender.errors import InputError, TransportError

PASSWORD_ENV = "FOI_SENDER_IMAP_PASSWORD"
KEYRING_SERVICE = "foi-sender-imap"


@dataclass(frozen=True)
class Incoming:
    """One message as the source holds it; `uid` only for IMAP."""

    origin: str
    load: Callable[[], bytes]
    uid: int | None = None


def from_paths(paths: list[Path]) -> list[Incoming]:
    """Every message in the given .eml files, Maildir folders and mbox files, in order."""
    found: list[Incoming] = []
    for path in paths:
        if path.is_dir():
            found += _maildir(path)
        elif path.is_file():
            found += _file(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def _maildir(path: Path) -> list[Incoming]:
    if not all((path / sub).is_dir() for sub in ("cur", "new")):
        raise InputError(f"{path}: a folder, but not a Maildir (it has no cur/ and new/)")
    box = mailbox.Maildir(path, factory=None, create=False)
    # Sorted so a re-run sees the same order; the key names the file within cur/ or new/.
    return [
        Incoming(f"{path}:{key}", lambda key=key: box.get_bytes(key)) for key in sorted(box.keys())
    ]


def _file(path: Path) -> list[Incoming]:
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from exc
    if head == b"From ":
        box = mailbox.mbox(path, factory=None, create=False)
        return [
            Incoming(f"{path}#{number}", lambda key=key: box.get_bytes(key))
            for number, key in enumerate(box.keys(), start=1)
        ]
    return [Incoming(str(path), path.read_bytes)]


class ImapMailbox:
    """One IMAP connection: verified TLS, a stored password, BODY.PEEK reads, moves by UID."""

    def __init__(self, settings: ImapSettings):
        self.settings = settings
        self.client = None

    @property
    def account(self) -> str:
        return f"{self.settings.user}@{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        s = self.settings
        refuse_password_in_clear(
            '[imap] security = "none"', s.host, s.security != "none", 'use "ssl" or "starttls"'
        )
        password, source = self._secret()
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError, LoginError

        context = self._context()
        try:
            self.client = IMAPClient(
                s.host, port=s.port, ssl=s.security == "ssl", ssl_context=context, timeout=s.timeout
            )
            if s.security == "starttls":
                self.client.starttls(context)
            if s.auth == "microsoft":
                self.client.oauth2_login(s.user, password)
            else:
                self.client.login(s.user, password)
        except LoginError as exc:
            self.close()
            if s.auth == "microsoft":
                raise TransportError(
                    f"the IMAP server {s.host} refused the Microsoft sign-in of {s.user}: run "
                    "`foi-sender login microsoft` again (and check the app registration has "
                    "IMAP.AccessAsUser.All)"
                ) from exc
            raise TransportError(
                f"the IMAP server {s.host} refused the login of {s.user} (password from "
                f"{source}); check it (Gmail wants an app password; Microsoft 365 and Outlook.com "
                'take none over IMAP: see the README\'s "Microsoft 365 and Outlook.com")'
            ) from exc
        except (OSError, ssl.SSLError, IMAPClientError) as exc:
            self.close()
            raise TransportError(f"cannot reach the IMAP server {s.host}:{s.port}: {exc}") from exc

    def _secret(self) -> tuple[str, str]:
        """The password, or with auth = "microsoft" an access token, and where it came from."""
        s = self.settings
        if s.auth == "microsoft":
            from foi_sender.microsoft import IMAP_SCOPE, SignIn

            return SignIn(s.microsoft, s.user, IMAP_SCOPE).token(), "the Microsoft sign-in"
        password, source = stored_secret(PASSWORD_ENV, KEYRING_SERVICE, s.user)
        if not password:
            raise TransportError(
                f"no IMAP password for {s.user}: set {PASSWORD_ENV}, or store it with "
                f"python -c \"import keyring; keyring.set_password('{KEYRING_SERVICE}', "
                f"'{s.user}', input('password: '))\""
            )
        return password, source

    def _context(self) -> ssl.SSLContext | None:
        if self.settings.security == "none":
            return None
        context = ssl.create_default_context()
        if self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=self.settings.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise TransportError(
                    f"[imap] ca_file {self.settings.ca_file}: cannot load it ({exc})"
                ) from exc
        return context

    def select(self, folder: str) -> int:
        """Open `folder` read-write (a move needs it); its UIDVALIDITY."""
        info = self._call(self.client.select_folder, folder)
        return int(info[b"UIDVALIDITY"])

    def new_uids(self, after: int, since: date | None) -> list[int]:
        criteria: list = ["UID", f"{after + 1}:*"]
        if since:
            criteria += ["SINCE", since]
        # `UID n:*` always matches the last message, even one below n: filter again.
        return sorted(uid for uid in self._call(self.client.search, criteria) if uid > after)

    def fetch(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        """BODY.PEEK[] leaves each message unread in the user's mail client."""
        for start in range(0, len(uids), 25):
            chunk = uids[start : start + 25]
            fetched = self._call(self.client.fetch, chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                data = fetched.get(uid, {}).get(b"BODY[]")
                if data is not None:
                    yield uid, bytes(data)

    def move(self, uids: list[int], folder: str) -> None:
        if not uids:
            return
        if not self._call(self.client.folder_exists, folder):
            self._call(self.client.create_folder, folder)
        if b"MOVE" in self._call(self.client.capabilities):
            self._call(self.client.move, uids, folder)
        else:
            self._call(self.client.copy, uids, folder)
            self._call(self.client.delete_messages, uids)
            if b"UIDPLUS" in self._call(self.client.capabilities):
                self._call(self.client.uid_expunge, uids)
            else:
                self._call(self.client.expunge)

    def _call(self, method, *args):
        from imapclient.exceptions import IMAPClientError

        try:
            return method(*args)
        except (OSError, IMAPClientError) as exc:
            raise TransportError(f"IMAP server {self.settings.host}: {exc}") from exc

    def close(self) -> None:
        if self.client is None:
            return
        # A connection already gone is closed enough.
        with contextlib.suppress(Exception):
            self.client.logout()
        self.client = None
