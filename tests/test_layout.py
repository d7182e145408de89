"""The layout is the architecture (issues 11 and 20). Checked from the source, so a backwards
import, an import cycle or a family of prefixed modules fails here, not in review.

The layers, earliest first: the base (core, then supervise), then the stages probes -> facts ->
rulebase -> engine -> smoke -> cluster -> decide -> pipeline -> report -> cli, with the maintainer
tools just before cli (only ``dlrec rules refresh-wheels`` imports them). A module imports only from its own
layer or earlier ones, counting imports inside functions. Every folder of ``recommender/`` is
one of these layers, so a new top-level folder must say where it stands.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "recommender"
LAYERS = (
    "core",
    "supervise",
    "probes",
    "facts",
    "rulebase",
    "engine",
    "smoke",
    "cluster",
    "decide",
    "pipeline",
    "report",
    "maintainer",
    "cli",
)
#: The folders of ``recommender/`` that hold data, not modules.
DATA = ("rules", "templates")
#: Command modules: what ``cli/main.py``'s LAZY_COMMANDS names, and main itself (``probe``).
COMMANDS = ("main", "recommend", "smoke", "rules", "checklist", "diff", "fleet", "cache")


def _modules() -> list[Path]:
    files = [p for p in PACKAGE.rglob("*.py") if not set(DATA) & set(p.parts)]
    files += sorted((ROOT / "probes").glob("*.py"))
    return sorted({p.resolve() for p in files})


def _name(path: Path) -> str:
    if path.is_relative_to(ROOT / "probes"):
        return "recommender.probes." + path.stem
    rel = path.relative_to(PACKAGE.resolve()).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(("recommender", *parts))


def _layer_of(module: str) -> int:
    """The layer index of a dotted module name; ``recommender`` itself is the base."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in ("__init__",):
        return 0
    head = "cli" if parts[1] == "__main__" else parts[1]  # python -m recommender: the CLI
    return LAYERS.index(head)


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path, *, typing: bool = True) -> list[tuple[int, str]]:
    """(line, name) of every absolute import, at any depth; ``from a import b`` gives ``a`` and
    ``a.b``. ``typing=False`` leaves out what only ``if TYPE_CHECKING:`` imports."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    if not typing:
        for node in ast.walk(tree):
            if _type_checking(node):
                skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def _module_path(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != "recommender":
        return None
    if parts[1:2] == ["probes"]:
        base = ROOT.joinpath("probes", *parts[2:])
    else:
        base = PACKAGE.joinpath(*parts[1:])
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py").resolve()
    if (base / "__init__.py").is_file():
        return (base / "__init__.py").resolve()
    return None


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _name(p))
def test_imports_only_earlier_layers(path):
    mine = _layer_of(_name(path))
    backwards = [
        f"line {line}: {target}"
        for line, target in _imports(path)
        if _module_path(target) is not None and _layer_of(target) > mine
    ]
    assert backwards == [], f"{_name(path)} (layer {LAYERS[mine]})"


def test_every_folder_is_a_layer():
    for entry in PACKAGE.iterdir():
        if entry.name.startswith((".", "__")) or entry.name in DATA:
            continue
        assert entry.stem in LAYERS, f"recommender/{entry.name}: which layer? (see LAYERS)"


def _graph() -> dict[str, set[str]]:
    """module -> the modules it imports at run time (functions included, type hints not)."""
    graph: dict[str, set[str]] = {}
    for path in _modules():
        targets = set()
        for _line, target in _imports(path, typing=False):
            found = _module_path(target)
            if found is not None and found != path:
                targets.add(_name(found))
        graph[_name(path)] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_counting_imports_inside_functions():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _registry_words() -> set[str]:
    """Names one module per member of a closed set may carry (trainer_jax, trainer_keras...)."""
    from recommender.core import catalog

    words = set(catalog.FRAMEWORK_IDS) | set(catalog.KERAS_BACKENDS)
    return words | set(catalog.ACCELERATOR_KINDS)


def _families(folder: Path) -> dict[str, list[str]]:
    """prefix -> the modules of ``folder`` named ``prefix`` or ``prefix_*``, three or more, but a
    registry (every member named after a member of a catalog's closed set)."""
    stems = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("__"))
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for stem in stems:
        head = stem.lstrip("_").split("_")[0]
        by_prefix[head].append(stem)
    words = _registry_words()
    return {
        prefix: members
        for prefix, members in by_prefix.items()
        if len(members) >= 3
        and not all(m.lstrip("_").split("_", 1)[-1] in words for m in members if "_" in m)
    }


