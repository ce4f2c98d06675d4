"""An email reply (.eml): its body without the quoted request, the text of its attachments, and
what its headers say (sender, threading ids, subject, date)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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


def read_mail(path: Path, data: bytes) -> Mail:
    import email
    from email import policy

    try:
        msg = email.message_from_bytes(data, policy=policy.default)
        headers = {k.lower() for k in msg}
        if not headers & {"from", "date", "subject", "message-id", "to", "received"}:
            raise ReplyError(f"{path}: not an email message (no mail headers found)")
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
                attached.append(_attachment_text(reader, name, part))
            elif ctype == "text/plain":
                (attached if is_attachment else plain).append(_part_text(part))
            elif ctype == "text/html" and not is_attachment:
                html.append(_html_to_text(_part_text(part)))
        body = "\n\n".join(plain) if any(p.strip() for p in plain) else "\n\n".join(html)
        text = "\n\n".join([cut_quoted(normalise(body)), *[a for a in attached if a.strip()]])
        subject = _header(msg, "subject")
        sender = None
        from_header = msg["from"]
        if from_header is not None and getattr(from_header, "addresses", None):
            sender = from_header.addresses[0].addr_spec.lower() or None
        ids: list[str] = []
        for name in ("in-reply-to", "references"):
            for mid in re.findall(r"<[^<>\s]+>", _header(msg, name) or ""):
                if mid not in ids:
                    ids.append(mid)
        sent_on = _header_date(msg)
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable email ({short(exc)})") from None

    return Mail(text, sender, tuple(ids), subject, sent_on)


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


def _part_text(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _header(msg, name: str) -> str | None:
    value = msg[name]
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def _header_date(msg) -> date | None:
    header = msg["date"]
    when = getattr(header, "datetime", None) if header is not None else None
    if when is None:
        return None
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    if when.tzinfo is None:
        return when.date()
    return when.astimezone(london).date()


def _html_to_text(markup: str) -> str:
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
