"""pymap, as tests/imap_server.py runs it, also taking XOAUTH2 (Exchange Online's IMAP login).

pymap offers PLAIN and LOGIN only, though pysasl, which it uses, parses XOAUTH2 into
`ExternalCredentials` (the address and the bearer token) and leaves checking the token to the
server. This script is that server-side check: the demo user may log in with the token held in
the file $PYMAP_BEARER_FILE, and every XOAUTH2 attempt is appended to $PYMAP_BEARER_LOG as
`address token accepted`. It then runs pymap's own command line, with the arguments given.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pymap.backend.dict import Config, Identity, Login
from pymap.exceptions import InvalidAuth
from pymap.main import main
from pysasl import SASLAuth
from pysasl.creds.external import ExternalCredentials, ExternalVerificationRequired

_password_login = Login.authenticate


async def authenticate(self: Login, credentials) -> Identity:
    if not isinstance(credentials, ExternalCredentials):
        return await _password_login(self, credentials)
    try:
        credentials.verify(None)
    except ExternalVerificationRequired as needed:
        token = needed.token
    expected = Path(os.environ["PYMAP_BEARER_FILE"]).read_text(encoding="utf-8").strip()
    accepted = credentials.authzid == self.config.demo_user and token == expected
    with open(os.environ["PYMAP_BEARER_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{credentials.authzid} {token} {accepted}\n")
    if not accepted:
        raise InvalidAuth()
    return Identity(credentials.authzid, self, None, frozenset())


Login.authenticate = authenticate
Config.tls_auth = property(lambda self: SASLAuth.named([b"PLAIN", b"LOGIN", b"XOAUTH2"]))

if __name__ == "__main__":
    sys.argv[0] = "pymap"
    sys.exit(main())
