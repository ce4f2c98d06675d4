"""Finding the questions and their answers: numbered lists, `Question N` / `Answer:` blocks, the
request quoted and then answered, and tables flattened to `question | answer` lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUESTION = 5  # the request has five questions; answers are keyed 1..5


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
        you[ ]+(?:may|can|are[ ]+free[ ]+to)[ ]+(?:re-?[ ]?)?use | re-?[ ]?use[ ]+of
      | this[ ]+(?:response|letter|reply)[ ]+is[ ]+available[ ]+in
      | mae['’]r[ ]+ymateb[ ]+hwn | os[ ]+ydych[ ]+yn[ ]+anfodlon | yn[ ]+gywir\b
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


def find_items(
    text: str, limit: int = MAX_QUESTION
) -> tuple[dict[int, tuple[str, str | None]], int, str]:
    """Question number -> (question text, answer or None); where the first item starts; and the text
    outside questions and answers (for the letter's own wording: refusals, redirections)."""
    lines = text.split("\n")
    chain = _chain(_markers(lines))
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    if not chain:
        return _table_items(lines, offsets, text, limit)

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
        answer = tidy(item.answer or "") or None
        if item.number <= limit and item.number not in result:
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
    lines: list[str], offsets: list[int], text: str, limit: int
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
            if number <= limit and len(row) >= 2:
                result[number] = (" | ".join(row[:-1]), tidy(row[-1]) or None)
        if result:
            rest = text[: offsets[i]] + "\n\n" + "\n".join(lines[j:])
            return result, offsets[i], rest
    return {}, len(text), text


def tidy(answer: str) -> str:
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
