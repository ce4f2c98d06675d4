"""Handing letters over: the `outbox` Maildir and `smtp` (yagmail owns connection and credentials).

Both carry the same bytes, built here from the stored letter. SMTP failures are classified so the
round can keep its exactly-once promise: a failure before DATA is known not to have delivered
anything; a connection lost after the message went is an unknown outcome, never retried blindly.
"""

from __future__ import annotations

import contextlib
import functools
import os
import smtplib
import socket
import ssl
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from foi_sender.config import (
    Requester,
    SmtpSettings,
    check_email,
    check_text,
    refuse_password_in_clear,
    stored_secret,
    write_then_rename,
)
from foi_sender.errors import AuthenticationError, TransportError
from foi_sender.replytag import reply_address

LONDON = ZoneInfo("Europe/London")
PASSWORD_ENV = "FOI_SENDER_SMTP_PASSWORD"
KEYRING_SERVICE = "yagmail"


class _Header(BaseHeader):
    """A header that folds itself once, however many letters it goes into."""

    def fold(self, *, policy) -> str:
        folded = self.__dict__.get("_folded")
        if folded is None or folded[0] is not policy:
            folded = self._folded = (policy, super().fold(policy=policy))
        return folded[1]


class _Headers(HeaderRegistry):
    """The email package's header registry, remembering the headers it made.

    HeaderRegistry builds a new class with type() for every header it is given, and parses every
    value, although most headers of a round are the same in every letter: From, Reply-To, the
    placeholder Date, and the MIME headers set_content adds. A header object never changes once
    made, so one parsed (and, as _Header, folded) header can go into every letter that has it.
    """

    def __init__(self):
        super().__init__(base_class=_Header)
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one registry, made once, lives as long)
    def __call__(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


_POLICY = policy.SMTP.clone(header_factory=_Headers())


def new_message_id(requester: Requester) -> str:
    # The requester's own domain, not this machine's host name, which would leak into every letter.
    return make_msgid(idstring="foi", domain=requester.email.rpartition("@")[2])


def build_message(
    *,
    requester: Requester,
    to_name: str,
    to_address: str,
    subject: str,
    body: str,
    message_id: str,
    when: datetime,
    thread: tuple[str, ...] = (),
) -> EmailMessage:
    """`thread`: the Message-IDs this letter follows up, oldest first (In-Reply-To is the last)."""
    # The last gate before bytes leave: every value that reaches a header is checked here,
    # whatever validated it before (a CR/LF would add a header, a NUL would go out as is).
    check_email(to_address, "recipient address")
    check_email(requester.email, "your address ([requester] email)")
    for value, what in (
        (to_name, "recipient name"),
        (subject, "subject"),
        (message_id, "Message-ID"),
        (requester.name, "your name ([requester] name)"),
        *((reference, "a Message-ID this letter follows up") for reference in thread),
    ):
        check_text(value, what)
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = formataddr((requester.name, requester.email))
    msg["To"] = formataddr((to_name, to_address))
    msg["Reply-To"] = (
        reply_address(requester.email, thread[0] if thread else message_id)
        if requester.reply_tag
        else requester.email
    )
    msg["Subject"] = subject
    msg["Date"] = _date(when)
    msg["Message-ID"] = message_id
    if thread:
        msg["In-Reply-To"] = thread[-1]
        msg["References"] = " ".join(thread)
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    return msg


_DATE = b"\r\nDate: "
_PLACEHOLDER = datetime(2000, 1, 1, tzinfo=LONDON)  # replaced in every letter as it goes


@dataclass(frozen=True)
class Prebuilt:
    """A letter's bytes as SMTP carries them, built once; only the Date is set when it goes.

    Building a letter (the email package parsing every header it is given) costs more than
    sending it over a fast connection, and its bytes do not change from the plan to the send."""

    head: bytes  # everything up to the Date header's value
    tail: bytes  # everything after it, from its CRLF on

    def at(self, when: datetime) -> bytes:
        return self.head + _date(when).encode("ascii") + self.tail


def prebuild(**letter) -> Prebuilt:
    """build_message's arguments but `when`; the message it builds, as a Prebuilt."""
    data = build_message(**letter, when=_PLACEHOLDER).as_bytes()
    # From always comes first, so the Date header is found after a CRLF, never in the body.
    head, _, rest = data.partition(_DATE)
    _, _, tail = rest.partition(b"\r\n")
    return Prebuilt(head + _DATE, b"\r\n" + tail)


def _date(when: datetime) -> str:
    return format_datetime(when.astimezone(LONDON))


@dataclass(frozen=True)
class Delivery:
    """What became of one message: sent, temporary (retry later), permanent, or uncertain."""

    outcome: str
    reply: str | None = None


class TemporaryFailure(Exception):
    """The server or network said 'not now'; nothing was delivered."""


class OutboxTransport:
    """A Maildir in the home: what SMTP would carry, written where any mail client can read it."""

    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = folder
        self._count = 0
        self.connected = False

    def open(self) -> None:
        try:
            for sub in ("tmp", "new", "cur"):
                (self.folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(f"cannot create the outbox {self.folder}: {exc.strerror}") from exc
        self.connected = True

    def deliver(self, envelope_from: str, to_address: str, data: bytes) -> Delivery:
        self._count += 1
        name = f"{time.time_ns()}.P{os.getpid()}Q{self._count}.foi-sender"
        tmp, new = self.folder / "tmp" / name, self.folder / "new" / name
        try:
            write_then_rename(tmp, new, data, 0o600)
        except OSError as exc:
            # Nothing reached new/, so nothing was delivered: stop the round, retry is safe.
            raise TransportError(
                f"cannot write to the outbox {self.folder}: {exc.strerror}"
            ) from exc
        return Delivery("sent", f"written to {new}")

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def smtp_password(settings: SmtpSettings):
    """From the environment, else yagmail's keyring entry; never prompted for. With
    auth = "microsoft", the stored sign-in (a microsoft.SignIn), checked now, before the round."""
    if not settings.login:
        return None
    refuse_password_in_clear(
        '[smtp] security = "none"',
        settings.host,
        settings.security != "none",
        'use "starttls" or "ssl" (or login = false for a relay that takes no login)',
    )
    user = settings.user
    if not user:
        # Checked first: with a password but no user, smtplib would log in as "" and the server's
        # refusal would read like a wrong password.
        raise TransportError("[smtp] user is not set in foi.toml, and login = true")
    if settings.auth == "microsoft":
        from foi_sender.microsoft import SMTP_SCOPE, SignIn

        sign_in = SignIn(settings.microsoft, user, SMTP_SCOPE)
        sign_in.token()
        return sign_in
    password, source = stored_secret(PASSWORD_ENV, KEYRING_SERVICE, user)
    if not password:
        raise TransportError(
            f"no SMTP password for {user}: set {PASSWORD_ENV}, or store it with "
            f"python -c \"import yagmail; yagmail.register('{user}')\""
        )
    if not password.isascii():
        # smtplib encodes AUTH as ASCII and would fail with an error naming the character.
        raise TransportError(
            f"the SMTP password for {user} (from {source}) has non-ASCII characters, which "
            "SMTP login cannot carry; use an ASCII password or an app password"
        )
    return password


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: SmtpSettings, password):
        """`password`: smtp_password's answer."""
        self.settings = settings
        self._password = password
        self._client = None

    def open(self) -> None:
        yagmail = _import_yagmail()
        s = self.settings
        # Only for TLS: loading the system's certificates costs more than sending a letter.
        context = self._tls_context() if s.security != "none" else None
        extra = {"timeout": s.timeout}
        if s.security == "ssl":
            extra["context"] = context
        starttls = {"context": context} if s.security == "starttls" else False
        # A token of its own for each connection: a round can outlast one (they last an hour).
        token = self._password.token() if s.auth == "microsoft" else None
        client = yagmail.SMTP(
            user=s.user or "",
            password=None if token else self._password,
            host=s.host,
            port=s.port,
            smtp_ssl=s.security == "ssl",
            smtp_starttls=starttls,
            smtp_skip_login=not s.login or bool(token),
            soft_email_validation=False,
            **extra,
        )
        try:
            client.login()
            # yagmail greets the server only on the way to STARTTLS or AUTH; a relay without
            # either (login = false, security = none or ssl) would get MAIL before any EHLO and
            # answer 503 "send HELO first" to every letter.
            client.smtp.ehlo_or_helo_if_needed()
            if token:
                _xoauth2(client.smtp, s.user, token)
        except BaseException as exc:
            # A connection left open after a refused login would linger until garbage collection.
            _quietly_close(client)
            if isinstance(exc, smtplib.SMTPAuthenticationError) and 400 <= exc.smtp_code < 500:
                # 454 "temporary authentication failure": the server's trouble, not the password.
                raise TemporaryFailure(
                    f"cannot log in to {s.host}:{s.port} for now: {_describe(exc)}"
                ) from exc
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                said = _text(exc.smtp_error)
                raise AuthenticationError(
                    f"the SMTP server {s.host} refused the login for {s.user} "
                    f"({exc.smtp_code} {said}): {_what_to_do_about_the_login(said, s.auth)}"
                ) from exc
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise TransportError(
                    f"the TLS certificate of {s.host}:{s.port} failed verification "
                    f"({exc.verify_message}); if you trust it, name its CA in [smtp] ca_file"
                ) from exc
            if isinstance(exc, smtplib.SMTPNotSupportedError):
                raise TransportError(f"{s.host}:{s.port} does not offer {exc}") from exc
            if isinstance(exc, smtplib.SMTPException | OSError):
                raise TemporaryFailure(
                    f"cannot connect to {s.host}:{s.port}: {_describe(exc)}"
                ) from exc
            raise
        self._client = client

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if ca_file := self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise TransportError(f"[smtp] ca_file {ca_file}: cannot load it ({exc})") from exc
        return context

    def deliver(self, envelope_from: str, to_address: str, data: bytes) -> Delivery:
        smtp = self._client.smtp
        code = 0
        try:
            code, reply = smtp.mail(envelope_from)
            if code == 250:
                code, reply = smtp.rcpt(to_address)
            if code in (250, 251):
                code, reply = smtp.docmd("DATA")
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing was handed over before DATA was accepted: safe to retry.
            return Delivery("temporary", _describe(exc))
        if code != 354:
            # Refused before the message: end the transaction so the connection can carry the
            # next letter; a connection that cannot even do that is dropped, not reused.
            if not _reset_transaction(smtp):
                self.close()
            return _refused(code, reply)
        try:
            smtp.send(_dot_stuffed(data))
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery(
                "uncertain", f"connection lost after the message was sent: {_describe(exc)}"
            )
        if code == 250:
            return Delivery("sent", f"{code} {_text(reply)}")
        return _refused(code, reply)

    def reset(self) -> None:
        """Drop a connection that failed, so the next message starts on a fresh one."""
        self.close()

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError, AttributeError):
                self._client.smtp.quit()
            self._client.is_closed = True
            self._client = None

    def abort(self) -> None:
        """Drop the connection without QUIT: after an interruption mid-letter, a polite QUIT
        would first wait (up to the timeout) for the server's reply to the letter in flight."""
        if self._client is not None:
            _quietly_close(self._client)
            self._client = None

    @property
    def connected(self) -> bool:
        return self._client is not None


