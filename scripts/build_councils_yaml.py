"""Regenerate councils.yaml from the shared reference data (see shared/data/PROVENANCE.md).

    python scripts/build_councils_yaml.py ../shared/data > councils.yaml

Only the two FOI addresses verified from the councils' own replies are carried; every other council
is left without an address for the user to fill in with `foi-sender councils set-email`.
"""

import csv
import json
import sys
from pathlib import Path

VERIFIED_SOURCES = {
    "leicester": "Leicester City Council's FOI reply of 2025 (internal review address)",
    "coventry": "Coventry City Council's FOI reply of 7 May 2025 (letterhead and review address)",
}

HEADER = """\
# foi-sender council registry: the 207 UK councils with children's social care duties
# (England 153, Wales 22, Scotland 32) and the 5 Northern Ireland Health and Social Care Trusts.
#
# Attribution (required by the licences):
# - names, GSS codes, GOV.UK slugs, homepages: mySociety, uk_local_authority_names_and_codes
#   (v1.6.1, July 2025), CC-BY-4.0; GOV.UK local-links-manager for 9 slugs.
# - DfE LA codes: Department for Education, Get Information about Schools (Dec 2025), OGL v3.
# - Northern Ireland trusts: mySociety, wdtk_authorities_list (Nov 2024), CC-BY-SA-4.0.
# - FOI addresses: only those verified from a council's own FOI reply, each with its source.
#
# No open list of council FOI addresses exists, and foi-sender never guesses one: add each address
# you verify with `foi-sender councils set-email ID ADDRESS --source "where you found it"`.
councils:
"""


def quoted(value: str) -> str:
    # JSON strings are valid YAML double-quoted scalars, so nothing needs YAML escaping rules.
    return json.dumps(value, ensure_ascii=False)


def entry(row: dict) -> str:
    lines = [
        f"  - id: {row['slug']}",
        f"    name: {quoted(row['name'])}",
        f"    nation: {row['nation']}",
        f"    regime: {row['regime']}",
    ]
    if row["foi_email"]:
        lines.append(f"    foi_email: {row['foi_email']}")
        lines.append(f"    email_source: {quoted(VERIFIED_SOURCES[row['slug']])}")
    if row.get("gss_code"):
        lines.append(f"    gss_code: {row['gss_code']}")
    if row.get("dfe_la_code"):
        lines.append(f"    dfe_la_code: {quoted(row['dfe_la_code'])}")
    if row.get("homepage_url"):
        lines.append(f"    homepage: {row['homepage_url']}")
    return "\n".join(lines)


def main(data_dir: Path) -> None:
    rows = []
    for name in ("children_services_authorities_extended.csv", "ni_hsc_trusts.csv"):
        with open(data_dir / name, newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    sys.stdout.write(HEADER + "\n".join(entry(row) for row in rows) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
