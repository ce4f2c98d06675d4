"""hypothesis fuzzing of the three parsers that take text from outside: the registry loader, the
letter renderer (with the message builder after it) and the reply reader.

The promise under test is the same as the corpus's: hostile input gives a FoiError (a one-line
message), never another exception, and never a header that was not meant to be there."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hostile_support import REGISTRY
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from foi_sender import letters
from foi_sender.config import Requester, check_email, check_text
from foi_sender.errors import FoiError, RegistryError
from foi_sender.letters import RequestView, RoundView, render
from foi_sender.registry import Council, check_registry, load_registry
from foi_sender.transport import build_message

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")

# -- the registry loader ----------------------------------------------------------------------

_KEYS = [
    "councils",
    "- id",
    "  - id",
    "id",
    "name",
    "nation",
    "regime",
    "foi_email",
    "review_email",
    "email_source",
    "gss_code",
    "dfe_la_code",
    "homepage",
    "salutation",
    "fax",
    "? complex",
    "<<",
    "",
]
_VALUES = [
    "leicester",
    "Leicester City Council",
    "England",
    "Scotland",
    "FOIA",
    "FOISA",
    "foi@leicester.gov.uk",
    '"856"',
    "856",
    "E06000016",
    "~",
    "null",
    "[a, b]",
    "{a: b}",
    "&anchor x",
    "*anchor",
    "!!python/object/apply:os.system [ls]",
    "!!binary aGVsbG8=",
    "!custom x",
    "|",
    ">-",
    '"unterminated',
    "'single'",
    '"a\\r\\nBcc: x@y.org"',
    '"\\0"',
    "\t",
    "---",
    "...",
    "%YAML 1.1",
    "é",
    "\ufeff",
    "\x85",
    "\u2028",
    "\x00",
]
_line = st.tuples(
    st.sampled_from(["", " ", "  ", "    ", "      ", "\t"]),
    st.sampled_from(_KEYS),
    st.sampled_from([": ", ":", " ", ""]),
    st.one_of(st.sampled_from(_VALUES), st.text(max_size=20)),
).map("".join)
yamlish = st.one_of(
    st.lists(_line, max_size=25).map("\n".join),
    st.lists(_line, max_size=10).map(lambda lines: REGISTRY + "\n".join(lines)),
    st.text(max_size=300),
    st.integers(0, len(REGISTRY)).flatmap(
        lambda cut: st.text(max_size=10).map(lambda junk: REGISTRY[:cut] + junk + REGISTRY[cut:])
    ),
)


@FUZZ
@given(data=st.one_of(yamlish.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary()))
@example(data=b"councils:\n  - id: a\n    name: \xff\n")
@example(data=("a: &a [" + ",".join(["*a"] * 3) + "]").encode())
@example(data=b"councils: &c\n  - *c\n")
def test_registry_loader_loads_or_raises_registry_error(data):
    with tempfile.TemporaryDirectory(prefix="foi-fuzz-") as folder:
        home = Path(folder)
        (home / "councils.yaml").write_bytes(data)
        _load_or_refuse(home)


def _load_or_refuse(home: Path) -> None:
    try:
        registry = load_registry(home)
    except RegistryError as exc:
        assert exc.problems and all(p.startswith(str(home / "councils.yaml")) for p in exc.problems)
        assert "\n" not in str(exc)
        path, problems, _count = check_registry(home)
        assert problems == exc.problems
        event("refused with RegistryError")
        return
    event(f"loaded ({min(len(registry.councils), 3)}{'+' if len(registry.councils) > 2 else ''})")
    for council in registry.councils:  # what loads is clean enough for a header
        for value in (council.id, council.name, council.salutation or ""):
            check_text(value, "field")
        if council.foi_email:
            check_email(council.foi_email, "foi_email")


# -- the letter renderer and the message builder ----------------------------------------------

_hostile_text = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["Leicester", " ", "\r\n", "\n", "\r", "Bcc: x@y.org", "\x00", "é"])
        | st.sampled_from(LINE_BREAKS),
        max_size=8,
    ).map("".join),
    st.text(min_size=300, max_size=400),
)
_address = st.one_of(
    st.sampled_from(["alex@example.org", "a@b", "a@@b.com", "josé@example.org", "x@exämple.org"]),
    st.emails().map(str),
    _hostile_text,
)


_HOME = Path(__file__).parent  # a folder with no templates/: the shipped letters are used


@FUZZ
@given(
    council_name=_hostile_text,
    salutation=st.none() | _hostile_text,
    name=_hostile_text,
    email=_address,
    organisation=st.none() | _hostile_text,
    address=st.none() | _hostile_text,
    phone=st.none() | _hostile_text,
    template=st.sampled_from(letters.TEMPLATE_NAMES),
)
@example(
    council_name="Leicester\r\nBcc: victim@example.com",
    salutation=None,
    name="Alex",
    email="alex@example.org",
    organisation=None,
    address=None,
    phone=None,
    template="placements_request",
)
def test_renderer_renders_or_raises_foi_error(
    council_name, salutation, name, email, organisation, address, phone, template
):
    council = Council(
        id="leicester",
        name=council_name,
        nation="England",
        regime="FOIA",
        foi_email="foi@leicester.gov.uk",
        salutation=salutation,
    )
    requester = Requester(name, email, organisation, address, phone)
    today = date(2025, 5, 1)
    view = RequestView(
        title="FOI request",
        status="refused",
        sent_on=date(2025, 3, 3),
        due=date(2025, 3, 31),
        response_on=date(2025, 4, 1),
        outcome="refused",
        review_grounds="They misapplied section 40.",
        review_requested_on=date(2025, 4, 2),
        review_due=date(2025, 4, 30),
        review_letter="Dear council,\n",
    )
    try:
        letter = render(
            _HOME,
            template,
            council=council,
            requester=requester,
            round=RoundView("r1", today),
            request=view,
            today=today,
        )
    except FoiError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc)
        event(f"refused with {type(exc).__name__}")
        return
    event("rendered")
    assert not any(ch in letter.subject for ch in LINE_BREAKS + ("\x00",)), letter.subject
    assert "\x00" not in letter.body


EXPECTED_HEADERS = [
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
]


def _build(name, email, to_name, to_address, subject, body):
    return build_message(
        requester=Requester(name, email),
        to_name=to_name,
        to_address=to_address,
        subject=subject,
        body=body,
        message_id="<1.foi@example.org>",
        when=datetime(2025, 5, 1, 9, tzinfo=UTC),
    )


def _headers_of(msg) -> list[str]:
    parsed = message_from_bytes(msg.as_bytes(policy=policy.SMTP), policy=policy.default)
    return list(parsed.keys())


@FUZZ
@given(
    name=_hostile_text,
    email=_address,
    to_name=_hostile_text,
    to_address=_address,
    subject=_hostile_text,
    body=st.text(min_size=1, max_size=200),
)
def test_validated_fields_always_build_a_clean_message(
    name, email, to_name, to_address, subject, body
):
    """The production path: what config and registry validation let through always builds a
    message with exactly the expected headers, whatever the characters."""
    try:
        check_text(name, "name", max_length=120)
        check_email(email, "email")
    except FoiError:
        return
    try:
        msg = _build(name, email, to_name, to_address, subject, body)
    except FoiError:
        return
    assert _headers_of(msg) == EXPECTED_HEADERS


@FUZZ
@given(
    name=_hostile_text,
    email=_address,
    to_name=_hostile_text,
    to_address=_address,
    subject=_hostile_text,
    body=st.text(min_size=1, max_size=200),
)
@example(
    name="Alex\r\nBcc: victim@example.com",
    email="alex@example.org",
    to_name="Leicester",
    to_address="foi@leicester.gov.uk",
    subject="FOI",
    body="Hello\n",
)
def test_build_message_alone_builds_clean_or_raises_foi_error(
    name, email, to_name, to_address, subject, body
):
    """Defence in depth: build_message is the last gate before bytes leave; unvalidated input
    must give a FoiError or a message with exactly the expected headers and no NUL."""
    try:
        msg = _build(name, email, to_name, to_address, subject, body)
    except FoiError:
        return
    assert _headers_of(msg) == EXPECTED_HEADERS
    head = msg.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[0]
    assert b"\x00" not in head


# -- the reply reader -------------------------------------------------------------------------

replies = pytest.importorskip("foi_sender.replies")

_REPLY_WORDS = [
    "Dear Alex,",
    "Our reference: FOI-2025-0042",
    "Ref: ",
    "1.",
    "2)",
    "Q3",
    "Question 4:",
    "Answer:",
    "5 -",
    "section 40(2)",
    "s.12",
    "regulation 12(4)(b)",
    "section 38 of FOISA",
    "not held",
    "we are withholding",
    "exempt",
    "none",
    "17",
    "fewer than 5",
    "1 May 2025",
    "2025-05-01",
    "01/05/2025",
    "31/02/2025",
    "> quoted",
    "On 1 May 2025, Alex wrote:",
    "foi@leicester.gov.uk",
    "|",
    "\t",
    "\r\n",
    "\n",
    "\x0c",
    "\x00",
    "\u2028",
    "é",
    "Yours sincerely,",
]
_numbered = st.lists(
    st.tuples(
        st.integers(0, 12),
        st.sampled_from(["", ".", ")", ":", " -"]),
        st.lists(st.sampled_from(_REPLY_WORDS) | st.text(max_size=8), max_size=6).map(" ".join),
    ).map(lambda item: f"{item[0]}{item[1]} {item[2]}"),
    max_size=12,
).map("\n".join)
# Real replies (tests/fixtures/replies), cut and spliced: the parser's deep paths get exercised.
_REAL = [
    path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((Path(__file__).parents[1] / "fixtures" / "replies").glob("*.txt"))
] or ["1. Jane Smith\n2. placements@example.gov.uk\n5. 17\n"]


@st.composite
def _mutated_real(draw) -> str:
    text = draw(st.sampled_from(_REAL))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 200))
        insert = draw(st.sampled_from(_REPLY_WORDS) | st.text(max_size=20))
        text = text[:at] + insert + text[at + cut :]
    return text


replyish = st.one_of(
    _mutated_real(),
    _numbered,
    st.lists(st.sampled_from(_REPLY_WORDS) | st.text(max_size=12), max_size=60).map(" ".join),
    st.lists(st.sampled_from(_REPLY_WORDS), max_size=60).map("\n".join),
    st.text(max_size=400),
)


@FUZZ
@given(text=replyish)
@example(text="1. " * 2000)
@example(text="Question 1\n" * 500 + "Answer: 5\n")
def test_read_reply_text_never_raises(text):
    facts = replies.read_reply_text(text)
    facts.as_json()
    event(f"found {len(facts.answers)} answers" if facts.answers else "found no answers")
    for number in list(facts.answers) + list(facts.numbers):
        assert 1 <= number <= replies.MAX_QUESTION


_REAL_FILES = [
    (path.suffix, path.read_bytes())
    for path in sorted((Path(__file__).parents[1] / "fixtures" / "replies").iterdir())
    if path.suffix in (".pdf", ".docx", ".xlsx", ".eml")
]


@st.composite
def _mutated_file(draw) -> tuple[str, bytes]:
    suffix, data = draw(st.sampled_from(_REAL_FILES))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not data:  # cut away entirely: an empty file is a case of its own
            break
        at = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at : at + draw(st.integers(1, 512))]
    return suffix, bytes(data)


EML_HEAD = b"From: foi@leicester.gov.uk\r\nSubject: Re: FOI\r\n\r\n"


@FUZZ
@given(
    suffix=st.sampled_from([".txt", ".eml", ".pdf", ".docx", ".xlsx", ".odt"]),
    data=st.one_of(
        st.binary(max_size=400),
        replyish.map(lambda t: t.encode("utf-8", "surrogatepass")),
        replyish.map(lambda t: EML_HEAD + t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=200).map(lambda b: b"%PDF-1.4\n" + b),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    ),
)
def test_read_reply_file_reads_or_raises_reply_error(suffix, data):
    _read_or_refuse(suffix, data)


@FUZZ
@given(file=st.deferred(lambda: _mutated_file()))
def test_damaged_real_reply_files_read_or_raise_reply_error(file):
    _read_or_refuse(*file)


def _read_or_refuse(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="foi-fuzz-reply-") as folder:
        path = Path(folder) / f"reply{suffix}"
        path.write_bytes(data)
        try:
            replies.read_reply(path).as_json()
        except FoiError as exc:
            assert "\n" not in str(exc)
            event(f"refused with {type(exc).__name__}")
        else:
            event(f"read a {suffix} file")
