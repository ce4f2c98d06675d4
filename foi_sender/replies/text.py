"""A reply's text made plain: line ends, invisible characters, page furniture and quoted mail."""

from __future__ import annotations

import re


def normalise(text: str) -> str:
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


def cut_quoted(text: str) -> str:
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


def short(exc: Exception) -> str:
    """An exception as a few words for the end of a one-line error."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:120]
