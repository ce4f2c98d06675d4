"""User text that names something stored: the rules a name must keep, and the one slug that turns
a name (a round, a council id) into a safe file or folder name inside the home."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from foi_sender.config import check_text
from foi_sender.errors import InputError

# Control (Cc: tab, NUL, ESC), format (Cf: bidi overrides such as U+202E, zero-width joiners),
# line and paragraph separators: invisible or reordering in a terminal, dangerous in a path.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_CLEAN_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")
NAME_RULE = (
    "a round name is one line of up to 80 visible characters, with no / or \\, not . or .., "
    "no leading or trailing spaces, and no control or format characters (tab, bidi overrides)"
)


def check_name(name: str, what: str = "round name", *, max_length: int = 80) -> str:
    """A name the user gives to something foi-sender stores, such as a round: refused, with the
    rule, unless it is safe to show and to slug."""
    hidden = next((ch for ch in name if unicodedata.category(ch) in _HIDDEN_CATEGORIES), None)
    if hidden is not None:
        raise InputError(
            f"{what} {name!r} has the invisible character U+{ord(hidden):04X}; {NAME_RULE}"
        )
    check_text(name, what, max_length=max_length)
    if not name.strip() or name != name.strip():
        raise InputError(f"{what} {name!r} is blank or starts or ends with spaces; {NAME_RULE}")
    if name in (".", "..") or "/" in name or "\\" in name:
        raise InputError(f"{what} {name!r} looks like a path; {NAME_RULE}")
    return name


def slug(text: str, clean: re.Pattern[str] = _CLEAN_NAME) -> str:
    """A safe file or folder name for `text`: lower-case ASCII letters, digits, `.` and `-`, never
    starting with `.`, never empty.

    Already-clean text (`spring-2025`, `st.-helens`) is used as it is; anything else is slugged
    and gets 8 hex digits of its SHA-256, so `Round 1` and `round-1` never share a folder and
    `../../etc` (a round an older foi-sender accepted) cannot lead out of one. `clean` says what
    counts as already clean (calendar UIDs allow no `.`).
    """
    if clean.fullmatch(text) and len(text) <= 64:
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}" if readable else digest


def safe_suffix(suffix: str) -> str:
    """A file's suffix (`.PDF` -> `.pdf`) when it is a plain one, else none."""
    lowered = suffix.lower()
    return lowered if _SAFE_SUFFIX.fullmatch(lowered) else ""
