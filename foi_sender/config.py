"""The home folder and foi.toml: where everything lives and who the requester is."""

from __future__ import annotations

import errno
import math
import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from foi_sender.errors import ConfigError, InputError

HOME_ENV = "FOI_SENDER_HOME"
# Pins "now" (ISO 8601 with offset) for tests and back-dating; all derived dates go through now().
NOW_ENV = "FOI_SENDER_NOW"
CONFIG_NAME = "foi.toml"
PACKAGE_DIR = Path(__file__).resolve().parent

TRANSPORTS = ("outbox", "smtp")
SECURITIES = ("starttls", "ssl", "none")
# How foi-sender logs in to a mail server: a stored password, or a Microsoft sign-in (OAuth2).
AUTHS = ("password", "microsoft")
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_FIELD = 300


def shipped_path(name: str) -> Path:
    """A file shipped with foi-sender: inside the package when installed from a wheel, at the top
    of the source tree when run from a checkout (the design card keeps them there)."""
    installed = PACKAGE_DIR / name
    return installed if installed.exists() else PACKAGE_DIR.parent / name


def resolve_home(option: str | os.PathLike | None = None) -> Path:
    """--home, else $FOI_SENDER_HOME, else the current folder."""
    chosen = option or os.environ.get(HOME_ENV) or "."
    return Path(chosen).expanduser().resolve()


def now() -> datetime:
    pinned = os.environ.get(NOW_ENV)
    if not pinned:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError as exc:
        raise ConfigError(f"${NOW_ENV} is not an ISO date-time: {pinned!r}") from exc
    if moment.tzinfo is None:
        raise ConfigError(f"${NOW_ENV} needs a UTC offset, e.g. 2025-05-01T09:00:00+01:00")
    return moment.astimezone(UTC)


def stored_secret(env_var: str, keyring_service: str, user: str) -> tuple[str | None, str]:
    """A password from `env_var`, else the system keyring; never prompted for.

    Returns it (None when there is none) and where it came from, for messages that must not
    show the password itself."""
    password = os.environ.get(env_var)
    if password:
        return password, env_var
    try:
        import keyring

        return keyring.get_password(keyring_service, user), "the keyring"
    except Exception:  # noqa: BLE001 - any keyring backend failure means "no stored password"
        return None, "the keyring"


def refuse_password_in_clear(what: str, host: str, encrypted: bool, fix: str) -> None:
    """A password sent without TLS can be read by anyone on the way: only to this machine (a
    local relay such as DavMail, a test server), never across a network."""
    if encrypted or _this_machine(host):
        return
    raise ConfigError(f"{what} would send your password unencrypted to {host}: {fix}")


def _this_machine(host: str) -> bool:
    import ipaddress

    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# C0 but tab, DEL, C1, and Unicode's two line breaks: one search over each value (a registry
# of 1,000 councils has 7,000), and which it was is worked out only when one is found.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# \x85, \u2028 and \u2029 are line breaks to YAML and to str.splitlines() as well.
_BREAKS = "\r\n\x00\x85\u2028\u2029"


def check_text(value: str, what: str, *, max_length: int = MAX_FIELD) -> str:
    """One-line text that may end up in a mail header: no control characters, bounded length."""
    if _CONTROL.search(value):
        if any(ch in value for ch in _BREAKS):
            raise InputError(f"{what} must be one line: it contains a line break or NUL")
        raise InputError(f"{what} contains a control character")
    if len(value) > max_length:
        raise InputError(f"{what} is {len(value)} characters long; the limit is {max_length}")
    return value


def check_email(value: str, what: str) -> str:
    check_text(value, what, max_length=254)
    if not value.isascii():
        raise InputError(
            f"{what} {value!r} has non-ASCII characters; foi-sender sends only to ASCII addresses"
        )
    if not _EMAIL.match(value) or ".." in value or len(value.rpartition("@")[0]) > 64:
        raise InputError(f"{what} {value!r} is not an email address")
    return value


@dataclass(frozen=True)
class Requester:
    name: str
    email: str
    organisation: str | None = None
    address: str | None = None
    phone: str | None = None
    reply_tag: bool = False  # Reply-To user+<token>@domain, so replies name their request


