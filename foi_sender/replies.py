"""Reading a council's reply: the facts a requester needs, in whatever shape the council wrote.

`read_reply(path)` takes a `.txt`, `.eml`, `.pdf` or `.docx` file; `read_reply_text(text)` plain
text. Nothing here records anything or talks to the user: the CLI prints the `ReplyFacts`.

Councils answer in every shape (numbered lists, `Question 1` / `Answer:` blocks, the request quoted
and then answered, tables flattened to `question | answer` lines), so the parser works from
structure and wording, never from one council's layout. Every field is a reasoned guess; none is
invented: a field the text does not support stays empty.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import ReplyError

SUPPORTED_SUFFIXES = (".txt", ".eml", ".pdf", ".docx")
MAX_QUESTION = 5  # the request has five questions; answers are keyed 1..5

OUTCOMES = ("successful", "partially_successful", "refused", "not_held", "redirected")


@dataclass(frozen=True)
class ReplyFacts:
    date: date | None
    reference: str | None
    emails: list[str]
    exemptions: list[str]
    outcome: str | None
    outcome_evidence: str | None
    answers: dict[int, str]
    numbers: dict[int, int]
    sender: str | None = None
    message_ids: tuple[str, ...] = ()
    subject: str | None = None
    # The reply's own words (quoted history cut), for learning addresses; not one of the facts.
    text: str = field(default="", compare=False, repr=False)

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat() if self.date else None,
            "reference": self.reference,
            "emails": list(self.emails),
            "exemptions": list(self.exemptions),
            "outcome": self.outcome,
            "outcome_evidence": self.outcome_evidence,
            "answers": {str(k): v for k, v in sorted(self.answers.items())},
            "numbers": {str(k): v for k, v in sorted(self.numbers.items())},
            "sender": self.sender,
            "message_ids": list(self.message_ids),
            "subject": self.subject,
        }


# --------------------------------------------------------------------------------------------------
# Files


def read_reply(path: Path) -> ReplyFacts:
    """The facts in the reply at `path`; ReplyError (one line naming the file) if unreadable."""
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
        return read_reply_text(_decode_text(path, data))
    if suffix == ".pdf":
        return read_reply_text(_pdf_text(path, data))
    if suffix == ".docx":
        return read_reply_text(_docx_text(path, data))
    return _read_eml(path, data)


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


def _pdf_text(path: Path | str, data: bytes) -> str:
    import logging

    import pypdf

    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # pypdf warns about every small defect; the user needs none of it
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise ReplyError(f"{path}: the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable PDF ({_short(exc)})") from None
    finally:
        log.setLevel(level)
    text = "\n\n".join(pages)
    if not text.strip():
        raise ReplyError(f"{path}: the PDF has no text layer (a scan?); OCR it or save it as text")
    return text


def _docx_text(path: Path | str, data: bytes) -> str:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        parts: list[str] = []

        def emit(blocks: Iterable) -> None:
            for block in blocks:
                if isinstance(block, Table):
                    parts.extend(_docx_rows(block))
                else:
                    parts.append(block.text)

        for section in document.sections:  # letterheads carry the date and reference
            if not section.header.is_linked_to_previous:
                emit(section.header.iter_inner_content())
        emit(document.iter_inner_content())
        for section in document.sections:
            if not section.footer.is_linked_to_previous:
                emit(section.footer.iter_inner_content())
    except Exception as exc:
        raise ReplyError(f"{path}: not a readable Word (.docx) document ({_short(exc)})") from None
    text = "\n".join(parts)
    if not text.strip():
        raise ReplyError(f"{path}: the document has no text")
    return text


def _docx_rows(table) -> list[str]:
    """Each row as `cell | cell | cell` (merged cells once), the shape flattened tables have."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _read_eml(path: Path, data: bytes) -> ReplyFacts:
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
            if ctype == "application/pdf" or name.endswith(".pdf"):
                attached.append(_attachment_text(_pdf_text, name, part))
            elif ctype.endswith("wordprocessingml.document") or name.endswith(".docx"):
                attached.append(_attachment_text(_docx_text, name, part))
            elif ctype == "text/plain":
                (attached if is_attachment else plain).append(_part_text(part))
            elif ctype == "text/html" and not is_attachment:
                html.append(_html_to_text(_part_text(part)))
        body = "\n\n".join(plain) if any(p.strip() for p in plain) else "\n\n".join(html)
        text = "\n\n".join([_cut_quoted(_normalise(body)), *[a for a in attached if a.strip()]])
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
        raise ReplyError(f"{path}: not a readable email ({_short(exc)})") from None

    facts = read_reply_text(text)
    reference = facts.reference
    if reference is None and subject:
        reference = _reference(subject)
    return ReplyFacts(
        date=facts.date or sent_on,
        reference=reference,
        emails=facts.emails,
        exemptions=facts.exemptions,
        outcome=facts.outcome,
        outcome_evidence=facts.outcome_evidence,
        answers=facts.answers,
        numbers=facts.numbers,
        sender=sender,
        message_ids=tuple(ids),
        subject=subject,
        text=facts.text,
    )


def _attachment_text(reader, name: str, part) -> str:
    """Text of an attached PDF/DOCX; an attachment that cannot be read adds nothing."""
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


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:120]


# --------------------------------------------------------------------------------------------------
# Text


