"""Hostile office files, made small on disk: zip bombs in Word and Excel clothing, an archive
whose directory lies about its sizes, and a PDF with too many pages."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

MB = 1024 * 1024

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARAGRAPH = b"<w:p><w:r><w:t>Question 1: the answer is withheld.</w:t></w:r></w:p>"


def docx_bomb(path: Path, xml_mb: int = 100) -> Path:
    """A .docx whose document.xml inflates to `xml_mb` MB of paragraphs (a few hundred KB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(f'<w:document xmlns:w="{_W}"><w:body>'.encode())
            block = _PARAGRAPH * (MB // len(_PARAGRAPH))
            for _ in range(xml_mb):
                member.write(block)
            member.write(b"</w:body></w:document>")
    return path


def xlsx_bomb(path: Path, xml_mb: int = 100) -> Path:
    """A .xlsx whose first sheet inflates to `xml_mb` MB of identical rows."""
    row = b'<row><c t="inlineStr"><is><t>62</t></is></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(xml_mb):
                member.write(row * (MB // len(row)))
    return path


def dense_member(path: Path, mb: int = 8) -> Path:
    """A .docx with one picture of zeros: small in total, but compressed a thousand to one."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("word/media/image1.bmp", bytes(mb * MB))
    return path


def lying_directory(path: Path) -> Path:
    """A .docx whose 20 MB document.xml is declared, in the local header and the central
    directory alike, to be 1 KB: the sizes pass every check, the inflated bytes do not."""
    body = _PARAGRAPH * (20 * MB // len(_PARAGRAPH))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{_W}">'.encode() + body)
    data = bytearray(path.read_bytes())
    for signature, name_at, size_at in ((b"PK\x03\x04", 26, 22), (b"PK\x01\x02", 28, 24)):
        at = data.find(signature)
        while at != -1:
            name_len = struct.unpack_from("<H", data, at + name_at)[0]
            start = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[start : start + name_len] == b"word/document.xml":
                struct.pack_into("<I", data, at + size_at, 1024)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def future_zip_version(path: Path) -> Path:
    """A small .docx whose central directory says a member needs zip version 6.4 to extract
    (as a damaged file can): Python's zipfile refuses to open such an archive at all."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    data[entry + 6 : entry + 8] = (64).to_bytes(2, "little")  # version needed to extract
    path.write_bytes(bytes(data))
    return path