def _import_yagmail():
    """yagmail, without letting it import keyring unless something here already has.

    yagmail imports keyring on import for its own password prompt, which foi-sender never uses:
    the password, when the server wants one, is looked up by smtp_password and handed over (and
    if that looked in the keyring, keyring is imported already and yagmail gets it). keyring and
    its backends' dependencies take 30 to 40 ms to import, as long as sending a dozen letters.
    `None` in sys.modules is Python's way to make an import fail; yagmail takes the ImportError
    as "no keyring", and the entry is removed at once so keyring stays importable."""
    if "yagmail" in sys.modules or "keyring" in sys.modules:
        import yagmail

        return yagmail
    sys.modules["keyring"] = None
    try:
        import yagmail
    except ImportError:  # a yagmail that cannot do without keyring: let it have it
        del sys.modules["keyring"]
        import yagmail
    finally:
        if sys.modules.get("keyring", False) is None:
            del sys.modules["keyring"]
    return yagmail


def _xoauth2(smtp: smtplib.SMTP, user: str, token: str) -> None:
    from foi_sender.microsoft import xoauth2

    # A refused token gets a 334 challenge (JSON saying why) first: answered empty, as the
    # mechanism wants, the server then gives its 535, raised as SMTPAuthenticationError.
    smtp.auth(
        "XOAUTH2",
        lambda challenge=None: "" if challenge is not None else xoauth2(user, token),
        initial_response_ok=True,
    )


