"""An install plan as text, JSON, a requirements.txt, a uv pyproject fragment or a Dockerfile
stage. Pure: values in, text out; every value written into a file was validated upstream
(package specs and index URLs come from wheels.yaml, shell words are quoted)."""

from __future__ import annotations

import json
import shlex

from recommender.decide.install.values import InstallPlan, NoBuild

__all__ = ["FORMATS", "render_plan"]

FORMATS = ("text", "json", "requirements", "uv", "dockerfile")

#: Base images for the Dockerfile stage: a glibc (Debian) Python image, the Python pinned.
_BASE = "python:{python}-slim-bookworm"


PYPI = "https://pypi.org/simple"


def render_plan(
    plan: InstallPlan | NoBuild,
    fmt: str,
    *,
    python: str | None,
    unknowns: tuple[str, ...],
    pypi: str = PYPI,
) -> str:
    """``pypi``: the index of the packages that are not on the plan's own index (PyPI, or the
    user's PIP_INDEX_URL / UV_INDEX_URL, mirrored)."""
    if fmt == "json":
        doc = plan.to_dict()
        doc["target_unknowns"] = list(unknowns)
        return json.dumps(doc, indent=2, sort_keys=True)
    if isinstance(plan, NoBuild):
        return _nobuild_text(plan, unknowns)
    if fmt == "requirements":
        return _requirements(plan, pypi)
    if fmt == "uv":
        return _uv(plan)
    if fmt == "dockerfile":
        return _dockerfile(plan, python)
    return _text(plan, unknowns)


def _text(plan: InstallPlan, unknowns: tuple[str, ...]) -> str:
    lines = [plan.command_line]
    if plan.index_url:
        lines.append(f"# index: {plan.index_url}")
    lines += [f"# {flag.lstrip('-')}: {url}" for flag, url in plan.links]
    lines += [f"# {n}" for n in plan.notes]
    lines += [f"# gave up: {g}" for g in plan.gave_up]
    lines += [f"# unknown: {u}" for u in (*unknowns, *plan.unknowns)]
    lines.append(f"# why: {plan.why}")
    return "\n".join(lines)


def _nobuild_text(plan: NoBuild, unknowns: tuple[str, ...]) -> str:
    lines = [f"# no build: {plan.reason}"]
    lines += [f"# way out: {w}" for w in plan.ways_out]
    lines += [f"# unknown: {u}" for u in (*unknowns, *plan.unknowns)]
    return "\n".join(lines)


def _requirements(plan: InstallPlan, pypi: str) -> str:
    lines = []
    if plan.index_url:
        lines.append(f"--index-url {plan.index_url}")
        if any(not _on_index(plan, name) for name, _ in plan.packages):
            lines.append(f"--extra-index-url {pypi}")
    lines += [f"{flag} {url}" for flag, url in plan.links]
    lines += [f"{name}{spec}" for name, spec in plan.packages]
    return "\n".join(lines)


def _on_index(plan: InstallPlan, name: str) -> bool:
    first = next((c for c in plan.commands if "--index-url" in c), ())
    return any(w.startswith(name) for w in first)


def _uv(plan: InstallPlan) -> str:
    deps = ",\n".join(f"  {json.dumps(n + s)}" for n, s in plan.packages)
    out = [f"[project]\ndependencies = [\n{deps},\n]"]
    if plan.index_url:
        out.append(
            "[[tool.uv.index]]\n"
            f'name = "dlrec-{plan.framework}"\n'
            f"url = {json.dumps(plan.index_url)}\n"
            "explicit = true"
        )
        names = [n.split("[", 1)[0] for n, _ in plan.packages if _on_index(plan, n)]
        sources = "\n".join(f'{n} = {{ index = "dlrec-{plan.framework}" }}' for n in names)
        out.append(f"[tool.uv.sources]\n{sources}")
    extra = [url for flag, url in plan.links if flag == "--extra-index-url"]
    out += [
        f'[[tool.uv.index]]\nname = "dlrec-vendor-{i}"\nurl = {json.dumps(url)}'
        for i, url in enumerate(extra)
    ]
    found = [url for flag, url in plan.links if flag == "--find-links"]
    if found:
        out.append(f"[tool.uv]\nfind-links = {json.dumps(found)}")
    return "\n\n".join(out)


def _dockerfile(plan: InstallPlan, python: str | None) -> str:
    base = _BASE.format(python=python or "3.12")
    steps = [f"FROM {base} AS {plan.framework}"]
    if plan.index_url and "jetson" in plan.index_url:
        steps.insert(
            0,
            "# A Jetson stage needs the L4T base image of the board's release "
            "(jetson-containers: autotag l4t-jetpack): python:*-slim has no JetPack CUDA",
        )
    for argv in plan.commands:
        words = ["python", *argv[argv.index("-m") :]] if "-m" in argv else list(argv)
        steps.append("RUN " + shlex.join([*words[:3], *_no_cache(words[3:])]))
    return "\n".join(steps)


def _no_cache(words: list[str]) -> list[str]:
    return [words[0], "--no-cache-dir", *words[1:]] if words and words[0] == "install" else words
