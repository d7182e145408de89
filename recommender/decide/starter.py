"""The starter project of ``dlrec init DIR``: requirements.txt, pyproject.toml (for uv, the same
pins and indexes: ``decide/starter_uv.py``), train.py, SETUP.md and dlrec-answers.yaml, built
from a checklist and the recommend pipeline's outcome.

``starter_files`` is pure: values (and the train.py template's text) in, name -> text out.
``report/project.py`` writes them, all or none.

Every value from the facts that reaches requirements.txt is checked first (``recommender.core.shell``):
a version must be PEP 440 and a distribution a PEP 508 name, or it is not pinned; a line that is
not a requirement or an index option is dropped, so no value can add a line of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from string import Template
from typing import TYPE_CHECKING, Any

from recommender.core import markdown_text
from recommender.core.catalog import BACKEND_FRAMEWORK, Framework
from recommender.core.printable import printable
from recommender.core.shell import safe_project_name, safe_version
from recommender.decide.checklist.build import Checklist, fill, name_of
from recommender.decide.starter_uv import pyproject_toml

if TYPE_CHECKING:
    from recommender.facts.document import Facts
    from recommender.rulebase.load import RuleBase
    from recommender.smoke.results import SmokeResult

FILES = ("requirements.txt", "pyproject.toml", "train.py", "SETUP.md", "dlrec-answers.yaml")


def _verified(smoke: Sequence[SmokeResult], fw: str, backend: str | None) -> bool:
    return any(
        r.ok and r.framework == fw and (backend is None or r.backend == backend) for r in smoke
    )


def _pinned(fw: str, facts: Facts, rulebase: RuleBase) -> list[str]:
    """``dist==version`` of an installed framework, with its wheel index where PyPI lacks it;
    ``[]`` when the facts' version or distribution is not one pip would read as such."""
    version = safe_version(facts.get(f"frameworks.{fw}.version"))
    dist = safe_project_name(
        facts.get(f"frameworks.{fw}.distribution")
        or (rulebase.frameworks.get(fw) or {}).get("pip", [fw])[0]
    )
    if version is None or dist is None:
        return []
    lines = []
    local = version.split("+", 1)[1] if "+" in version else None
    index = (rulebase.frameworks.get(fw) or {}).get("wheel_index")
    if local and index:
        lines.append(f"--extra-index-url {fill(index, build=local)}")
    return lines + [f"{dist}=={version}"]


_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "--find-links")
_INDEX_URL = re.compile(r"^https://[^\s\\\"'<>]+$")


def _requirement_line(line: str) -> bool:
    """A line pip reads as one requirement or one index option, and nothing more."""
    from packaging.requirements import InvalidRequirement, Requirement

    option, _, url = line.partition(" ")
    if option in _INDEX_OPTIONS:
        return bool(_INDEX_URL.match(url))
    try:
        Requirement(line)
    except InvalidRequirement:
        return False
    return "\n" not in line and "\r" not in line


def _from_plan(plan: Mapping[str, Any]) -> list[str]:
    """requirements.txt lines from an install plan: its index, then its packages."""
    installs = [c for c in plan.get("commands") or () if "install" in c and "uninstall" not in c]
    all_from_index = all("--index-url" in c for c in installs)
    index = plan.get("index_url")
    head = [f"{'--index-url' if all_from_index else '--extra-index-url'} {index}"] if index else []
    head += [f"{flag} {url}" for flag, url in plan.get("links") or ()]
    return head + [f"{name}{spec}" for name, spec in plan.get("packages") or ()]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower()


