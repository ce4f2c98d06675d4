"""A reply file to text, by its suffix; every failure is one ReplyError line naming the file."""

from __future__ import annotations

from pathlib import Path

from ..errors import ReplyError
from .formats import docx_text, pdf_text
from .mail import Mail, read_mail

SUPPORTED_SUFFIXES = (".txt", ".eml", ".pdf", ".docx")


def read_file(path: Path) -> str | Mail:
    """The text of the reply at `path`; an email comes with what its headers say."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"'{path.suffix}' files" if path.suffix else "files without a suffix"
        raise ReplyError(
            f"{path}: cannot read {kind}; a reply must be one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReplyError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReplyError(f"{path}: is a folder, not a reply file") from None
    except OSError as exc:
        raise ReplyError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise ReplyError(f"{path}: the file is empty")
    if suffix == ".txt":
        return _decode_text(path, data)
    if suffix == ".pdf":
        return pdf_text(path, data)
    if suffix == ".docx":
        return docx_text(path, data)
    return read_mail(path, data)


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
