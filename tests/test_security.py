"""Security (issue 7): no header injection, secrets kept out of every file and every output, private
files created 0600, TLS certificates verified, templates sandboxed, one sending process at a time.

The SMTP server here is a real aiosmtpd server on 127.0.0.1 (plain, STARTTLS or implicit TLS,
with AUTH), written small and local so that these tests depend on nothing else in tests/.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from foi_sender import letters
from foi_sender.cli import cli
from foi_sender.config import Requester
from foi_sender.errors import FoiError, TemplateError
from foi_sender.ledger import open_ledger
from foi_sender.letters import RequestView, RoundView, render
from foi_sender.registry import load_registry
from foi_sender.rounds import send_lock
from foi_sender.transport import build_message

sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from hostile_support import (  # noqa: E402  (tests/ is not a package: the corpus's helpers)
    FOI_SENDER,
    REGISTRY,
    check_refused,
    delivered,
    snapshot,
)

USER = "alex@example.org"
PASSWORD = "app-password-for-tests"
LOGIN = {"FOI_SENDER_SMTP_PASSWORD": PASSWORD}  # for the servers below that take a login
TODAY = datetime.now(UTC).date().isoformat()


# -- a real SMTP server ---------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    user: str | None

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Handler:
    password: str | None = None
    accept_login: bool = True
    delay: float = 0.0
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    rcpts: list[str] = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            self.accept_login
            and isinstance(auth_data, LoginPassword)
            and self.password is not None
            and auth_data.password == self.password.encode()
        )
        login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?"
        self.logins.append((login, ok))
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                session.ssl is not None  # after STARTTLS
                or server.transport.get_extra_info("ssl_object") is not None,  # implicit TLS
                session.auth_data,
            )
        )
        return "250 2.0.0 OK: queued"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 in a thread. `starttls`/`implicit_tls`: a server SSLContext."""

    def __init__(self, *, password=None, starttls=None, implicit_tls=None, delay=0.0):
        self.handler = Handler(password=password, delay=delay)
        kwargs = {"authenticator": self.handler.authenticate, "auth_require_tls": False}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True, auth_require_tls=True)
        if implicit_tls is not None:
            kwargs["ssl_context"] = implicit_tls
        self.port = _free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


def smtp_home(
    home: Path,
    server: SmtpServer,
    *,
    security: str = "none",
    login: bool = True,
    ca_file: Path | None = None,
    host: str = "127.0.0.1",
) -> Path:
    """foi.toml sending through `server`, and the corpus's three-council registry."""
    lines = [
        "[requester]",
        'name = "Alex Example"',
        f'email = "{USER}"',
        "[send]",
        'transport = "smtp"',
        "[smtp]",
        f'host = "{host}"',
        f"port = {server.port}",
        f'security = "{security}"',
        f"login = {'true' if login else 'false'}",
        f'user = "{USER}"',
        "timeout = 10",
        "retries = 0",
        "retry_delay = 0",
    ]
    if ca_file is not None:
        lines.append(f'ca_file = "{ca_file}"')
    (home / "foi.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (home / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    return home


def cli_run(home: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], env=env)