def read_reply_text(text: str) -> ReplyFacts:
    """The facts in a reply's plain text. Never raises: what it cannot find stays empty."""
    text = _cut_quoted(_normalise(text))
    scottish = bool(_SCOTTISH.search(text))
    items, first_item_at, remainder = _items(text)
    answers = {n: a for n, (_, a) in items.items() if a}
    classes = {n: _classify(a) for n, a in answers.items()}
    numbers = {}
    for n, answer in answers.items():
        if classes[n][0] == "answered":
            count = _count(answer, items[n][0])
            if count is not None:
                numbers[n] = count
    outcome, evidence = _outcome(classes, _plain_prose(remainder))
    return ReplyFacts(
        date=_letter_date(text, first_item_at),
        reference=_reference(text),
        emails=_emails(text),
        exemptions=_exemptions(text, scottish),
        outcome=outcome,
        outcome_evidence=evidence,
        answers=answers,
        numbers=numbers,
        text=text,
    )


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff\u200b-\u200d\u2060]", "", text)
    text = re.sub(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]", " ", text)
    text = text.replace("**", "")  # markdown bold from converted letters
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if _PAGE_FURNITURE.fullmatch(line):
            continue
        if "\t" in line:  # tab-separated table rows read like flattened tables
            line = re.sub(r"[ ]*\t[\t ]*", " | ", line)
        lines.append(line)
    return "\n".join(lines)


_PAGE_FURNITURE = re.compile(
    r"page[ ]+\d+(?:[ ]+of[ ]+\d+)?|official(?:[ ]*[-–][ ]*sensitive)?"
    r"|not[ ]+protectively[ ]+marked",
    re.I,
)
_SIGN_OFF = re.compile(r"regards|sincerely|faithfully|thanks|thank[ ]+you|^--[ ]*$", re.I | re.M)
_QUOTE_START = re.compile(
    r"""^(?:
        -{2,}[ ]*original[ ]+message[ ]*-{2,}
      | _{10,}[ ]*\n+[ ]*from:
      | from:[^\n]*\n(?:[^\n]*\n){0,3}?(?:sent|date):
      | on[ ][^\n]{4,200}?(?:\n[^\n]{0,200}?)?[ ]wrote:[ ]*$
    )""",
    re.I | re.M | re.X,
)


def _cut_quoted(text: str) -> str:
    """Drop the earlier messages an email reply quotes below itself (they hold our own request)."""
    pos = 0
    while True:
        m = _QUOTE_START.search(text, pos)
        if m is None:
            break
        before = text[: m.start()]
        forwarded = re.search(r"forwarded message|begin forwarded", before[-300:], re.I)
        # "From: / Date:" also heads memo-style letters: a quote only after a sign-off
        memo = re.match(r"from:.*\n(?:.*\n)*?date:", m.group(0), re.I) and not _SIGN_OFF.search(
            before
        )
        if len(re.sub(r"\s", "", before)) >= 10 and not forwarded and not memo:
            text = before
            break
        pos = m.end()
    return "\n".join(line for line in text.split("\n") if not line.startswith(">"))


# ---- dates

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?[ ]+)"
_DATE = (
    rf"(?<![\w/.\-])(?:"
    rf"{_WEEKDAY}?\d{{1,2}}(?:st|nd|rd|th)?(?:[ ]+of)?[ \-]+{_MONTH},?[ \-]+\d{{4}}"
    rf"|{_WEEKDAY}?{_MONTH}[ ]+\d{{1,2}}(?:st|nd|rd|th)?,?[ ]+\d{{4}}"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})"
    rf")(?!\w|[/.\-]\d)"
)
_DATE_RE = re.compile(_DATE, re.I)
_LABELLED_DATE = re.compile(
    rf"\b(?:date(?:d)?|date[ ]+of[ ]+(?:response|reply|letter|issue)|response[ ]+date"
    rf"|letter[ ]+date|date[ ]+(?:sent|issued)|issue[ ]+date|sent[ ]*:)[ ]*[:|\-–]?[ ]*({_DATE})",
    re.I,
)
_DATE_LINE = re.compile(rf"[|\s]*({_DATE})[|\s.,]*", re.I)


def _to_date(raw: str) -> date | None:
    s = re.sub(rf"^{_WEEKDAY}", "", raw.strip(), flags=re.I)
    s = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", s, flags=re.I)
    s = re.sub(r"\bof\b", " ", s, flags=re.I)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    try:
        if iso:  # dateutil reads 2025-05-07 as 5 July under dayfirst
            found = date(int(iso[1]), int(iso[2]), int(iso[3]))
        else:
            from dateutil import parser

            if re.search(r"[A-Za-z]", s):
                s = s.replace(".", " ")
            found = parser.parse(s, dayfirst=True, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError, TypeError):
        return None
    return found if 1990 <= found.year <= 2100 else None


def _letter_date(text: str, first_item_at: int) -> date | None:
    """`Date: ...` anywhere, else a line holding only a date above the answers."""
    for m in _LABELLED_DATE.finditer(text):
        found = _to_date(m.group(1))
        if found:
            return found
    offset = 0
    for line in text.split("\n"):
        if offset >= first_item_at:
            break
        m = _DATE_LINE.fullmatch(line)
        if m:
            found = _to_date(m.group(1))
            if found:
                return found
        offset += len(line) + 1
    return None


# ---- reference

