"""The README's sessions, replayed: every fenced block of `$ foi-sender ...` lines must be what the
installed `foi-sender` really prints, so the docs cannot drift from the program.

The convention (README.md, Development): a block is replayed when the line before its fence is

    <!-- session: LABEL [setup=NAME] [home=SHOWN] [files=PATH,PATH] [varies=REGEX] -->

- `$ foi-sender ARGS` runs the console script (a trailing `\\` continues the line), in a fresh
  home (FOI_SENDER_HOME) with the working folder as cwd; `$ export NAME=VALUE` sets a variable for
  the commands after it (the demo's clock pins). Lines before the first `$` are comments (`#`).
- What follows a command, up to the next `$` line, is its output (stdout and stderr as a terminal
  shows them); trailing blank lines do not count. A line `...` stands for any run of lines. A
  progress bar is written as a terminal shows it last; replayed without a terminal, click prints
  only its label, so the label is compared, not the bar.
- `home=SHOWN`: how the block writes the home's path; the real path is replaced by it. Nothing
  else is normalised but what `varies=` names.
- `varies=REGEX`: what differs from run to run (a token made from a random Message-ID); its
  matches on both sides become `<varies>`. Use it sparingly.
- `files=`: repository files copied into the working folder, so commands can name them bare.
- A line `QUESTION? [y/N]: ANSWER` is a prompt and what was typed at it: that command runs on a
  pseudo-terminal, and ANSWER is typed once the prompt shows.
- `setup=sent`: a home (`init`) that sent the round `spring-2025` on 14 April 2025, as the demo
  does. `setup=bounced`: a home that sent the round `spring` to Walsall and Leicester on 14 April
  2025, and imported Postfix's report that Walsall's letter bounced (as tests/test_resend.py
  does). `setup=web`: the fixture council sites (tests/web) behind a loopback proxy in HTTP_PROXY
  and HTTPS_PROXY, and a home with their registry (Exampleshire's homepage https, the proxy's
  test CA in `[discover] ca_file`). `setup=imap`: a pymap server on 127.0.0.1 holding the inbox
  corpus (tests/fixtures/inbox), and a home that sent the round `spring` to its councils on
  14 April 2025 (as scripts/inbox_session.py does). `setup=microsoft`: a loopback identity
  provider shaped like Entra ID (tests/identity_provider.py), a home whose [smtp] signs in there,
  and a keyring in a file (tests/file_keyring.py).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import pty
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import identity_provider
import pytest
import test_resend as resend
from identity_provider import running_identity_provider
from imap_server import running_imap_server
from test_inbox import ROUND_MAIL, Home, write_home

from foi_sender.config import write_initial_config
from tests.web.proxy import ProxyServer, Web
from tests.web.sites import all_sites, registry_yaml

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
FOI_SENDER = str(Path(sys.executable).parent / "foi-sender")
MARKER = re.compile(r"^<!-- session: (?P<label>[\w-]+)(?P<attrs>(?: [\w]+=\S+)*) -->$")
ELISION = "..."
# What a terminal shows last of a click progress bar (on stderr): without a terminal click prints
# its label alone. The item after the percentage is the last one done, which may vary.
PROGRESS_BAR = re.compile(r"(?P<label>\S.*?)  \[[#-]+\] +\d+%.*")
SENT_AT = "2025-04-14T09:30:00+01:00"
# A question and what the user typed: the answer goes to stdin, and is echoed as a terminal would.
PROMPT = re.compile(r"(?P<prompt>.*\? \[y/N\]: )(?P<answer>\S+)")


@dataclass
class Step:
    argv: list[str]  # after `foi-sender`; empty for an export
    export: tuple[str, str] | None = None
    expected: list[str] = field(default_factory=list)

    def answers(self) -> list[tuple[str, str]]:
        return [m.group("prompt", "answer") for m in map(PROMPT.fullmatch, self.expected) if m]


@dataclass
class Session:
    label: str
    line: int  # of the marker, 1-based
    attrs: dict[str, str]
    steps: list[Step]


def fenced_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(index of the opening fence, the block's lines) for every fenced block."""
    blocks, start = [], None
    for index, line in enumerate(lines):
        if line.startswith("```"):
            if start is None:
                start = index
            else:
                blocks.append((start, lines[start + 1 : index]))
                start = None
    return blocks


def parse_steps(body: list[str], where: str) -> list[Step]:
    steps: list[Step] = []
    index = 0
    while index < len(body) and not body[index].startswith("$ "):
        assert body[index] == "" or body[index].startswith("#"), f"{where}: stray {body[index]!r}"
        index += 1
    while index < len(body):
        command = body[index][2:]
        while command.endswith("\\"):
            index += 1
            command = command[:-1] + body[index]
        words = shlex.split(command)
        index += 1
        output = []
        while index < len(body) and not body[index].startswith("$ "):
            output.append(body[index])
            index += 1
        while output and output[-1] == "":
            output.pop()
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            assert not output, f"{where}: `export` prints nothing"
            steps.append(Step([], export=(name, value)))
        else:
            assert words[0] == "foi-sender", f"{where}: only foi-sender and export are replayed"
            steps.append(Step(words[1:], expected=output))
    return steps


