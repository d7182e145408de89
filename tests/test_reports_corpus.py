"""Issue #21: the public corpus of pasted reports in benchmarks/reports/ is well formed.

Each case is a paste (`NNN.txt`) and its thread's diagnosis (`NNN.yaml`). The formats and the
categories are the ones benchmarks/reports/README.md lists (read from its tables, so the README
is the one place they are defined); every evidence line is in the paste; a URL names one thread,
so two cases share a URL only as two pastes of that thread; the dev/held-out split is the parity
of sha256(URL).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent / "benchmarks" / "reports"
CASES = ROOT / "cases"
README = ROOT / "README.md"

#: The corpus the issue asks for: at least 150 pastes.
MINIMUM_CASES = 150

REQUIRED = {
    "source",
    "date",
    "format",
    "diagnosis",
    "expected",
    "detail",
    "evidence",
    "expected_fix",
    "confidence",
}
OPTIONAL = {"also", "truncated", "notes"}


def _table_names(section: str) -> set[str]:
    """The backquoted first-column names of the table under the README heading `section`."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {section}' section"
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", match.group(1), re.M))


FORMATS = _table_names("Formats")
CATEGORIES = _table_names("Diagnosis categories")


def _cases() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


def _parsed(path: Path) -> object:
    """A case's YAML, or the error that stops its parse (raised again by the test reading it)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return exc


@pytest.fixture(scope="module")
def parsed() -> dict[Path, object]:
    """Every case's YAML, parsed once for the module: a parse costs about 5 ms, and five tests
    here read all two thousand cases (each test still checks each case as it did)."""
    return {path: _parsed(path) for path in _cases()}


def _load(parsed: dict[Path, object], path: Path) -> dict[str, Any]:
    data = parsed[path]
    if isinstance(data, yaml.YAMLError):
        raise data
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


def half(url: str) -> str:
    """The split rule of README.md: even sha256(URL) is development, odd is held-out."""
    return (
        "dev" if int(hashlib.sha256(url.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "held-out"
    )


def test_vocabulary_is_read_from_the_readme() -> None:
    assert {"collect-env", "nvidia-smi", "error-message", "python-session", "jax-env"} <= FORMATS
    assert {"driver-too-old", "cpu-wheel-on-gpu", "healthy", "other"} <= CATEGORIES


def test_every_case_has_both_files_and_numbered_names() -> None:
    texts = {p.stem for p in CASES.glob("*.txt")}
    yamls = {p.stem for p in CASES.glob("*.yaml")}
    assert texts == yamls, f"unpaired: {sorted(texts ^ yamls)}"
    assert all(re.fullmatch(r"\d{3,4}", stem) for stem in texts), sorted(texts)
    assert {p.name for p in CASES.iterdir()} == {f"{s}.txt" for s in texts} | {
        f"{s}.yaml" for s in texts
    }


def test_the_corpus_is_as_large_as_the_issue_asks() -> None:
    assert len(_cases()) >= MINIMUM_CASES


def test_the_readme_counts_are_current(parsed) -> None:
    """The README's totals are those of cases/ (regenerate them when adding cases)."""
    match = re.search(
        r"^Total: (\d+) cases \(development (\d+), held-out (\d+)\)\.$",
        README.read_text(encoding="utf-8"),
        re.M,
    )
    assert match, "README.md has no 'Total: N cases (development D, held-out H).' line"
    halves = [half(_load(parsed, path)["source"]["url"]) for path in _cases()]
    stated = tuple(int(group) for group in match.groups())
    assert stated == (len(halves), halves.count("dev"), halves.count("held-out"))


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_case_is_well_formed(path: Path, parsed) -> None:
    data = _load(parsed, path)
    keys = set(data)
    assert REQUIRED <= keys, f"{path.name}: missing {sorted(REQUIRED - keys)}"
    assert keys <= REQUIRED | OPTIONAL, f"{path.name}: unknown {sorted(keys - REQUIRED - OPTIONAL)}"
    source = data["source"]
    assert set(source) == {"url", "repo", "issue"}, path.name
    assert re.fullmatch(r"https://\S+", source["url"]), path.name
    assert source["issue"] is None or isinstance(source["issue"], int), path.name
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(data["date"])), path.name
    assert data["format"] in FORMATS, f"{path.name}: format {data['format']!r}"
    assert set(data.get("also") or []) <= FORMATS, path.name
    assert data["diagnosis"] in CATEGORIES, f"{path.name}: diagnosis {data['diagnosis']!r}"
    expected = data["expected"]
    assert isinstance(expected, list) and set(expected) <= CATEGORIES - {"healthy"}, path.name
    if data["diagnosis"] == "healthy":
        assert expected == [], f"{path.name}: a healthy case expects no finding"
    elif data["diagnosis"] != "other":
        assert data["diagnosis"] in expected, f"{path.name}: expected lacks the diagnosis"
    assert data["confidence"] in {"high", "medium"}, path.name
    for key in ("detail", "expected_fix"):
        assert isinstance(data[key], str) and data[key].strip(), f"{path.name}: empty {key}"


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_evidence_is_quoted_from_the_paste(path: Path, parsed) -> None:
    data = _load(parsed, path)
    paste = path.with_suffix(".txt").read_text(encoding="utf-8")
    assert paste.strip(), f"{path.stem}.txt is empty"
    assert "/work/shared" not in paste
    evidence = data["evidence"]
    assert isinstance(evidence, list) and evidence, f"{path.name}: no evidence"
    for line in evidence:
        assert str(line) in paste, f"{path.name}: evidence not in the paste: {line!r}"


def test_a_url_names_one_thread(parsed) -> None:
    """Cases sharing a URL are pastes of one thread: same repository and issue number."""
    seen: dict[str, tuple[str, Any]] = {}
    for path in _cases():
        source = _load(parsed, path)["source"]
        thread = (source["repo"], source["issue"])
        assert seen.setdefault(source["url"], thread) == thread, f"{path.name}: {source['url']}"


def test_no_two_cases_hold_the_same_paste() -> None:
    pastes: dict[str, str] = {}
    for path in CASES.glob("*.txt"):
        key = path.read_text(encoding="utf-8").strip()
        assert key not in pastes, f"{path.name} repeats {pastes.get(key)}"
        pastes[key] = path.name


def test_both_halves_hold_cases_and_healthy_ones(parsed) -> None:
    halves: dict[str, list[str]] = {"dev": [], "held-out": []}
    for path in _cases():
        data = _load(parsed, path)
        halves[half(data["source"]["url"])].append(data["diagnosis"])
    for name, diagnoses in halves.items():
        assert len(diagnoses) >= MINIMUM_CASES // 3, name
        assert "healthy" in diagnoses, name


def test_the_split_rule_is_the_documented_one() -> None:
    assert half("https://github.com/pytorch/pytorch/issues/1") in {"dev", "held-out"}
    digest = hashlib.sha256(b"https://github.com/pytorch/pytorch/issues/1").hexdigest()
    assert half("https://github.com/pytorch/pytorch/issues/1") == (
        "dev" if int(digest[-1], 16) % 2 == 0 else "held-out"
    )


def test_the_readme_counts_block_is_what_the_regenerator_writes() -> None:
    """The whole Counts block (tables and the line of formats present), not only the total."""
    spec = importlib.util.spec_from_file_location("counts", CASES.parent / "counts.py")
    assert spec and spec.loader
    counts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counts)
    text = README.read_text(encoding="utf-8")
    assert counts.rewrite(text) == text, "stale: run python benchmarks/reports/counts.py"