_REF_LABEL = re.compile(
    r"""\b(?:
        our[ ]+ref(?:erence)?(?:[ ]+(?:number|no))?\.?
      | (?:foi|foisa|eir|information|freedom[ ]+of[ ]+information)[ ]+(?:request[ ]+)?
            (?:ref(?:erence)?|number|no|id)(?:[ ]+(?:number|no))?\.?
      | request[ ]+(?:id|ref(?:erence)?|number|no)(?:[ ]+(?:number|no))?\.?
      | case[ ]+(?:id|ref(?:erence)?|number|no)(?:[ ]+(?:number|no))?\.?
      | ref(?:erence)?\.?[ ]*(?:number|no|id)\.?
      | (?P<bare>reference|ref\.?)
    )(?P<sep>[ ]*[:#|][ ]*|[ ]*[-–][ ]+|[ ]+|[ ]*(?=\n)|$)""",
    re.I | re.X,
)
_REF_TOKEN = re.compile(r"(?:[A-Z]{2,6}[ ](?=\d))?[A-Z0-9][A-Z0-9/_.\-]*", re.I)
_REF_BARE = re.compile(
    r"(?<![\w/-])(?:FOISA|FOIR|FOI|EIR|IR|REQ|CAS|RFI)(?:[-/]?|[ ](?=\d{4}))\d[\w/-]*"
)


def _ref_value(raw: str) -> str | None:
    m = _REF_TOKEN.match(raw)
    if not m:
        return None
    token = m.group(0).rstrip("./-_")
    digits = sum(c.isdigit() for c in token)
    if (
        len(token) < 3
        or not digits
        or _DATE_RE.fullmatch(token)
        or re.fullmatch(r"(?:[A-Z]{2,6}[ ])?(?:19|20)\d\d", token, re.I)  # a year
    ):
        return None
    return token


def _not_theirs(text: str, start: int) -> bool:
    return bool(re.search(r"\b(?:your|their|my)[ ]+$", text[max(0, start - 12) : start], re.I))


def _reference(text: str) -> str | None:
    """The council's case number: a labelled `Our Ref:` / `Request ID:` (or the label alone on a
    line, the number on the next), else an `FOI123456`-like token; never the requester's `Your ref`.
    """
    for m in _REF_LABEL.finditer(text):
        if _not_theirs(text, m.start()):
            continue
        sep = m.group("sep")
        if m.group("bare") and not re.search(r"[:#|\-–]", sep):
            continue
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        rest = text[m.end() : min(line_end, m.end() + 200)]
        if rest.strip():
            value = _ref_value(rest.strip())
        else:
            line_start = text.rfind("\n", 0, m.start()) + 1
            if text[line_start : m.start()].strip(" |*#"):
                continue  # "... quote the reference number" at the end of a sentence
            following = text[line_end:].lstrip("\n").split("\n", 1)[0].strip(" |*#")
            value = _ref_value(following)
        if value:
            return value
    for m in _REF_BARE.finditer(text):
        if not _not_theirs(text, m.start()):
            value = _ref_value(m.group(0))
            if value:
                return value
    return None


# ---- emails

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def _emails(text: str) -> list[str]:
    found: list[str] = []
    for m in _EMAIL.finditer(text):
        address = m.group(0).strip(".'").lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


# ---- exemptions

_SCOTTISH = re.compile(
    r"\(Scotland\)|\bFOISA\b|Scottish[ ]+Information[ ]+Commissioner|\bFOI\(S\)A\b", re.I
)
_CITE_START = re.compile(
    r"(?<![\w'’])(?:(?P<sec>sections?|secs?\.?|ss?\.|s(?=[ ]?\d))|(?P<reg>regulations?|regs?\.?))"
    r"[ ]*(?=\d)",
    re.I,
)
_CITE_NUM = re.compile(r"(\d{1,3})(?!\d)([A-Z](?![A-Za-z]))?")
_CITE_SUB = re.compile(r"[ ]*\([ ]*(\d{1,2}[A-Za-z]?|[ivx]{1,4}|[A-Za-z])[ ]*\)", re.I)
_CITE_MORE = re.compile(
    r"[ ]*(?:,|and|&|or|/)[ ]*"
    r"(?:(?:(?P<sec>sections?|ss?\.|s(?=\d))|(?P<reg>regulations?|regs?\.?))[ ]*)?(?=[\d(])",
    re.I,
)
_OTHER_LAW = re.compile(
    r"[ ]*(?:of|under)[ ]+(?:the[ ]+)?((?:\(?[A-Z][\w()'’]*[ ]+|(?:of|and|the|for)[ ]+){0,8}?Act)\b"
    r"|[ ]*(?:care|supervision|interim|emergency|protection|placement)\b"
    r"|[ ]*(?:order|accommodat|agreement)"
)
_FOIA_SECTIONS = {12, 14, *range(21, 45)}
_FOISA_SECTIONS = {12, 14, *range(25, 42)}


def _exemptions(text: str, scottish: bool) -> list[str]:
    sections = _FOISA_SECTIONS if scottish else _FOIA_SECTIONS
    regulations = {10, 11} if scottish else {12, 13}
    found: list[str] = []
    pos = 0
    while start := _CITE_START.search(text, pos):
        prefix = "reg" if start.group("reg") else "s"
        pos = start.end()
        cites: list[tuple[str, int, str]] = []
        base: tuple[int, str] | None = None
        while True:
            num = _CITE_NUM.match(text, pos)
            if num:
                base = (int(num.group(1)), num.group(1) + (num.group(2) or ""))
                pos = num.end()
            elif base is None:
                break
            subs = ""
            while sub := _CITE_SUB.match(text, pos):
                subs += f"({sub.group(1)})"
                pos = sub.end()
            if num or subs:
                cites.append((prefix, base[0], f"{prefix}{base[1]}{subs}"))
            more = _CITE_MORE.match(text, pos)
            if not more:
                break
            if more.group("sec") or more.group("reg"):
                prefix, base = ("reg" if more.group("reg") else "s"), None
            pos = more.end()
        pos = max(pos, start.end())
        law = _OTHER_LAW.match(text, pos)
        if law and (law.group(1) is None or "information" not in law.group(1).lower()):
            continue  # section 31 of the Children Act 1989, a section 20 agreement...
        for kind, number, cite in cites:
            if number in (regulations if kind == "reg" else sections) and cite not in found:
                found.append(cite)
    return found


