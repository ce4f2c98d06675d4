"""How long everyday commands take to start, against `python -c "import click"`.

Run from the repository root: .venv/bin/python bench/cli.py [--runs N] [--councils N] [--imports]

Every command is a fresh process, timed from spawn to exit (wall clock), as a user sees it:
- `import click`: the floor; foi-sender cannot start faster than the library it is built on.
- `foi-sender --help`: the console script, click and the command table, nothing else.
- `foi-sender deadline 2025-03-14`: the working-day calendar (the `holidays` package).
- `foi-sender status --json`: a home with one round of N sent requests (default 300, written to the
  outbox transport beforehand), every due date computed from the ledger.
Commands are interleaved run by run, so a slow moment of the machine hits all of them alike, and
each is run once before timing so that .pyc files exist. Prints medians and the two target ratios:
`--help` at most 2x `import click`, `status --json` at most 1.5x `--help`. With --imports, also the
heaviest top-level imports of each command (`python -X importtime`), to see what to make lazy.
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

from _common import FOI, PYTHON, write_home

HELP_TARGET = 2.0
STATUS_TARGET = 1.5


def prepare_round(home: Path, councils: int) -> None:
    write_home(home, councils, '[send]\ntransport = "outbox"\n')
    subprocess.run(
        [FOI, "--home", home, "send", "bench", "--all", "--yes", "--transport", "outbox"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(argv: list, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def heaviest_imports(argv: list, env: dict, top: int = 10) -> list[tuple[int, str]]:
    """What one run imports, heaviest first (cumulative microseconds, from `-X importtime`):
    each foi_sender module on its own, anything else by top-level package, so that a package
    importing its submodules one by one (holidays' countries) counts as one."""
    script = argv[1:] if argv[0] == PYTHON else [FOI, *argv[1:]]
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *script],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    found: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if name.startswith(" ") and not name.startswith("  ") and cumulative.strip().isdigit():
            name = name.strip()
            key = name if name.startswith("foi_sender") else name.partition(".")[0]
            found[key] = found.get(key, 0) + int(cumulative)
    return sorted(((micros, name) for name, micros in found.items()), reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="timed runs of each command")
    parser.add_argument("--councils", type=int, default=300, help="requests in the status round")
    parser.add_argument("--imports", action="store_true", help="show the heaviest imports")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOI_SENDER_", "PYTHON"))}
    with tempfile.TemporaryDirectory(prefix="foi-bench-cli-") as tmp:
        home = Path(tmp) / "home"
        prepare_round(home, args.councils)
        commands = {
            "import click": [PYTHON, "-c", "import click"],
            "--help": [FOI, "--help"],
            "deadline 2025-03-14": [FOI, "--home", home, "deadline", "2025-03-14"],
            f"status --json ({args.councils})": [FOI, "--home", home, "status", "--json"],
        }
        for argv in commands.values():  # warm: .pyc files, page cache
            run(argv, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for index in range(args.runs):
            # Rotate the order so no command always runs straight after another.
            for name in names[index % len(names) :] + names[: index % len(names)]:
                times[name].append(run(commands[name], env))

        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"{args.runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"{'command':<28} {'median':>9} {'min':>9} {'max':>9}")
        for name, values in times.items():
            print(
                f"{name:<28} {medians[name] * 1000:>7.1f}ms {min(values) * 1000:>7.1f}ms"
                f" {max(values) * 1000:>7.1f}ms"
            )
        click, helped = medians["import click"], medians["--help"]
        deadline = medians["deadline 2025-03-14"]
        status = medians[f"status --json ({args.councils})"]
        ratios = [
            ("--help / import click", helped / click, HELP_TARGET),
            ("deadline / --help", deadline / helped, None),
            ("status --json / --help", status / helped, STATUS_TARGET),
            ("status --json / import click", status / click, None),
        ]
        for label, ratio, target in ratios:
            verdict = ""
            if target is not None:
                verdict = f"  target <= {target}: {'met' if ratio <= target else 'MISSED'}"
            print(f"{label:<30} {ratio:5.2f}{verdict}")

        if args.imports:
            for name, argv in commands.items():
                print(f"\nheaviest imports of {name} (cumulative, -X importtime):")
                for micros, module in heaviest_imports(argv, env):
                    print(f"  {micros / 1000:7.1f}ms  {module}")


if __name__ == "__main__":
    main()
