"""Hostile councils.yaml: broken YAML, wrong types, duplicate ids, unknown keys, bad and
internationalised addresses, header injection through a council's name, very long and non-UTF-8
text, and YAML's own weapons (tags that would run code, alias bombs). Each case replaces the
registry of a home that has already sent a round, then tries to send a new one."""

from __future__ import annotations

import pytest
from hostile_support import REGISTRY

GLASGOW_NAME = "    name: Glasgow City Council\n"
GLASGOW_EMAIL = "    foi_email: foi@glasgow.gov.uk\n"


def replace(old: str, new: str) -> str:
    assert old in REGISTRY
    return REGISTRY.replace(old, new, 1)


def glasgow_email(address: str) -> str:
    return replace(GLASGOW_EMAIL, f"    foi_email: {address}\n")


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)

CASES = {
    # id: (councils.yaml text or bytes, what the one error line must mention)
    "yaml-bad-indentation": (replace(GLASGOW_NAME, "      name: Glasgow City Council\n"), "YAML"),
    "yaml-unclosed-quote": (replace(GLASGOW_NAME, '    name: "Glasgow City Council\n'), "YAML"),
    "yaml-unclosed-bracket": (replace(GLASGOW_NAME, "    name: [Glasgow\n"), "YAML"),
    "yaml-tab-indent": (replace(GLASGOW_NAME, "\tname: Glasgow City Council\n"), "YAML"),
    "empty-file": ("", "councils"),
    "top-level-list": ("- id: leicester\n", "councils"),
    "councils-is-a-mapping": ("councils:\n  leicester: {}\n", "councils"),
    "council-is-a-string": ("councils:\n  - leicester\n", "mapping"),
    "unknown-top-level-key": (REGISTRY + "extra: 1\n", "unknown top-level key"),
    "duplicate-id": (replace("  - id: barnet\n", "  - id: glasgow\n"), "duplicate id"),
    "duplicate-key": (replace(GLASGOW_NAME, GLASGOW_NAME + "    name: Glasgow\n"), "twice"),
    "unknown-key": (replace(GLASGOW_NAME, GLASGOW_NAME + "    fax: 0141 000 0000\n"), "fax"),
    "wrong-type-email-list": (
        glasgow_email("[foi@glasgow.gov.uk, a@glasgow.gov.uk]"),
        "single text value",
    ),
    "wrong-type-name-mapping": (
        replace(GLASGOW_NAME, "    name: {en: Glasgow}\n"),
        "single text value",
    ),
    "wrong-type-null-email": (glasgow_email("~"), "single text value|no value"),
    "unknown-nation": (replace("    nation: Scotland\n", "    nation: Narnia\n"), "nation"),
    "unknown-regime": (replace("    regime: FOISA\n", "    regime: GDPR\n"), "regime"),
    "regime-nation-mismatch": (replace("    regime: FOISA\n", "    regime: FOIA\n"), "regime"),
    "bad-slug-id": (replace("  - id: glasgow\n", "  - id: Glasgow City\n"), "slug"),
    "bad-dfe-code": (replace('dfe_la_code: "856"', "dfe_la_code: 85"), "dfe_la_code"),
    "email-no-tld": (glasgow_email("a@b"), "not an email"),
    "email-double-at": (glasgow_email("a@@b.com"), "not an email"),
    "email-no-at": (glasgow_email("foi.glasgow.gov.uk"), "not an email"),
    "email-non-ascii-local-part": (glasgow_email("josé@example.org"), "non-ASCII"),
    "email-idn-domain": (glasgow_email("foi@glasgöw.gov.uk"), "non-ASCII"),
    "email-display-name": (glasgow_email('"Glasgow FOI <foi@glasgow.gov.uk>"'), "not an email"),
    "email-two-addresses": (
        glasgow_email('"foi@glasgow.gov.uk, evil@example.com"'),
        "not an email",
    ),
    "email-crlf-bcc": (
        glasgow_email(r'"foi@glasgow.gov.uk\r\nBcc: victim@example.com"'),
        "one line",
    ),
    "name-crlf-bcc-header": (
        replace(GLASGOW_NAME, r'    name: "Glasgow\r\nBcc: victim@example.com"' + "\n"),
        "one line",
    ),
    "name-lone-lf": (replace(GLASGOW_NAME, r'    name: "Glasgow\nCity"' + "\n"), "one line"),
    "name-nul-escape": (replace(GLASGOW_NAME, r'    name: "Glasgow\0City"' + "\n"), "NUL"),
    "name-raw-nul-byte": (replace(GLASGOW_NAME, "    name: Glasgow\x00City\n"), "YAML"),
    "name-escape-sequence": (
        replace(GLASGOW_NAME, r'    name: "Glasgow\e[31mCity"' + "\n"),
        "control character",
    ),
    "name-10kB": (replace(GLASGOW_NAME, f"    name: {'G' * 10_000}\n"), "limit"),
    "salutation-crlf": (
        replace(GLASGOW_NAME, GLASGOW_NAME + r'    salutation: "Dear all\r\nBcc: x@y.org"' + "\n"),
        "one line",
    ),
    "not-utf8-latin1": (
        replace(GLASGOW_NAME, "    name: Comhairle Baile Ghlaschu é\n").encode("latin-1"),
        "UTF-8",
    ),
    "not-utf8-utf16": (REGISTRY.encode("utf-16"), "UTF-8"),
    "python-tag-would-run-code": (
        replace(GLASGOW_NAME, '    name: !!python/object/apply:os.system ["touch pwned"]\n'),
        "single text value",
    ),
    "alias-bomb": (REGISTRY + BOMB, "unknown top-level key"),
}


@pytest.mark.parametrize("content, mentions", CASES.values(), ids=CASES.keys())
def test_hostile_councils_yaml(hhome, run, snap, refused, content, mentions):
    path = hhome / "councils.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = snap(hhome)
    result = run("send", "r2", "--council", "glasgow", "--yes")
    out = refused(result, before, hhome, mentions)
    assert "councils.yaml" in out.stderr, "a registry error names the file"
    assert not (hhome / "pwned").exists() and not (hhome.parent / "pwned").exists()


def test_councils_check_lists_every_problem_with_a_line(hhome, run):
    """`councils check` exits 1 and prints FILE:LINE: message for each problem, no traceback."""
    text = replace(GLASGOW_EMAIL, "    foi_email: a@@b.com\n")
    text = text.replace("  - id: barnet\n", "  - id: leicester\n")
    (hhome / "councils.yaml").write_text(text, encoding="utf-8")
    result = run("councils", "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    problems = [line for line in result.stdout.splitlines() if "councils.yaml:" in line]
    assert len(problems) == 2, result.stdout
    lines = text.splitlines()
    for problem in problems:
        number = int(problem.split("councils.yaml:")[1].split(":")[0])
        assert 1 <= number <= len(lines)
    assert any("a@@b.com" in lines[int(p.split(".yaml:")[1].split(":")[0]) - 1] for p in problems)


def test_raw_control_character_is_blamed_on_its_own_line(hhome, run, snap, refused):
    text = replace(GLASGOW_NAME, "    name: Glasgow\x00City\n")
    (hhome / "councils.yaml").write_text(text, encoding="utf-8")
    before = snap(hhome)
    line = 1 + text.splitlines().index("    name: Glasgow\x00City")
    result = run("send", "r2", "--council", "glasgow", "--yes")
    refused(result, before, hhome, rf"councils\.yaml:{line}: ")
