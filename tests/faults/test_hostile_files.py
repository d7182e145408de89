"""Hostile files given as rules (``dlrec rules check FILE``), answers (``--answers FILE``) and facts
(``--facts FILE``): each is refused with exit 2 and exactly one line naming the file, within
seconds, with nothing executed (a python/object tag would create a marker file) and no process
left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.helpers import FIXTURES, run

MACHINE = str(FIXTURES / "personas5" / "machines" / "linux-cpu-all.json")
ROLES = ("rules", "answers", "facts")


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# kind -> (writer(path, marker, role), the text the one line must hold)
def _content(kind: str, role: str, marker: Path) -> bytes | str | None:
    typed = {
        "rules": "rules:\n  - id: 7\n    why: [not, a, string]\n",
        "answers": "goal: 3\ndeploy: [server]\n",
        "facts": "schema_version: 1\ncpu: {logical_cores: eight}\n",
    }
    yaml11 = {
        "rules": "rules:\n  - id: a\n    sources: [TF-LITE]\n    why: x\n    block: [no]\n",
        "answers": "goal: yes\n",
        "facts": "schema_version: 1\nframeworks: {pytorch: {installed: yes}}\n",
    }
    return {
        "python-object-tag": f'x: !!python/object/apply:os.system ["touch {marker}"]\n',
        "alias-bomb": _alias_bomb(),
        "deep-nesting": "x: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "deep-nesting-flow-map": "x: " + "{a: " * 200 + "1" + "}" * 200 + "\n",
        "huge-file": "# " + "x" * 97 + "\n",  # repeated to 3 MiB below
        "binary-garbage": bytes(range(256)) * 64,
        "wrong-types": typed[role],
        "yaml11-booleans": yaml11[role],
        "duplicate-keys": "goal: research\ngoal: learning\n"
        if role == "answers"
        else "a: 1\nb: 2\na: 3\n",
        "invalid-utf8": b"goal: \xff\xfe research\n",
    }.get(kind)


NEEDLES = {
    "python-object-tag": "YAML tags",
    "alias-bomb": "anchors and aliases",
    "deep-nesting": "nest",
    "deep-nesting-flow-map": "nested deeper than 32",
    "huge-file": "the limit is 2,097,152",
    "fifo": "not a regular file",
    "dev-zero": "not a regular file",
    "binary-garbage": "",  # NUL bytes or invalid UTF-8, whichever is met first
    "wrong-types": "",  # role-specific; the one line names the file
    "yaml11-booleans": "",
    "duplicate-keys": "duplicate key",
    "invalid-utf8": "not valid UTF-8",
}
ROLE_NEEDLES = {
    ("yaml11-booleans", "rules"): "'no' is not a framework id",
    ("yaml11-booleans", "answers"): "'yes' is not allowed",
    ("yaml11-booleans", "facts"): "expected bool, got 'yes'",
    ("wrong-types", "answers"): "3 is not allowed",
    ("wrong-types", "facts"): "expected int, got 'eight'",
    ("binary-garbage", "rules"): "UTF-8",
}


def hostile(tmp_path: Path, kind: str, role: str) -> tuple[str, Path]:
    marker = tmp_path / "pwned"
    if kind == "dev-zero":
        return "/dev/zero", marker
    path = tmp_path / f"{role}-{kind}.yaml"
    if kind == "fifo":
        os.mkfifo(path)
        return str(path), marker
    content = _content(kind, role, marker)
    if kind == "huge-file":
        content = content * (3 * 1024 * 1024 // len(content) + 1)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path), marker


def argv(role: str, path: str) -> list[str]:
    if role == "rules":
        return ["rules", "check", path]
    if role == "answers":
        return ["recommend", "--no-smoke", "--facts", MACHINE, "--answers", path]
    return ["recommend", "--no-smoke", "--facts", path]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(NEEDLES))
def test_hostile_file_is_refused_in_one_line(tmp_path, kind, role):
    path, marker = hostile(tmp_path, kind, role)
    ran = run(*argv(role, path), timeout=20)
    assert ran.code == 2, (ran.code, ran.err)
    assert ran.out == ""
    [line] = ran.err.splitlines()
    assert line.startswith(f"dlrec: error: {path}"), line
    assert NEEDLES[kind] in line and ROLE_NEEDLES.get((kind, role), "") in line, line
    assert ran.seconds < 5, ran.seconds
    assert not marker.exists()  # nothing executed