def _folders() -> list[Path]:
    folders = {p.parent for p in _modules()}
    return sorted(folders)


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_family_of_prefixed_modules(folder):
    """Three modules sharing a prefix are a subpackage asking to exist (STYLE.md)."""
    assert _families(folder) == {}, f"{folder.relative_to(ROOT)}: make these a subpackage"


def test_the_family_rule_sees_a_family_and_spares_a_registry(tmp_path):
    for stem in ("install_plan", "install_plan_fit", "install_plan_search", "ranking"):
        (tmp_path / f"{stem}.py").write_text("")
    assert _families(tmp_path) == {
        "install": ["install_plan", "install_plan_fit", "install_plan_search"]
    }
    registry = tmp_path / "children"
    registry.mkdir()
    for stem in ("trainer_jax", "trainer_keras", "trainer_pytorch", "trainer_tensorflow"):
        (registry / f"{stem}.py").write_text("")
    assert _families(registry) == {}


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _name(p).split(".")[1:2] == ["cli"] and p.stem in COMMANDS],
    ids=lambda p: _name(p),
)
def test_a_command_module_imports_no_other_command_module(path):
    others = {f"recommender.cli.{c}" for c in COMMANDS} - {_name(path)}
    bad = [f"line {line}: {t}" for line, t in _imports(path) if t in others]
    assert bad == [], "shared options belong in recommender/cli/options.py"


#: What decide/ may not import: the process and file modules, click, and dlrec's own readers and
#: writers (and its click-based errors: decide raises core.problems' domain errors instead).
IMPURE_IMPORTS = (
    "os",
    "subprocess",
    "click",
    "shutil",
    "tempfile",
    "pathlib",
    "io",
    "glob",
    "socket",
    "importlib",
    "recommender.core.atomic",
    "recommender.core.documents",
    "recommender.core.errors",
    "recommender.facts.load",
    "recommender.facts.copies",
    "recommender.facts.collect",
    "recommender.smoke.run",
    "recommender.supervise",
)
#: Calls that read or write files, by name (``open``) or as methods (``path.read_text()``); with
#: os, pathlib, io and importlib out of reach, ``open`` is the one left, the rest are a backstop.
FILE_CALLS = frozenset(
    {
        "open",
        "read_text",
        "write_text",
        "read_bytes",
        "write_bytes",
        "mkdir",
        "unlink",
        "rmdir",
        "iterdir",
        "glob",
        "rglob",
        "touch",
        "listdir",
    }
)


def _impure(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = [
        f"line {line}: import {name}"
        for line, name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in IMPURE_IMPORTS)
    ]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if isinstance(func, ast.Attribute):
            name = func.attr  # a method: path.read_text()
        if name in FILE_CALLS:
            found.append(f"line {node.lineno}: {name}()")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _name(p).split(".")[1:2] == ["decide"]],
    ids=lambda p: _name(p),
)
def test_decide_is_pure(path):
    """decide/ is values in, values out: no os, click or subprocess, no file I/O, none of dlrec's
    readers or writers; pipeline/ and cli/ do the I/O."""
    assert _impure(path) == []


def test_the_purity_check_sees_io(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import os\nfrom pathlib import Path\nfrom recommender.core.errors import BadInputError\n"
        "def f(p):\n    open(p)\n    Path(p).write_text('x')\n    os.replace(p, p)\n"
        "    return 'a'.replace('a', 'b')\n"
    )
    assert _impure(module) == [
        "line 1: import os",
        "line 2: import pathlib",
        "line 2: import pathlib.Path",
        "line 3: import recommender.core.errors",
        "line 3: import recommender.core.errors.BadInputError",
        "line 5: open()",
        "line 6: write_text()",
    ]


def test_nothing_imports_the_repo_folders_under_their_generic_names():
    """probes/ and rules/ are installed as recommender.probes and recommender/rules only."""
    for path in _modules():
        for line, target in _imports(path):
            assert target.split(".")[0] not in ("probes", "rules"), f"{path}:{line}: {target}"


def test_ls_recommender_shows_the_stages():
    found = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(LAYERS) - {"pipeline", "probes"} <= found
    assert (PACKAGE / "pipeline" / "__init__.py").is_file() and (
        PACKAGE / "core" / "catalog.py"
    ).is_file()
    assert re.fullmatch(r"\.\./probes/?", str((PACKAGE / "probes").readlink()))