def _what_to_do_about_the_login(said: str, auth: str) -> str:
    if auth == "microsoft":
        # With a good token, 5.7.139 means SMTP AUTH is switched off for the mailbox or tenant.
        return (
            "run `foi-sender login microsoft` again; if it goes on, ask your Microsoft 365 "
            "admin to turn on Authenticated SMTP for your mailbox"
        )
    # Exchange Online's code when password (basic) logins are off for the mailbox or the tenant:
    # a better password would not help.
    if said.startswith("5.7.139"):
        return (
            "Microsoft 365 and Outlook.com take no password here, whatever it is; "
            'see the README\'s "Microsoft 365 and Outlook.com"'
        )
    return "check the stored password"


def _reset_transaction(smtp: smtplib.SMTP) -> bool:
    try:
        code, _ = smtp.rset()
    except (smtplib.SMTPException, OSError):
        return False
    return code == 250


def _quietly_close(client) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError, AttributeError):
        if client.smtp is not None:
            client.smtp.close()
    client.is_closed = True


def _refused(code: int, reply: bytes | str) -> Delivery:
    if code == 535 or code == 530:
        raise AuthenticationError(
            f"the SMTP server refused to send without valid login ({code} {_text(reply)})"
        )
    kind = "temporary" if 400 <= code < 500 else "permanent"
    return Delivery(kind, f"{code} {_text(reply)}")


def _dot_stuffed(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    stuffed = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
