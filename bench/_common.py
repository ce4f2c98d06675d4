"""What the benchmark scripts share: where the venv's commands are, and a home to run them in."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python" if (BIN / "python").exists() else Path(sys.executable)
FOI = BIN / "foi-sender"
REQUESTER = "bench@example.org"


def write_home(home: Path, councils: int, send_settings: str) -> None:
    """foi.toml with `send_settings` (TOML tables) and a registry of `councils` fake councils."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "foi.toml").write_text(
        f'[requester]\nname = "Bench Requester"\nemail = "{REQUESTER}"\n\n{send_settings}',
        encoding="utf-8",
    )
    lines = ["councils:"]
    for number in range(1, councils + 1):
        ident = f"council-{number:03d}"
        lines += [
            f"  - id: {ident}",
            f'    name: "Bench Council {number:03d}"',
            "    nation: England",
            "    regime: FOIA",
            f"    foi_email: {ident}@example.gov.uk",
            '    email_source: "bench fixture"',
        ]
    (home / "councils.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