def _closed_set_ids() -> frozenset[str]:
    """The ids of the catalog's closed sets a module might test a string against: frameworks,
    Keras backends, accelerator kinds, answer values and vendors. ``cpu`` is left out: it also
    names a build flavour and a smoke device, which the same test would need to tell apart."""
    from recommender.core import catalog

    ids = {*catalog.FRAMEWORK_IDS, *catalog.KERAS_BACKENDS, *catalog.ACCELERATOR_KINDS}
    ids |= {a.answer for a in catalog.ACCELERATORS.values()}
    ids |= {a.vendor for a in catalog.ACCELERATORS.values()}
    return frozenset(ids - {"", catalog.Accelerator.CPU.value})


def _string_tests(tree: ast.AST, ids: frozenset[str]) -> list[str]:
    """``x == "pytorch"``, ``x != "cuda"``, ``x in ("keras", ...)``: a literal id on either side
    of a comparison, at any depth (formatting, parentheses and line breaks do not hide it)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            for side in (sides[i], sides[i + 1]):
                items = [side]
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(
                    side, (ast.Tuple, ast.List, ast.Set)
                ):
                    items = list(side.elts)
                literal = [
                    i.value
                    for i in items
                    if isinstance(i, ast.Constant) and isinstance(i.value, str) and i.value in ids
                ]
                found += [f"line {node.lineno}: {ast.unparse(node)}" for _ in literal]
    return found


def test_no_string_comparison_against_a_catalog_id():
    """A closed set is listed once (STYLE.md): outside the catalog a framework or accelerator is
    compared through the catalog's enums (``fw == Framework.KERAS``), never a string literal."""
    ids = _closed_set_ids()
    catalog = (PACKAGE / "core" / "catalog.py").resolve()
    bad = {
        _name(path): hits
        for path in _modules()
        if path != catalog and (hits := _string_tests(ast.parse(path.read_text()), ids))
    }
    assert bad == {}


def test_the_string_comparison_check_sees_every_form():
    ids = _closed_set_ids()
    source = (
        'a == "keras"\n("cuda"\n  != b)\nc in ("x", "pytorch")\nd not in {"nvidia"}\n'
        'e == Framework.KERAS\nf in ("x", "cpu")\n'
    )
    assert [h.split(":")[0] for h in _string_tests(ast.parse(source), ids)] == [
        "line 1",
        "line 2",
        "line 4",
        "line 5",
    ]


#: functools' memoising decorators: one at module level is a cache that outlives every run and
#: every test (STYLE.md: no hidden state); ``functools.cached_property`` is a value's own memo.
_MEMO_DECORATORS = frozenset({"lru_cache", "cache"})


def _module_caches(tree: ast.AST) -> list[str]:
    """``line N: what`` for each use of functools.lru_cache or functools.cache, however spelt:
    ``@functools.lru_cache(...)``, ``@functools.cache``, ``from functools import lru_cache``
    (then ``@lru_cache``), or a call that wraps a function (``f = functools.cache(g)``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "functools":
            found += [
                f"line {node.lineno}: from functools import {a.name}"
                for a in node.names
                if a.name in _MEMO_DECORATORS
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in _MEMO_DECORATORS
            and isinstance(node.value, ast.Name)
            and node.value.id == "functools"
        ):
            found.append(f"line {node.lineno}: functools.{node.attr}")
    return sorted(found, key=lambda hit: int(hit.split(":")[0].removeprefix("line ")))


def test_no_module_level_cache():
    """What is loaded once (the rule base, the GPU, ROCm and package tables) is a value the run
    that owns it loads and passes down (``rulebase/reference.py``); a memo belongs to a value
    that owns its lifetime (``core/memo.py``), never to a module."""
    bad = {
        _name(path): hits
        for path in _modules()
        if (hits := _module_caches(ast.parse(path.read_text())))
    }
    assert bad == {}


def test_the_cache_check_sees_every_form():
    source = (
        "import functools\nfrom functools import lru_cache, partial\n"
        "@functools.lru_cache(maxsize=1)\ndef a(): ...\n"
        "@functools.cache\ndef b(): ...\n"
        "c = functools.cache(len)\n"
        "class D:\n    @functools.cached_property\n    def e(self): ...\n"
    )
    assert [h.split(":")[0] for h in _module_caches(ast.parse(source))] == [
        "line 2",
        "line 3",
        "line 5",
        "line 7",
    ]
