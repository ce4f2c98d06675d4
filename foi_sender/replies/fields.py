"""Typed fields from an answer's text, by the answer type its template's schema declares.

Generic by type, so a user's own template gets typed answers too: `contact` (a person's name, an
email address, a phone number), `email`, `yes_no`, `yes_no_named` (yes/no, a name, a contact)
and `count_as_of` (a number and the date it is as of). Emails are lower-cased; UK phone numbers
are written in the national format (`0115 876 4321`), others in the international one; "N/A",
"nil" and "none" are 0 only where the answer is a count. What the text does not say stays None.
"""

from __future__ import annotations

import re
from datetime import date

from .classify import find_count
from .facts import DATE_RE, EMAIL, to_date

# Statuses whose text may still carry facts ("Yes, Placements North West; its prices are
# withheld under section 43(2)"); the others say only why there is no answer.
_READ_STATUSES = ("answered", "withheld")


def typed_fields(question, status: str, text: str, asked: str, day: date | None) -> dict:
    """{column: value} for every field `question` (a schema.Question) declares; `day` is the
    reply's date, the as-of date of a count that gives none (the questions ask about now)."""
    found: dict = {}
    if status in _READ_STATUSES and text:
        found = _READERS[question.type](text, asked)
        if found.get("count") is not None and found.get("as_of") is None:
            found["as_of"] = day
    return {f.column: found.get(f.part) for f in question.fields}


def _contact(text: str, asked: str) -> dict:
    return {"name": person_name(text), "email": first_email(text), "phone": first_phone(text)}


def _email(text: str, asked: str) -> dict:
    return {"email": first_email(text)}


def _yes_no(text: str, asked: str) -> dict:
    return {"answer": yes_no(text)}


def _yes_no_named(text: str, asked: str) -> dict:
    answer = yes_no(text)
    return {
        "answer": answer,
        "name": None if answer is False else proper_name(text),
        "contact": first_email(text) or first_phone(text),
    }


def _count_as_of(text: str, asked: str) -> dict:
    return {"count": count(text, asked), "as_of": first_date(text)}


_READERS = {
    "contact": _contact,
    "email": _email,
    "yes_no": _yes_no,
    "yes_no_named": _yes_no_named,
    "count_as_of": _count_as_of,
}


def first_email(text: str) -> str | None:
    found = EMAIL.search(text)
    return found.group(0).strip(".'").lower() if found else None


def first_phone(text: str) -> str | None:
    """The first valid phone number, read as British unless written with a country code."""
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(text, "GB"):
        number = match.number
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if number.country_code == 44
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, style)
    return None


def first_date(text: str) -> date | None:
    for m in DATE_RE.finditer(text):
        found = to_date(m.group(0))
        if found:
            return found
    return None


_NOUGHT = re.compile(r"n/?a|none|nil(?:[ ]+return)?|zero|nought|no[ ]+children|0", re.I)


def count(text: str, asked: str) -> int | None:
    bare = " ".join(re.sub(r"[^\w/ ]", " ", text).split())
    if _NOUGHT.fullmatch(bare):
        return 0
    return find_count(text, asked)


_YES = re.compile(r"[\W_]*(?:yes|yep|correct|both|we[ ]+do|it[ ]+does)\b", re.I)
_NO = re.compile(
    r"[\W_]*(?:no|nope|none|never|not[ ]+currently|we[ ]+do[ ]+not|we[ ]+don'?t)\b", re.I
)
_NEGATED = re.compile(
    r"\b(?:do|does|did)(?:[ ]+not|n['’]?t)[ ]+(?:currently[ ]+)?(?:use|make|have|place"
    r"|commission|operate|hold)\b|\bnot[ ]+(?:currently[ ]+)?(?:use|make|part[ ]+of)\b",
    re.I,
)
_AFFIRMED = re.compile(
    r"\b(?:uses?|makes?|places?|operates?|commissions?)\b|\b(?:are|is)[ ]+(?:part[ ]+of"
    r"|a[ ]+member)\b|\bwe[ ]+(?:do|have)\b",
    re.I,
)


