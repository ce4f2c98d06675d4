"""A request's life, derived from the ledger (split by concept in the next commit)."""

from foi_sender.lifecycle.state import *  # noqa: F403
