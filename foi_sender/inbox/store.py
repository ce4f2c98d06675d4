"""Keeping each incoming message under the home: the raw bytes, and its attachments beside them.

File names come from a hash of the message's key and from slugged attachment names, never from
the message's text as it is. Writes are atomic, so a run cut short leaves whole files or none.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

FOLDER = "inbox"
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")


def message_key(msg: Message, raw: bytes) -> str:
    """The message's Message-ID; without a usable one, a hash of its bytes."""
    try:
        found = _MESSAGE_ID.search(str(msg.get("message-id") or ""))
    except Exception:  # noqa: BLE001 - a header the email package cannot parse is no Message-ID
        found = None
    if found:
        return found.group(0)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def stem(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def raw_path(home: Path, key: str) -> Path:
    return home / FOLDER / "messages" / f"{stem(key)}.eml"


def store(home: Path, key: str, raw: bytes, msg: Message) -> tuple[str, list[tuple[Path, bytes]]]:
    """Where the raw message goes (relative to the home) and the files still to write for it:
    the raw bytes and its attachments (`write_new_files` writes a batch's at once). The same key
    always lands on the same names, so storing a message again (after a crash) is harmless."""
    target = raw_path(home, key)
    # Private like the ledger: every folder made here is the owner's alone.
    (home / FOLDER).mkdir(mode=0o700, exist_ok=True)
    target.parent.mkdir(mode=0o700, exist_ok=True)
    files = [] if target.exists() else [(target, raw)]
    folder = home / FOLDER / "attachments" / stem(key)
    for number, (name, payload) in enumerate(attachments(msg), start=1):
        folder.parent.mkdir(mode=0o700, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        path = folder / f"{number:02d}-{name}"
        if not path.exists():
            files.append((path, payload))
    return str(target.relative_to(home)), files


def attachments(msg: Message) -> list[tuple[str, bytes]]:
    """(safe file name, bytes) of every attached file."""
    found = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() not in ("attachment", "inline"):
            continue
        name = part.get_filename()
        if part.get_content_disposition() == "inline" and not name:
            continue  # the body itself, or an inline image without a name
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001 - a broken part is skipped; the raw message keeps it
            continue
        found.append((safe_name(_decoded(name), part.get_content_type()), payload))
    return found


def _decoded(name: str | None) -> str:
    """A file name as its sender wrote it (some mailers encode it as RFC 2047 words)."""
    try:
        return str(make_header(decode_header(name))) if name else "attachment"
    except (LookupError, UnicodeError, ValueError, HeaderParseError):
        return name


def safe_name(name: str, content_type: str) -> str:
    """A file name from a sender's text: letters, digits, dot, dash and underscore only."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")[:80]
    if not cleaned:
        cleaned = "attachment"
    if "." not in cleaned:
        cleaned += mimetypes.guess_extension(content_type) or ".bin"
    return cleaned