@dataclass(frozen=True)
class MicrosoftSettings:
    """The app registration (in the user's own Entra ID) that `login microsoft` signs in with.

    foi-sender has no registration of its own: a public client app is registered by the user or
    their IT admin, which is also what lets a tenant's admin see and revoke what it may do."""

    client_id: str
    tenant: str = "organizations"  # a tenant's domain or ID; "consumers" for Outlook.com
    authority: str = MICROSOFT_AUTHORITY  # another national cloud's sign-in host
    ca_file: str | None = None


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    login: bool = True
    user: str | None = None
    auth: str = "password"
    microsoft: MicrosoftSettings | None = None  # set when auth = "microsoft"
    ca_file: str | None = None
    timeout: float = 30.0
    retries: int = 3
    retry_delay: float = 2.0


@dataclass(frozen=True)
class ImapSettings:
    host: str
    user: str
    port: int = 993
    security: str = "ssl"
    folder: str = "INBOX"
    ca_file: str | None = None
    timeout: float = 60.0
    auth: str = "password"
    microsoft: MicrosoftSettings | None = None  # set when auth = "microsoft"


@dataclass(frozen=True)
class Settings:
    requester: Requester
    transport: str = "outbox"
    rate_per_minute: float = 0
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    alarm_days: int = 2
    extra_holidays: tuple[date, ...] = ()
    imap: ImapSettings | None = None
    discover_ca_file: str | None = None  # trusted by `councils discover` as well as its bundle


def extra_holidays(settings: Settings | None) -> tuple[date, ...]:
    """The holidays foi.toml adds; none where there is no foi.toml (settings is None)."""
    return settings.extra_holidays if settings else ()


_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "requester": {
        "name": str,
        "email": str,
        "organisation": str,
        "address": str,
        "phone": str,
        "reply_tag": bool,
    },
    "send": {"transport": str, "rate_per_minute": (int, float)},
    "smtp": {
        "host": str,
        "port": int,
        "security": str,
        "login": bool,
        "auth": str,
        "user": str,
        "ca_file": str,
        "timeout": (int, float),
        "retries": int,
        "retry_delay": (int, float),
    },
    "calendar": {"alarm_days": int, "extra_holidays": list},
    "imap": {
        "host": str,
        "port": int,
        "security": str,
        "auth": str,
        "user": str,
        "folder": str,
        "ca_file": str,
        "timeout": (int, float),
    },
    "discover": {"ca_file": str},
    "microsoft": {"client_id": str, "tenant": str, "authority": str, "ca_file": str},
}
_SECRET_KEYS = {
    "password",
    "pass",
    "passwd",
    "token",
    "secret",
    "client_secret",
    "access_token",
    "refresh_token",
}


def config_path(home: Path) -> Path:
    return home / CONFIG_NAME


def load_settings(home: Path) -> Settings:
    path = config_path(home)
    if not path.exists():
        raise ConfigError(
            f"{path}: not found; run `foi-sender init --name NAME --email ADDRESS` first"
        )
    try:
        # utf-8-sig: Notepad and some editors start a UTF-8 file with a byte-order mark.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
    return _settings_from(raw, path)


def _settings_from(raw: dict, path: Path) -> Settings:
    for section, values in raw.items():
        if section not in _SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(_SCHEMA)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: {section} must be a [{section}] table")
        for key, value in values.items():
            _check_key(path, section, key, value)
    requester = raw.get("requester")
    if not requester or "name" not in requester or "email" not in requester:
        raise ConfigError(f"{path}: [requester] needs name and email")
    try:
        return _build(raw, path)
    except InputError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _check_key(path: Path, section: str, key: str, value) -> None:
    if key.lower() in _SECRET_KEYS:
        raise ConfigError(
            f"{path}: [{section}] {key}: secrets do not belong in foi.toml; use keyring "
            "(`yagmail.register`) or the FOI_SENDER_SMTP_PASSWORD environment variable"
        )
    expected = _SCHEMA[section].get(key)
    if expected is None:
        known = ", ".join(_SCHEMA[section])
        raise ConfigError(f"{path}: unknown key [{section}] {key} (known: {known})")
    if isinstance(value, bool) and expected is not bool:
        raise ConfigError(f"{path}: [{section}] {key} has the wrong type ({type(value).__name__})")
    if not isinstance(value, expected):
        raise ConfigError(f"{path}: [{section}] {key} has the wrong type ({type(value).__name__})")


