"""councils.yaml: strict loading, validation with FILE:LINE errors, editing addresses in place."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from foi_sender.config import atomic_write, check_email, check_text, shipped_path
from foi_sender.errors import InputError, RegistryError

REGISTRY_NAME = "councils.yaml"
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
REGIMES = ("FOIA", "EIR", "FOISA")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]{0,79}$")  # GOV.UK slugs: st.-helens exists
_GSS = re.compile(r"^[ENSW]\d{8}$")
_LA_CODE = re.compile(r"^\d{3}$")
_NULL_TAG = "tag:yaml.org,2002:null"
# libyaml when PyYAML was built with it (ten times faster); both give the same nodes and marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Council:
    id: str
    name: str
    nation: str
    regime: str
    foi_email: str | None = None
    review_email: str | None = None
    gss_code: str | None = None
    dfe_la_code: str | None = None
    email_source: str | None = None
    homepage: str | None = None
    salutation: str | None = None
    line: int = 0

    @property
    def review_address(self) -> str | None:
        return self.review_email or self.foi_email

    def as_json(self) -> dict:
        data = {key: getattr(self, key) for key in _FIELDS}
        data["review_email"] = self.review_address
        return data


_REQUIRED = ("id", "name", "nation", "regime")
_OPTIONAL = (
    "foi_email",
    "review_email",
    "gss_code",
    "dfe_la_code",
    "email_source",
    "homepage",
    "salutation",
)
_FIELDS = _REQUIRED + _OPTIONAL


@dataclass(frozen=True)
class Registry:
    path: Path
    councils: tuple[Council, ...]

    def get(self, council_id: str) -> Council:
        for council in self.councils:
            if council.id == council_id:
                return council
        close = difflib.get_close_matches(council_id, [c.id for c in self.councils], n=3)
        hint = (
            f"; did you mean {', '.join(close)}?" if close else "; see `foi-sender councils list`"
        )
        raise InputError(f"no council with id {council_id!r} in {self.path}{hint}")


def registry_path(home: Path) -> Path:
    """The home's own councils.yaml replaces the shipped one."""
    own = home / REGISTRY_NAME
    return own if own.exists() else shipped_path(REGISTRY_NAME)


def load_registry(home: Path) -> Registry:
    path = registry_path(home)
    councils, problems = _parse(path)
    if problems:
        raise RegistryError(problems)
    return Registry(path, tuple(councils))


def check_registry(home: Path) -> tuple[Path, list[str], int]:
    """Every problem in the registry as `FILE:LINE: message`, and how many councils were read."""
    path = registry_path(home)
    councils, problems = _parse(path)
    return path, problems, len(councils)


def registry_warnings(registry: Registry) -> list[str]:
    """What is allowed but worth a look: an address nobody said where it came from (the user's
    own list is theirs to vouch for, so it is not an error)."""
    return [
        f"{registry.path}:{c.line}: warning: {c.id} has foi_email but no email_source "
        "(say where the address was found)"
        for c in registry.councils
        if c.foi_email and not c.email_source
    ]