def readme_sessions() -> list[Session]:
    lines = README.read_text(encoding="utf-8").splitlines()
    sessions = []
    for start, body in fenced_blocks(lines):
        marker = MARKER.match(lines[start - 1]) if start else None
        if marker is None:
            continue
        attrs = dict(pair.split("=", 1) for pair in marker["attrs"].split())
        where = f"README.md:{start}"
        sessions.append(Session(marker["label"], start, attrs, parse_steps(body, where)))
    return sessions


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line for line, a `...` line standing for any run of lines (none too)."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == ELISION else re.escape(off_terminal(line)) + r"\n"
        for line in expected
    )
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


def off_terminal(line: str) -> str:
    bar = PROGRESS_BAR.fullmatch(line)
    return bar["label"] if bar else line


# -- set-ups -----------------------------------------------------------------------------------


@contextlib.contextmanager
def no_setup(home: Path, env: dict):
    yield


@contextlib.contextmanager
def web_setup(home: Path, env: dict):
    config = write_initial_config(home, "Alex Example", "alex@example.org", None)
    # Exampleshire is reached over https, as real councils are; the proxy's test CA is named
    # as a user behind a TLS-inspecting proxy would name theirs.
    registry = registry_yaml().replace("http://www.exampleshire", "https://www.exampleshire")
    (home / "councils.yaml").write_text(registry, encoding="utf-8")
    with ProxyServer(Web(all_sites())) as proxy:
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'\n[discover]\nca_file = "{proxy.ca_file}"\n')
        env.update(HTTP_PROXY=proxy.url, HTTPS_PROXY=proxy.url)
        yield


@contextlib.contextmanager
def imap_setup(home: Path, env: dict):
    foi(["init", "--name", "Alex Example", "--email", "alex@example.org"], home.parent, env)
    with running_imap_server(home.parent / "pymap.log") as server:
        write_home(home, server.port)
        env["FOI_SENDER_IMAP_PASSWORD"] = server.password
        sent = foi(
            ["send", "spring", "--all", "--yes"], home.parent, {**env, "FOI_SENDER_NOW": SENT_AT}
        )
        assert sent.returncode == 0, sent.stdout
        flow = Home(home, None)
        server.append("INBOX", *(flow.mail(name) for name in ROUND_MAIL))
        yield


@contextlib.contextmanager
def sent_setup(home: Path, env: dict):
    foi(["init", "--name", "Alex Example", "--email", "alex@example.org"], home.parent, env)
    at = {**env, "FOI_SENDER_NOW": SENT_AT}
    sent = foi(["send", "spring-2025", "--all", "--yes"], home.parent, at)
    assert sent.returncode == 0, sent.stdout
    yield


@contextlib.contextmanager
def bounced_setup(home: Path, env: dict):
    foi(["init", "--name", "Alex Example", "--email", "alex@example.org"], home.parent, env)
    (home / "councils.yaml").write_text(resend.COUNCILS, encoding="utf-8")
    sent = foi(
        ["send", "spring", "--all", "--yes"], home.parent, {**env, "FOI_SENDER_NOW": SENT_AT}
    )
    assert sent.returncode == 0, sent.stdout
    with sqlite3.connect(home / "foi.sqlite") as db:
        [(first,)] = db.execute(
            "SELECT message_id FROM messages WHERE to_address = ?", (resend.OLD,)
        )
    report = (resend.CORPUS / "walsall-postfix-dsn.eml").read_text(encoding="utf-8")
    (home.parent / "dsn.eml").write_text(report.replace("@@ID:walsall@@", first), encoding="utf-8")
    at = {**env, "FOI_SENDER_NOW": resend.BOUNCED}
    bounced = foi(["inbox", "import", "dsn.eml"], home.parent, at)
    assert "1 bounced" in bounced.stdout, bounced.stdout
    yield


@contextlib.contextmanager
def microsoft_setup(home: Path, env: dict):
    config = write_initial_config(home, "Alex Example", "alex@example.org", None)
    with running_identity_provider(home.parent) as provider:
        text = config.read_text(encoding="utf-8").replace("login = true", 'auth = "microsoft"')
        config.write_text(
            text
            + f'\n[microsoft]\nclient_id = "{identity_provider.CLIENT_ID}"\n'
            + f'authority = "{provider.base_url}"\nca_file = "{provider.ca_file}"\n',
            encoding="utf-8",
        )
        env.update(
            PYTHONPATH=str(REPO / "tests"),
            PYTHON_KEYRING_BACKEND="file_keyring.FileKeyring",
            TEST_KEYRING_FILE=str(home.parent / "keyring.json"),
        )
        yield


SETUPS = {
    None: no_setup,
    "microsoft": microsoft_setup,
    "sent": sent_setup,
    "bounced": bounced_setup,
    "web": web_setup,
    "imap": imap_setup,
}


