"""An email reply (.eml): its body without the quoted request, the text of its attachments, and
what its headers say (sender, threading ids, subject, date).

One reading of a parsed message serves both `read_reply(path)` and the inbox, which parses each
message once (headers as compat32 strings, decoded only when read) and hands it here.
"""

from __future__ import annotations

import email.errors
import re
from dataclasses import dataclass
from datetime import date
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

from ..deadlines import london_date
from ..errors import ReplyError
from .formats import docx_text, odt_text, pdf_text, xlsx_text
from .text import cut_quoted, normalise, short


@dataclass(frozen=True)
class Mail:
    text: str  # the body without what it quotes, then each attachment's text
    sender: str | None
    message_ids: tuple[str, ...]  # In-Reply-To first, then References
    subject: str | None
    sent_on: date | None


def parse(data: bytes) -> Message:
    """A message with its headers kept as strings until read (compat32): several times cheaper
    than `policy.default`'s header objects; `header_text` decodes the few that are read."""
    from email import message_from_bytes, policy

    return message_from_bytes(data, policy=policy.compat32)


def read_mail(path: Path, data: bytes) -> Mail:
    try:
        msg = parse(data)
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable email ({short(exc)})") from None
    return read_message(msg, path)


def read_message(msg: Message, path: Path | str) -> Mail:
    """The reply in a parsed message; `path` names it in errors."""
    try:
        headers = {k.lower() for k in msg}
        if not headers & {"from", "date", "subject", "message-id", "to", "received"}:
            raise ReplyError(f"{path}: not an email message (no mail headers found)")
        body, attached = _walk(msg, read_attachments=True)
        text = "\n\n".join([cut_quoted(normalise(body)), *[a for a in attached if a.strip()]])
        ids: list[str] = []
        for name in ("in-reply-to", "references"):
            for mid in re.findall(r"<[^<>\s]+>", header_text(msg, name)):
                if mid not in ids:
                    ids.append(mid)
        mail = Mail(
            text, _sender(msg), tuple(ids), header_text(msg, "subject") or None, _header_date(msg)
        )
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable email ({short(exc)})") from None
    return mail


def body_text(msg: Message) -> str:
    """The message's own words: its text/plain parts, else its HTML as text."""
    return _walk(msg, read_attachments=False)[0]


def _walk(msg: Message, *, read_attachments: bool) -> tuple[str, list[str]]:
    """The body (plain parts, else the HTML ones as text) and, if asked, the attachments' text."""
    plain: list[str] = []
    html: list[str] = []
    attached: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = (part.get_filename() or "").lower()
        is_attachment = part.get_content_disposition() == "attachment" or bool(name)
        reader = _attachment_reader(ctype, name)
        if reader is not None:
            if read_attachments:
                attached.append(_attachment_text(reader, name, part))
        elif ctype == "text/plain":
            if not is_attachment:
                plain.append(part_text(part))
            elif read_attachments:
                attached.append(part_text(part))
        elif ctype == "text/html" and not is_attachment:
            html.append(html_to_text(part_text(part)))
    body = "\n\n".join(plain) if any(p.strip() for p in plain) else "\n\n".join(html)
    return body, attached


def header_text(msg: Message, name: str) -> str:
    """A header as one line of text, RFC 2047 encoded words decoded; "" when absent or broken."""
    value = msg.get(name)
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        text = str(value)
    return " ".join(text.split())


def part_text(part: Message) -> str:
    """A part's text in its own charset; a message/rfc822 or delivery-status part: its headers."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(str(p) for p in payload)
    data = part.get_payload(decode=True) or b""
    try:
        return data.decode(part.get_content_charset() or "us-ascii")
    except (LookupError, UnicodeDecodeError):  # an unknown charset, or a wrong label
        return data.decode("utf-8", errors="replace")


def _sender(msg: Message) -> str | None:
    from email.utils import getaddresses

    found = getaddresses([header_text(msg, "from")])
    return (found[0][1].lower() or None) if found and "@" in found[0][1] else None


_ATTACHMENTS = (
    ("application/pdf", ".pdf", pdf_text),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", docx_text),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", xlsx_text),
    ("application/vnd.oasis.opendocument.text", ".odt", odt_text),
)


def _attachment_reader(ctype: str, name: str):
    for kind, suffix, reader in _ATTACHMENTS:
        if ctype == kind or name.endswith(suffix):
            return reader
    return None


def _attachment_text(reader, name: str, part) -> str:
    """Text of an attached document; one that cannot be read (or is hostile) adds nothing."""
    try:
        payload = part.get_payload(decode=True) or b""
        return reader(name or "attachment", payload) if payload.strip() else ""
    except ReplyError:
        return ""


def _header_date(msg: Message) -> date | None:
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(header_text(msg, "date"))
    except (TypeError, ValueError, IndexError):
        return None
    return london_date(when) if when.tzinfo else when.date()


def html_to_text(markup: str) -> str:
    from html.parser import HTMLParser

    block = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}

    class Stripper(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.out: list[str] = []
            self.skip = 0
            self.cells = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "head"):
                self.skip += 1
            elif tag == "tr":
                self.out.append("\n")
                self.cells = 0
            elif tag in ("td", "th"):
                if self.cells:
                    self.out.append(" | ")
                self.cells += 1
            elif tag in block:
                self.out.append("\n")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "head"):
                self.skip = max(0, self.skip - 1)
            elif tag in block and tag != "br":
                self.out.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.out.append(re.sub(r"\s+", " ", data))

    stripper = Stripper()
    stripper.feed(markup)
    stripper.close()
    return "".join(stripper.out)
