"""Exemption codes: what a user types (`section 40(2)`, `S43`, `EIR 12(5)(e)`) in the form the
reply reader gives (`s40(2)`, `s43`, `reg12(5)(e)`), so that letters and exports read the same
whichever way an exemption was recorded. Anything that is not an exemption is refused."""

from __future__ import annotations

import re

from foi_sender.errors import InputError

MAX_LENGTH = 40  # `regulation 12(4)(b)`, spelt out with spaces, is 20
MAX_COUNT = 30
# FOIA 2000 Part II and ss.12, 14 (cost, vexatious) and FOISA 2002 ss.25-41 (the reader's lists,
# taken together: a council's regime in the registry does not stop it citing the other Act's
# numbering by mistake, and the reader keeps what the council wrote). EIR 2004 regs 12-13 and
# the EI(S)R 2004 regs 10-11.
SECTIONS = frozenset({12, 14, *range(21, 45)})
REGULATIONS = frozenset({10, 11, 12, 13})

_CODE = re.compile(
    r"(?:(?P<act>foisa|foia|eisr|eir)[ ]*)?"
    r"(?:(?P<sec>sections?|secs?\.?|ss?\.?)|(?P<reg>regulations?|regs?\.?|r\.))?[ ]*"
    r"(?P<number>\d{1,3})(?P<letter>[a-z])?"
    r"(?P<subs>(?:[ ]*\([ ]*(?:\d{1,2}[a-z]?|[ivx]{1,4}|[a-z])[ ]*\))*)",
    re.IGNORECASE,
)
_SUB = re.compile(r"\([ ]*([^ )]+)[ ]*\)")
_HINT = "give a section or regulation such as s40(2), s43 or reg12(4)(b)"


def normalise_exemption(text: str) -> str:
    """One exemption as the reply reader writes it; InputError when it is not one."""
    if len(text) > MAX_LENGTH:
        raise InputError(f"--exemption is {len(text)} characters long; the limit is {MAX_LENGTH}")
    cleaned = " ".join(text.split())
    found = _CODE.fullmatch(cleaned)
    if not cleaned or found is None:
        raise InputError(f"--exemption {text!r} is not an exemption: {_HINT}")
    regulation = bool(found["reg"]) or (
        not found["sec"] and (found["act"] or "").lower() in ("eir", "eisr")
    )
    number = int(found["number"])
    if number not in (REGULATIONS if regulation else SECTIONS):
        where = (
            "regulations 10-13 (EIR)" if regulation else "sections 12, 14 and 21-44 (FOIA, FOISA)"
        )
        raise InputError(f"--exemption {text!r} is not an exemption: the exemptions are {where}")
    subs = "".join(f"({part.lower()})" for part in _SUB.findall(found["subs"]))
    letter = (found["letter"] or "").upper()  # s22A, not s22a
    return f"{'reg' if regulation else 's'}{number}{letter}{subs}"


def normalise_exemptions(texts) -> tuple[str, ...]:
    """Every exemption normalised, each once, in the order given."""
    texts = tuple(texts)
    if len(texts) > MAX_COUNT:
        raise InputError(f"{len(texts)} exemptions given; the limit is {MAX_COUNT}")
    return tuple(dict.fromkeys(normalise_exemption(text) for text in texts))
