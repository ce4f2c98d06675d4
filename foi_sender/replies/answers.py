"""Each question's answer as data, and the reply's outcome derived from them.

A question is `answered`, `withheld` (under the exemptions it cites), `not_held`, `redirected`
(to another body), `cost_limit` (FOIA or FOISA s.12) or `unclear` (no answer found, or only a
pointer to an attachment). The outcome follows from the statuses, `unclear` ones aside:

- every question answered: `successful`, unless the letter itself says something was withheld,
  not held or given in part (then `partially_successful`);
- some answered, some not: `partially_successful`;
- none answered: the status most questions share, withheld and cost_limit counting together as
  `refused`; a tie goes to `refused`, then `redirected`, then `not_held` (a refusal is what a
  review can challenge). So all not held is `not_held`, all redirected is `redirected`, none
  answered with an exemption cited by half of them or more is `refused`;
- no question with a clear status: the letter's own words (a whole-request refusal, a transfer
  to the county council) give every question its status; else the outcome is left unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from .classify import COST_LIMIT, classify, redirection_target

STATUSES = ("answered", "withheld", "not_held", "redirected", "cost_limit", "unclear")
_OUTCOME_OF = {
    "withheld": "refused",
    "cost_limit": "refused",
    "redirected": "redirected",
    "not_held": "not_held",
}
_COST_SECTION = "s12"  # FOIA s.12 and FOISA s.12 alike


@dataclass(frozen=True)
class Answer:
    status: str
    text: str = ""
    exemptions: tuple[str, ...] = ()
    redirected_to: str | None = None
    fields: dict = field(default_factory=dict)
    evidence: str = ""

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "text": self.text,
            "exemptions": list(self.exemptions),
            "redirected_to": self.redirected_to,
            "fields": {
                k: v.isoformat() if isinstance(v, date) else v for k, v in self.fields.items()
            },
            "evidence": self.evidence,
        }


# An answer that only points elsewhere: its content is in an attachment or another answer.
_ATTACHED = re.compile(
    r"(?:please[ ]+)?(?:see|refer[ ]+to|find)[ ]+(?:the[ ]+)?(?:attached|enclosed|attachment"
    r"|spreadsheet|document|appendix|annex)\b",
    re.I,
)
_SAME_AS = re.compile(
    r"(?:please[ ]+)?(?:see|as[ ]+(?:per|in|for)|refer[ ]+to)[ ]+(?:our[ ]+|the[ ]+)?"
    r"(?:(?:answer|response|reply)[ ]+(?:to|for|at|under)[ ]+)?(?:question|q)[ ]*(\d{1,2})\b"
    r"|(?:as|see)[ ]+above\b",
    re.I,
)
_SHORT_POINTER = 90  # longer than this, an answer says more than where to look


def question_answers(
    answers: dict[int, str],
    says: list[tuple[str, str]],
    letter_exemptions: Iterable[str],
    cited: dict[int, list[str]],
    numbers: Iterable[int],
    prose: str,
) -> dict[int, Answer]:
    """Every question's Answer. `answers` are the texts found per question, `cited` the
    exemptions each cites, `says` what the letter says of the whole request (`letter_says`)."""
    letter_exemptions = tuple(letter_exemptions)
    if not answers:
        whole = _whole_letter(says, letter_exemptions, prose)
        return {n: whole for n in numbers} if whole else {}
    found = {
        n: _answer(text, tuple(cited.get(n, ())), letter_exemptions) for n, text in answers.items()
    }
    found = _follow_pointers(found)
    missing = Answer("unclear", evidence="no answer to this question was found")
    return {n: found.get(n, missing) for n in sorted({*numbers, *found})}


def _answer(text: str, cited: tuple[str, ...], letter_exemptions: tuple[str, ...]) -> Answer:
    kind, evidence = classify(text)
    if kind == "redirected":
        target = redirection_target(evidence or "", text)
        return Answer("redirected", text, cited, target, evidence=evidence or "")
    if kind == "not_held":
        return Answer("not_held", text, cited, evidence=evidence or "")
    if kind == "refused":
        if not cited and COST_LIMIT.search(text):
            return Answer("cost_limit", text, evidence=evidence or "")
        return _refusal(text, cited or letter_exemptions, evidence or "", text)
    if _ATTACHED.match(text) and len(text) <= _SHORT_POINTER:
        return Answer("unclear", text, cited, evidence="the answer is in an attachment: " + text)
    return Answer("answered", text, cited, evidence=_first_line(text))


def _refusal(text: str, exemptions: tuple[str, ...], evidence: str, where: str) -> Answer:
    """cost_limit when s.12 is the only ground given (or the cost limit is named without any
    other exemption); otherwise withheld, under what the answer (or else the letter) cites."""
    others = tuple(e for e in exemptions if e.split("(")[0] != _COST_SECTION)
    if not others and (_COST_SECTION in exemptions or COST_LIMIT.search(where)):
        return Answer("cost_limit", text, exemptions, evidence=evidence)
    return Answer("withheld", text, exemptions, evidence=evidence)


def _follow_pointers(found: dict[int, Answer]) -> dict[int, Answer]:
    """ "See the answer to question 1" / "As above": that answer's status, this text."""
    result = dict(found)
    for n, answer in sorted(found.items()):
        if answer.status not in ("answered", "unclear"):
            continue
        target = pointer_target(n, answer.text)
        source = result.get(target) if target else None
        if source is not None:
            evidence = f"as question {target}: {answer.text}"
            result[n] = replace(source, text=answer.text, evidence=evidence)
    return result


def pointer_target(number: int, text: str) -> int | None:
    """The question a short answer points to ("as above": the one before), else None."""
    m = _SAME_AS.search(text) if len(text) <= _SHORT_POINTER else None
    if m is None:
        return None
    target = int(m.group(1)) if m.group(1) else number - 1
    return target if target != number else None


def _whole_letter(
    says: list[tuple[str, str]], exemptions: tuple[str, ...], prose: str
) -> Answer | None:
    """The one status the letter gives every question when it answers none of them one by one."""
    if not says:
        return None
    kind, evidence = says[0]
    if kind in ("redirected", "suggested"):
        target = redirection_target(evidence, prose)
        return Answer("redirected", redirected_to=target, evidence=evidence)
    if kind == "refused":
        return _refusal("", exemptions, evidence, prose)
    if kind == "not_held":
        return Answer("not_held", evidence=evidence)
    return None  # "please find attached": the answers are somewhere we did not read


def derive_outcome(
    questions: dict[int, Answer], says: list[tuple[str, str]]
) -> tuple[str | None, str | None]:
    """The reply's outcome and the words that show it, by the rules in this module's docstring."""
    clear = [(n, a) for n, a in sorted(questions.items()) if a.status != "unclear"]
    if not clear:
        if says:
            kind, found = says[0]
            return ("redirected" if kind == "suggested" else kind), found
        return None, None
    answered = [n for n, a in clear if a.status == "answered"]
    others = [a for _, a in clear if a.status != "answered"]
    if answered and others:
        return "partially_successful", others[0].evidence
    if answered:
        for kind, found in says:
            if kind not in ("successful", "suggested"):
                return "partially_successful", found
        plural = "s" if len(answered) > 1 else ""
        listed = ", ".join(str(n) for n in answered)
        return "successful", f"answers to question{plural} {listed}; nothing withheld"
    kinds = [_OUTCOME_OF[a.status] for a in others]
    top = max(("refused", "redirected", "not_held"), key=kinds.count)
    return top, next(a.evidence for a in others if _OUTCOME_OF[a.status] == top)


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= 160 else line[:157].rstrip() + "..."
