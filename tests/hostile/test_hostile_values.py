"""Option values and what is shown of them: NaN, infinities and negatives for a number option are
refused as they are parsed (one click error, exit 2, nothing sent); a date in another year is shown
with all four digits (`31 Dec 99` could be 1999 or 9999); foi.toml saved with a byte-order mark
(Notepad does) loads, as councils.yaml does."""

from __future__ import annotations

from datetime import date

import pytest
from hostile_support import outcome_of

from foi_sender import deadlines

RATES = {
    "nan": "nan",
    "nan-upper": "NaN",
    "inf": "inf",
    "overflows-to-inf": "1e999",
}


@pytest.mark.parametrize("rate", RATES.values(), ids=RATES.keys())
def test_send_rate_must_be_a_finite_number(hhome, run, snap, refused, rate):
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--yes", "--rate", rate)
    out = refused(result, before, hhome, "--rate")
    assert out.exit_code == 2


def test_status_shows_other_years_in_full(hhome, run):
    """Sent in 2025, looked at in 2026: `14 Apr 2025`, never `14 Apr 25`."""
    sent_at = {"FOI_SENDER_NOW": "2025-04-14T09:30:00+01:00"}
    assert run("send", "r2", "--council", "glasgow", "--yes", env=sent_at).exit_code == 0
    out = outcome_of(run("status", "r2", env={"FOI_SENDER_NOW": "2026-01-05T09:00:00+00:00"}))
    assert out.exit_code == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if line.startswith("glasgow"))
    due = deadlines.reply_due(date(2025, 4, 14), deadlines.Regime.FOISA)
    assert "14 Apr 2025" in row and f"{due.day} {due:%b} 2025" in row, row
    this_year = outcome_of(run("status", "r2", env=sent_at)).stdout
    assert "14 Apr " in this_year and "2025" not in this_year.split("\n")[1]


def test_foi_toml_with_a_byte_order_mark_loads(hhome, run):
    path = hhome / "foi.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    out = outcome_of(run("draft", "leicester"))
    assert out.exit_code == 0, out.stderr
    assert "From: Alex Example <alex@example.org>" in out.stdout