def at_terminal(argv: list[str], cwd: Path, env: dict, answers: list[tuple[str, str]]) -> str:
    """Run on a pseudo-terminal (prompts refuse a pipe), typing each answer once its prompt shows;
    the terminal echoes it. What the screen shows, line ends as `\\n`."""
    main, child = pty.openpty()
    with subprocess.Popen(
        [FOI_SENDER, *argv], stdin=child, stdout=child, stderr=child, cwd=cwd, env=env
    ) as process:
        os.close(child)
        shown, pending = b"", list(answers)
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the program ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown.rstrip().endswith(pending[0][0].rstrip().encode()):
                os.write(main, pending.pop(0)[1].encode() + b"\n")
        process.wait(timeout=60)
    os.close(main)
    return shown.decode().replace("\r\n", "\n")


def foi(argv: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    # Unbuffered, so stdout and stderr interleave as they would on a terminal.
    return subprocess.run(
        [FOI_SENDER, *argv],
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )


def clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env = {k: v for k, v in env.items() if not k.startswith("FOI_SENDER_")}
    env.update(FOI_SENDER_HOME=str(home), COLUMNS="80", LC_ALL="C.UTF-8")
    return env


SESSIONS = readme_sessions()


def test_the_readme_marks_its_sessions():
    """Every block that shows `$ foi-sender` is replayed: none can be left out by forgetting."""
    lines = README.read_text(encoding="utf-8").splitlines()
    unmarked = [
        start + 1
        for start, body in fenced_blocks(lines)
        if any(line.startswith("$ foi-sender") for line in body)
        and not (start and MARKER.match(lines[start - 1]))
    ]
    assert not unmarked, f"README.md: session block(s) at line(s) {unmarked} lack a marker"
    assert {s.label for s in SESSIONS} >= {"demo", "discovery", "inbox"}


def replay(session: Session, work: Path) -> list[str]:
    """Each command of the session whose output differs from the README's, with the diff."""
    home = work / "home"
    home.mkdir()
    for name in filter(None, session.attrs.get("files", "").split(",")):
        shutil.copy(REPO / name, work / Path(name).name)
    shown = session.attrs.get("home", str(home))
    env = clean_env(home)
    varies = re.compile(session.attrs.get("varies", r"(?!)"))

    def vary(lines: list[str]) -> list[str]:
        return [varies.sub("<varies>", line) for line in lines]

    failures = []
    with SETUPS[session.attrs.get("setup")](home, env):
        for step in session.steps:
            if step.export:
                env[step.export[0]] = step.export[1]
                continue
            if answers := step.answers():
                output = at_terminal(step.argv, work, env, answers)
            else:
                output = foi(step.argv, work, env).stdout
            actual = vary(output.replace(str(home), shown).rstrip("\n").splitlines())
            expected = vary(step.expected)
            if not matches(expected, actual):
                diff = difflib.unified_diff(expected, actual, "README", "foi-sender", lineterm="")
                failures.append(f"$ foi-sender {shlex.join(step.argv)}\n" + "\n".join(diff))
    return failures


@pytest.fixture(scope="module")
def replays(tmp_path_factory) -> dict[str, Future]:
    """All sessions at once: each has its own home and servers, and mostly waits on subprocesses
    (discovery on its one-second politeness gap), so the file takes as long as the longest."""
    with ThreadPoolExecutor(max_workers=len(SESSIONS)) as pool:
        return {
            s.label: pool.submit(replay, s, tmp_path_factory.mktemp(s.label).resolve())
            for s in SESSIONS
        }


@pytest.mark.parametrize("session", SESSIONS, ids=[s.label for s in SESSIONS])
def test_readme_session_replays(session: Session, replays):
    failures = replays[session.label].result()
    assert not failures, f"README.md:{session.line} drifted:\n\n" + "\n\n".join(failures)


def makefile_demo() -> list[tuple[str | None, list[str]]]:
    """(the clock pin, the arguments) of each foi-sender command `make demo` runs."""
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n\t", "")
    values = dict(re.findall(r"^(\w+) := (.*)$", text, re.M))
    recipe = text.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in recipe.splitlines():
        pin, found, args = line.strip().partition("$(FOI) ")
        if not found:
            continue
        # The README names the demo's files bare, as if run where they are.
        args = re.sub(r"\$\((?:REPLIES|DEMO_HOME)\)/", "", args)
        clock = values[pin.strip()[2:-1]].partition("=")[2] if pin.strip() else None
        commands.append((clock, shlex.split(args)))
    return commands


def test_the_demo_session_is_make_demo():
    """The README's first session runs what `make demo` runs, with the same clock."""
    [demo] = [s for s in SESSIONS if s.label == "demo"]
    clock, commands = None, []
    for step in demo.steps:
        if step.export:
            clock = step.export[1]
        else:
            commands.append((clock, step.argv))
    assert commands == makefile_demo()
