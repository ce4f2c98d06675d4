"""The command line: init, foi.toml errors, draft, the error boundary, help for every command,
the README, and real runs of the installed `foi-sender` command in a subprocess."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from foi_sender.cli import cli

REPO = Path(__file__).resolve().parent.parent
# The console script of the venv running the tests, next to its python (not the symlink target).
FOI_SENDER = Path(sys.executable).parent / "foi-sender"
QUESTIONS = (
    "1. Name, direct email address, and direct dial contact number for the manager responsible",
    "2. General generic departmental email address used specifically for receiving",
    "3. Does your local authority currently use a specific framework for residential placements",
    "4. Does your local authority make direct placements with residential providers",
    "5. How many children under 17 years old (inclusive) are currently placed in Ofsted",
)


def invoke(home: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input)


def one_line_error(result, *words: str) -> str:
    """A user mistake: exit 2, one line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr
    return result.stderr


# -- init -----------------------------------------------------------------------------------------


@pytest.fixture
def fresh(tmp_path) -> Path:
    folder = tmp_path / "fresh"
    folder.mkdir()
    return folder


def test_init_writes_a_private_commented_config(fresh):
    result = invoke(fresh, "init", "--name", "Alex Example", "--email", "alex@example.org")
    assert result.exit_code == 0, result.output
    path = fresh / "foi.toml"
    assert f"Wrote {path.resolve()}" in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text("utf-8")
    assert 'name = "Alex Example"' in text and 'email = "alex@example.org"' in text
    assert text.count("\n#") >= 3  # commented
    assert not re.search(r"(?im)^\s*#?\s*(password|pass|secret|token)\s*=", text)
    assert "FOI_SENDER_SMTP_PASSWORD" in text  # says where the password goes instead
    # The file it wrote is accepted by every command that reads it.
    assert invoke(fresh, "draft", "leicester").exit_code == 0


def test_init_with_organisation_and_quotes(fresh):
    result = invoke(
        fresh,
        "init",
        "--name",
        'Sam "Q" O\'Neil',
        "--email",
        "sam@example.org",
        "--organisation",
        "Ünïcode Care Ltd",
    )
    assert result.exit_code == 0, result.output
    draft = invoke(fresh, "draft", "leicester")
    assert draft.exit_code == 0, draft.output
    assert 'Sam "Q" O\'Neil\nÜnïcode Care Ltd\nEmail: sam@example.org\n' in draft.stdout
    assert "=?utf-8?" not in draft.stdout.split("\n\n", 1)[1]


def test_init_refuses_to_overwrite_without_force(fresh):
    assert invoke(fresh, "init", "--name", "A", "--email", "a@example.org").exit_code == 0
    before = (fresh / "foi.toml").read_bytes()
    again = invoke(fresh, "init", "--name", "B", "--email", "b@example.org")
    one_line_error(again, "exists already", "--force")
    assert (fresh / "foi.toml").read_bytes() == before
    forced = invoke(fresh, "init", "--name", "B", "--email", "b@example.org", "--force")
    assert forced.exit_code == 0
    assert 'email = "b@example.org"' in (fresh / "foi.toml").read_text("utf-8")
    assert stat.S_IMODE((fresh / "foi.toml").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--name", "A", "--email", "not-an-address"], ["--email", "not an email address"]),
        (["--name", "A", "--email", "a@b"], ["not an email address"]),
        (["--name", "A\nBcc: x@example.org", "--email", "a@example.org"], ["--name", "one line"]),
        (["--name", "A"], ["give --name and --email"]),
        (["--email", "a@example.org"], ["give --name and --email"]),
        ([], ["give --name and --email", "no terminal"]),
    ],
)
def test_init_rejects_bad_input(fresh, args, words):
    result = invoke(fresh, "init", *args)
    one_line_error(result, *words)
    assert not (fresh / "foi.toml").exists()


def test_init_into_a_missing_folder(tmp_path):
    result = invoke(tmp_path / "nope", "init", "--name", "A", "--email", "a@example.org")
    one_line_error(result, "does not exist")


