"""Facts in a reply's text besides the answers: the letter's date, the council's reference, email
addresses and the exemptions cited (FOIA, FOISA and the EIR)."""

from __future__ import annotations

import re
from datetime import date, datetime

from ..errors import InputError
from ..exemptions import normalise_exemption

# ---- dates

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?[ ]+)"
DATE = (
    rf"(?<![\w/.\-])(?:"
    rf"{_WEEKDAY}?\d{{1,2}}(?:st|nd|rd|th)?(?:[ ]+of)?[ \-]+{MONTH},?[ \-]+\d{{4}}"
    rf"|{_WEEKDAY}?{MONTH}[ ]+\d{{1,2}}(?:st|nd|rd|th)?,?[ ]+\d{{4}}"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})"
    rf")(?!\w|[/.\-]\d)"
)
DATE_RE = re.compile(DATE, re.I)
_LABELLED_DATE = re.compile(
    rf"\b(?:date(?:d)?|date[ ]+of[ ]+(?:response|reply|letter|issue)|response[ ]+date"
    rf"|letter[ ]+date|date[ ]+(?:sent|issued)|issue[ ]+date|sent[ ]*:)[ ]*[:|\-–]?[ ]*({DATE})",
    re.I,
)
_DATE_LINE = re.compile(rf"[|\s]*({DATE})[|\s.,]*", re.I)


def to_date(raw: str) -> date | None:
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


def letter_date(text: str, first_item_at: int) -> date | None:
    """`Date: ...` anywhere, else a line holding only a date above the answers."""
    for m in _LABELLED_DATE.finditer(text):
        found = to_date(m.group(1))
        if found:
            return found
    offset = 0
    for line in text.split("\n"):
        if offset >= first_item_at:
            break
        m = _DATE_LINE.fullmatch(line)
        if m:
            found = to_date(m.group(1))
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
      | request(?=[ ]+\d{6,}\b)  # "Request 101003581204" (Scottish councils' case numbers)
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
        or DATE_RE.fullmatch(token)
        or re.fullmatch(r"(?:[A-Z]{2,6}[ ])?(?:19|20)\d\d", token, re.I)  # a year
    ):
        return None
    return token


def _not_theirs(text: str, start: int) -> bool:
    return bool(re.search(r"\b(?:your|their|my)[ ]+$", text[max(0, start - 12) : start], re.I))


def find_reference(text: str) -> str | None:
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

EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def find_emails(text: str) -> list[str]:
    found: list[str] = []
    for m in EMAIL.finditer(text):
        address = m.group(0).strip(".'").lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


# ---- exemptions

SCOTTISH = re.compile(
    r"\(Scotland\)|\bFOISA\b|Scottish[ ]+Information[ ]+Commissioner|\bFOI\(S\)A\b", re.I
)
CITE_START = re.compile(
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
# A reply under FOI says "the Act" (or "the FOI Act") for the one it answers under; a named
# other Act (Children Act 1989, Data Protection Act) is a citation of another law.
_FOI_ACT = re.compile(r"(?:FOI(?:\(S\))?[ ]+|.*information.*)?Act", re.I)
_FOIA_SECTIONS = {12, 14, *range(21, 45)}
_FOISA_SECTIONS = {12, 14, *range(25, 42)}


def _normalised(cite: str) -> str | None:
    """The form a hand-typed --exemption takes (s22A, (a)); None for a runaway citation."""
    try:
        return normalise_exemption(cite)
    except InputError:
        return None


def find_exemptions(text: str, scottish: bool) -> list[str]:
    sections = _FOISA_SECTIONS if scottish else _FOIA_SECTIONS
    regulations = {10, 11} if scottish else {12, 13}
    found: list[str] = []
    pos = 0
    while start := CITE_START.search(text, pos):
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
        if law and (law.group(1) is None or not _FOI_ACT.fullmatch(law.group(1))):
            continue  # section 31 of the Children Act 1989, a section 20 agreement...
        for kind, number, cite in cites:
            code = (
                _normalised(cite)
                if number in (regulations if kind == "reg" else sections)
                else None
            )
            if code and code not in found:
                found.append(code)
    return found
