"""Signing in to Microsoft 365 and Outlook.com with OAuth2, for SMTP and IMAP (XOAUTH2).

Exchange Online takes no password over SMTP or IMAP. msal (imported only here, only when a
Microsoft mailbox is used) does the OAuth2: `foi-sender login microsoft` signs in once with the
device code flow, and every send or fetch after it gets an access token silently, refreshing it.

What is kept is msal's token cache without its access tokens: the account and its refresh token,
in the system keyring (service "foi-sender-microsoft", the address), as passwords are, never in
the home folder, which users sync and back up. Access tokens (valid an hour) live in memory only:
each run refreshes once, which also keeps the stored entry small for keyrings that limit size.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from foi_sender.config import MicrosoftSettings, Settings
from foi_sender.errors import AuthenticationError, InputError, TransportError

SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"
KEYRING_SERVICE = "foi-sender-microsoft"
LOGIN_COMMAND = "foi-sender login microsoft"
TIMEOUT = 30  # seconds, for each request to the sign-in server


def xoauth2(user: str, token: str) -> str:
    """The XOAUTH2 SASL response, before base64, that SMTP and IMAP both carry."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


class SignIn:
    """A stored sign-in for one address, giving access tokens for one scope without a prompt."""

    def __init__(self, settings: MicrosoftSettings, user: str, scope: str):
        self.settings = settings
        self.user = user
        self.scope = scope
        self._app = None
        self._cache = None
        self._stored: str | None = None

    def token(self) -> str:
        """A valid access token: msal's, from memory while it lasts, else refreshed."""
        if self._app is None:
            self._stored = _read(self.user)
            if not self._stored:
                raise AuthenticationError(
                    f"not signed in to Microsoft as {self.user}: run `{LOGIN_COMMAND}`"
                )
            self._app, self._cache = _application(self.settings, self._stored)
        with _sign_in_server(self.settings):
            accounts = self._app.get_accounts(username=self.user)
            result = (
                self._app.acquire_token_silent_with_error([self.scope], account=accounts[0])
                if accounts
                else None
            )
        if not result or "access_token" not in result:
            why = f" ({_reason(result)})" if result else ""
            raise AuthenticationError(
                f"the Microsoft sign-in of {self.user} no longer works{why}: run `{LOGIN_COMMAND}`"
            )
        # Microsoft may hand out a new refresh token with each refresh: keep the newest.
        self._stored = _store(self.user, self._cache, self._stored)
        return result["access_token"]


def login_for(settings: Settings, show: Callable[[str, str], None]) -> str:
    """`login` for the [smtp] and [imap] of foi.toml that use auth = "microsoft"."""
    uses = [
        (table, scope)
        for table, scope in ((settings.smtp, SMTP_SCOPE), (settings.imap, IMAP_SCOPE))
        if table is not None and table.auth == "microsoft"
    ]
    if not uses:
        raise InputError(
            'neither [smtp] nor [imap] in foi.toml has auth = "microsoft": set it, with a '
            '[microsoft] table (see the README\'s "Microsoft 365 and Outlook.com")'
        )
    users = list(dict.fromkeys(table.user for table, _ in uses))
    return login(uses[0][0].microsoft, users, [scope for _, scope in uses], show)


def login(
    settings: MicrosoftSettings,
    users: list[str],
    scopes: list[str],
    show: Callable[[str, str], None],
) -> str:
    """The device code flow: `show(url, code)`, wait for the user, keep the sign-in.

    `users`: the addresses foi.toml signs in as; the account signed in must be one of them, or
    sends would find no sign-in for their address. Returns the address signed in."""
    app, cache = _application(settings, None)
    with _sign_in_server(settings):
        flow = app.initiate_device_flow(scopes=scopes)
        if "user_code" not in flow:
            raise AuthenticationError(f"Microsoft would not start a sign-in: {_reason(flow)}")
        show(flow["verification_uri"], flow["user_code"])
        result = app.acquire_token_by_device_flow(flow)
    if "access_token" not in result:
        raise AuthenticationError(f"the sign-in did not complete: {_reason(result)}")
    who = (result.get("id_token_claims") or {}).get("preferred_username") or ""
    wanted = {user.lower(): user for user in users}
    if who.lower() not in wanted:
        raise AuthenticationError(
            f"you signed in as {who or 'an account with no address'}, but foi.toml logs in as "
            f"{', '.join(users)}: run `{LOGIN_COMMAND}` again and sign in as that account"
        )
    _store(wanted[who.lower()], cache, None)
    return wanted[who.lower()]


def _application(settings: MicrosoftSettings, stored: str | None):
    import msal

    cache = msal.SerializableTokenCache()
    if stored:
        try:
            cache.deserialize(stored)
        except ValueError as exc:
            raise AuthenticationError(
                f"the stored Microsoft sign-in cannot be read ({exc}): run `{LOGIN_COMMAND}`"
            ) from exc
    with _sign_in_server(settings):
        # The authority is the user's own setting: no instance discovery, which would ask
        # login.microsoftonline.com about it first.
        app = msal.PublicClientApplication(
            settings.client_id,
            authority=f"{settings.authority}/{settings.tenant}",
            token_cache=cache,
            instance_discovery=False,
            http_client=_http_client(settings.ca_file),
        )
    return app, cache


def _http_client(ca_file: str | None):
    """requests, as msal would set it up, but with `ca_file` passed on every request: a
    session's own `verify` loses to $REQUESTS_CA_BUNDLE, which many systems set."""
    import requests

    class Session(requests.Session):
        def request(self, method, url, **kwargs):
            kwargs.setdefault("timeout", TIMEOUT)
            if ca_file:
                kwargs.setdefault("verify", ca_file)
            return super().request(method, url, **kwargs)

    return Session()


@contextlib.contextmanager
def _sign_in_server(settings: MicrosoftSettings):
    """Failures to reach the sign-in server become one line naming it."""
    import requests

    try:
        yield
    except (requests.RequestException, ValueError) as exc:
        # msal raises ValueError when the server's OpenID configuration cannot be had.
        raise TransportError(
            f"cannot reach the Microsoft sign-in server {settings.authority}: {_first_line(exc)}"
        ) from exc


def _read(user: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, user.lower())
    except Exception:  # noqa: BLE001 - any keyring failure means "no stored sign-in"
        return None


def _store(user: str, cache, before: str | None) -> str:
    """Keep the cache, less its access tokens, in the keyring, when it differs from `before`."""
    kept = json.loads(cache.serialize())
    kept.pop("AccessToken", None)
    text = json.dumps(kept, sort_keys=True)
    if text == before:
        return text
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, user.lower(), text)
        stored = keyring.get_password(KEYRING_SERVICE, user.lower())
    except Exception as exc:  # noqa: BLE001 - every backend has errors of its own
        raise TransportError(
            f"cannot keep the Microsoft sign-in in the system keyring: {_first_line(exc)}"
        ) from exc
    if stored != text:
        raise TransportError(
            "the system keyring did not keep the Microsoft sign-in (is one installed and "
            "unlocked? see `keyring --list-backends`)"
        )
    return text


def _reason(result: dict) -> str:
    # error_description starts with Entra's AADSTS code, which is what an admin looks up.
    text = result.get("error_description") or result.get("error") or "no reason given"
    return _first_line(text)


def _first_line(value) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
