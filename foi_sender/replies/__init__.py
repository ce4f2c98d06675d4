"""Reading a council's reply: the facts a requester needs, in whatever shape the council wrote."""

from .questions import (
    MAX_QUESTION,
    OUTCOMES,
    SUPPORTED_SUFFIXES,
    ReplyFacts,
    read_reply,
    read_reply_text,
)

__all__ = [
    "MAX_QUESTION",
    "OUTCOMES",
    "SUPPORTED_SUFFIXES",
    "ReplyFacts",
    "read_reply",
    "read_reply_text",
]
