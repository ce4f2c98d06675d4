"""The reply tag: a Reply-To of `user+foi<token>@domain` that names the request a reply is for.

Gmail, Outlook.com, Fastmail and most providers deliver `user+anything@domain` to `user@domain`,
so replies reach the requester's own mailbox carrying the token even when a council's case system
starts a new thread. The token is derived from the request's own Message-ID, so it needs no table
and is the same wherever and whenever the letter is built.
"""

from __future__ import annotations

import hashlib
import re

_TOKEN = re.compile(r"[+-]foi([0-9a-f]{10})@", re.IGNORECASE)


def token(request_message_id: str) -> str:
    return hashlib.sha256(request_message_id.encode("utf-8")).hexdigest()[:10]


def reply_address(email: str, request_message_id: str) -> str:
    local, _, domain = email.rpartition("@")
    # An address that has a +tag already keeps it: everything after the first + is the tag.
    joiner = "-" if "+" in local else "+"
    return f"{local}{joiner}foi{token(request_message_id)}@{domain}"


def tokens_in(addresses: list[str]) -> list[str]:
    """The tokens found in a message's recipient addresses, in order."""
    return [m.group(1).lower() for address in addresses for m in _TOKEN.finditer(address)]