def requirements(
    checklist: Checklist,
    *,
    facts: Facts,
    rulebase: RuleBase,
    smoke: Sequence[SmokeResult],
    plan: Mapping[str, Any] | None,
) -> str:
    """Pinned to what the smoke run verified here; else the install planner's plan (the same
    packages and index as the ranking's install command)."""
    targets = [checklist.framework]
    if checklist.framework == Framework.KERAS and checklist.backend in BACKEND_FRAMEWORK:
        targets.append(BACKEND_FRAMEWORK[checklist.backend])
    head: list[str] = []
    body: list[str] = []
    notes: list[str] = []
    installed = [fw for fw in targets if facts.machine.has(fw)]
    if plan and plan.get("no_build"):
        notes.append(f"# No build for that machine: {plan.get('reason')}")
    if plan and not plan.get("no_build") and len(installed) < len(targets):
        notes.append(
            f"# Recommended install for that machine (not verified here): {plan['command_line']}"
        )
        for line in _from_plan(plan):
            (head if line.startswith("--") else body).append(line)
    for fw in installed:
        backend = checklist.backend if fw == Framework.KERAS else None
        verified = _verified(smoke, fw, backend) or (
            checklist.framework == Framework.KERAS
            and fw != Framework.KERAS
            and _verified(smoke, "keras", checklist.backend)
        )
        notes.append(
            f"# {name_of(fw)}: "
            + (
                "verified here by dlrec's smoke training"
                if verified
                else "installed here, not verified by a smoke run"
            )
        )
        for line in _pinned(fw, facts, rulebase):
            (head if line.startswith("--") else body).append(line)
    # An installed framework is pinned: drop the install command's unpinned names for it.
    pinned = {
        name for fw in installed for name in (rulebase.frameworks.get(fw) or {}).get("pip", ())
    }
    body = [line for line in dict.fromkeys(body) if "==" in line or _name(line) not in pinned]
    head = [line for line in dict.fromkeys(head) if _requirement_line(line)]
    body = [line for line in body if _requirement_line(line)]
    body.append("numpy  # train.py builds its synthetic data with NumPy")
    notes = [printable(note) for note in notes]  # a comment stays one line
    return "\n".join(["# Written by `dlrec init`.", *notes, *head, *body]) + "\n"


def train_script(checklist: Checklist, template: str) -> str:
    """train.py from the framework's template text (``report/project.starter_template`` reads it)."""
    return Template(template).safe_substitute(backend=checklist.backend or "tensorflow")


def setup_markdown(checklist: Checklist, checklist_md: str, *, answers: Mapping[str, str]) -> str:
    backend = f" on the {checklist.backend} backend" if checklist.backend else ""
    fixes = [i.fix for i in checklist.items if i.fix and i.status != "ok"]
    steps = [
        "python3 -m venv .venv",
        ".venv/bin/python -m pip install -r requirements.txt",
        ".venv/bin/python train.py",
    ]
    out = [
        f"# {checklist.name}{backend}: project setup",
        "",
        "Written by `dlrec init` for the answers in `dlrec-answers.yaml` "
        "(replay with `dlrec recommend --answers dlrec-answers.yaml`).",
        "",
        "## Commands",
        "",
        "```sh",
        *steps,
        "```",
        "",
        "With uv instead (pyproject.toml holds the same pins and indexes): "
        "`uv sync`, then `uv run train.py`.",
        "",
    ]
    if fixes:
        out += [
            "## Fix first",
            "",
            "The checklist below found these; each is an exact command or step:",
            "",
            *[f"- {markdown_text.code_span(f)}" for f in fixes],
            "",
        ]
    out += [
        "## Re-check",
        "",
        "```sh",
        "dlrec checklist --framework " + checklist.framework + " --answers dlrec-answers.yaml",
        "```",
        "",
        checklist_md,
    ]
    return "\n".join(out)


def answers_yaml(answers: Mapping[str, str]) -> str:
    return (
        "# dlrec answers: replay with `dlrec recommend --answers dlrec-answers.yaml`\n"
        + "".join(f"{key}: {json.dumps(str(value))}\n" for key, value in answers.items())
    )


def starter_files(
    checklist: Checklist,
    checklist_md: str,
    *,
    facts: Facts,
    rulebase: RuleBase,
    smoke: Sequence[SmokeResult],
    answers: Mapping[str, str],
    plan: Mapping[str, Any] | None,
    train_template: str,
    project_name: str | None = None,
) -> dict[str, str]:
    """Every file of the starter project, name -> text (``report/project.py`` writes them)."""
    reqs = requirements(checklist, facts=facts, rulebase=rulebase, smoke=smoke, plan=plan)
    return {
        "requirements.txt": reqs,
        "pyproject.toml": pyproject_toml(
            reqs, plan, name=_project_name(project_name), python=_python_line(facts)
        ),
        "train.py": train_script(checklist, train_template),
        "SETUP.md": setup_markdown(checklist, checklist_md, answers=answers),
        "dlrec-answers.yaml": answers_yaml(answers),
    }


def _project_name(name: str | None) -> str:
    """DIR's name when it is a PEP 508 project name, else ``dlrec-starter``."""
    return safe_project_name(name) or "dlrec-starter"


def _python_line(facts: Facts) -> str | None:
    """``3.11`` of the machine's Python ``3.11.9``, or None."""
    version = safe_version(facts.get("python.version"))
    match = re.match(r"^(3\.\d{1,2})(\.|$)", version or "")
    return match.group(1) if match else None