def _parse(path: Path) -> tuple[list[Council], list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [f"{path}:1: cannot read it ({exc.strerror})"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        return [], [f"{path}:{line}: {message}"]
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        line, message = _yaml_problem(exc, text)
        return [], [f"{path}:{line}: YAML syntax error: {message}"]
    return _read_root(path, root)


def _compose(text: str):
    """The YAML node tree (marks give every line); no Python objects are constructed."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """The line to blame and a one-line message. A construct left open (a bracket, a quote) is
    only noticed at the end of the file: blame the line where it was opened instead."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    at_end = False
    if mark is not None:
        # By line and column: libyaml's index counts bytes, Python's characters.
        kept = text.rstrip()
        last = kept.count("\n")
        at_end = mark.line > last or (
            mark.line == last and mark.column >= len(kept) - (kept.rfind("\n") + 1)
        )
    if at_end and context_mark is not None:
        return context_mark.line + 1, f"{problem} ({context} that starts here)"
    if mark is None and isinstance(exc, yaml.reader.ReaderError):
        # A character YAML does not allow carries only its offset in the text.
        return text[: exc.position].count("\n") + 1, str(exc).splitlines()[0]
    line = mark.line + 1 if mark else 1
    if context and context_mark is not None and context_mark.line != mark.line:
        problem += f" ({context} from line {context_mark.line + 1})"
    return line, problem


def _read_root(path: Path, root) -> tuple[list[Council], list[str]]:
    if not isinstance(root, yaml.MappingNode):
        return [], [f"{path}:1: expected a mapping with a `councils:` list at the top"]
    top: dict[str, tuple] = {}
    problems: list[str] = []
    for key, value in root.value:
        where = f"{path}:{key.start_mark.line + 1}"
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name != "councils":
            problems.append(f"{where}: unknown top-level key {name!r} (only `councils`)")
        elif name in top:
            problems.append(f"{where}: `councils` given twice")
        else:
            top[name] = (key, value)
    if "councils" not in top or not isinstance(top["councils"][1], yaml.SequenceNode):
        return [], problems + [f"{path}:1: expected `councils:` followed by a list of councils"]
    councils: list[Council] = []
    seen: dict[str, int] = {}
    for item in top["councils"][1].value:
        line = item.start_mark.line + 1
        council, item_problems = _read_council(item, line)
        problems.extend(f"{path}:{where}: {message}" for where, message in item_problems)
        if council is None:
            continue
        if council.id in seen:
            problems.append(
                f"{path}:{line}: duplicate id {council.id!r} (first at line {seen[council.id]})"
            )
            continue
        seen[council.id] = line
        councils.append(council)
    return councils, problems


def _read_council(node, line: int) -> tuple[Council | None, list[tuple[int, str]]]:
    if not isinstance(node, yaml.MappingNode):
        return None, [(line, "each council must be a mapping of key: value")]
    problems: list[tuple[int, str]] = []
    values: dict[str, str] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
        if key not in _FIELDS:
            close = difflib.get_close_matches(str(key), _FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append((key_line, f"unknown key {key!r}{hint}"))
        elif key in values:
            problems.append((key_line, f"key {key!r} given twice"))
        elif not isinstance(value_node, yaml.ScalarNode):
            problems.append((key_line, f"{key} must be a single text value"))
        elif value_node.value == "" or (value_node.tag == _NULL_TAG and not value_node.style):
            # An empty value, `null` or `~`: YAML's "nothing", not the text "null".
            problems.append((key_line, f"{key} has no value: give one or leave the key out"))
        else:
            values[key] = value_node.value
            key_lines[key] = key_line
            problem = _field_problem(key, value_node.value)
            if problem:
                problems.append((key_line, problem))
    missing = [key for key in _REQUIRED if key not in values]
    if missing:
        problems.append((line, f"missing {', '.join(missing)}"))
    nation, regime = values.get("nation"), values.get("regime")
    if nation in NATIONS and regime in REGIMES and (nation == "Scotland") != (regime == "FOISA"):
        problems.append(
            (
                key_lines["regime"],
                f"regime {regime} does not apply in {nation}: Scottish councils are FOISA, "
                "the rest of the UK FOIA (or EIR)",
            )
        )
    if problems:
        return None, problems
    return Council(line=line, **values), []


def _field_problem(key: str, value: str) -> str | None:
    try:
        check_text(value, key, max_length=500 if key == "email_source" else 200)
        if key in ("foi_email", "review_email"):
            check_email(value, key)
    except InputError as exc:
        return str(exc)
    check = _CHECKS.get(key)
    if check and not check[0](value):
        return f"{check[1]}, not {value!r}"
    return None


_CHECKS = {
    "id": (
        _SLUG.match,
        "id must be a GOV.UK-style slug like `leicester` (lower-case letters, digits, . and -)",
    ),
    "nation": (lambda v: v in NATIONS, f"nation must be one of {', '.join(NATIONS)}"),
    "regime": (lambda v: v in REGIMES, f"regime must be one of {', '.join(REGIMES)}"),
    "gss_code": (_GSS.match, "gss_code must look like E06000016"),
    "dfe_la_code": (_LA_CODE.match, 'dfe_la_code must be three digits, e.g. "856"'),
}


def set_email(
    home: Path, council_id: str, address: str, source: str, *, force: bool = False
) -> tuple[Path, bool, str | None]:
    """Record a verified FOI address in the home's councils.yaml, keeping its comments and its
    line endings.

    Returns the file written, whether it was first copied from the shipped registry, and the
    address it replaced (None if there was none). Replacing a different address needs `force`.
    """
    check_email(address, "address")
    check_text(source, "--source", max_length=500)
    if not source.strip():
        raise InputError("--source must say where the address was found")
    council = load_registry(home).get(council_id)
    old = council.foi_email
    if old and old != address and not force:
        raise InputError(
            f"{council_id} already has the address {old}; add --force to replace it with {address}"
        )
    target, copied = set_fields(home, {council_id: {"foi_email": address, "email_source": source}})
    return target, copied, old


def _require_block_style(path: Path, text: str, council: Council) -> None:
    """Fields are edited line by line, which only block-style YAML allows."""
    root = _compose(text)
    councils = next(value for key, value in root.value if key.value == "councils")
    item = next(node for node in councils.value if node.start_mark.line + 1 == council.line)
    if councils.flow_style or item.flow_style:
        raise InputError(
            f"{path}:{council.line}: {council.id} is written in YAML flow style ({{...}} or "
            "[...]), which foi-sender cannot edit in place; write it as `- id: ...` lines, one "
            "key a line, or set foi_email and email_source by hand"
        )


def _yaml_scalar(value: str) -> str:
    """`value` as YAML: plain when it reads back as the same string, else double-quoted (an
    address may start with a character YAML treats specially, such as ' ! & * { or %)."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _set_key(
    lines: list[str], start_line: int, key: str, value: str, newline: str = "\n"
) -> list[str]:
    """Replace `key:` inside the council block starting at start_line (1-based), or add it."""
    if lines and not lines[-1].endswith("\n"):
        lines = [*lines[:-1], lines[-1] + newline]  # a file without a final newline
    first = start_line - 1
    indent = len(lines[first]) - len(lines[first].lstrip(" -"))
    end = first + 1
    while end < len(lines):
        stripped = lines[end].lstrip(" ")
        if lines[end].strip() and (
            stripped.startswith("- ") or len(lines[end]) - len(stripped) < indent
        ):
            break
        end += 1
    new_line = f"{' ' * indent}{key}: {value}{newline}"
    for index in range(first, end):
        body = lines[index].lstrip(" -")
        if body.startswith(f"{key}:"):
            prefix = lines[index][: len(lines[index]) - len(body)]
            return lines[:index] + [f"{prefix}{key}: {value}{newline}"] + lines[index + 1 :]
    last = end
    while last > first + 1 and not lines[last - 1].strip():
        last -= 1
    return lines[:last] + [new_line] + lines[last:]


def set_fields(home: Path, changes: dict[str, dict[str, str]]) -> tuple[Path, bool]:
    """Several councils' fields set in one write of the home's councils.yaml, keeping every other
    line as it was (comments, layout, line endings). `changes` maps council id -> {key: value};
    values are checked as councils.yaml checks them. Returns the file and whether it was first
    copied from the shipped registry."""
    target = home / REGISTRY_NAME
    copied = not target.exists()
    registry = load_registry(home)
    raw = registry.path.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in raw else "\n"
    lines = raw.replace("\r\n", "\n").splitlines(keepends=True)
    # Edit from the bottom up so a line added to one council does not move the next one's start.
    for council in sorted((registry.get(i) for i in changes), key=lambda c: -c.line):
        _require_block_style(registry.path, raw, council)
        for key, value in changes[council.id].items():
            if key not in _OPTIONAL:
                raise InputError(f"{key} cannot be set this way")
            problem = _field_problem(key, value)
            if problem:
                raise InputError(f"{council.id}: {problem}")
            # Sources are always quoted, as set_email writes them; addresses only when needed.
            text = json.dumps(value, ensure_ascii=False) if key == "email_source" else None
            lines = _set_key(lines, council.line, key, text or _yaml_scalar(value))
    new_text = "".join(lines)
    try:
        _, problems = _read_root(target, _compose(new_text))
    except yaml.YAMLError as exc:
        line, message = _yaml_problem(exc, new_text)
        problems = [f"{target}:{line}: the edit would break the file ({message}); nothing written"]
    if problems:
        raise RegistryError(problems)
    atomic_write(target, new_text.replace("\n", newline).encode("utf-8"))
    return target, copied
