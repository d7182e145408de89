"""Score the public persona set (benchmarks/personas/personas.yaml) against the ranking.

Each case runs ``dlrec recommend --json --no-smoke --facts MACHINE --answers ANSWERS`` in this
process (the real CLI, the bundled rules) and agrees when the top row is one of the case's
``expect`` entries (``keras`` accepts Keras on any backend, ``keras:jax`` only on JAX). A top row
that ties with others agrees only when every tied row is expected. The cases are split by the
parity of sha256(source URL): even = development, odd = held-out; both halves are printed.

    python benchmarks/score_personas.py [--json] [--only dev|held-out]

Exit 0 when every held-out case agrees, else 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HERE = ROOT / "benchmarks" / "personas"
MACHINE_DIRS = (HERE / "machines", ROOT / "tests" / "fixtures" / "personas5" / "machines")


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    id: str
    half: str
    agrees: bool
    top: str
    expect: tuple[str, ...]
    source: str
    detail: str


def half_of(url: str) -> str:
    """even sha256(source URL) = development, odd = held-out."""
    return "held-out" if int(hashlib.sha256(url.encode()).hexdigest(), 16) % 2 else "dev"


def load_cases(path: Path = HERE / "personas.yaml") -> list[Mapping[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])


def machine_path(name: str) -> Path:
    for folder in MACHINE_DIRS:
        candidate = folder / f"{name}.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no machine {name!r} under {', '.join(map(str, MACHINE_DIRS))}")


def row_label(row: Mapping[str, Any]) -> str:
    return f"keras:{row['backend']}" if row.get("backend") else str(row["framework"])


def matches(label: str, expect: Sequence[str]) -> bool:
    return label in expect or (label.startswith("keras:") and "keras" in expect)


def run_case(case: Mapping[str, Any], workdir: Path) -> Outcome:
    from click.testing import CliRunner

    from recommender.cli.main import cli

    answers = workdir / f"{case['id']}.answers.yaml"
    answers.write_text(yaml.safe_dump(dict(case["answers"])), encoding="utf-8")
    args = ["recommend", "--json", "--no-smoke", "--facts", str(machine_path(case["machine"]))]
    result = CliRunner().invoke(cli, [*args, "--answers", str(answers)])
    expect = tuple(case["expect"])
    half = half_of(case["source"])
    if result.exit_code not in (0, 1) or not result.stdout.strip():
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return Outcome(
            id=case["id"],
            half=half,
            agrees=False,
            top="error",
            expect=expect,
            source=case["source"],
            detail=f"exit {result.exit_code}: {detail[0]}",
        )
    ranking = json.loads(result.stdout)["ranking"]
    top = ranking[0]
    tied = [row_label(r) for r in ranking if r.get("tied")] or [row_label(top)]
    agrees = bool(top["feasible"]) and all(matches(label, expect) for label in tied)
    scores = ", ".join(f"{row_label(r)} {r['score']:g}" for r in ranking)
    detail = ("tie: " + " = ".join(tied) + "; " if len(tied) > 1 else "") + scores
    return Outcome(
        id=case["id"],
        half=half,
        agrees=agrees,
        top=" = ".join(tied),
        expect=expect,
        source=case["source"],
        detail=detail,
    )


def score(cases: Sequence[Mapping[str, Any]]) -> list[Outcome]:
    os.environ.setdefault("DLREC_CACHE_DIR", tempfile.mkdtemp(prefix="dlrec-personas-cache-"))
    with tempfile.TemporaryDirectory(prefix="dlrec-personas-") as tmp:
        return [run_case(case, Path(tmp)) for case in cases]


def summary(outcomes: Sequence[Outcome]) -> dict[str, tuple[int, int]]:
    halves: dict[str, tuple[int, int]] = {}
    for half in ("dev", "held-out"):
        rows = [o for o in outcomes if o.half == half]
        halves[half] = (sum(o.agrees for o in rows), len(rows))
    return halves


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", choices=("dev", "held-out"))
    opts = parser.parse_args(argv)
    cases = [c for c in load_cases() if opts.only in (None, half_of(c["source"]))]
    outcomes = score(cases)
    halves = summary(outcomes)
    if opts.json:
        doc = {
            "halves": {h: {"agree": a, "cases": n} for h, (a, n) in halves.items()},
            "cases": [o.__dict__ if hasattr(o, "__dict__") else _as_dict(o) for o in outcomes],
        }
        print(json.dumps(doc, indent=2))
    else:
        for o in outcomes:
            mark = "ok  " if o.agrees else "MISS"
            print(f"{mark} [{o.half}] {o.id}: top {o.top}; expected one of {', '.join(o.expect)}")
            if not o.agrees:
                print(f"       {o.detail}\n       source: {o.source}")
        for half, (agree, total) in halves.items():
            if total:
                print(f"{half}: {agree}/{total} agree")
    held_agree, held_total = halves["held-out"]
    return 0 if held_agree == held_total else 1


def _as_dict(o: Outcome) -> dict[str, Any]:
    return {name: getattr(o, name) for name in Outcome.__slots__}


if __name__ == "__main__":
    raise SystemExit(main())