# ---- questions and answers

_ITEM = re.compile(
    r"""^[|*#\s]*(?:
        (?P<q>(?:question|request|part|item|q)[ ]*\.?[ ]*(?P<n1>\d{1,2})(?!\d)[ ]*
            (?:[.:)|\-–—][ ]*|(?=[ ])|$))
      | (?P<qn>(?:question|q)[ ]*[:.\-–—][ ]*)
      | \(?(?P<n2>\d{1,2})[ ]*(?P<s2>[.)])(?!\d)(?:[ ]+|$)
      | (?P<n3>\d{1,2})[ ]*(?P<s3>[:|\-–—])(?:[ ]+|$)
    )(?P<rest>.*)$""",
    re.I | re.X,
)
_ANSWER_MARK = re.compile(
    r"""^[|*#\s]*(?:(?:our|the[ ]+council'?s?|council'?s?)[ ]+)?
        (?:answer|response|reply)(?:[ ]+to[ ]+(?:question|q)[ ]*\d{1,2})?[ ]*\d{0,2}
        [ ]*(?:[:.\-–—|)][ ]*|$)
      | ^[|*#\s]*a[ ]*\d{0,2}[ ]*:[ ]*
      | ^[|*#\s]*a\d{1,2}[ ]*[.)][ ]*""",
    re.I | re.M | re.X,
)
_INLINE_ANSWER = re.compile(r"(?<=[?.)\s])(?:Answer|ANSWER|Response|RESPONSE|Reply)[ ]*:[ ]*")
_QUESTION_WORDS = re.compile(
    r"(?:how|what|which|who|whom|whose|when|where|why|does|do|did|is|are|was|were|has|have|had"
    r"|can|could|would|will|should|please|name|names|provide|list|state|confirm|detail|details"
    r"|copy|copies|number[ ]+of|the[ ]+number|total|identify|describe|explain|give)\b",
    re.I,
)
_ADDRESS_START = re.compile(r"\S*@|https?:|www\.", re.I)
_CONTINUES = re.compile(  # a question going on after its "?": "If yes, please provide..."
    r"(?:if|and|or|and/or|e\.g|i\.e)\b|\(|please[ ]+(?:provide|specify|state|include|list|give"
    r"|confirm|explain|detail|indicate|supply|break|tell|advise)",
    re.I,
)
_CLOSING = re.compile(
    r"""^[|*#\s]*(?:
        you[ ]+(?:may|can|are[ ]+free[ ]+to)[ ]+re-?[ ]?use | re-?[ ]?use[ ]+of
      | the[ ]+supply[ ]+of[ ]+(?:the[ ]+)?information | copyright
      | (?:this|the)[ ]+information[ ]+(?:is|has[ ]+been)[ ]+(?:provided|released|supplied)[ ]+under
      | open[ ]+government[ ]+licen[cs]e
      | if[ ]+you[ ]+(?:are|remain|were|feel)[ ]+(?:still[ ]+)?
            (?:dissatisfied|unhappy|not[ ]+(?:happy|satisfied|content)|aggrieved)
      | if[ ]+you[ ]+(?:have|require|need)[ ]+any[ ]+(?:further[ ]+)?
            (?:queries|questions|concerns|information|assistance)
      | if[ ]+you[ ]+(?:would[ ]+like|wish|want)[ ]+(?:to[ ]+)?
            (?:request|ask[ ]+for|make|appeal|complain|discuss)
      | if[ ]+you[ ]+disagree
      | your[ ]+rights?[ ]+(?:to|of) | rights?[ ]+of[ ]+(?:appeal|review|complaint)
      | internal[ ]+review[ ]*$ | complaints?[ ]+(?:procedure|and[ ]+appeals)
      | please[ ]+(?:remember[ ]+to[ ]+)?quote
      | yours[ ]+(?:sincerely|faithfully|truly) | (?:kind|best|warm|many)?[ ]?regards\b
      | many[ ]+thanks | thank[ ]+you[ ]+for[ ]+your[ ]+(?:request|interest|enquiry|patience)
      | for[ ]+information,[ ]+we[ ]+publish | we[ ]+(?:routinely[ ]+)?publish
      | (?:the[ ]+)?information[ ]+commissioner | --[ ]*$
      | (?:exemptions?(?:[ ]+(?:applied|used|engaged|cited))?|explanation[ ]+of[ ]+(?:the[ ]+)?
            exemptions?|(?:the[ ]+)?public[ ]+interest[ ]+test|reasons?[ ]+for[ ]+(?:refusal
            |withholding|the[ ]+refusal)|application[ ]+of[ ]+(?:the[ ]+)?exemptions?
            |advice[ ]+and[ ]+assistance|your[ ]+rights?|appeals?|complaints?|next[ ]+steps
            |review(?:[ ]+procedure)?|re-?use(?:[ ]+of[ ]+(?:the[ ]+)?information)?)[ ]*:?[ ]*$
    )""",
    re.I | re.X,
)
_STYLE_ORDER = {"q": 0, ".": 1, ")": 2, ":": 3, "|": 4, "-": 5, "qn": 6}


@dataclass
class _Item:
    number: int
    start: int  # offset of the marker line in the text
    body: str  # marker line's rest and the lines up to the next item (closing cut off)
    question: str = ""
    answer: str | None = None
    explicit: bool = False  # an Answer:/Response: marker or a table cell split it
    leftover: str = ""
    looks_question: bool = False