# -- foi.toml errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t + "\n[extra]\nx = 1\n", ["unknown section [extra]"]),
        (lambda t: t.replace("[smtp]\n", "[smtp]\ncolour = 1\n"), ["unknown key [smtp] colour"]),
        (lambda t: t.replace("[smtp]\n", '[smtp]\npassword = "hunter2"\n'), ["secrets"]),
        (lambda t: t.replace("port = 587", 'port = "587"'), ["[smtp] port", "wrong type"]),
        (lambda t: t.replace("login = true", "login = 1"), ["[smtp] login", "wrong type"]),
        (lambda t: t.replace("alarm_days = 2", "alarm_days = true"), ["wrong type"]),
        (lambda t: t.replace('transport = "outbox"', 'transport = "pigeon"'), ["transport"]),
        (lambda t: t.replace("[send]", "[send"), ["foi.toml"]),  # bad TOML
        (lambda t: t.replace("rate_per_minute = 0", "rate_per_minute = nan"), ["rate_per_minute"]),
        (lambda t: t.replace("rate_per_minute = 0", "rate_per_minute = -1"), ["rate_per_minute"]),
        (lambda t: t.replace("[smtp]\n", "[smtp]\ntimeout = inf\n"), ["timeout"]),
        (lambda t: t.replace("port = 587", "port = 70000"), ["port 70000"]),
        (lambda t: t.replace('name = "Alex Example"', 'name = "A\\u0085B"'), ["one line"]),
        (lambda t: t.replace("[requester]", "[requestor]"), ["unknown section [requestor]"]),
        (lambda t: t.replace('email = "alex@example.org"', 'email = "nope"'), ["not an email"]),
        (lambda t: t.replace("extra_holidays = []", 'extra_holidays = ["someday"]'), ["someday"]),
    ],
)
def test_config_errors_name_the_file(run, home, change, words):
    path = home / "foi.toml"
    path.write_text(change(path.read_text("utf-8")), encoding="utf-8")
    message = one_line_error(run("draft", "leicester"), *words)
    assert message.startswith(f"Error: {path.resolve()}")
    assert "hunter2" not in message


def test_config_not_utf8(run, home):
    path = home / "foi.toml"
    path.write_bytes(path.read_bytes().replace(b"Alex", b"Al\xe9x"))
    one_line_error(run("draft", "leicester"), str(path.resolve()), "not UTF-8")


def test_config_missing(fresh):
    one_line_error(invoke(fresh, "draft", "leicester"), "not found", "foi-sender init")


def test_home_from_the_environment(home, monkeypatch):
    monkeypatch.setenv("FOI_SENDER_HOME", str(home))
    result = CliRunner().invoke(cli, ["draft", "leicester"])
    assert result.exit_code == 0, result.output
    assert "From: Alex Example <alex@example.org>" in result.stdout


# -- draft ----------------------------------------------------------------------------------------


def test_draft_leicester(run):
    result = run("draft", "leicester")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    head, body = result.stdout.split("\n\n", 1)
    headers = dict(line.split(": ", 1) for line in head.splitlines())
    assert headers["To"] == "Leicester City Council <info.requests@leicester.gov.uk>"
    assert headers["From"] == "Alex Example <alex@example.org>"
    assert headers["Reply-To"] == "alex@example.org"
    assert "Leicester City Council" in headers["Subject"]
    assert "Freedom of Information Act 2000" in body
    positions = [body.index(q) for q in QUESTIONS]
    assert positions == sorted(positions)
    assert body.rstrip().endswith("Alex Example\nExample Care Ltd\nEmail: alex@example.org")


def test_draft_a_council_without_address_warns_but_drafts(run):
    result = run("draft", "glasgow")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: Glasgow City Council has no FOI address")
    assert "councils set-email glasgow" in result.stderr
    assert "cannot be sent" in result.stderr
    assert not re.search(r"^To:", result.stdout, re.M)
    assert "Freedom of Information (Scotland) Act 2002" in result.stdout
    assert all(q in result.stdout for q in QUESTIONS)


def test_draft_unknown_council_suggests(run):
    one_line_error(run("draft", "leicster"), "no council with id 'leicster'", "leicester")


def test_draft_unknown_template(run):
    one_line_error(run("draft", "leicester", "--template", "nope"), "no template 'nope.j2'")


def test_draft_home_template_error_is_one_line(run, home):
    (home / "templates").mkdir()
    path = home / "templates" / "mine.j2"
    path.write_text("Subject: Hi\n\n{{ council.__class__.__mro__ }}\n{{ nope }}\n")
    result = run("draft", "leicester", "--template", "mine")
    one_line_error(result, f"{path.resolve()}:3:", "not allowed")
    assert "object" not in result.stdout


