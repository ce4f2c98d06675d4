"""What an answer says (answered, refused, not held, redirected), the reply's outcome, and the one
count an answer gives."""

from __future__ import annotations

import functools
import re

from .facts import CITE_START, DATE, EMAIL, MONTH, SCOTTISH, find_exemptions

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
    r"|\breview\b|information[ ]+commissioner|\bico\b|complain|appeal|copyright|licen[cs]e"
    r"|disclosure[ ]+log|publication[ ]+scheme|yours[ ]+(?:sincerely|faithfully)|regards",
    re.I,
)
_CLAUSE_SEP = re.compile(r"(?:,|;|[ ][–—-])[ ]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[ \n]+(?=[A-Z(\d\"'“‘])|\n[ ]*\n")


_HEADING_LINE = re.compile(r"^[^\n]{0,44}[^\s.,;:!?(\-–—&/]$\n(?=[ ]*[A-Z\d])", re.M)


@functools.lru_cache(maxsize=32)
def _split(text: str) -> tuple[tuple[str, ...], str, tuple[tuple[str, ...], str] | None]:
    """The sentences, them one a line, and (for ASCII text) both lowercased for `_folded`.
    Cached: each of the letter's patterns looks for its evidence in the same sentences."""
    text = _HEADING_LINE.sub(lambda m: m.group(0) + "\n", text)
    sentences = tuple(" ".join(s.split()) for s in _SENTENCE_END.split(text) if s.strip())
    lines = "\n".join(sentences)
    lowered = (tuple(s.lower() for s in sentences), lines.lower()) if lines.isascii() else None
    return sentences, lines, lowered


@functools.cache
def _folded(pattern: re.Pattern) -> re.Pattern | None:
    """`pattern` without re.I, to search lowercased ASCII text: the same matches at the same
    places (on ASCII, re.I only pairs A-Z with a-z), in about half the time, as re tries both
    cases at every position. Only for a pattern written all in lowercase."""
    if not pattern.flags & re.I or pattern.pattern != pattern.pattern.lower():
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


def plain_prose(text: str) -> str:
    """The letter's own sentences, without the review/complaint/re-use boilerplate."""
    sentences, _, lowered = _split(text)
    if lowered is None:
        return "\n\n".join(s for s in sentences if not _BOILERPLATE.search(s))
    boilerplate = _folded(_BOILERPLATE)
    kept = zip(sentences, lowered[0], strict=True)
    return "\n\n".join(s for s, low in kept if not boilerplate.search(low))


def _evidence(text: str, pattern: re.Pattern) -> str | None:
    """The clause in `text` where `pattern` first matches, as written (whitespace collapsed)."""
    sentences, lines, lowered = _split(text)
    search, folded = pattern, _folded(pattern)
    if lowered is not None and folded is not None:
        # Lowercasing ASCII keeps every offset, so the match is cut from the sentence as written.
        search, lines, in_sentences = folded, lowered[1], lowered[0]
    else:
        in_sentences = sentences
    # The patterns never match across a line end nor anchor to one, so a sentence that matches
    # is a line that matches: most letters say most things nowhere, and are passed over at once.
    if not search.search(lines):
        return None
    for sentence, where in zip(sentences, in_sentences, strict=True):
        for m in search.finditer(where):
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


def classify(answer: str) -> tuple[str, str | None]:
    """answered | refused | not_held | redirected, with the phrase that says so."""
    found = _evidence(answer, _REDIRECTED)
    if found:
        return "redirected", found
    found = _evidence(answer, _REFUSED)
    if found:
        return "refused", found
    if CITE_START.search(answer) and find_exemptions(answer, bool(SCOTTISH.search(answer))):
        return "refused", _evidence(answer, CITE_START)
    found = _evidence(answer, _NOT_HELD)
    if found:
        # "not held here; you may wish to contact X": the answer is elsewhere. Without the "not
        # held", "you may wish to contact" is just an answer (question 3 asks whom to contact).
        suggested = _evidence(answer, _SUGGESTED)
        return ("redirected", suggested) if suggested else ("not_held", found)
    return "answered", None


def letter_says(prose: str) -> list[tuple[str, str]]:
    """What the letter's own sentences say of the whole request, strongest first: `redirected`,
    `suggested` (go and ask X), `refused`, `not_held`, `partially_successful`, `successful`."""
    return [
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


def redirection_target(evidence: str, text: str) -> str | None:
    """The body a redirection sends the requester to: an organisation named in the evidence or
    else in the text, failing that an email address."""
    for where in (evidence, text):
        for m in _TARGET.finditer(where):
            name = " ".join(m.group("org").split())
            if not _NOT_A_TARGET.fullmatch(name):
                return name
    found = EMAIL.search(evidence) or EMAIL.search(text)
    return found.group(0).lower() if found else None


_TARGET = re.compile(
    r"(?:\bto|\bwith|\bby|\bof|\bcontact|\bapproach|\bask)[ ]+(?:the[ ]+)?"
    r"(?P<org>(?:[A-Z][\w'’&.-]*[ ]+(?:(?:of|and|for|on|&)[ ]+)?){0,6}"
    r"(?:Council|Authority|Trust|Board|Partnership|ICB|Government|Department|Commissioner"
    r"|Agency|Ofsted|NHS[ ][A-Z][\w ]{0,40}?)\b)"
)
_NOT_A_TARGET = re.compile(
    r"(?:This|The|Our|Your|City|County|Borough|District)?[ ]?(?:Council|Authority)"
    r"|(?:The[ ]+)?(?:Scottish[ ]+)?Information[ ]+Commissioner",
    re.I,
)
COST_LIMIT = re.compile(
    r"exceed(?:s|ed)?[ ]+the[ ]+(?:appropriate|cost|fees?)[ ]+limit|\bappropriate[ ]+limit\b"
    r"|\bcost[ ]+limit\b|£[ ]?(?:450|600)\b|\b(?:18|40)[ ]+hours\b",
    re.I,
)


# ---- numbers

_COUNT_STRIP = [
    re.compile(p, re.I)
    for p in (
        r"(?:https?://|www\.)\S+",
        DATE,
        rf"(?<![\w/])\d{{1,2}}(?:st|nd|rd|th)?(?:[ ]+of)?[ \-]+{MONTH}(?![a-z])",
        rf"{MONTH}[ ]+\d{{1,2}}(?:st|nd|rd|th)\b",
        rf"{MONTH},?[ ]+\d{{4}}",
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


def find_count(answer: str, question: str = "") -> int | None:
    """The one count an answer gives ("62", "As of 31st March 2025: 29"), else None: dates, years,
    ages, sections, phone numbers and money are not counts; a bound ("fewer than 5") or two
    different numbers give none."""
    t = EMAIL.sub(" ", answer)
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
