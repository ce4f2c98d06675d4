"""Microsoft 365 and Outlook.com: OAuth2 sign-in (device code), SMTP and IMAP with XOAUTH2.

Real parts on 127.0.0.1: an identity provider speaking Entra ID's v2.0 endpoints over HTTPS
(tests/identity_provider.py), aiosmtpd taking XOAUTH2 as Exchange Online does, pymap taking it
(tests/pymap_xoauth2.py), and a keyring backend in a file (tests/file_keyring.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from foi_sender.cli import cli

pytest.register_assert_rewrite("smtp_server", "identity_provider", "file_keyring")

from identity_provider import CLIENT_ID, VERIFICATION_URI  # noqa: E402
from imap_server import running_imap_server  # noqa: E402
from smtp_server import SMTP_USER, write_smtp_home  # noqa: E402

pytest_plugins = ["smtp_server", "identity_provider", "file_keyring"]

SERVICE = "foi-sender-microsoft"
SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"


def microsoft_table(provider) -> str:
    return (
        f'\n[microsoft]\nclient_id = "{CLIENT_ID}"\ntenant = "organizations"\n'
        f'authority = "{provider.base_url}"\nca_file = "{provider.ca_file}"\n'
    )


def write_microsoft_home(folder: Path, smtp_server, provider, councils: int = 3) -> Path:
    """A home sending through `smtp_server` with XOAUTH2, signing in at `provider`."""
    write_smtp_home(folder, smtp_server, councils=councils, login=True)
    toml = folder / "foi.toml"
    text = toml.read_text().replace("login = true", 'auth = "microsoft"')
    toml.write_text(text + microsoft_table(provider))
    return folder


def foi(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), *args])


def everything_written(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def signed_in(tmp_path, smtp_server, identity_provider, file_keyring):
    """A home whose user has run `foi-sender login microsoft`; the SMTP server takes only the
    newest access token the provider issued, for the right address."""
    home = write_microsoft_home(tmp_path / "home", smtp_server, identity_provider)
    smtp_server.recorder.accept_bearer = lambda user, token: (
        user == SMTP_USER and token == identity_provider.current
    )
    result = foi(home, "login", "microsoft")
    assert result.exit_code == 0, result.output
    return home, result


def test_login_keeps_the_sign_in_in_the_keyring_and_shows_only_the_url_and_code(
    signed_in, identity_provider, file_keyring
):
    home, result = signed_in
    [code] = identity_provider.user_codes
    assert result.stdout.splitlines() == [
        f"To sign in, open {VERIFICATION_URI} in a browser and enter the code {code}",
        f"Signed in as {SMTP_USER}; the sign-in is kept in the system keyring.",
    ]
    # It asked for sending only (foi.toml has no [imap]), and waited while the user signed in.
    [device] = [seen for seen in identity_provider.requests if seen.path.endswith("/devicecode")]
    assert SMTP_SCOPE in device.form["scope"] and IMAP_SCOPE not in device.form["scope"]
    assert identity_provider.grants().count("urn:ietf:params:oauth:grant-type:device_code") == 2
    # The keyring holds the refresh token; the access token is kept nowhere.
    [(key, stored)] = file_keyring.entries().items()
    assert key == (SERVICE, SMTP_USER)
    assert any(token in stored for token in identity_provider.refresh_tokens)
    [access] = identity_provider.access_tokens
    assert access not in stored
    written = everything_written(home)
    for token in [access, *identity_provider.refresh_tokens]:
        assert token not in result.output
        assert token.encode() not in written


def test_a_round_goes_with_xoauth2_and_no_token_lands_anywhere(
    signed_in, smtp_server, identity_provider
):
    home, _ = signed_in
    result = foi(home, "send", "r1", "--all", "--yes")
    assert result.exit_code == 0, result.output
    assert "Sent 3." in result.output
    assert len(smtp_server.messages) == 3
    assert {message.user for message in smtp_server.messages} == {SMTP_USER}
    # The stored sign-in was refreshed silently, and the server saw that new token.
    assert identity_provider.grants()[-1] == "refresh_token"
    assert smtp_server.auth_attempts == [(SMTP_USER, identity_provider.current, True)]
    written = everything_written(home)
    for token in identity_provider.access_tokens:
        assert token not in result.output
        assert token.encode() not in written
        assert all(token.encode() not in message.raw for message in smtp_server.messages)


def test_each_run_refreshes_and_keeps_the_rotated_refresh_token(
    signed_in, smtp_server, identity_provider, file_keyring
):
    home, _ = signed_in
    assert foi(home, "send", "r1", "--council", "council-001", "--yes").exit_code == 0
    first = identity_provider.current
    # The provider rotates refresh tokens: the one from login no longer works, so this second
    # run works only if the first kept the new one in the keyring.
    result = foi(home, "send", "r1", "--council", "council-002", "--yes")
    assert result.exit_code == 0, result.output
    assert identity_provider.current != first
    assert [accepted for *_, accepted in smtp_server.auth_attempts] == [True, True]
    assert smtp_server.copies() == {
        "council-001@example.gov.uk": 1,
        "council-002@example.gov.uk": 1,
    }
    [stored] = file_keyring.entries().values()
    [live] = identity_provider.refresh_tokens
    assert live in stored


def test_a_connection_lost_mid_round_reconnects_with_a_token(
    signed_in, smtp_server, identity_provider
):
    home, _ = signed_in
    smtp_server.inject("mail", "drop", nth=2)
    result = foi(home, "send", "r1", "--all", "--yes")
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 3
    assert [accepted for *_, accepted in smtp_server.auth_attempts] == [True, True]


def test_without_a_sign_in_one_line_and_nothing_is_sent(
    tmp_path, smtp_server, identity_provider, file_keyring
):
    home = write_microsoft_home(tmp_path / "home", smtp_server, identity_provider)
    result = foi(home, "send", "r1", "--all", "--yes")
    assert result.exit_code != 0
    assert result.stderr == (
        f"Error: not signed in to Microsoft as {SMTP_USER}: run `foi-sender login microsoft`\n"
    )
    assert smtp_server.count("connect") == 0 and smtp_server.messages == []
    assert identity_provider.requests == []  # nothing to refresh: not even asked


def test_a_revoked_sign_in_gives_one_line_and_nothing_is_sent(
    signed_in, smtp_server, identity_provider
):
    home, _ = signed_in
    identity_provider.revoke()
    result = foi(home, "send", "r1", "--all", "--yes")
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: the Microsoft sign-in of {SMTP_USER} no longer works")
    assert "AADSTS50173" in result.stderr
    assert result.stderr.endswith("run `foi-sender login microsoft`\n")
    assert smtp_server.count("connect") == 0 and smtp_server.messages == []


def test_a_token_the_server_refuses_stops_the_round(signed_in, smtp_server):
    home, _ = signed_in
    smtp_server.recorder.accept_bearer = lambda user, token: False
    result = foi(home, "send", "r1", "--all", "--yes")
    assert result.exit_code != 0
    assert "refused the login for alex@example.org (535 5.7.3" in result.output
    assert "run `foi-sender login microsoft` again" in result.output
    assert smtp_server.messages == []


def test_signing_in_as_another_account_is_refused_and_nothing_kept(
    tmp_path, smtp_server, identity_provider, file_keyring
):
    home = write_microsoft_home(tmp_path / "home", smtp_server, identity_provider)
    identity_provider.user = "someone.else@example.org"
    result = foi(home, "login", "microsoft")
    assert result.exit_code != 0
    assert "you signed in as someone.else@example.org, but foi.toml logs in as" in result.stderr
    assert file_keyring.entries() == {}


def test_inbox_fetch_logs_in_to_imap_with_xoauth2(tmp_path, identity_provider, file_keyring):
    bearer, attempts = tmp_path / "bearer", tmp_path / "attempts"
    bearer.write_text("no token issued yet")
    identity_provider.issued_file = bearer
    with running_imap_server(tmp_path / "pymap.log", bearer=(bearer, attempts)) as server:
        home = write_smtp_home(tmp_path / "home", None, councils=1, transport="outbox")
        with (home / "foi.toml").open("a") as toml:
            toml.write(
                f'\n[imap]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
                f'user = "{server.user}"\nauth = "microsoft"\n' + microsoft_table(identity_provider)
            )
        login = foi(home, "login", "microsoft")
        assert login.exit_code == 0, login.output
        [device] = [
            seen for seen in identity_provider.requests if seen.path.endswith("/devicecode")
        ]
        assert IMAP_SCOPE in device.form["scope"] and SMTP_SCOPE not in device.form["scope"]
        server.append(
            "INBOX",
            b"From: Someone <someone@example.net>\r\nTo: alex@example.org\r\n"
            b"Subject: Hello\r\nMessage-ID: <hello@example.net>\r\n"
            b"Date: Mon, 12 May 2025 10:00:00 +0100\r\n\r\nNot about a request.\r\n",
        )
        assert foi(home, "send", "r1", "--all", "--yes").exit_code == 0  # to the outbox
        result = foi(home, "inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert "1 message(s)" in result.output
    assert attempts.read_text().splitlines() == [f"{server.user} {identity_provider.current} True"]
    assert identity_provider.current.encode() not in everything_written(home)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda text: text,
            '[smtp] auth = "microsoft" needs a [microsoft] table with the client_id',
        ),
        (
            lambda text: text + '\n[microsoft]\nclient_id = "my-app"\n',
            "[microsoft] client_id 'my-app' is not an Application (client) ID",
        ),
        (
            lambda text: text + f'\n[microsoft]\nclient_id = "{CLIENT_ID}"\nclient_secret = "x"\n',
            "[microsoft] client_secret: secrets do not belong in foi.toml",
        ),
        (
            lambda text: text + f'\n[microsoft]\nclient_id = "{CLIENT_ID}"\nteanant = "x"\n',
            "unknown key [microsoft] teanant (known: client_id, tenant, authority, ca_file)",
        ),
        (
            lambda text: (
                text
                + f'\n[microsoft]\nclient_id = "{CLIENT_ID}"\nauthority = "http://login.example"\n'
            ),
            "[microsoft] authority 'http://login.example' must be an https:// address",
        ),
        (
            lambda text: text.replace('auth = "microsoft"', 'auth = "oauth"'),
            "[smtp] auth must be one of password, microsoft, not 'oauth'",
        ),
    ],
)
def test_the_settings_are_checked_before_anything_runs(tmp_path, change, message):
    home = tmp_path / "home"
    write_smtp_home(home, None, councils=1, login=True)
    toml = home / "foi.toml"
    toml.write_text(change(toml.read_text().replace("login = true", 'auth = "microsoft"')))
    result = foi(home, "login", "microsoft")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_login_with_no_microsoft_mailbox_says_what_to_set(home, run):
    result = run("login", "microsoft")
    assert result.exit_code == 2
    assert 'neither [smtp] nor [imap] in foi.toml has auth = "microsoft"' in result.stderr
