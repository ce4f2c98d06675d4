"""`foi-sender report` and `export --format xlsx` on a round to all 212 councils with answers.

Run from the repository root: .venv/bin/python bench/report.py [--runs R]

The round is the one the report's tests use (tests/big_round.py): sent on 14 April 2025 through
the outbox transport, 150 replies recorded from council reply fixtures, reviews, clarifications,
a withdrawal, the rest overdue; the clock pinned to 20 June 2025. Each command is a fresh process
timed from spawn to exit (wall clock) with its peak resident memory (the kernel's ru_maxrss for
that child alone), interleaved run by run with its floors:
- report: `status --json` on the same round (the same ledger read and deadline arithmetic, no
  page), and a bare `python -c` that imports matplotlib and saves one empty SVG figure (what any
  page drawn with it pays before drawing anything);
- xlsx: `export --format csv` (the same rows, no workbook).
Goal: report < 3 s on this 2-core machine. Prints medians, minimums and the ratio to each floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import FOI, PYTHON, ROOT

sys.path.insert(0, str(ROOT / "tests"))
from big_round import ROUND, TODAY, build_round  # noqa: E402

GOAL_SECONDS = 3.0
MATPLOTLIB_FLOOR = (
    "import io, matplotlib; from matplotlib.figure import Figure;"
    "Figure().savefig(io.StringIO(), format='svg')"
)


def measured(argv: list, env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of argv."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed:\n{child.stderr.read().decode()}")
    child.stderr.close()
    return elapsed, usage.ru_maxrss / 1024  # Linux gives kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOI_SENDER_", "PYTHON"))}
    env["FOI_SENDER_NOW"] = TODAY
    with tempfile.TemporaryDirectory(prefix="foi-bench-report-") as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        build_round(home)
        print(f"built the round in {time.perf_counter() - started:.1f} s (not measured below)")
        foi = [FOI, "--home", home]
        commands = {
            "report": [*foi, "report", ROUND, "-o", home / "report.html"],
            "status --json": [*foi, "status", ROUND, "--json"],
            "matplotlib floor": [PYTHON, "-c", MATPLOTLIB_FLOOR],
            "export xlsx": [*foi, "export", ROUND, "--format", "xlsx", "-o", home / "a.xlsx"],
            "export csv": [*foi, "export", ROUND, "--format", "csv", "-o", home / "a.csv"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(args.runs + 1):  # run 0 warms caches and is not counted
            order = list(commands) if run % 2 == 0 else list(reversed(commands))
            for name in order:
                elapsed, peak = measured(commands[name], env)
                if run:
                    times[name].append(elapsed)
                    peaks[name].append(peak)
        size = (home / "report.html").stat().st_size
        xlsx = (home / "a.xlsx").stat().st_size
    print(
        f"212 councils, 150 answered; {args.runs} runs each; {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}"
    )
    for name in commands:
        med = statistics.median(times[name])
        print(
            f"{name:<17} median {med:6.3f} s  min {min(times[name]):6.3f} s"
            f"  peak RSS {max(peaks[name]):6.1f} MB"
        )
    report = statistics.median(times["report"])
    verdict = "met" if report < GOAL_SECONDS else "MISSED"
    print(
        f"report: {report:.2f} s (goal < {GOAL_SECONDS:g} s: {verdict}); page {size / 1024:.0f} KB"
    )
    for floor in ("status --json", "matplotlib floor"):
        print(f"  report / {floor}: {report / statistics.median(times[floor]):.2f}")
    ratio = statistics.median(times["export xlsx"]) / statistics.median(times["export csv"])
    print(f"export xlsx / export csv: {ratio:.2f}; workbook {xlsx / 1024:.0f} KB")


if __name__ == "__main__":
    main()
