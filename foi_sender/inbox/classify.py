"""What kind of message this is, with the words that decided it (kept as evidence).

Bounces are read from RFC 3464 delivery reports (Postfix, Exim, Exchange/Office 365 and Gmail all
send `multipart/report; report-type=delivery-status`), else from the text of the older plain ones.
A 4.x.x status is a delay, not a failure. The rest is told apart by the council's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from foi_sender.replies.mail import body_text, header_text, part_text

RESPONSE, REVIEW_RESPONSE, ACKNOWLEDGEMENT = "response", "review_response", "acknowledgement"
BOUNCE, DELAYED, OUT_OF_OFFICE = "bounce", "delayed", "out_of_office"
CLARIFICATION, UNRELATED = "clarification", "unrelated"

_DSN_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_MESSAGE_ID_LINE = re.compile(r"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster|microsoftexchange|mail delivery", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|has failed|incomplete)|returned mail"
    r"|mail delivery failed|failure notice|delivery failure|could not be delivered",
    re.I,
)
_DELAY_SUBJECT = re.compile(r"delayed mail|\(delay\)|delivery delayed|warning: message", re.I)
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")
_OOO = re.compile(
    r"out of (the )?office|on (annual )?leave|away from (the|my) (office|desk)|limited access to"
    r" (my )?e-?mail|automatic reply|auto(matic)?[- ]?reply|i am (currently )?away",
    re.I,
)
_ACK = re.compile(
    r"(have|has) (now )?(been )?received your|acknowledge (receipt|your)|receipt of your"
    r"|(has|have) been (logged|registered|recorded)|(we|i) will (aim to )?(respond|reply)"
    r"|aim to (respond|reply)|(respond|reply) (to you )?within (the statutory )?(20|twenty)"
    r"|is being (dealt with|processed|considered)",
    re.I,
)
_RESPONSE = re.compile(
    r"please (find|see) (attached|below|enclosed|our response)|(is|are|was|were) (not )?held"
    r"|\bexempt|our response|response to your (freedom of information |foi |eir )?request"
    r"|in response to your|the answers? to|(can|are able to) (confirm|provide)|refus"
    r"|\bsection \d+\(|\bs\.? ?\d+\(\d\)|not able to provide|cost limit",
    re.I,
)
_CLARIFY = re.compile(
    r"(could|can|would|will) you (please )?(clarify|confirm|specify|explain|tell us|let us know)"
    r"|please (could you )?(clarify|specify)|(need|require|request)s? (some |further )?"
    r"clarification|clarification (of|on|about|regarding)",
    re.I,
)
_REVIEW = re.compile(r"internal review", re.I)
_REVIEW_DONE = re.compile(
    r"(outcome|result|decision|conclusion)s? of (the|your|our) (internal )?review|upheld|reviewed"
    r" (the|your|our)|review (has|have) (now )?(been )?(concluded|completed)",
    re.I,
)
_FOI = re.compile(
    r"freedom of information|\bFOI(SA)?\b|\bEIR\b|environmental information|information request"
    r"|your request|\bour ref|\bcase ref",
    re.I,
)
_DUE = re.compile(
    r"(?:respond|reply|response|answer)[^.]{0,80}?\b(?:by|before|no later than|on or before)\s+"
    r"(?:\w+day,?\s+)?(\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+,?\s+\d{4}|\d{1,2}/\d{1,2}/\d{4})",
    re.I,
)


@dataclass(frozen=True)
class Classified:
    kind: str
    evidence: str
    text: str = field(repr=False, default="")
    # bounces
    status_code: str | None = None
    diagnostic: str | None = None
    recipient: str | None = None
    returned_ids: tuple[str, ...] = ()
    # acknowledgements
    council_due: str | None = None
    foi_words: bool = False


def classify(msg: Message) -> Classified:
    """The kind of `msg` (before it is matched; a reply to our review letter is decided there)."""
    bounce = _bounce(msg)
    if bounce is not None:
        return bounce
    text = body_text(msg)
    subject = header_text(msg, "subject")
    words = f"{subject}\n{text}"
    foi = bool(_FOI.search(words))
    auto = _auto_reply(msg)
    has_files = any(
        p.get_content_disposition() == "attachment" and not p.is_multipart() for p in msg.walk()
    )
    response = _RESPONSE.search(text)
    ack = _ACK.search(words)
    clarify = _CLARIFY.search(text)
    if _REVIEW.search(words) and _REVIEW_DONE.search(words):
        return Classified(REVIEW_RESPONSE, _quote(_REVIEW_DONE.search(words)), text, foi_words=foi)
    if ack and not has_files and not (response and not auto):
        due = _DUE.search(text)
        return Classified(
            ACKNOWLEDGEMENT,
            _quote(ack),
            text,
            council_due=due.group(1) if due else None,
            foi_words=foi,
        )
    if auto or (_OOO.search(subject) and not response):
        found = _OOO.search(words)
        evidence = _quote(found) if found else f"header {auto}"
        return Classified(OUT_OF_OFFICE, evidence, text, foi_words=foi)
    if clarify and not has_files:
        return Classified(CLARIFICATION, _quote(clarify), text, foi_words=foi)
    if response or has_files:
        evidence = _quote(response) if response else "an attached file"
        return Classified(RESPONSE, evidence, text, foi_words=True)
    return Classified(UNRELATED, "no words of a council's reply", text, foi_words=foi)


def _auto_reply(msg: Message) -> str | None:
    submitted = str(msg.get("auto-submitted") or "").lower()
    if submitted.startswith("auto-replied"):
        return f"Auto-Submitted: {submitted}"
    for name in _AUTO_HEADERS[:2]:
        if msg.get(name) is not None:
            return name
    if str(msg.get("precedence") or "").lower() == "auto_reply":
        return "Precedence: auto_reply"
    return None


def _quote(match: re.Match) -> str:
    start, end = match.span()
    text = match.string
    left, right = max(0, start - 40), min(len(text), end + 40)
    return "…" + " ".join(text[left:right].split()) + "…"


# ---- bounces


def _bounce(msg: Message) -> Classified | None:
    report = msg.get_content_type() == "multipart/report" and msg.get_param(
        "report-type", ""
    ).lower() in ("delivery-status", "disposition-notification")
    if report:
        found = _from_report(msg)
        if found is not None:
            return found
    sender, subject = header_text(msg, "from"), header_text(msg, "subject")
    if not (_BOUNCE_SENDER.search(sender) and _BOUNCE_SUBJECT.search(subject)) and not (
        _BOUNCE_SUBJECT.match(subject) and str(msg.get("auto-submitted") or "")
    ):
        if _BOUNCE_SENDER.search(sender) and _DELAY_SUBJECT.search(subject):
            return Classified(DELAYED, f"subject {subject!r}")
        return None
    return _from_text(msg, subject)


def _from_report(msg: Message) -> Classified | None:
    recipients: list[dict] = []
    returned: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            recipients += _recipient_blocks(part)
        elif ctype in ("text/rfc822-headers", "message/rfc822", "message/global-headers"):
            returned += _MESSAGE_ID_LINE.findall(part_text(part))
    if not recipients:
        return None
    failed = [r for r in recipients if _is_failure(r)]
    if not failed:
        first = recipients[0]
        return Classified(
            DELAYED,
            f"Action: {first.get('action') or '?'}, Status: {first.get('status') or '?'}",
            status_code=first.get("status"),
            recipient=first.get("recipient"),
            returned_ids=tuple(returned),
        )
    first = failed[0]
    return Classified(
        BOUNCE,
        f"delivery report: Action: failed, Status: {first.get('status')}",
        status_code=first.get("status"),
        diagnostic=first.get("diagnostic"),
        recipient=first.get("recipient"),
        returned_ids=tuple(returned),
    )


def _recipient_blocks(part) -> list[dict]:
    """Per-recipient fields of a message/delivery-status part (the first block is per-message)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [
            dict((k.lower(), " ".join(str(v).split())) for k, v in b.items()) for b in payload
        ]
    else:
        text = payload if isinstance(payload, str) else ""
        blocks = [_fields(chunk) for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    found = []
    for block in blocks:
        recipient = block.get("final-recipient") or block.get("original-recipient")
        if not recipient:
            continue
        address = recipient.partition(";")[2].strip() or recipient
        found.append(
            {
                "recipient": address.strip("<> ").lower(),
                "action": block.get("action", "").lower(),
                "status": (_DSN_STATUS.search(block.get("status", "")) or [None])[0],
                "diagnostic": block.get("diagnostic-code", "").partition(";")[2].strip() or None,
            }
        )
    return found


def _fields(chunk: str) -> dict:
    fields: dict[str, str] = {}
    last = None
    for line in chunk.split("\n"):
        if line[:1] in (" ", "\t") and last:
            fields[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            fields[last] = value.strip()
    return fields


def _is_failure(recipient: dict) -> bool:
    if recipient["action"] in ("delayed", "delivered", "relayed", "expanded"):
        return False
    status = recipient["status"] or ""
    return recipient["action"] == "failed" or status.startswith("5")


def _from_text(msg: Message, subject: str) -> Classified:
    """An older bounce with no delivery report: Exim's "Mail delivery failed" and the like."""
    text = body_text(msg)
    codes = _DSN_STATUS.findall(text)
    statuses = [".".join(c) for c in codes]
    if statuses and all(s.startswith("4") for s in statuses) or _DELAY_SUBJECT.search(subject):
        return Classified(
            DELAYED, f"subject {subject!r}", status_code=statuses[0] if statuses else None
        )
    failed_at = re.search(
        r"failed:|could not be delivered to|wasn't delivered to|recipient", text, re.I
    )
    after = text[failed_at.end() :] if failed_at else text
    recipient = next(
        (a.lower() for a in _ADDRESS.findall(after) if not _BOUNCE_SENDER.search(a)), None
    )
    smtp = re.search(r"\b5\d\d[ -][^\n]{0,160}", text)
    return Classified(
        BOUNCE,
        f"subject {subject!r} from the mail system",
        status_code=statuses[0] if statuses else None,
        diagnostic=" ".join(smtp.group(0).split()) if smtp else None,
        recipient=recipient,
        returned_ids=tuple(_MESSAGE_ID_LINE.findall(text)),
    )