def _build(raw: dict, path: Path) -> Settings:
    req = raw["requester"]
    requester = Requester(
        name=check_requester_name(
            req["name"], "[requester] name", "put your full name in foi.toml"
        ),
        email=check_email(req["email"], "[requester] email"),
        organisation=_optional_text(req, "organisation"),
        address=_optional_text(req, "address", multiline=True),
        phone=_optional_text(req, "phone"),
        reply_tag=req.get("reply_tag", False),
    )
    send = raw.get("send", {})
    transport = send.get("transport", "outbox")
    if transport not in TRANSPORTS:
        raise InputError(
            f"[send] transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}"
        )
    rate = send.get("rate_per_minute", 0)
    if not math.isfinite(rate) or rate < 0:  # TOML allows nan and inf
        raise InputError("[send] rate_per_minute must be 0 (no limit) or more")
    microsoft = _microsoft_settings(raw["microsoft"]) if "microsoft" in raw else None
    smtp = _smtp_settings(raw.get("smtp", {}), microsoft)
    cal = raw.get("calendar", {})
    alarm_days = cal.get("alarm_days", 2)
    if not 0 <= alarm_days <= 60:
        raise InputError("[calendar] alarm_days must be between 0 and 60")
    return Settings(
        requester=requester,
        transport=transport,
        rate_per_minute=float(rate),
        smtp=smtp,
        alarm_days=alarm_days,
        extra_holidays=_extra_holidays(cal.get("extra_holidays", [])),
        imap=_imap_settings(raw["imap"], microsoft) if "imap" in raw else None,
        discover_ca_file=raw.get("discover", {}).get("ca_file"),
    )


def _optional_text(section: dict, key: str, *, multiline: bool = False) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not value.strip():
        raise InputError(
            f"[requester] {key} is blank: fill it in, or delete the line (it is optional)"
        )
    if multiline:
        # A postal address may span lines in the letter body, but never reaches a header.
        for line in value.splitlines():
            check_text(line, f"[requester] {key}")
        return value.strip()
    return check_text(value, f"[requester] {key}").strip()


def check_requester_name(value: str, what: str, fix: str) -> str:
    """The requester's name, which signs every letter: FOIA s.8(1)(b) (FOISA s.8(1)(b) too)
    makes a request valid only with the applicant's real name, so a blank one is refused."""
    check_text(value, what, max_length=120)
    if not value.strip():
        raise InputError(
            f"{what} is blank: a request must give your real name (FOIA s.8(1)(b)); {fix}"
        )
    return value.strip()


def _connection(
    table: dict, section: str, *, security: str, ssl_port: int, plain_port: int, timeout: float
):
    """The security, port and timeout an [smtp] or [imap] table sets, each checked."""
    security = table.get("security", security)
    if security not in SECURITIES:
        raise InputError(
            f"[{section}] security must be one of {', '.join(SECURITIES)}, not {security!r}"
        )
    port = table.get("port", ssl_port if security == "ssl" else plain_port)
    if not 0 < port < 65536:
        raise InputError(f"[{section}] port {port} is not a TCP port")
    timeout = float(table.get("timeout", timeout))
    if not math.isfinite(timeout) or timeout <= 0:
        raise InputError(f"[{section}] timeout must be more than 0 seconds")
    return security, port, timeout


def _auth(table: dict, section: str, microsoft: MicrosoftSettings | None):
    """The [smtp] or [imap] auth, and the [microsoft] table when it is "microsoft"."""
    auth = table.get("auth", "password")
    if auth not in AUTHS:
        raise InputError(f"[{section}] auth must be one of {', '.join(AUTHS)}, not {auth!r}")
    if auth != "microsoft":
        return auth, None
    if microsoft is None:
        raise InputError(
            f'[{section}] auth = "microsoft" needs a [microsoft] table with the client_id of '
            'your app registration: see the README\'s "Microsoft 365 and Outlook.com"'
        )
    if "user" not in table:
        raise InputError(f'[{section}] auth = "microsoft" needs user, your Microsoft address')
    return auth, microsoft


_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_AUTHORITY = re.compile(r"^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?$")


