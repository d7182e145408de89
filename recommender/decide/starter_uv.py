"""The starter project's ``pyproject.toml`` for uv: the same pins and indexes as requirements.txt.

``pyproject_toml`` reads the requirements.txt text that ``starter.requirements`` wrote (already
validated: every line is one requirement or one index option) and the install plan, and returns

* ``[project] dependencies``: the same requirement lines, in the same order;
* one ``[[tool.uv.index]]`` per index URL, ``explicit = true`` (uv takes only the packages mapped
  to it from there, never an unrelated package that the index also carries);
* ``[tool.uv.sources]``: each package that needs a custom index mapped to it. A package needs it
  when the plan installs it with ``--index-url``/``--extra-index-url`` that URL, or when its pin
  carries a local version label (``torch==2.13.0+cu126``) that the index URL ends with.

So ``uv sync`` installs the same builds as ``pip install -r requirements.txt``. Strings are
written as TOML basic strings (JSON escapes are valid TOML), so no value can open a table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

__all__ = ["UvProject", "index_names", "parse_requirements", "pyproject_toml", "uv_project"]

_INDEX_OPTIONS = ("--index-url", "--extra-index-url")
_INDEX_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class UvProject:
    """What a requirements.txt says, as uv needs it."""

    requirements: tuple[str, ...]
    indexes: tuple[str, ...]
    #: canonical package name -> index URL
    sources: Mapping[str, str]


def parse_requirements(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(requirement lines, index URLs) of a requirements.txt, comments dropped."""
    requirements: list[str] = []
    indexes: list[str] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.startswith("#") else ""
        if not line:
            continue
        option, _, value = line.partition(" ")
        if option in _INDEX_OPTIONS:
            indexes.append(value.strip())
        else:
            requirements.append(line)
    return tuple(requirements), tuple(dict.fromkeys(indexes))


def _name(requirement: str) -> str | None:
    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        return None


def _plan_sources(plan: Mapping[str, Any] | None, indexes: Sequence[str]) -> dict[str, str]:
    """Packages the plan installs from one of ``indexes``."""
    out: dict[str, str] = {}
    for command in (plan or {}).get("commands") or ():
        words = [str(w) for w in command]
        urls = [words[i + 1] for i, w in enumerate(words[:-1]) if w in _INDEX_OPTIONS]
        url = next((u for u in urls if u in indexes), None)
        if url is None or "install" not in words:
            continue
        for word in words[words.index("install") + 1 :]:
            name = None if word.startswith("-") or word in urls else _name(word)
            if name:
                out[name] = url
    return out


def _local_sources(requirements: Sequence[str], indexes: Sequence[str]) -> dict[str, str]:
    """Pins with a local version label (``+cu126``) whose index URL ends with that label."""
    out: dict[str, str] = {}
    for line in requirements:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        locals_ = [str(s.version).split("+", 1)[1] for s in req.specifier if "+" in s.version]
        for label in locals_:
            url = next((u for u in indexes if u.rstrip("/").rsplit("/", 1)[-1] == label), None)
            if url is not None:
                out[canonicalize_name(req.name)] = url
    return out


def uv_project(requirements_text: str, plan: Mapping[str, Any] | None) -> UvProject:
    requirements, indexes = parse_requirements(requirements_text)
    sources = {**_plan_sources(plan, indexes), **_local_sources(requirements, indexes)}
    listed = {_name(r) for r in requirements}
    return UvProject(
        requirements=requirements,
        indexes=indexes,
        sources={name: url for name, url in sources.items() if name in listed},
    )


def index_names(indexes: Sequence[str]) -> dict[str, str]:
    """A short unique uv index name per URL: ``pytorch-cu126`` for download.pytorch.org/whl/cu126."""
    names: dict[str, str] = {}
    for url in indexes:
        host, _, path = url.removeprefix("https://").partition("/")
        tail = path.rstrip("/").rsplit("/", 1)[-1] or host
        prefix = "pytorch" if host == "download.pytorch.org" else host.split(".")[0]
        base = _INDEX_NAME.sub("-", f"{prefix}-{tail}").strip("-") or "index"
        name, n = base, 2
        while name in names.values():
            name, n = f"{base}-{n}", n + 1
        names[url] = name
    return names


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)


def pyproject_toml(
    requirements_text: str,
    plan: Mapping[str, Any] | None,
    *,
    name: str,
    python: str | None,
) -> str:
    """The pyproject.toml text; ``python`` (``3.11``) becomes ``requires-python = ">=3.11"``."""
    project = uv_project(requirements_text, plan)
    names = index_names(project.indexes)
    out = [
        "# Written by `dlrec init`: the same packages, pins and indexes as requirements.txt,",
        "# so `uv sync` installs the same builds as `pip install -r requirements.txt`.",
        "[project]",
        f"name = {_toml(name)}",
        'version = "0.1.0"',
    ]
    if python and re.fullmatch(r"3\.\d{1,2}", python):
        out.append(f"requires-python = {_toml('>=' + python)}")
    out.append("dependencies = [")
    out += [f"    {_toml(line)}," for line in project.requirements]
    out.append("]")
    for url in project.indexes:
        out += ["", "[[tool.uv.index]]", f"name = {_toml(names[url])}", f"url = {_toml(url)}"]
        out.append("explicit = true")
    if project.sources:
        out += ["", "[tool.uv.sources]"]
        out += [
            f"{_toml(pkg)} = {{ index = {_toml(names[url])} }}"
            for pkg, url in project.sources.items()
        ]
    return "\n".join(out) + "\n"
