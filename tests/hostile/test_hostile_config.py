"""Hostile foi.toml: broken TOML, wrong types, unknown keys, secrets, bad addresses, header
injection through the requester, very long and non-UTF-8 text. Each case replaces the foi.toml of
a home that has already sent a round, then tries to send a new one."""

from __future__ import annotations

import pytest

GOOD = """\
[requester]
name = "Alex Example"
email = "alex@example.org"
organisation = "Example Care Ltd"

[send]
transport = "outbox"
rate_per_minute = 0

[smtp]
host = "smtp.example.org"
port = 587
security = "starttls"
login = true
user = "alex@example.org"

[calendar]
alarm_days = 2
extra_holidays = []
"""


def replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


CASES = {
    # id: (foi.toml text or bytes, what the one error line must mention)
    "toml-syntax-unclosed-table": (replace("[send]", "[send"), r"foi\.toml"),
    "toml-syntax-unclosed-string": (replace('"Alex Example"', '"Alex Example'), r"foi\.toml"),
    "toml-duplicate-key": (
        replace('name = "Alex Example"', 'name = "Alex"\nname = "Sam"'),
        r"foi\.toml",
    ),
    "wrong-type-port-string": (replace("port = 587", 'port = "587"'), r"port.*wrong type"),
    "wrong-type-login-string": (replace("login = true", 'login = "yes"'), r"login.*wrong type"),
    "wrong-type-requester-not-table": (
        'requester = "Alex"\n[send]' + GOOD.split("[send]", 1)[1],
        r"requester.*table",
    ),
    "wrong-type-name-integer": (replace('"Alex Example"', "42"), r"name.*wrong type"),
    "unknown-key": (replace("[requester]\n", '[requester]\nnickname = "Al"\n'), "unknown key"),
    "unknown-section": (GOOD + '\n[smpt]\nhost = "x"\n', "unknown section"),
    "secret-in-file": (replace("login = true", 'login = true\npassword = "hunter2"'), "secret"),
    "missing-email": (replace('email = "alex@example.org"\n', ""), "needs name and email"),
    "bad-transport": (replace('transport = "outbox"', 'transport = "pigeon"'), "transport"),
    "bad-security": (replace('security = "starttls"', 'security = "tls1.0"'), "security"),
    "negative-rate": (replace("rate_per_minute = 0", "rate_per_minute = -5"), "rate_per_minute"),
    "port-out-of-range": (replace("port = 587", "port = 70000"), "port"),
    "impossible-extra-holiday": (
        replace("extra_holidays = []", 'extra_holidays = ["2025-02-30"]'),
        "not a date",
    ),
    "email-non-ascii-local-part": (replace("alex@example.org", "josé@example.org"), "non-ASCII"),
    "email-idn-domain": (replace("alex@example.org", "alex@exämple.org"), "non-ASCII"),
    "email-no-tld": (replace("alex@example.org", "a@b"), "not an email"),
    "email-double-at": (replace("alex@example.org", "a@@b.com"), "not an email"),
    "email-crlf-bcc": (
        replace("alex@example.org", r"alex@example.org\r\nBcc: victim@example.com"),
        "one line",
    ),
    "name-crlf-bcc-header": (
        replace('"Alex Example"', r'"Alex Example\r\nBcc: victim@example.com"'),
        "one line",
    ),
    "name-lone-cr": (replace('"Alex Example"', r'"Alex\rExample"'), "one line"),
    "name-nul": (replace('"Alex Example"', r'"Alex\u0000Example"'), "NUL"),
    "name-unicode-line-separator": (replace('"Alex Example"', r'"Alex\u2028Bcc: x@y.org"'), "line"),
    "name-10kB": (replace('"Alex Example"', '"' + "A" * 10_000 + '"'), "limit"),
    "organisation-crlf": (
        replace('"Example Care Ltd"', r'"Example\r\nBcc: victim@example.com"'),
        "one line",
    ),
    "smtp-user-crlf": (
        replace('user = "alex@example.org"', r'user = "alex\r\nRCPT TO:<x@y.org>"'),
        "one line",
    ),
    "not-utf8-latin1": (
        replace('"Alex Example"', '"José Example"').encode("latin-1"),
        "UTF-8",
    ),
    "not-utf8-utf16": (GOOD.encode("utf-16"), "UTF-8"),
    "binary-garbage": (bytes(range(256)) * 4, r"foi\.toml"),
}


@pytest.mark.parametrize("content, mentions", CASES.values(), ids=CASES.keys())
def test_hostile_foi_toml(hhome, run, snap, refused, content, mentions):
    path = hhome / "foi.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--yes")
    refused(result, before, hhome, mentions)


def test_foi_toml_is_a_directory(hhome, run, snap, refused):
    (hhome / "foi.toml").unlink()
    (hhome / "foi.toml").mkdir()
    before = snap(hhome)
    refused(run("send", "r2", "--council", "glasgow", "--yes"), before, hhome, "cannot read")


def test_no_foi_toml(hhome, run, snap, refused):
    (hhome / "foi.toml").unlink()
    before = snap(hhome)
    refused(run("send", "r2", "--council", "glasgow", "--yes"), before, hhome, "init")


@pytest.mark.parametrize(
    "args, mentions",
    [
        (("--name", "Alex\r\nBcc: victim@example.com", "--email", "alex@example.org"), "one line"),
        (("--name", "Alex", "--email", "josé@example.org"), "non-ASCII"),
        (("--name", "Alex", "--email", "a@@b.com"), "not an email"),
        (("--name", "A" * 10_000, "--email", "alex@example.org"), "limit"),
    ],
    ids=["name-crlf", "email-non-ascii", "email-double-at", "name-10kB"],
)
def test_hostile_init(tmp_path, snap, refused, args, mentions):
    from click.testing import CliRunner

    from foi_sender.cli import cli

    home = tmp_path / "fresh"
    home.mkdir()
    result = CliRunner().invoke(cli, ["--home", str(home), "init", *args])
    refused(result, snap(home), home, mentions)
    assert not (home / "foi.toml").exists()
