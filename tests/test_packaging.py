"""The wheel: it carries the templates and the registry inside the package, and foi-sender run from
the unpacked wheel (not from this checkout) finds them there and drafts a letter."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED_TEMPLATES = sorted(p.name for p in (REPO / "templates").glob("*.j2"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out)]
    if importlib.util.find_spec("hatchling"):
        command.append("--no-build-isolation")  # else pip fetches hatchling from PyPI
    result = subprocess.run(
        [*command, str(REPO)], capture_output=True, text=True, timeout=240, cwd=out
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("foi_sender-*.whl")
    return built


@pytest.fixture(scope="module")
def unpacked(wheel, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
    return folder


def outside_env(unpacked: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_SENDER_")}
    env["PYTHONPATH"] = str(unpacked)  # ahead of the editable install of this checkout
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "foi_sender/councils.yaml" in names
    assert "foi_sender/templates/placements_request.j2" in names
    assert "foi_sender/templates/placements_request.questions.yaml" in names
    assert {f"foi_sender/templates/{name}" for name in SHIPPED_TEMPLATES} <= names
    assert "foi_sender/__main__.py" in names and "foi_sender/cli.py" in names
    # the report's page template, its hex map and the map's licence notice travel with it
    assert {
        "foi_sender/report/page.html.j2",
        "foi_sender/data/uk_hexmap_2025.json",
        "foi_sender/data/NOTICE.md",
    } <= names
    notice = zipfile.ZipFile(wheel).read("foi_sender/data/NOTICE.md").decode()
    assert "Copyright (c) 2017- Open Innovations" in notice and "Permission is hereby" in notice
    assert not any(name.startswith(("tests/", "scripts/", ".venv/")) for name in names)
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "foi-sender = foi_sender.cli:main" in text
    shipped = zipfile.ZipFile(wheel).read("foi_sender/councils.yaml")
    assert shipped == (REPO / "councils.yaml").read_bytes()


@pytest.mark.slow
def test_unpacked_wheel_finds_its_own_files(unpacked, tmp_path):
    env = outside_env(unpacked)
    probe = (
        "import foi_sender, foi_sender.config as c;"
        "print(foi_sender.__file__);"
        "print(c.shipped_path('templates'));"
        "print(c.shipped_path('councils.yaml'));"
        "import foi_sender.report.data as d;"
        "print(d._hexmap_path(), len(d.load_hexmap().hexes))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    package = unpacked / "foi_sender"
    assert result.stdout.splitlines() == [
        str(package / "__init__.py"),
        str(package / "templates"),
        str(package / "councils.yaml"),
        f"{package / 'data' / 'uk_hexmap_2025.json'} 361",
    ]

    home = tmp_path / "home"
    home.mkdir()
    foi = [sys.executable, "-m", "foi_sender", "--home", str(home)]
    init = subprocess.run(
        [*foi, "init", "--name", "Alex Example", "--email", "alex@example.org"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert init.returncode == 0, init.stderr
    draft = subprocess.run(
        [*foi, "draft", "leicester"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert draft.returncode == 0, draft.stderr
    assert draft.stdout.startswith("To: Leicester City Council <info.requests@leicester.gov.uk>")
    assert "5. How many children under 17 years old (inclusive)" in draft.stdout
    check = subprocess.run(
        [*foi, "councils", "check"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == f"{package / 'councils.yaml'}: 212 councils, no problems\n"
