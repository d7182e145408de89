"""The layout is the architecture: data flows one way through the stages, and no module is over
450 lines (issue 11). Checked from the source, so a backwards import fails here, not in review.

probes -> facts -> engine -> smoke -> decide -> pipeline -> report -> cli, over a base layer
(catalog, errors, atomic, documents, frozen, supervise, ...) that imports no stage at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "recommender"
STAGES = ("probes", "facts", "engine", "smoke", "cluster", "decide", "pipeline", "report", "cli")
MAX_LINES = 450


def _modules() -> list[Path]:
    files = [p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts]
    files += sorted((ROOT / "probes").glob("*.py"))
    return sorted({p.resolve() for p in files})


def _stage_of(module: str) -> int:
    """The stage index of a dotted module name; -1 for the base layer."""
    parts = module.split(".")
    if parts[0] != "recommender" or len(parts) < 2:
        return -1
    head = "cli" if parts[1] == "__main__" else parts[1]  # python -m recommender: the CLI
    return STAGES.index(head) if head in STAGES else -1


def _name(path: Path) -> str:
    if path.is_relative_to(ROOT / "probes"):
        return "recommender.probes." + path.stem
    rel = path.relative_to(PACKAGE.resolve()).with_suffix("")
    return ".".join(("recommender", *rel.parts))


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def _is_module(name: str) -> bool:
    parts = name.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _name(p))
def test_imports_only_earlier_stages(path):
    mine = _stage_of(_name(path))
    backwards = [
        f"line {line}: {target}"
        for line, target in _imports(path)
        if target.startswith("recommender.") and _is_module(target) and _stage_of(target) > mine
    ]
    assert backwards == [], f"{_name(path)} (stage {STAGES[mine] if mine >= 0 else 'base'})"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _name(p))
def test_module_size(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{_name(path)}: {lines} lines"


def test_nothing_imports_the_repo_folders_under_their_generic_names():
    """probes/ and rules/ are installed as recommender.probes and recommender/rules only."""
    for path in _modules():
        for line, target in _imports(path):
            assert target.split(".")[0] not in ("probes", "rules"), f"{path}:{line}: {target}"


def test_ls_recommender_shows_the_stages():
    found = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(STAGES) - {"pipeline"} <= found
    assert (PACKAGE / "pipeline.py").is_file() and (PACKAGE / "catalog.py").is_file()
