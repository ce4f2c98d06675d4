"""The README's inbox session, reproducible: a round of 11 councils sent through the outbox, its
mail (tests/fixtures/inbox) put into a real IMAP server (pymap, on 127.0.0.1), then read back with
`foi-sender inbox fetch`. Prints each command and what it printed.

Run from the repository root: .venv/bin/python scripts/inbox_session.py
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from imap_server import running_imap_server  # noqa: E402
from test_inbox import COUNCILS, ROUND_MAIL, Home, write_home  # noqa: E402

FOI = Path(sys.executable).with_name("foi-sender")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {**os.environ, "FOI_SENDER_HOME": str(home)}

        def foi(*args: str, at: str, show: bool = True) -> None:
            result = subprocess.run(
                [FOI, *args], env={**env, "FOI_SENDER_NOW": at}, capture_output=True, text=True
            )
            if show:
                print(f"$ foi-sender {shlex.join(args)}")
                print(result.stdout.rstrip() + "\n")

        foi(
            "init",
            "--name",
            "Alex Example",
            "--email",
            "alex@example.org",
            at="2025-04-14T09:00:00+01:00",
            show=False,
        )
        with running_imap_server(Path(tmp) / "pymap.log") as server:
            write_home(home, server.port)
            env["FOI_SENDER_IMAP_PASSWORD"] = server.password
            foi("send", "spring", "--all", "--yes", at="2025-04-14T09:30:00+01:00", show=False)
            flow = Home(home, None)
            server.append("INBOX", *(flow.mail(name) for name in ROUND_MAIL))
            print(
                f"# {len(COUNCILS)} letters sent on 14 April; {len(ROUND_MAIL)} messages since.\n"
            )
            at = "2025-05-13T12:00:00+01:00"
            foi("inbox", "fetch", "--move-to", "FOI/Recorded", at=at)
            foi("status", "spring", at=at)
            foi("inbox", "pending", at=at)
            foi("inbox", "assign", "14", "spring", "nottingham", at=at)
            foi("inbox", "fetch", at=at)
            foi("inbox", "confirm", "spring", at=at)


if __name__ == "__main__":
    main()