def cli_process(home: Path, *args: str, env: dict | None = None, timeout: float = 60):
    return subprocess.run(
        [FOI_SENDER, "--home", str(home), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def statuses(home: Path) -> list[str]:
    ledger = open_ledger(home, create=False)
    try:
        rows = ledger.db.execute("SELECT status FROM messages ORDER BY id").fetchall()
    finally:
        ledger.close()
    return [status for (status,) in rows]


@pytest.fixture
def shome(tmp_path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


# -- header injection -----------------------------------------------------------------------------

INJECTIONS = ["\r\nBcc: victim@example.com", "\nBcc: victim@example.com", "\rBcc: x@y.org", "\x00"]
GOOD = {
    "requester": Requester("Alex Example", USER),
    "to_name": "Leicester City Council",
    "to_address": "info.requests@leicester.gov.uk",
    "subject": "Freedom of Information request",
    "body": "Dear council,\n\nPlease send me the information.\n",
    "message_id": "<1.foi@example.org>",
    "when": datetime(2025, 5, 1, 9, tzinfo=UTC),
    "thread": ("<0.foi@example.org>",),
}


@pytest.mark.parametrize("payload", INJECTIONS, ids=["crlf", "lf", "cr", "nul"])
@pytest.mark.parametrize(
    "field_name",
    [
        "to_name",
        "to_address",
        "subject",
        "message_id",
        "requester_name",
        "requester_email",
        "thread",
    ],
)
def test_build_message_refuses_every_header_injection(field_name, payload):
    """The last gate before bytes leave: every value that reaches a header is refused with a
    FoiError when it holds a line break or NUL, whatever validated it before."""
    kwargs = dict(GOOD)
    if field_name == "requester_name":
        kwargs["requester"] = Requester("Alex Example" + payload, USER)
    elif field_name == "requester_email":
        kwargs["requester"] = Requester("Alex Example", USER + payload)
    elif field_name == "thread":
        kwargs["thread"] = ("<0.foi@example.org>" + payload,)
    else:
        kwargs[field_name] = kwargs[field_name] + payload
    with pytest.raises(FoiError):
        build_message(**kwargs)


def _hostile_requester_name(home):
    text = (home / "foi.toml").read_text()
    text = text.replace('name = "Alex Example"', r'name = "Alex\r\nBcc: victim@example.com"')
    (home / "foi.toml").write_text(text)


def _hostile_requester_email(home):
    text = (home / "foi.toml").read_text()
    text = text.replace(f'email = "{USER}"', rf'email = "{USER}\r\nBcc: victim@example.com"')
    (home / "foi.toml").write_text(text)


def _hostile_council_name(home):
    text = REGISTRY.replace(
        "name: Leicester City Council", r'name: "Leicester\r\nBcc: victim@example.com"'
    )
    (home / "councils.yaml").write_text(text)


def _hostile_council_address(home):
    text = REGISTRY.replace(
        "foi_email: info.requests@leicester.gov.uk",
        r'foi_email: "info.requests@leicester.gov.uk\r\nRCPT TO:<victim@example.com>"',
    )
    (home / "councils.yaml").write_text(text)


def _hostile_subject(home):
    (home / "templates").mkdir()
    (home / "templates" / "placements_request.j2").write_text(
        'Subject: FOI request{{ "\\r\\nBcc: victim@example.com" }}\n\nDear council,\n'
    )


@pytest.mark.parametrize(
    "make_hostile",
    [
        _hostile_requester_name,
        _hostile_requester_email,
        _hostile_council_name,
        _hostile_council_address,
        _hostile_subject,
    ],
    ids=["requester-name", "requester-email", "council-name", "council-address", "subject"],
)
def test_no_header_injection_reaches_the_server(shome, make_hostile):
    """End to end over real SMTP: a hostile value is refused before any connection is made."""
    with SmtpServer() as server:
        smtp_home(shome, server, login=False)
        make_hostile(shome)
        before = snapshot(shome)
        result = cli_run(shome, "send", "r1", "--council", "leicester", "--yes")
        check_refused(result, before, shome, "one line|line break")
        assert server.messages == [] and server.handler.rcpts == []
        assert server.handler.logins == []


def test_review_grounds_stay_in_the_body(shome):
    """Grounds may span lines (they are the letter's body); a `Bcc:` line in them stays text in
    the body, and the review goes to the council alone. A reference with CR/LF is refused."""
    with SmtpServer(password=PASSWORD) as server:
        smtp_home(shome, server)
        sent = cli_run(shome, "send", "r1", "--council", "leicester", "--yes", env=LOGIN)
        assert sent.exit_code == 0, sent.output
        before = snapshot(shome)
        hostile_reference = cli_run(
            shome,
            "respond",
            "r1",
            "leicester",
            "--on",
            TODAY,
            "--outcome",
            "refused",
            "--reference",
            "FOI-1\r\nBcc: victim@example.com",
        )
        check_refused(hostile_reference, before, shome, "one line")
        answered = cli_run(
            shome, "respond", "r1", "leicester", "--on", TODAY, "--outcome", "refused"
        )
        assert answered.exit_code == 0, answered.output
        grounds = "You misapplied section 40.\r\nBcc: victim@example.com\r\n\r\nPlease look again."
        review = cli_run(
            shome, "review", "r1", "leicester", "--grounds", grounds, "--send", "--yes", env=LOGIN
        )
        assert review.exit_code == 0, review.output
        assert len(server.messages) == 2
        letter = server.messages[1]
        assert letter.rcpt_tos == ["info.requests@leicester.gov.uk"]
        assert server.handler.rcpts == ["info.requests@leicester.gov.uk"] * 2
        parsed = letter.message
        assert parsed["Bcc"] is None and parsed["Cc"] is None
        assert "Bcc: victim@example.com" in parsed.get_content()
        head = letter.data.split(b"\r\n\r\n", 1)[0]
        assert b"victim" not in head


# -- secrets --------------------------------------------------------------------------------------


def _secret_forms(secret: str) -> list[bytes]:
    """The password and the ways SMTP AUTH would encode it."""
    raw = secret.encode()
    return [
        raw,
        base64.b64encode(raw),  # AUTH LOGIN
        base64.b64encode(b"\0" + USER.encode() + b"\0" + raw),  # AUTH PLAIN
        base64.b64encode(USER.encode() + b"\0" + USER.encode() + b"\0" + raw),
        secret.encode("utf-16-le"),
    ]


def _assert_nowhere(secret: str, home: Path, texts: list[str], server: SmtpServer) -> None:
    forms = _secret_forms(secret)
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "foi.sqlite" for p in files)
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form not in data, f"the SMTP password is in {path}"
    for text in texts:
        for form in forms:
            assert form.decode("latin-1") not in text, f"the SMTP password was shown: {text!r}"
    for received in server.messages:
        for form in forms:
            assert form not in received.data, "the SMTP password went out in a letter"


def test_the_smtp_password_never_leaks(shome):
    """A successful round, then a refused login (535), with and without --debug, in real processes
    and in-process: the password appears in no file under the home, no output, no traceback, no
    exception, no letter."""
    secret = f"S3cret-{uuid.uuid4().hex}-marker"
    env = {"FOI_SENDER_SMTP_PASSWORD": secret}
    texts: list[str] = []
    with SmtpServer(password=secret) as server:
        smtp_home(shome, server)
        ok = cli_process(shome, "--debug", "send", "r1", "--all", "--yes", env=env)
        texts += [ok.stdout, ok.stderr]
        assert ok.returncode == 0, ok.stderr
        assert len(server.messages) == 2 and server.handler.logins[0] == (USER, True)

        server.handler.accept_login = False  # the server now answers 535
        for debug in ((), ("--debug",)):
            refused = cli_process(
                shome, *debug, "send", "r2", "--council", "glasgow", "--yes", env=env
            )
            texts += [refused.stdout, refused.stderr]
            assert refused.returncode != 0
            assert "refused the login" in refused.stderr
            assert ("Traceback" in refused.stderr) == bool(debug)

        in_process = CliRunner().invoke(
            cli, ["--home", str(shome), "--debug", "send", "r2", "--yes"], env=env
        )
        assert isinstance(in_process.exception, FoiError)
        chain, exc = [], in_process.exception
        while exc is not None and exc not in chain:
            chain.append(exc)
            exc = exc.__cause__ or exc.__context__
        texts += [in_process.output, "".join(traceback.format_exception(in_process.exception))]
        texts += [repr(e) for e in chain] + [repr(getattr(e, "args", ())) for e in chain]

        for args in (("status", "--json"), ("status",), ("draft", "leicester", "--round", "r1")):
            shown = cli_process(shome, "--debug", *args, env=env)
            texts += [shown.stdout, shown.stderr]
        _assert_nowhere(secret, shome, texts, server)
    assert len(server.messages) == 2, "no letter went after the refused login"


def test_no_password_is_ever_prompted_for(shome):
    """login = true and no password anywhere: a clear refusal, never a getpass prompt (which
    would hang a cron job)."""
    with SmtpServer(password="unused") as server:
        smtp_home(shome, server)
        result = cli_process(shome, "send", "r1", "--council", "leicester", "--yes", timeout=30)
        assert result.returncode != 0
        assert "no SMTP password" in result.stderr
        assert "Password" not in result.stdout
        assert server.handler.logins == [] and server.messages == []


# -- file modes -----------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def open_umask():
    """umask 000: whatever the user's umask, the private files must come out 0600."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_private_files_are_created_0600(shome, open_umask, tmp_path):
    init = cli_run(shome, "init", "--name", "Alex Example", "--email", USER)
    assert init.exit_code == 0, init.output
    assert _mode(shome / "foi.toml") == 0o600

    (shome / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    sent = cli_run(shome, "send", "r1", "--council", "leicester", "--yes")
    assert sent.exit_code == 0, sent.output
    assert _mode(shome / "foi.sqlite") == 0o600
    assert [_mode(p) for p in delivered(shome)] == [0o600], "letters in the outbox"

    ledger = open_ledger(shome)
    try:
        with ledger.transaction() as db:
            db.execute("UPDATE rounds SET template = template")
        wal, shm = shome / "foi.sqlite-wal", shome / "foi.sqlite-shm"
        assert wal.exists(), "the ledger runs in WAL mode"
        assert _mode(wal) == 0o600
        assert _mode(shm) == 0o600
    finally:
        ledger.close()

    reply = tmp_path / "reply.txt"
    reply.write_text("Dear Alex,\n\n1. Jane Smith\n", encoding="utf-8")
    kept = cli_run(
        shome,
        "respond",
        "r1",
        "leicester",
        "--on",
        TODAY,
        "--outcome",
        "successful",
        "--file",
        str(reply),
    )
    assert kept.exit_code == 0, kept.output
    copies = [p for p in (shome / "replies").rglob("*") if p.is_file()]
    assert copies and all(_mode(p) == 0o600 for p in copies), "kept replies"


def test_rewriting_foi_toml_tightens_its_mode(shome):
    cli_run(shome, "init", "--name", "Alex Example", "--email", USER)
    os.chmod(shome / "foi.toml", 0o644)
    again = cli_run(shome, "init", "--name", "Alex Example", "--email", USER, "--force")
    assert again.exit_code == 0, again.output
    assert _mode(shome / "foi.toml") == 0o600


# -- TLS ------------------------------------------------------------------------------------------


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def _self_signed(folder: Path, names=("localhost",), ips=("127.0.0.1",)) -> Certificate:
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return _self_signed_openssl(folder, names, ips)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.now(UTC)
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_path, key_path)


def _self_signed_openssl(folder: Path, names, ips) -> Certificate:
    alt = ",".join([f"DNS:{n}" for n in names] + [f"IP:{i}" for i in ips])
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"]
            + ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
            + ["-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={alt}"],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("neither the cryptography package nor openssl can make a certificate")
    return Certificate(folder / "cert.pem", folder / "key.pem")


@pytest.fixture
def certificate(tmp_path) -> Certificate:
    return _self_signed(tmp_path / "tls")


def _tls_server(kind: str, cert: Certificate, password: str | None = None) -> SmtpServer:
    if kind == "starttls":
        return SmtpServer(starttls=cert.server_context(), password=password)
    return SmtpServer(implicit_tls=cert.server_context(), password=password)


@pytest.mark.parametrize("kind", ["starttls", "ssl"])
def test_a_self_signed_certificate_is_refused(shome, certificate, kind):
    with _tls_server(kind, certificate) as server:
        smtp_home(shome, server, security=kind, login=False)
        before = snapshot(shome)
        result = cli_run(shome, "send", "r1", "--council", "leicester", "--yes")
        out = check_refused(result, before, shome, "certificate", ledger_unchanged=False)
        assert "ca_file" in out.stderr, "the message says how to trust the server"
        assert server.messages == [] and server.handler.rcpts == []
    assert statuses(shome) == ["queued"], "journaled, not sent: a re-run sends it"


@pytest.mark.parametrize("kind", ["starttls", "ssl"])
def test_a_certificate_named_in_ca_file_is_trusted(shome, certificate, kind):
    with _tls_server(kind, certificate, password=PASSWORD) as server:
        smtp_home(shome, server, security=kind, ca_file=certificate.cert)
        result = cli_run(shome, "send", "r1", "--council", "leicester", "--yes", env=LOGIN)
        assert result.exit_code == 0, result.output
        assert len(server.messages) == 1 and server.messages[0].tls
        assert server.messages[0].user == USER, "logged in, over TLS"
    assert statuses(shome) == ["sent"]


def test_ca_file_does_not_excuse_a_wrong_host_name(shome, tmp_path):
    """The CA is trusted, but the certificate names another host: still refused."""
    other = _self_signed(tmp_path / "other", names=("mail.other.example",), ips=("192.0.2.1",))
    with SmtpServer(starttls=other.server_context()) as server:
        smtp_home(shome, server, security="starttls", login=False, ca_file=other.cert)
        before = snapshot(shome)
        result = cli_run(shome, "send", "r1", "--council", "leicester", "--yes")
        check_refused(result, before, shome, "certificate", ledger_unchanged=False)
        assert server.messages == []


def test_starttls_is_never_skipped(shome, certificate):
    """security = starttls against a server that offers no STARTTLS: refused, not sent in clear."""
    with SmtpServer() as server:
        smtp_home(shome, server, security="starttls", login=False, ca_file=certificate.cert)
        before = snapshot(shome)
        result = cli_run(shome, "send", "r1", "--council", "leicester", "--yes")
        check_refused(result, before, shome, "STARTTLS|starttls", ledger_unchanged=False)
        assert server.messages == [] and server.handler.rcpts == []


# -- the template sandbox -------------------------------------------------------------------------

ESCAPES = {
    "mro-subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals-via-cycler": "{{ cycler.__init__.__globals__.os.system('touch pwned') }}",
    "globals-via-lipsum": "{{ lipsum.__globals__['os'].system('touch pwned') }}",
    "self-context": "{{ self._TemplateReference__context }}",
    "council-dict": "{{ council.__dict__ }}",
    "requester-reduce": "{{ requester.__reduce_ex__(2) }}",
    "attr-filter": "{{ council | attr('__class__') }}",
    "str-format": "{{ '{0.__class__.__mro__}'.format(council) }}",
    "method-globals": "{{ request.as_json.__globals__ }}",
}


@pytest.mark.parametrize("payload", ESCAPES.values(), ids=ESCAPES.keys())
def test_templates_cannot_reach_python_internals(shome, payload, monkeypatch):
    monkeypatch.chdir(shome)
    cli_run(shome, "init", "--name", "Alex Example", "--email", USER)
    (shome / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    (shome / "templates").mkdir()
    (shome / "templates" / "evil.j2").write_text(f"Subject: x\n\n{payload}\n", encoding="utf-8")

    with pytest.raises(TemplateError):
        render(
            shome,
            "evil",
            council=load_registry(shome).get("leicester"),
            requester=Requester("Alex Example", USER),
            round=RoundView("r1"),
            request=RequestView(),
            today=datetime.now(UTC).date(),
        )
    letters._environments.pop(shome, None)
    before = snapshot(shome)
    result = cli_run(shome, "draft", "leicester", "--template", "evil")
    check_refused(result, before, shome, "evil.j2")
    assert not (shome / "pwned").exists()


# -- one sending process at a time ----------------------------------------------------------------


def test_a_second_send_is_refused_while_the_lock_is_held(shome):
    cli_run(shome, "init", "--name", "Alex Example", "--email", USER)
    (shome / "councils.yaml").write_text(REGISTRY, encoding="utf-8")
    first = cli_run(shome, "send", "r1", "--council", "leicester", "--yes")
    assert first.exit_code == 0, first.output
    before = snapshot(shome)
    with send_lock(shome):
        second = cli_process(shome, "send", "r1", "--council", "glasgow", "--yes")
    check_refused(second, before, shome, "another foi-sender is sending")
    assert str(os.getpid()) in second.stderr, "the message names the process holding the lock"
    assert len(delivered(shome)) == 1


@pytest.mark.slow
def test_two_real_processes_never_both_send(shome):
    """Process A sends r1 through a slow server; B, started while A is in DATA, is refused; each
    council gets its letter once."""
    with SmtpServer(delay=1.5, password=PASSWORD) as server:
        smtp_home(shome, server)
        first = subprocess.Popen(
            [FOI_SENDER, "--home", str(shome), "send", "r1", "--all", "--yes"],
            env={**os.environ, **LOGIN},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.handler.data_started.wait(30), "A never reached DATA"
            second = cli_process(shome, "send", "r1", "--all", "--yes", env=LOGIN, timeout=30)
            _, err_a = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
        assert second.returncode == 1
        assert "another foi-sender is sending" in second.stderr
        assert first.returncode == 0, err_a
        again = cli_process(shome, "send", "r1", "--yes", env=LOGIN)
        assert again.returncode == 0, again.stderr
        recipients = [r for m in server.messages for r in m.rcpt_tos]
        assert sorted(recipients) == ["foi@glasgow.gov.uk", "info.requests@leicester.gov.uk"]
    assert statuses(shome) == ["sent", "sent"]