@dataclass
class _Marker:
    line: int
    number: int
    style: str
    rest: str


def _markers(lines: list[str]) -> list[_Marker]:
    found = []
    unnumbered = 0
    for i, line in enumerate(lines):
        m = _ITEM.match(line)
        if not m:
            continue
        if m.group("qn"):  # "Q:" / "Question:" blocks without numbers: counted in order
            unnumbered += 1
            number, style = unnumbered, "qn"
        elif m.group("n1"):
            number, style = int(m.group("n1")), "q"
        elif m.group("n2"):
            number, style = int(m.group("n2")), m.group("s2")
        else:
            number, style = int(m.group("n3")), m.group("s3")
            style = "-" if style in "-–—" else style
        if number >= 1:
            found.append(_Marker(i, number, style, m.group("rest")))
    return found


def _chain(markers: list[_Marker]) -> list[_Marker]:
    """The numbered list the answers hang on: per marker style, the longest run 1, 2, 3, ... in
    order (markers in between may be skipped: a nested list), taking the latest occurrence of each
    number, so a request quoted first and answered after resolves to the answers."""
    best: list[_Marker] = []
    by_style: dict[str, list[_Marker]] = {}
    for m in markers:
        by_style.setdefault(m.style, []).append(m)
    for style in sorted(by_style, key=lambda s: _STYLE_ORDER.get(s, 9)):
        group = by_style[style]
        length, want = 0, 1
        for m in group:
            if m.number == want:
                length, want = want, want + 1
        if length < (1 if style == "q" else 2) or length <= len(best):
            continue
        chain: list[_Marker] = []
        want, limit = length, len(group)
        for idx in range(limit - 1, -1, -1):
            if group[idx].number == want:
                chain.append(group[idx])
                want -= 1
                if want == 0:
                    break
        best = chain[::-1]
    return best


def _cut_closing(body: str) -> tuple[str, str]:
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if _CLOSING.match(line):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return body, ""


def _items(text: str) -> tuple[dict[int, tuple[str, str | None]], int, str]:
    """Question number -> (question text, answer or None); where the first item starts; and the text
    outside questions and answers (for the letter's own wording: refusals, redirections)."""
    lines = text.split("\n")
    chain = _chain(_markers(lines))
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    if not chain:
        return _table_items(lines, offsets, text)

    items: list[_Item] = []
    tail = ""
    for k, marker in enumerate(chain):
        end = chain[k + 1].line if k + 1 < len(chain) else len(lines)
        body = "\n".join([marker.rest, *lines[marker.line + 1 : end]])
        body, after = _cut_closing(body)
        if k + 1 == len(chain):
            tail = after
        elif after:
            tail += "\n" + after
        items.append(_Item(marker.number, offsets[marker.line], body))

    for item in items:
        _split(item)
    question_like = sum(item.looks_question for item in items)
    qa_mode = question_like * 2 >= len(items)
    for item in items:
        if not qa_mode and not item.explicit:
            item.answer, item.question, item.leftover = item.body, "", ""
    if qa_mode and len(items) >= 2:
        # A request quoted as a list with only the last item "answered": the text after it is the
        # letter's reply to the whole request (a refusal, a redirection), not an answer to it.
        answered = [it for it in items if it.answer and it.answer.strip()]
        if len(answered) == 1 and answered[0] is items[-1]:
            items[-1].leftover = items[-1].answer or ""
            items[-1].answer = None

    result: dict[int, tuple[str, str | None]] = {}
    pieces = [text[: items[0].start]]
    for item in items:
        answer = _tidy(item.answer or "") or None
        if item.number <= MAX_QUESTION and item.number not in result:
            result[item.number] = (item.question, answer)
        pieces.append(item.leftover)
    pieces.append(tail)
    return result, items[0].start, "\n\n".join(p for p in pieces if p.strip())


def _split(item: _Item) -> None:
    """Separate the question repeated in an item from its answer."""
    body = item.body
    mark = _ANSWER_MARK.search(body)
    if mark is None:
        mark = _INLINE_ANSWER.search(body.split("\n\n", 1)[0])
    if mark is not None:
        item.question, item.answer = body[: mark.start()], body[mark.end() :]
        item.explicit = item.looks_question = True
        return
    lines = body.split("\n")
    first = lines[0].strip()
    if "|" in first:
        row = first[1:] if first.startswith("|") else first
        row = row[:-1] if row.endswith("|") else row
        cells = [c.strip() for c in row.split("|")]
        if len(cells) >= 2:
            item.question = " | ".join(cells[:-1])
            item.answer = "\n".join([cells[-1], *lines[1:]])
            item.explicit = item.looks_question = True
            return
    while lines and not lines[0].strip():
        lines.pop(0)
    para: list[str] = []
    for line in lines:
        if not line.strip():
            break
        para.append(line)
    # The question is the first paragraph's lines up to one that ends it ("?", "." or ":"); a long
    # line without an ending, or one whose next line goes on in lower case, is hard-wrapped.
    q_end = 0
    for i, line in enumerate(para):
        following = para[i + 1] if i + 1 < len(para) else ""
        if line.endswith(("?", ".", "!", ":")):
            if line.endswith("?") and following and _CONTINUES.match(following):
                continue
            q_end = i
            break
        if not following:
            if "?" in line:  # "...purchase arrangements? 9": the answer after the question
                q_end = i
            break  # else no line ends the question: it is the first line alone
        if len(line) >= 45 or (following[0].islower() and not _ADDRESS_START.match(following)):
            continue
        q_end = i
        break
    question = "\n".join(para[: q_end + 1])
    rest = "\n".join(lines[q_end + 1 :]).strip()
    item.question = question
    item.looks_question = "?" in question or bool(_QUESTION_WORDS.match(question))
    if rest:
        item.answer = rest
        return
    # "1. How many children? 62": the answer on the question's own line
    at = question.rfind("?")
    after = question[at + 1 :].strip() if at >= 0 else ""
    if after and not _CONTINUES.match(after) and len(after) < len(question[:at]):
        item.question, item.answer = question[: at + 1], after
        return
    item.answer = None
    item.leftover = ""


