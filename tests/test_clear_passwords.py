"""A password goes without TLS only to this machine (a local relay such as DavMail, a test
server): `security = "none"` (or an http:// CalDAV URL) towards any other host is refused before
the password is even looked up, with one line naming the fix, and nothing is sent or recorded."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("smtp_server")

from smtp_server import ledger_rows, write_smtp_home  # noqa: E402

from foi_sender.config import refuse_password_in_clear  # noqa: E402
from foi_sender.errors import ConfigError  # noqa: E402

pytest_plugins = ["smtp_server"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.53", "localhost", "LOCALHOST.", "::1", "[::1]"]
)
def test_this_machine_may_take_a_password_in_clear(host):
    refuse_password_in_clear("[smtp] security", host, False, "use TLS")


@pytest.mark.parametrize(
    "host", ["smtp.example.org", "10.0.0.25", "192.168.1.10", "localhost.example.org", "::2"]
)
def test_any_other_host_may_not(host):
    with pytest.raises(ConfigError, match=f"unencrypted to {host}: use TLS"):
        refuse_password_in_clear("[smtp] security", host, False, "use TLS")
    refuse_password_in_clear("[smtp] security", host, True, "use TLS")  # over TLS it may


def _point_at(home, section: str, host: str) -> None:
    config = home / "foi.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(f'[{section}]\nhost = "127.0.0.1"', f'[{section}]\nhost = "{host}"'),
        encoding="utf-8",
    )
    assert f'host = "{host}"' in config.read_text(encoding="utf-8")


def test_a_round_is_not_sent_with_the_password_in_clear_to_another_host(home, run):
    write_smtp_home(home, None, councils=3, login=True)
    _point_at(home, "smtp", "smtp.example.org")

    result = run("send", "r1", "--all", "--yes", env={"FOI_SENDER_SMTP_PASSWORD": "s3cret-pw"})

    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        'Error: [smtp] security = "none" would send your password unencrypted to '
        'smtp.example.org: use "starttls" or "ssl" (or login = false for a relay that takes '
        "no login)"
    ]
    assert ledger_rows(home) == {}
    assert "s3cret-pw" not in result.output


def test_a_relay_without_login_may_stay_without_tls(smtp_server, home, run):
    """No login, no password on the wire: an internal relay (or DavMail) is fine as it is."""
    write_smtp_home(home, smtp_server, councils=2, login=False)

    result = run("send", "r1", "--all", "--yes")

    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 2


def test_the_inbox_is_not_read_with_the_password_in_clear_from_another_host(home, run):
    write_smtp_home(home, None, councils=1, transport="outbox")
    assert run("send", "r1", "--all", "--yes").exit_code == 0
    with (home / "foi.toml").open("a", encoding="utf-8") as config:
        config.write('\n[imap]\nhost = "imap.example.org"\nsecurity = "none"\nuser = "alex"\n')

    result = run("inbox", "fetch", env={"FOI_SENDER_IMAP_PASSWORD": "s3cret-pw"})

    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        'Error: [imap] security = "none" would send your password unencrypted to '
        'imap.example.org: use "ssl" or "starttls"'
    ]
