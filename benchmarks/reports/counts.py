"""Regenerate the "Counts" block of benchmarks/reports/README.md from cases/.

Every round of cases changed the same lines of the README by hand, and merges of two rounds kept
stale totals (tests/test_reports_corpus.py then failed on main). This writes the total, the tables
by format, by diagnosis and by the issue's groups, and the line of formats present at all, from
the cases themselves; the prose around them is left as it is.

    python benchmarks/reports/counts.py           # rewrite the README's counts
    python benchmarks/reports/counts.py --check   # exit 1 when they are stale
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
README = HERE / "README.md"

# The estimate of what people paste, and the formats each group holds.
GROUPS = [
    ("bare errors and sessions (35-40%)", {"error-message", "python-session"}),
    ("collect_env (torch and vLLM) (25-30%)", {"collect-env", "vllm-collect-env"}),
    ("nvidia-smi (15%)", {"nvidia-smi"}),
    ("pip / conda lists (10%)", {"pip-list", "pip-freeze", "conda-list"}),
]
OTHER_GROUP = "framework env dumps (10%)"
FIRST = "Total: "
LAST = "Cases in which each format appears at all"


def _half(url: str) -> str:
    digest = int(hashlib.sha256(url.encode("utf-8")).hexdigest(), 16)
    return "dev" if digest % 2 == 0 else "held-out"


def _table(title: str, rows: list[tuple[str, Counter[str]]]) -> list[str]:
    out = [f"| {title} | cases | dev | held-out |", "| --- | --- | --- | --- |"]
    for name, count in sorted(rows, key=lambda row: (-sum(row[1].values()), row[0])):
        out.append(f"| `{name}` | {sum(count.values())} | {count['dev']} | {count['held-out']} |")
    return out


def block() -> list[str]:
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CASES.glob("*.yaml"))]
    formats: dict[str, Counter[str]] = {}
    diagnoses: dict[str, Counter[str]] = {}
    present: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for doc in docs:
        half = _half(str(doc["source"]["url"]))
        formats.setdefault(doc["format"], Counter())[half] += 1
        diagnoses.setdefault(doc["diagnosis"], Counter())[half] += 1
        present.update({doc["format"], *(doc.get("also") or [])})
        group = next((name for name, members in GROUPS if doc["format"] in members), OTHER_GROUP)
        groups[group] += 1
    halves = Counter(_half(str(doc["source"]["url"])) for doc in docs)
    total = len(docs)
    lines = [
        f"{FIRST}{total} cases (development {halves['dev']}, held-out {halves['held-out']}).",
        *_table("format", list(formats.items())),
        "",
        *_table("diagnosis", list(diagnoses.items())),
        "",
        "| group (issue's estimate) | cases | share |",
        "| --- | --- | --- |",
    ]
    for name in [name for name, _ in GROUPS] + [OTHER_GROUP]:
        share = round(100 * groups[name] / total) if total else 0
        lines.append(f"| {name} | {groups[name]} | {share}% |")
    seen = ", ".join(
        f"`{name}` {count}" for name, count in sorted(present.items(), key=lambda i: (-i[1], i[0]))
    )
    lines += ["", f"{LAST} (main format or `also`): {seen}."]
    return lines


def rewrite(text: str) -> str:
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(FIRST))
    end = next(i for i, line in enumerate(lines) if line.startswith(LAST))
    return "\n".join(lines[:start] + block() + lines[end + 1 :])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the counts are stale")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = rewrite(text)
    if args.check:
        if new != text:
            print(f"{README}: the counts are stale; run python {Path(__file__).name}")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