def _microsoft_settings(table: dict) -> MicrosoftSettings:
    client_id = table.get("client_id")
    if client_id is None:
        raise InputError(
            "[microsoft] needs client_id: the Application (client) ID of the app registered in "
            'Entra ID (see the README\'s "Microsoft 365 and Outlook.com")'
        )
    if not _GUID.match(client_id):
        raise InputError(
            f"[microsoft] client_id {client_id!r} is not an Application (client) ID: copy the "
            "GUID (like 0a1b2c3d-0000-4000-8000-00000000abcd) from the app's Overview page"
        )
    tenant = table.get("tenant", "organizations")
    if not _TENANT.match(tenant):
        raise InputError(
            f"[microsoft] tenant {tenant!r} is not a tenant: use your organisation's domain "
            '(example.org), its Directory (tenant) ID, "organizations", or "consumers" for '
            "Outlook.com"
        )
    # An https:// origin only: the tenant goes after it, and a token must never go in clear.
    authority = table.get("authority", MICROSOFT_AUTHORITY).rstrip("/")
    if not _AUTHORITY.match(authority):
        raise InputError(
            f"[microsoft] authority {authority!r} must be an https:// address with no path, "
            f"like {MICROSOFT_AUTHORITY}"
        )
    return MicrosoftSettings(client_id, tenant, authority, table.get("ca_file"))


def _smtp_settings(smtp: dict, microsoft: MicrosoftSettings | None = None) -> SmtpSettings:
    security, port, timeout = _connection(
        smtp, "smtp", security="starttls", ssl_port=465, plain_port=587, timeout=30
    )
    host = check_text(smtp.get("host", "localhost"), "[smtp] host", max_length=253)
    user = smtp.get("user")
    retries, retry_delay = smtp.get("retries", 3), float(smtp.get("retry_delay", 2.0))
    if not 0 <= retries <= 10 or not 0 <= retry_delay <= 600:
        raise InputError("[smtp] retries must be 0..10 and retry_delay 0..600 seconds")
    auth, microsoft = _auth(smtp, "smtp", microsoft)
    if auth == "microsoft" and smtp.get("login") is False:
        raise InputError('[smtp] auth = "microsoft" logs in: remove login = false')
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        login=smtp.get("login", True),
        user=check_text(user, "[smtp] user") if user is not None else None,
        ca_file=smtp.get("ca_file"),
        timeout=timeout,
        retries=retries,
        retry_delay=retry_delay,
        auth=auth,
        microsoft=microsoft,
    )


def _imap_settings(imap: dict, microsoft: MicrosoftSettings | None = None) -> ImapSettings:
    if "host" not in imap or "user" not in imap:
        raise InputError("[imap] needs host and user")
    auth, microsoft = _auth(imap, "imap", microsoft)
    security, port, timeout = _connection(
        imap, "imap", security="ssl", ssl_port=993, plain_port=143, timeout=60
    )
    return ImapSettings(
        host=check_text(imap["host"], "[imap] host", max_length=253),
        user=check_text(imap["user"], "[imap] user"),
        port=port,
        security=security,
        folder=check_text(imap.get("folder", "INBOX"), "[imap] folder"),
        ca_file=imap.get("ca_file"),
        timeout=timeout,
        auth=auth,
        microsoft=microsoft,
    )


def _extra_holidays(values: list) -> tuple[date, ...]:
    days = []
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            days.append(value)
            continue
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise InputError(
                f"[calendar] extra_holidays: {value!r} is not a date (use 2026-06-15)"
            ) from exc
    return tuple(sorted(set(days)))


