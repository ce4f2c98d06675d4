"""The inbox's pieces on their own: kinds read from the corpus (tests/fixtures/inbox), keys, safe
names, the reply tag. End-to-end runs are in test_inbox.py."""

from __future__ import annotations

import email
from email import policy

import pytest
from test_inbox import CORPUS

from foi_sender import replytag
from foi_sender.inbox import classify, store

KINDS = {
    "leicester-ack": "acknowledgement",
    "leicester-response": "response",
    "coventry-response-html": "response",
    "derby-clarification": "clarification",
    "kent-tagged-response": "response",
    "edinburgh-response": "response",
    "sheffield-review-response": "review_response",
    "walsall-postfix-dsn": "bounce",
    "brighton-o365-ndr": "bounce",
    "wolverhampton-gmail-dsn": "bounce",
    "postfix-delayed": "delayed",
    "exim-failed": "bounce",
    "nottingham-out-of-office": "out_of_office",
    "newsletter": "unrelated",
    "unknown-foi": "response",
}


def parse(data: bytes):
    return email.message_from_bytes(data, policy=policy.compat32)


def corpus(name: str):
    return parse((CORPUS / f"{name}.eml").read_bytes())


def test_every_corpus_file_is_named_here():
    assert sorted(p.stem for p in CORPUS.glob("*.eml")) == sorted(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_kind(name):
    found = classify.classify(corpus(name))
    assert found.kind == KINDS[name], found.evidence
    assert found.evidence


@pytest.mark.parametrize(
    ("name", "status", "recipient", "diagnostic"),
    [
        ("walsall-postfix-dsn", "5.1.1", "foi@walsall.gov.uk", "Recipient address rejected"),
        ("brighton-o365-ndr", "5.1.10", "foi@brighton-hove.gov.uk", "RecipientNotFound"),
        (
            "wolverhampton-gmail-dsn",
            "5.1.1",
            "freedomofinformation@wolverhampton.gov.uk",
            "User unknown",
        ),
        (
            "exim-failed",
            "5.1.1",
            "foi@stoke.gov.uk",
            "550 5.1.1 <foi@stoke.gov.uk>... User unknown",
        ),
    ],
)
def test_bounce_details(name, status, recipient, diagnostic):
    found = classify.classify(corpus(name))
    assert (found.status_code, found.recipient) == (status, recipient)
    assert diagnostic in found.diagnostic


def returned(name: str) -> tuple[str, ...]:
    data = (CORPUS / f"{name}.eml").read_bytes()
    return classify.classify(
        parse(data.replace(b"@@ID:", b"<").replace(b"@@", b"@ours>"))
    ).returned_ids


def test_returned_message_ids_are_read_from_headers_and_attached_messages():
    assert returned("walsall-postfix-dsn") == ("<walsall@ours>",)  # text/rfc822-headers
    assert returned("brighton-o365-ndr") == ("<brighton-and-hove@ours>",)  # message/rfc822
    assert returned("exim-failed") == ("<stoke-on-trent@ours>",)  # quoted in plain text
    assert returned("wolverhampton-gmail-dsn") == ()


def test_a_delay_report_is_not_a_failure_even_with_a_failure_subject():
    data = (CORPUS / "postfix-delayed.eml").read_bytes()
    data = data.replace(b"Delayed Mail (still being retried)", b"Undelivered Mail")
    found = classify.classify(parse(data))
    assert (found.kind, found.status_code) == ("delayed", "4.4.1")


def test_acknowledgement_reads_the_promised_date_and_auto_reply_is_not_out_of_office():
    found = classify.classify(corpus("leicester-ack"))
    assert found.council_due == "13 May 2025"
    assert "received" in found.evidence


def test_windows_1252_html_only_is_decoded():
    text = classify.body_text(corpus("coventry-response-html"))
    assert "Reference: FOI/25/0876" in text
    assert "Children’s Residential Framework" in text  # 0x92 in windows-1252
    assert "<td>" not in text


def test_encoded_subjects_are_decoded():
    msg = parse(b"Subject: =?utf-8?q?Automatic_reply=3A_Caerdydd_=E2=80=93_FOI?=\n\nI am away.\n")
    assert classify.header_text(msg, "subject") == "Automatic reply: Caerdydd – FOI"


def test_key_is_the_message_id_else_a_hash_of_the_bytes():
    assert store.message_key(corpus("newsletter"), b"") == (
        "<newsletter-2025-04@childrenshomes.example.com>"
    )
    raw = b"From: a@b.example\nSubject: no id\n\nhello\n"
    key = store.message_key(parse(raw), raw)
    assert key.startswith("sha256:") and key == store.message_key(parse(raw), raw)
    assert key != store.message_key(parse(raw + b"!"), raw + b"!")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd.bin"),
        ("Response 2025 (final).pdf", "Response-2025-final-.pdf"),
        ("..", "attachment.pdf"),
        ("C:\\Users\\foi\\answer.docx", "answer.docx"),
        ("ответ.pdf", "pdf.pdf"),
    ],
)
def test_attachment_names_are_slugged(given, kept):
    ctype = "application/pdf" if given.endswith(("pdf", "..")) else "application/octet-stream"
    if given.endswith("docx"):
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert store.safe_name(given, ctype) == kept


def test_reply_tag_round_trips_and_keeps_an_existing_tag():
    mid = "<17.foi@example.org>"
    plain = replytag.reply_address("alex@example.org", mid)
    tagged = replytag.reply_address("alex+councils@example.org", mid)
    token = replytag.token(mid)
    assert plain == f"alex+foi{token}@example.org"
    assert tagged == f"alex+councils-foi{token}@example.org"
    assert replytag.tokens_in([plain, "other@example.org", tagged]) == [token, token]
    assert replytag.tokens_in(["foi1234567890@example.org"]) == []  # not after a + or -