_TABLE_HEAD = re.compile(r"\b(?:question|request|information[ ]+requested)\b", re.I)
_TABLE_ANSWER = re.compile(r"\b(?:answer|response|reply|information)\b", re.I)


def _table_items(
    lines: list[str], offsets: list[int], text: str
) -> tuple[dict[int, tuple[str, str | None]], int, str]:
    """A table with a `Question | Answer` header and unnumbered rows: rows are questions 1, 2..."""
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip("| ").split("|")]
        if len(cells) < 2 or not _TABLE_HEAD.search(cells[0]):
            continue
        if not any(_TABLE_ANSWER.search(c) for c in cells[1:]):
            continue
        result: dict[int, tuple[str, str | None]] = {}
        j = i + 1
        number = 0
        while j < len(lines) and "|" in lines[j]:
            row = [c.strip() for c in lines[j].strip("| ").split("|")]
            j += 1
            if all(re.fullmatch(r":?-+:?", c) for c in row):
                continue
            number += 1
            if number <= MAX_QUESTION and len(row) >= 2:
                result[number] = (" | ".join(row[:-1]), _tidy(row[-1]) or None)
        if result:
            rest = text[: offsets[i]] + "\n\n" + "\n".join(lines[j:])
            return result, offsets[i], rest
    return {}, len(text), text


def _tidy(answer: str) -> str:
    """Lines stripped, blank runs made one; a sentence broken by a hard wrap, a page or a paragraph
    break (the next line goes on in lower case) joined again."""
    out: list[str] = []
    blank = False
    for line in answer.split("\n"):
        line = line.strip()
        if not line:
            blank = bool(out)
            continue
        if out and out[-1][-1] not in ".?!:;" and line[0].islower():
            out[-1] = f"{out[-1]} {line}"
        elif out and blank:
            out.extend(["", line])
        else:
            out.append(line)
        blank = False
    return "\n".join(out).strip()


# ---- outcome

_ORG = (
    r"(?:council|authority|trust|nhs|board|department|agency|police|government|ministry|ofsted"
    r"|partnership|icb|dfe|commission)\b"
)
_REDIRECTED = re.compile(  # the request belongs to another body
    rf"""(?:we|i|the[ ]+council|it)[ ]+(?:have|has)[ ]+(?:now[ ]+)?(?:transferred|forwarded|passed
            (?:[ ]+on)?|redirected|referred)[ ]+(?:your|the|this)[ ]+(?:request|enquiry|question)
      | (?:request|enquiry)[ ]+(?:has|have)[ ]+been[ ]+(?:transferred|forwarded|passed[ ]+on
            |redirected|referred)[ ]+to
      | (?:request|enquiry|question)s?[ ]+(?:should|would[ ]+need[ ]+to|will[ ]+need[ ]+to)
            [ ]+be[ ]+(?:directed|redirected|addressed|sent|made|submitted)[ ]+to
      | (?:is|are|would[ ]+be)[ ]+(?:held|owned|maintained|collected|managed|recorded|published)
            [ ]+by[ ]+(?:the[ ]+|an?[ ]+)?(?!council\b|us\b|this\b)(?:[\w'’&-]+[ ]+){{0,5}}?{_ORG}
      | responsib\w*(?:[ ]+[\w'’-]+){{0,8}}?[ ]+(?:lies|rests|sits)[ ]+with[ ]+(?:the[ ]+)?
            (?!council\b|us\b|this\b)(?:[\w'’&-]+[ ]+){{0,5}}?{_ORG}
      | (?:is|are)[ ]+(?:the|a)[ ]+(?:responsibility|matter)[ ]+(?:of|for)[ ]+(?:the[ ]+)?
            (?!council\b|this\b)(?:[\w'’&-]+[ ]+){{0,5}}?{_ORG}
      | (?:not|isn't)[ ]+(?:the|a)[ ]+(?:responsibility|function)[ ]+of[ ]+(?:the|this)[ ]+council
    """,
    re.I | re.X,
)
_SUGGESTED = re.compile(  # "you may wish to contact X": a redirection when nothing else is given
    r"you[ ]+(?:may|might|will|would)[ ]+(?:wish|want|need|like)[ ]+to[ ]+(?:contact|approach"
    r"|direct|redirect|address|submit|send|make|write[ ]+to)",
    re.I,
)
_REDIRECT_BUT_NOT = re.compile(r"information[ ]+commissioner|\bICO\b|\bus\b|ombudsman", re.I)
_REFUSED = re.compile(
    r"""\bexempt(?:ion|ions|ed)?\b | \bwithh[eo]ld(?:ing)?\b | \brefusal[ ]+notice\b
      | \brefus(?:e|ed|ing|al)\b
      | (?:unable|not[ ]+able|cannot|can[ ]?not|will[ ]+not|won'?t|are[ ]+not[ ]+obliged)
            [ ]+(?:to[ ]+)?(?:be[ ]+)?(?:provid|disclos|releas|suppl|comply|complied|shar)
      | neither[ ]+confirm[ ]+nor[ ]+deny
      | exceed(?:s|ed)?[ ]+the[ ]+(?:appropriate|cost|fees?)[ ]+limit | \bappropriate[ ]+limit\b
      | \bcost[ ]+limit\b | \bvexatious\b | manifestly[ ]+unreasonable""",
    re.I | re.X,
)
_NOT_HELD = re.compile(
    r"""(?:does|do|did)[ ]+not[ ]+(?:currently[ ]+)?(?:hold|have[ ]+(?:this|that|the|any)
            [ ]+information|record|collate|collect|keep|capture)
      | (?:doesn'?t|don'?t)[ ]+(?:hold|record|collect|keep)
      | (?:is|are|was|were)[ ]+not[ ]+held | \bnot[ ]+held\b
      | holds?[ ]+no[ ]+(?:recorded[ ]+)?(?:information|data|records?)
      | no[ ]+(?:recorded[ ]+)?(?:information|data|records?)[ ]+(?:is|are|was|were)?[ ]*held
      | no[ ]+such[ ]+(?:information|data|records?)
      | regulation[ ]*1[02][ ]*\([ ]*4[ ]*\)[ ]*\([ ]*a[ ]*\)""",
    re.I | re.X,
)
_PARTIAL = re.compile(
    r"(?:some|part)[ ]+of[ ]+(?:the|your)[ ]+(?:information|request)[ ]+(?:is|has|you|requested|"
    r"can|are)|\bpartially\b|\bin[ ]+part\b",
    re.I,
)
_SUCCESS = re.compile(
    r"please[ ]+find[ ]+(?:attached|enclosed|below)|(?:is|are)[ ]+(?:attached|enclosed)\b"
    r"|we[ ]+(?:do[ ]+)?hold[ ]+(?:the|this|some)[ ]+information"
    r"|the[ ]+information[ ]+(?:you[ ]+(?:have[ ]+)?)?requested[ ]+is[ ]+"
    r"(?:attached|enclosed|below|as[ ]+follows|provided)",
    re.I,
)
_BOILERPLATE = re.compile(
    r"re-?[ ]?use|dissatisfied|unhappy|not[ ]+(?:happy|satisfied)|internal[ ]+review"
    r"|\breview\b|information[ ]+commissioner|\bICO\b|complain|appeal|copyright|licen[cs]e"
    r"|disclosure[ ]+log|publication[ ]+scheme|yours[ ]+(?:sincerely|faithfully)|regards",
    re.I,
)
_CLAUSE_SEP = re.compile(r"(?:,|;|[ ][–—-])[ ]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[ \n]+(?=[A-Z(\d\"'“‘])|\n[ ]*\n")


