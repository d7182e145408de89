"""Score `dlrec plan` on the public machine set (benchmarks/machines/machines.yaml).

Each machine's target goes through the same code as ``dlrec plan`` (flags -> Machine ->
plan_install); its plan is compared with the expectation committed before tuning. The set is
split by the parity of sha256(source URL): even = development, odd = held-out. Prints both
halves' scores and every miss; ``--json`` writes the per-machine results.

    python benchmarks/score_plans.py [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from packaging.version import Version

from recommender.core.errors import DlrecError
from recommender.decide.install.plan import InstallPlan, NoBuild, plan_install
from recommender.decide.install.target import accelerator_of, machine_for, target_from
from recommender.facts.reports.gpus import GpuTable, load_gpu_table
from recommender.rulebase.wheels.load import load_wheels

MACHINES = Path(__file__).resolve().parent / "machines" / "machines.yaml"
#: How a way out is recognised from its text.
WAY_KINDS = {
    "cpu": ("CPU only",),
    "python": ("Use Python",),
    "container": ("container image",),
    "framework": ("Another framework", "Another Keras backend"),
    "wsl": ("WSL",),
    "driver": ("Upgrade the NVIDIA driver",),
    "wheel": ("NVIDIA's wheel", "pip install https://"),
}


def half(source: str) -> str:
    return "dev" if int(hashlib.sha256(source.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def plan_of(machine: dict[str, Any], matrix: Any, gpus: GpuTable) -> InstallPlan | NoBuild | str:
    flags = {k: str(v) for k, v in machine["target"].items()}
    try:
        target = target_from(flags, {})
        view, _ = machine_for(target, gpus)
        return plan_install(machine["framework"], view, accelerator_of(view), matrix=matrix)
    except DlrecError as exc:
        return f"error: {exc.message}"


def misses(plan: InstallPlan | NoBuild | str, expect: dict[str, Any]) -> list[str]:
    if isinstance(plan, str):
        return [plan]
    kind = "install" if isinstance(plan, InstallPlan) else "no_build"
    if kind != expect["kind"]:
        what = plan.reason if isinstance(plan, NoBuild) else plan.command_line
        return [f"expected {expect['kind']}, got {kind}: {what}"]
    out = []
    if isinstance(plan, InstallPlan):
        flavour = plan.build.get("flavour")
        if "flavour" in expect and flavour != expect["flavour"]:
            out.append(f"flavour {flavour}, expected {expect['flavour']}")
        if "cuda" in expect and plan.build.get("cuda") not in expect["cuda"]:
            out.append(f"CUDA {plan.build.get('cuda')}, expected one of {expect['cuda']}")
        if "index_contains" in expect and expect["index_contains"] not in (plan.index_url or ""):
            out.append(f"index {plan.index_url}, expected {expect['index_contains']}")
        if "release_max" in expect:
            spec = next(
                (
                    s
                    for n, s in plan.packages
                    if n.split("[")[0] in ("torch", "tensorflow", "jax", "tensorflow-cpu")
                ),
                "",
            )
            line = Version(spec.strip("=.*")) if spec.startswith("==") else None
            if line is None or line > Version(expect["release_max"]):
                out.append(f"release {spec}, expected at most {expect['release_max']}")
    else:
        for way in expect.get("ways_out", []):
            if not any(k in w for w in plan.ways_out for k in WAY_KINDS[way]):
                out.append(f"no {way} way out among {list(plan.ways_out)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    machines = yaml.safe_load(MACHINES.read_text(encoding="utf-8"))["machines"]
    matrix = load_wheels()
    gpus = load_gpu_table()
    score: dict[str, list[int]] = {"dev": [0, 0], "held-out": [0, 0]}
    rows = []
    for m in machines:
        side = half(m["source"])
        wrong = misses(plan_of(m, matrix, gpus), m["expect"])
        score[side][0] += not wrong
        score[side][1] += 1
        rows.append({"id": m["id"], "half": side, "ok": not wrong, "misses": wrong})
        if wrong:
            print(f"MISS [{side}] {m['id']}: {'; '.join(wrong)}")
    for side, (ok, n) in score.items():
        print(f"{side}: {ok}/{n} right ({100 * ok / max(n, 1):.0f}%)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
