"""A reply file to text, by its suffix; every failure is one ReplyError line naming the file."""

from __future__ import annotations

import stat
from pathlib import Path

from ..errors import ReplyError
from .formats import docx_text, odt_text, pdf_text, xlsx_text
from .limits import MAX_FILE_BYTES, MB, TextBudget
from .mail import Mail, read_mail

SUPPORTED_SUFFIXES = (".txt", ".eml", ".pdf", ".docx", ".xlsx", ".odt")
_READERS = {".pdf": pdf_text, ".docx": docx_text, ".xlsx": xlsx_text, ".odt": odt_text}


def read_file(path: Path) -> str | Mail:
    """The text of the reply at `path`; an email comes with what its headers say."""
    path = Path(path)
    data = _read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        text = _decode_text(path, data)
        TextBudget(path).take(text)
        return text
    if suffix == ".eml":
        return read_mail(path, data)
    return _READERS[suffix](path, data)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, once it is known to be a regular file of a kind and size we read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReplyError(f"{path}: no such file") from None
    except OSError as exc:
        raise ReplyError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReplyError(f"{path}: is a folder; give one reply file from it")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"'{path.suffix}' files" if path.suffix else "files without a suffix"
        raise ReplyError(
            f"{path}: cannot read {kind}; a reply must be one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        raise ReplyError(f"{path}: not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ReplyError(
            f"{path}: {info.st_size / MB:,.0f} MB is too large for a reply (at most "
            f"{MAX_FILE_BYTES // MB} MB)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReplyError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise ReplyError(f"{path}: the file is empty")
    return data


def _decode_text(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReplyError(f"{path}: not readable as UTF-16 text") from None
    if b"\x00" in data:
        raise ReplyError(f"{path}: this is not a text file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # Windows "ANSI": the usual other encoding of council files
    except UnicodeDecodeError:
        raise ReplyError(f"{path}: the text is neither UTF-8 nor Windows-1252") from None
