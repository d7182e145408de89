"""Find every regular expression a reader of untrusted text uses, and build the inputs that make
a backtracking pattern slow (issue 25).

:func:`reader_patterns` collects, from every module of the reader packages (imported and read
as source, so a pattern added tomorrow is collected without editing this file):

* module-level compiled patterns, also inside tuples, lists, dicts and frozen sets;
* patterns spelled as a literal argument of ``re.compile/search/match/...`` inside functions;
* the patterns of ``rules/signatures.yaml`` (any string under a key naming a pattern or regex),
  when that file exists.

:func:`hostile_inputs` walks a pattern's parse tree: every character it names (literals, a
member of each class, a character outside each negated class), every two-character unit of
its punctuation, and a sample prefix that reaches each point of the pattern, so a long run
lands exactly where a quantifier can backtrack over it (``GPU 0:`` then a million spaces).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import re._parser as _parser  # Python 3.11+
    from re._constants import (
        ANY,
        ATOMIC_GROUP,
        BRANCH,
        CATEGORY,
        GROUPREF,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        NEGATE,
        NOT_LITERAL,
        POSSESSIVE_REPEAT,
        RANGE,
        SUBPATTERN,
    )
except ImportError:  # pragma: no cover - 3.10
    import sre_parse as _parser  # type: ignore[no-redef]
    from sre_constants import (  # type: ignore[no-redef]
        ANY,
        BRANCH,
        CATEGORY,
        GROUPREF,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        NEGATE,
        NOT_LITERAL,
        RANGE,
        SUBPATTERN,
    )

    ATOMIC_GROUP = POSSESSIVE_REPEAT = object()

ROOT = Path(__file__).resolve().parent.parent
#: Packages and modules whose patterns read text written by strangers: pasted reports and the
#: readers of new paste formats (facts/, facts/reports/), loaded documents, a child's output
#: (smoke failures), the probes' tool output. Listed as candidates: absent ones are skipped,
#: so the layout refactor (core/, supervise/) needs no edit here.
READER_ROOTS = (
    "recommender.facts",
    "recommender.documents",
    "recommender.core",
    "recommender.smoke.failures",
    "recommender.smoke.signatures",
    "recommender.probes",
    "recommender.rulebase.signatures",
    "recommender.printable",
    "recommender.report.markdown",
    "recommender.report.sanitize",
    "recommender.core.sanitize",
)
SIGNATURE_FILES = ("rules/signatures.yaml", "recommender/rules/signatures.yaml")
_RE_FUNCS = {
    "compile",
    "search",
    "match",
    "fullmatch",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
}
_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_LINEBREAK": "\n",
    "CATEGORY_NOT_LINEBREAK": "a",
}


@dataclass(frozen=True)
class Found:
    pattern: re.Pattern
    where: str  # module:name or file:key

    def __str__(self) -> str:
        return f"{self.where} {self.pattern.pattern[:80]!r}"


def _modules(root: str) -> Iterator[object]:
    try:
        module = importlib.import_module(root)
    except ImportError:
        return
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", ()), prefix=f"{root}."):
        if ".children." in f"{info.name}.":  # framework children import frameworks
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:
            continue


def _in_value(value: object, where: str, depth: int = 0) -> Iterator[Found]:
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            yield Found(value, where)
    elif depth < 3 and isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _in_value(item, where, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in (*value.keys(), *value.values()):
            yield from _in_value(item, where, depth + 1)


def _flags(node: ast.expr | None) -> int:
    """The value of a ``re.I | re.ASCII`` flags argument (0 for anything else)."""
    if node is None:
        return 0
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return int(getattr(re, node.attr, 0)) if node.value.id == "re" else 0
    return 0


def _in_source(module: object) -> Iterator[Found]:
    try:
        source = inspect.getsource(module)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return
    name = module.__name__  # type: ignore[attr-defined]
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in _RE_FUNCS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        flags = next((kw.value for kw in node.keywords if kw.arg == "flags"), None)
        if flags is None and node.func.attr == "compile" and len(node.args) > 1:
            flags = node.args[1]
        yield Found(re.compile(node.args[0].value, _flags(flags)), f"{name}:{node.lineno}")


def _in_yaml(doc: object, where: str) -> Iterator[Found]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{where}.{key}"
            if isinstance(value, str) and re.search(r"pattern|regex|match", str(key), re.I):
                try:
                    yield Found(re.compile(value), here)
                except re.error:
                    continue
            else:
                yield from _in_yaml(value, here)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _in_yaml(value, f"{where}[{i}]")


def reader_patterns() -> list[Found]:
    """Every distinct pattern of the readers, each named by where it was first found."""
    seen: dict[tuple[str, int], Found] = {}
    done: set[str] = set()
    for root in READER_ROOTS:
        for module in _modules(root):
            name = module.__name__  # type: ignore[attr-defined]
            if name in done:
                continue
            done.add(name)
            for attr, value in vars(module).items():
                for found in _in_value(value, f"{name}.{attr}"):
                    seen.setdefault((found.pattern.pattern, found.pattern.flags), found)
            for found in _in_source(module):
                seen.setdefault((found.pattern.pattern, found.pattern.flags), found)
    for rel in SIGNATURE_FILES:
        path = ROOT / rel
        if path.is_file():
            import yaml

            for found in _in_yaml(yaml.safe_load(path.read_text()), rel):
                seen.setdefault((found.pattern.pattern, found.pattern.flags), found)
    return list(seen.values())


# --- hostile inputs -------------------------------------------------------------------------------


def _class_chars(items: list, chars: set[str]) -> str:
    """A character the class matches (added to ``chars`` with one it does not, if negated)."""
    negate = any(op is NEGATE for op, _ in items)
    members: list[str] = []
    for op, av in items:
        if op is LITERAL:
            members.append(chr(av))
        elif op is RANGE:
            members.extend((chr(av[0]), chr(av[1])))
        elif op is CATEGORY:
            members.append(_CATEGORY_CHARS.get(str(av), "a"))
    chars.update(members)
    if negate:
        outside = next((c for c in "a -0\t.x" if c not in members), "\x01")
        chars.add(outside)
        return outside
    return members[0] if members else "a"


def _sample(seq, chars: set[str]) -> str:
    """A short string this (sub)pattern matches, more or less; collects ``chars`` on the way."""
    out = []
    for op, av in seq:
        if op is LITERAL:
            chars.add(chr(av))
            out.append(chr(av))
        elif op is NOT_LITERAL:
            c = "a" if chr(av) != "a" else "b"
            chars.update((c, chr(av)))
            out.append(c)
        elif op is ANY:
            chars.add("a")
            out.append("a")
        elif op is IN:
            out.append(_class_chars(av, chars))
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
            lo, _hi, body = av
            out.append(_sample(body, chars) * max(lo, 1))
        elif op is SUBPATTERN:
            out.append(_sample(av[-1], chars))
        elif op is ATOMIC_GROUP:
            out.append(_sample(av, chars))
        elif op is BRANCH:
            samples = [_sample(b, chars) for b in av[1]]
            out.append(samples[0])
        elif op is GROUPREF:
            continue
    return "".join(out)


def _prefixes(seq, before: str, chars: set[str], out: list[str]) -> None:
    """A sample prefix reaching every cut point of the pattern, nested groups included."""
    done = before
    for op, av in seq:
        out.append(done)
        if op is SUBPATTERN:
            _prefixes(av[-1], done, chars, out)
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
            _prefixes(av[2], done, chars, out)
        elif op is BRANCH:
            for branch in av[1]:
                _prefixes(branch, done, chars, out)
        elif op is ATOMIC_GROUP:
            _prefixes(av, done, chars, out)
        done += _sample([(op, av)], chars)
    out.append(done)


def hostile_inputs(pattern: re.Pattern, size: int) -> Iterator[tuple[str, str]]:
    """(label, text) pairs of about ``size`` characters: every sample prefix followed by a long
    run of every character and two-character unit the pattern names, then an ending that
    matches nothing (or nothing at all)."""
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    chars: set[str] = {" ", "a", "0", "\n", "-", ":"}
    prefixes: list[str] = [""]
    _prefixes(list(parsed), "", chars, prefixes)
    prefixes = sorted(set(prefixes), key=lambda p: (len(p), p))[:12]
    punct = sorted(c for c in chars if not c.isalnum() and c not in " \n")[:4]
    units = sorted(chars)[:20] + [a + b for a in punct for b in punct if a != b]
    for prefix in prefixes:
        for unit in units:
            run = unit * max(1, (size - len(prefix)) // len(unit))
            for end in ("", "\x00"):
                yield f"{prefix!r} + {unit!r}*{len(run) // len(unit)} + {end!r}", prefix + run + end
    for unit in units:  # the prefix repeated too: many starts, each scanning far
        for prefix in prefixes[1:4]:
            yield (
                f"({prefix!r} + {unit!r})*",
                ((prefix + unit) * (size // (len(prefix) + 1)))[:size],
            )