def yes_no(text: str) -> bool | None:
    """A yes or no: said first ("Yes, ...", "No."), else in so many words ("does not use")."""
    if _YES.match(text):
        return True
    if _NO.match(text):
        return False
    if _NEGATED.search(text):
        return False
    if _AFFIRMED.search(text):
        return True
    return None


_NAME_WORD = (
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?[ ]+)?[A-Z](?:[a-z]+(?:[-'’][A-Z]?[a-z]+)?|['’][A-Z][a-z]+)"
)
_PERSON = re.compile(rf"{_NAME_WORD}(?:[ ]+{_NAME_WORD}){{1,2}}")
_LABEL = re.compile(r"^(?:name|contact|manager|officer)[ ]*[:\-–][ ]*", re.I)
_NOT_A_NAME = re.compile(  # words of roles, teams and places, never of a person's name
    r"\b(?:head|manager|services?|placements?|team|director|officer|commissioning|children|care"
    r"|council|the|please|our|your|assistant|lead|senior|strategic|operations|residential"
    r"|looked|after|access|resources|email|contact|phone|direct|line|tel|telephone|mobile"
    r"|general|yes|no|county|city|borough|district|department|unit|hub|duty|referrals?"
    r"|brokerage|commissioner|principal|group|social)\b",
    re.I,
)


_NAMED = re.compile(rf"(?:\bis|\bcontact|:)[ ]+({_PERSON.pattern})(?=[ ]*(?:[,(;.]|$))", re.M)


def person_name(text: str) -> str | None:
    """A person's name standing alone in the answer's first parts ("Sam Okafor, Head of
    Placements") or introduced ("The manager is Sam Okafor, ..."); a role ("Head of Service")
    or a team is no name."""
    for part in re.split(r"[,;\n()]|[ ][–—-][ ]", text)[:4]:
        part = _LABEL.sub("", part.strip()).strip(" .:")
        if _PERSON.fullmatch(part) and not _NOT_A_NAME.search(part):
            return part
    for m in _NAMED.finditer(text):
        if not _NOT_A_NAME.search(m.group(1)):
            return m.group(1)
    return None


_QUOTES = re.compile(r"[“”\"]|(?<!\w)['‘’]|['‘’](?!\w)")  # quotes, not apostrophes
_RUN = re.compile(
    r"[A-Z][\w&'’-]*(?:[ ]+(?:(?:of|and|for|the|on|in|&)[ ]+)?[A-Z][\w&'’-]*)*"
    r"(?:[ ]+(?:[a-z]+[ ]+)?(?:framework|arrangement|agreement|portal|partnership|consortium))?"
)
_KEYWORD = re.compile(
    r"framework|arrangement|agreement|\bDPS\b|dynamic[ ]+purchasing|partnership|consortium"
    r"|alliance|portal|excel\b|placements|commissioning|\bhub\b|\blot\b",
    re.I,
)
_LEADING = re.compile(r"^(?:(?:Yes|No|The|We|Our|This|It|Its|A|An)\b[ ]*)+")
_NOT_A_FRAMEWORK = re.compile(r"\bAct\b|\bInformation\b|\bSection\b|^(?:Providers?|Please)\b")


def proper_name(text: str) -> str | None:
    """The name an answer gives (a framework's, a portal's): the first run of capitalised words
    naming one, else the first run of two words or more."""
    runs = []
    for sentence_run in _RUN.finditer(_QUOTES.sub("", text)):
        run = _LEADING.sub("", sentence_run.group(0)).strip()
        if run and not _NOT_A_FRAMEWORK.search(run):
            runs.append(run)
    named = [r for r in runs if _KEYWORD.search(r) and (" " in r or r.isupper())]
    if named:
        return named[0]
    longer = [r for r in runs if " " in r]
    return longer[0] if longer else None