_HEADING_LINE = re.compile(r"^[^\n]{0,44}[^\s.,;:!?(\-–—&/]$\n(?=[ ]*[A-Z\d])", re.M)


def _sentences(text: str) -> list[str]:
    """Sentences, and headings or labels (a short line with no closing punctuation) on their own."""
    text = _HEADING_LINE.sub(lambda m: m.group(0) + "\n", text)
    return [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s.strip()]


def _plain_prose(text: str) -> str:
    """The letter's own sentences, without the review/complaint/re-use boilerplate."""
    return "\n\n".join(s for s in _sentences(text) if not _BOILERPLATE.search(s))


def _evidence(text: str, pattern: re.Pattern) -> str | None:
    """The clause in `text` where `pattern` first matches, as written (whitespace collapsed)."""
    for sentence in _sentences(text):
        for m in pattern.finditer(sentence):
            if pattern is _SUGGESTED and _REDIRECT_BUT_NOT.search(sentence[m.end() : m.end() + 60]):
                continue
            if len(sentence) <= 160:
                return sentence.strip()
            start = 0
            for sep in _CLAUSE_SEP.finditer(sentence):
                if m.start() < sep.start():
                    return sentence[start : sep.start()].strip(" ,;")
                start = sep.end()
            return sentence[start:].strip(" ,;")
    return None


def _classify(answer: str) -> tuple[str, str | None]:
    """answered | refused | not_held | redirected, with the phrase that says so."""
    found = _evidence(answer, _REDIRECTED)
    if found:
        return "redirected", found
    found = _evidence(answer, _REFUSED)
    if found:
        return "refused", found
    if _CITE_START.search(answer) and _exemptions(answer, bool(_SCOTTISH.search(answer))):
        return "refused", _evidence(answer, _CITE_START)
    found = _evidence(answer, _NOT_HELD)
    if found:
        # "not held here; you may wish to contact X": the answer is elsewhere. Without the "not
        # held", "you may wish to contact" is just an answer (question 3 asks whom to contact).
        suggested = _evidence(answer, _SUGGESTED)
        return ("redirected", suggested) if suggested else ("not_held", found)
    return "answered", None


def _outcome(
    classes: dict[int, tuple[str, str | None]], prose: str
) -> tuple[str | None, str | None]:
    answered = [n for n, (kind, _) in sorted(classes.items()) if kind == "answered"]
    others = [(n, kind, ev) for n, (kind, ev) in sorted(classes.items()) if kind != "answered"]
    letter = [
        (kind, found)
        for kind, pattern in (
            ("redirected", _REDIRECTED),
            ("suggested", _SUGGESTED),
            ("refused", _REFUSED),
            ("not_held", _NOT_HELD),
            ("partially_successful", _PARTIAL),
            ("successful", _SUCCESS),
        )
        if (found := _evidence(prose, pattern))
    ]
    if classes:
        if answered and others:
            return "partially_successful", others[0][2]
        if answered:
            for kind, found in letter:
                if kind not in ("successful", "suggested"):
                    return "partially_successful", found
            listed = ", ".join(str(n) for n in answered)
            plural = "s" if len(answered) > 1 else ""
            return "successful", f"answers to question{plural} {listed}; nothing withheld"
        kinds = [kind for _, kind, _ in others]
        top = max(("refused", "redirected", "not_held"), key=kinds.count)
        return top, next(ev for _, kind, ev in others if kind == top)
    if letter:
        kind, found = letter[0]
        return ("redirected" if kind == "suggested" else kind), found
    return None, None