_TEMPLATE = """\
# foi-sender settings. Passwords never go here: store the SMTP password in your keyring with
#   .venv/bin/python -c "import yagmail; yagmail.register('you@example.org')"
# or set FOI_SENDER_SMTP_PASSWORD in the environment.

[requester]
name = {name}             # signs every letter
email = {email}           # From and Reply-To
{organisation}# address = "1 Example Street, Leicester LE1 1AA"
# phone = "0116 000 0000"

[send]
transport = "outbox"      # "outbox" writes a Maildir in this folder; "smtp" really sends
rate_per_minute = 0       # 0: no limit (Gmail wants about 20)

[smtp]
host = "smtp.gmail.com"
port = 587
security = "starttls"     # starttls | ssl | none
login = true              # false for a relay that takes no login
# auth = "password"       # "microsoft" for Microsoft 365 / Outlook.com (README: sign in once)
user = {email}
# ca_file = "/path/to/ca.pem"   # trust this CA as well as the system's
# retries = 3             # tries after a temporary failure (4xx, connection refused)
# retry_delay = 2.0       # seconds before the first retry; doubles each time

[calendar]
alarm_days = 2            # reminder this many days before each deadline
extra_holidays = []       # ISO dates proclaimed after the holidays package was released

# Reading replies (`foi-sender inbox fetch`); the password comes from FOI_SENDER_IMAP_PASSWORD
# or the keyring (service "foi-sender-imap"), never from this file.
# [imap]
# host = "imap.gmail.com"
# port = 993
# security = "ssl"          # ssl | starttls | none
# user = {email}
# folder = "INBOX"

# Councils' websites (`foi-sender councils discover`) are checked against certifi's list of CAs,
# or SSL_CERT_FILE's (SSL_CERT_DIR's) when set. Behind a proxy that inspects TLS, name its CA here.
# [discover]
# ca_file = "/path/to/ca.pem"   # trust this CA as well
"""


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_initial_config(
    home: Path, name: str, email: str, organisation: str | None = None, *, force: bool = False
) -> Path:
    name = check_requester_name(name, "--name", "give it with --name")
    check_email(email, "--email")
    if organisation is not None:
        check_text(organisation, "--organisation")
        if not organisation.strip():
            raise InputError("--organisation is blank: give its name, or leave the option out")
        organisation = organisation.strip()
    path = config_path(home)
    if path.exists() and not force:
        raise InputError(f"{path} exists already; edit it, or pass --force to replace it")
    if not home.is_dir():
        raise InputError(f"home folder {home} does not exist; create it first")
    org_line = (
        f"organisation = {_toml_string(organisation)}\n"
        if organisation
        else ('# organisation = "Example Care Ltd"\n')
    )
    text = _TEMPLATE.format(
        name=_toml_string(name), email=_toml_string(email), organisation=org_line
    )
    atomic_write(path, text.encode("utf-8"), mode=0o600)
    load_settings(home)
    return path


def write_then_rename(tmp: Path, target: Path, data: bytes, mode: int) -> None:
    """Write `data` to the new file `tmp`, sync it to disk, then rename it to `target`: a reader,
    or a crash, sees the old state or the whole new file, never half of one. Raises OSError,
    leaving no `tmp` behind."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def write_new_files(files: list[tuple[Path, bytes]], mode: int) -> None:
    """`write_then_rename` for many new files in folders of our own, side by side: each file is
    still synced before its rename, but the filesystem commits concurrent syncs together, so a
    batch costs about what one file does. InputError naming the first file that failed."""
    from concurrent.futures import ThreadPoolExecutor

    def write(item: tuple[Path, bytes]) -> None:
        target, data = item
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink(missing_ok=True)  # left by a process that died with our pid
            write_then_rename(tmp, target, data, mode)
        except OSError as exc:
            raise InputError(f"cannot write {target}: {_os_reason(exc)}") from exc

    if not files:
        return
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in pool.map(write, files):
            pass


STDOUT = "-"


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` so that a reader, or a crash, sees the old file or the whole new one.

    Only a regular file (or a new one) is replaced, by write-then-rename. A symbolic link is
    followed and its target replaced so (a dangling link creates its target); a character device
    or FIFO (`/dev/null`, `/dev/stdout`, the pipe of a shell's `>(gzip > x)`) is written through,
    never replaced; `-` is standard output. A folder, block device or socket is refused. With
    `mode` a replaced file gets it; without, an existing file keeps its permissions and a new one
    gets 0644 (less the umask)."""
    if str(path) == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {_os_reason(exc)}") from exc
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_through(path, info, data)
        return
    # realpath: the link's final target, also when that does not exist yet.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not target.parent.is_dir():
        raise InputError(f"cannot write {path}: folder {target.parent} does not exist")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        kept = info.st_mode & 0o777 if mode is None and info is not None else None
        tmp.unlink(missing_ok=True)  # left by a process that died with our pid
        write_then_rename(tmp, target, data, mode or kept or 0o644)
        if kept is not None:
            os.chmod(target, kept)  # the umask may have narrowed it; never widens past the old mode
    except OSError as exc:
        raise InputError(f"cannot write {path}: {_os_reason(exc)}") from exc


def _write_through(path: Path, info: os.stat_result, data: bytes) -> None:
    """A device or a pipe: a new file put in its place would destroy it (`/dev/null` as root)."""
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"cannot write {path}: it is a folder")
    if not (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise InputError(
            f"cannot write {path}: it is a block device or socket, not a file, character device "
            "or FIFO"
        )
    try:
        # No O_CREAT, no O_TRUNC: the node stays what it is. A FIFO waits here for its reader.
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {_os_reason(exc)}") from exc


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link that leads round in a loop"
    return exc.strerror or str(exc)