def test_draft_home_template_overrides(run, home):
    (home / "templates").mkdir()
    (home / "templates" / "placements_request.j2").write_text(
        "Subject: Mine for {{ council.name }}\n\nShort.\n"
    )
    result = run("draft", "leicester")
    assert result.exit_code == 0
    assert "Subject: Mine for Leicester City Council\n\nShort.\n" in result.stdout


# -- help and the README --------------------------------------------------------------------------


def all_commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))


def test_help_for_the_top_level(run):
    result = run("--help")
    assert result.exit_code == 0
    for name in cli.commands:
        assert re.search(rf"^  {re.escape(name)}\b", result.stdout, re.M), name
    assert run("-h").stdout == result.stdout


def test_every_command_has_help(run):
    commands = list(all_commands())
    assert len(commands) >= 8
    for path, command in commands:
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert result.stdout.startswith(
            f"Usage: cli {' '.join(path)} "
        ) or result.stdout.startswith(f"Usage: foi-sender {' '.join(path)} "), result.stdout
        summary = command.help.strip().splitlines()[0].strip()
        assert summary[:40] in " ".join(result.stdout.split()), path
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[0] in result.stdout, (path, param.opts)


def test_readme_names_every_command():
    readme = (REPO / "README.md").read_text("utf-8")
    missing = [
        name
        for name in cli.commands
        if not re.search(rf"foi-sender\b[^\n]*?\s{re.escape(name)}\b", readme)
    ]
    assert not missing, f"README.md never shows `foi-sender {'`, `foi-sender '.join(missing)}`"


# -- the error boundary and real subprocess runs of the installed command -------------------------


def run_installed(*args: str, home: Path | None = None, timeout: float = 60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_SENDER_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    command = [str(FOI_SENDER), *(["--home", str(home)] if home else []), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)


def test_installed_command_exists():
    assert FOI_SENDER.exists(), f"{FOI_SENDER}: run `pip install -e .`"
    assert os.access(FOI_SENDER, os.X_OK)


def test_installed_command_init_and_draft(fresh):
    init = run_installed(
        "init", "--name", "Alex Example", "--email", "alex@example.org", home=fresh
    )
    assert init.returncode == 0, init.stderr
    assert stat.S_IMODE((fresh / "foi.toml").stat().st_mode) == 0o600
    draft = run_installed("draft", "leicester", home=fresh)
    assert draft.returncode == 0, draft.stderr
    assert draft.stdout.startswith("To: Leicester City Council <info.requests@leicester.gov.uk>\n")
    assert all(q in draft.stdout for q in QUESTIONS)
    check = run_installed("councils", "check", home=fresh)
    assert check.returncode == 0 and "212 councils, no problems" in check.stdout


def test_installed_command_errors_and_debug(fresh):
    assert (
        run_installed("init", "--name", "A", "--email", "a@example.org", home=fresh).returncode == 0
    )
    plain = run_installed("draft", "leicster", home=fresh)
    assert plain.returncode == 2
    assert plain.stderr.startswith("Error: no council with id 'leicster'")
    assert plain.stderr.count("\n") == 1 and "Traceback" not in plain.stderr
    debug = run_installed("--debug", "draft", "leicster", home=fresh)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "InputError: no council with id 'leicster'" in debug.stderr
    usage = run_installed("draft", home=fresh)
    assert usage.returncode == 2 and "Missing argument 'COUNCIL'" in usage.stderr


def test_check_failure_exits_1(fresh):
    (fresh / "councils.yaml").write_text("councils:\n  - id: x\n")
    result = run_installed("councils", "check", home=fresh)
    assert result.returncode == 1
    assert (
        result.stdout == f"{(fresh / 'councils.yaml').resolve()}:2: missing name, nation, regime\n"
    )


def test_python_dash_m(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_SENDER_")}
    result = subprocess.run(
        [sys.executable, "-m", "foi_sender", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert "draft" in result.stdout and "councils" in result.stdout
    version = subprocess.run(
        [sys.executable, "-m", "foi_sender", "--version"], capture_output=True, text=True, env=env
    )
    assert version.returncode == 0
    from foi_sender import __version__

    assert version.stdout.strip().endswith(__version__)


def test_the_outcomes_respond_offers_are_the_ones_the_ledger_records():
    """cli.py spells them out so `--help` need not import lifecycle; they must not drift."""
    from foi_sender.cli import OUTCOME_CHOICE
    from foi_sender.lifecycle import OUTCOMES

    assert tuple(OUTCOME_CHOICE.choices) == OUTCOMES