# ---- numbers

_COUNT_STRIP = [
    re.compile(p, re.I)
    for p in (
        r"(?:https?://|www\.)\S+",
        _DATE,
        rf"(?<![\w/])\d{{1,2}}(?:st|nd|rd|th)?(?:[ ]+of)?[ \-]+{_MONTH}(?![a-z])",
        rf"{_MONTH}[ ]+\d{{1,2}}(?:st|nd|rd|th)\b",
        rf"{_MONTH},?[ ]+\d{{4}}",
        r"(?<!\d)(?:19|20)\d{2}[ ]*[/\-–][ ]*\d{2,4}(?!\d)",  # 2024/25
        r"\d+(?:st|nd|rd|th)\b",
        r"(?<!\d)\d{1,2}[:.]\d{2}[ ]*(?:am|pm)?|(?<!\d)\d{1,2}[ ]*(?:am|pm)\b",
        r"(?<![\w+])(?:\+44[ ]?\(?0?\)?[ ]?|\(?0)\d{2,4}\)?[ \-]?\d{3,4}[ \-]?\d{3,4}(?!\w)",
        r"\b[A-Z]{1,2}\d[A-Z\d]?[ ]*\d[A-Z]{2}\b",
        r"[£$€][ ]?\d[\d,]*(?:\.\d+)?(?:[ ]?(?:k|m|bn|million|billion|thousand)\b)?",
        r"\d[\d,]*(?:\.\d+)?[ ]?(?:pounds|pence)\b",
        r"\d+(?:\.\d+)?[ ]?(?:%|per[ ]?cent\b|percent\b)",
        r"\d+\.\d+",
        r"(?<![\w'’])(?:sections?|secs?\.?|ss?\.|s(?=\d)|regulations?|regs?\.?|articles?|art\."
        r"|paragraphs?|paras?\.?|principles?|schedules?|sch\.|parts?|clauses?|chapters?|pages?"
        r"|rules?|standards?|levels?|tiers?|phases?|stages?|versions?|appendix|annex|figures?"
        r"|tables?|questions?|q|items?|points?|steps?|options?|years?|key[ ]+stage|ks|bands?"
        r"|grades?|rooms?|floors?|box|unit|flat|lots?)"
        r"[ ]*\.?[ ]*\d+[A-Za-z]?(?:[ ]*\([ ]*\w{1,4}[ ]*\))*",
        r"\bact[ ]+\d{4}",
        r"(?:aged?|ages)[ ]+(?:of[ ]+)?(?:between[ ]+)?\d+(?:[ ]*(?:-|–|to|and)[ ]*\d+)?\+?",
        r"(?:under|over|below|above)[ ]*-?[ ]*\d+s\b",
        r"(?:under|over|below|above|between)[ ]+(?:the[ ]+age[ ]+of[ ]+)?\d+(?:[ ]*(?:-|–|to|and)"
        r"[ ]*\d+)?[ ]*(?:years?|yrs?|y/?o)\b(?:[ ]+old)?",
        r"\d+(?:[ ]*(?:-|–|to|and)[ ]*\d+)?[ ]*-?[ ]*"
        r"(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?)\b(?:[ \-]+old)?",
        r"(?<!\d)(?:19|20)\d{2}(?!\d)",
    )
]
_COUNT_VAGUE = re.compile(
    r"(?:(?:fewer|less|more|greater|lower|higher)[ ]+than|under|below|over|above|up[ ]+to"
    r"|at[ ]+(?:least|most)|no[ ]+more[ ]+than|<=?|>=?|≤|≥)[ ]*\d"
    r"|\d+[ ]*(?:-|–|—|to)[ ]*\d+|between[ ]+\d+[ ]+and[ ]+\d+|\d[ ]*\+",
    re.I,
)
_COUNT_NUMBER = re.compile(r"(?<![\w.,/£$€-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w/%]|[.,]\d)")
_HOW_MANY = re.compile(r"how[ ]+many|number[ ]+of|\btotal\b", re.I)


def _count(answer: str, question: str = "") -> int | None:
    """The one count an answer gives ("62", "As of 31st March 2025: 29"), else None: dates, years,
    ages, sections, phone numbers and money are not counts; a bound ("fewer than 5") or two
    different numbers give none."""
    t = _EMAIL.sub(" ", answer)
    bare = re.sub(r"[^\w ]", " ", t).strip().lower()
    if re.fullmatch(r"(?:nil|zero|nil return)", bare) or (
        bare in ("none", "0") and _HOW_MANY.search(question or "")
    ):
        return 0
    t = re.sub(r"(?m)^[ ]*\(?\d{1,2}[.)](?=[ ])", " ", t)  # list markers
    for pattern in _COUNT_STRIP:
        t = pattern.sub(" ", t)
    if _COUNT_VAGUE.search(t):
        return None
    values = {int(m.group(1).replace(",", "")) for m in _COUNT_NUMBER.finditer(t)}
    return values.pop() if len(values) == 1 else None
