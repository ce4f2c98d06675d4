"""Bounds on what a reply file may cost to read, so a hostile file is refused at once.

A council's reply is a letter of a few pages, perhaps with a spreadsheet: these limits are far
above any real one and far below what would take minutes or gigabytes (a 335 KB .docx holding
100 MB of XML once took 77 s and 1.8 GB). Zip-based formats (.docx, .xlsx, .odt) are checked
from the archive's central directory before any library opens them, then every member is
inflated once against the size the directory declares, so a directory that lies is caught too.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import ReplyError
from .text import short

MB = 1024 * 1024
MAX_FILE_BYTES = 40 * MB  # mail providers cap messages at 25-35 MB
MAX_PAGES = 500
MAX_CHARS = 1_000_000  # about 400 pages of text
MAX_MEMBERS = 2_000
MAX_UNZIPPED = 64 * MB  # everything in the archive, pictures included
MAX_XML = 16 * MB  # the parts a library parses into a tree in memory
MAX_RATIO = 100  # real documents' XML compresses 5-20 times
RATIO_FLOOR = 1 * MB  # a small member may compress as well as it likes

_CHUNK = 256 * 1024


class TextBudget:
    """Counts the characters taken from a file; refuses once there are more than MAX_CHARS."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.left = MAX_CHARS

    def take(self, text: str) -> str:
        self.left -= len(text)
        if self.left < 0:
            raise ReplyError(
                f"{self.path}: holds more than {MAX_CHARS:,} characters of text; a reply that "
                "long is not read"
            )
        return text


def check_zip(path: Path | str, data: bytes, what: str) -> None:
    """ReplyError unless the archive unpacks to a bounded size at a plausible ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    # NotImplementedError: a member that claims to need a zip version Python cannot read
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise ReplyError(f"{path}: not a readable {what} ({short(exc)})") from None
    with archive:
        members = archive.infolist()
        _check_directory(path, members, len(data))
        for member in members:
            _inflate(path, archive, member, what)


def _check_directory(path: Path | str, members: list[zipfile.ZipInfo], packed: int) -> None:
    if len(members) > MAX_MEMBERS:
        raise ReplyError(f"{path}: the archive holds {len(members):,} files; not read")
    total = sum(m.file_size for m in members)
    xml = sum(m.file_size for m in members if m.filename.lower().endswith((".xml", ".rels")))
    if total > MAX_UNZIPPED or xml > MAX_XML:
        size = max(total, xml)
        raise ReplyError(
            f"{path}: unpacks to {size / MB:,.0f} MB from {packed / MB:,.1f} MB; not read "
            "(a zip bomb?)"
        )
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            ratio = m.file_size // max(m.compress_size, 1)
            raise ReplyError(
                f"{path}: {m.filename} is compressed {ratio:,} to 1; not read (a zip bomb?)"
            )


def _inflate(path: Path | str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, what: str):
    """Unpack one member into nothing, counting: more bytes than declared is a lie."""
    seen = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                seen += len(chunk)
                if seen > member.file_size:
                    break
    except Exception as exc:  # a bad CRC, zlib.error, an encrypted member: all unreadable
        raise ReplyError(f"{path}: not a readable {what} ({short(exc)})") from None
    if seen != member.file_size:
        raise ReplyError(f"{path}: {member.filename} does not match the size the archive declares")
