"""Rule engine benchmark (issue 3): evaluate 100, 1,000 and 10,000 generated rules.

The rules are written as YAML overlays (each under the 2 MiB document cap) on top of the test
fixture rule base, loaded and validated by the real loader (timed separately as "load"), then
evaluated against one facts document. "evaluate" is the median of several runs and excludes
parsing. Target: linear growth and <= 100 ms for 10,000 rules.

    python benchmarks/bench_rules.py [--sizes 100,1000,10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recommender.engine.answers import resolve_answers  # noqa: E402
from recommender.engine.evaluate import evaluate  # noqa: E402
from recommender.facts.document import Facts  # noqa: E402
from recommender.rulebase.load import load_rulebase  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "rules"
FACTS = {
    "python": {"version": "3.11.7"},
    "os": {"system": "Linux", "machine": "x86_64", "wsl": None},
    "cpu": {"arch": "x86_64", "flags": ["avx", "avx2", "fma", "avx512f"], "usable_cores": 16},
    "memory": {"total_bytes": 64 << 30, "usable_bytes": 60 << 30},
    "accelerators": [
        {
            "kind": "cuda",
            "vendor": "nvidia",
            "compute_capability": "8.0",
            "max_cuda": "12.8",
            "driver_version": "570.86",
            "memory_bytes": 80 << 30,
            "visible": True,
        },
        {
            "kind": "cuda",
            "vendor": "nvidia",
            "compute_capability": "8.0",
            "max_cuda": "12.8",
            "driver_version": "570.86",
            "memory_bytes": 80 << 30,
            "visible": True,
        },
    ],
    "frameworks": {
        "tensorflow": {"installed": True, "version": "2.21.0", "build": {"cuda": "12.5"}},
        "pytorch": {
            "installed": True,
            "version": "2.13.0+cu126",
            "build": {"cuda": "12.6", "flavour": "cuda"},
        },
        "keras": {"installed": True, "version": "3.15.1", "backend": "tensorflow"},
    },
}

LEAVES = [
    "{answer: {goal: {in: [research, prototyping]}}}",
    "{answer: {deploy: mobile}}",
    "{answer: {experience: beginner}}",
    "{contains: {fact: cpu.flags, value: avx512f}}",
    "{eq: {fact: os.system, value: Windows}}",
    "{in: {fact: cpu.arch, values: [x86_64, amd64]}}",
    "{version: {fact: frameworks.pytorch.version, spec: '>=2.6,<2.14'}}",
    "{version: {fact: derived.nvidia_min_cc, spec: '<7.5'}}",
    "{eq: {fact: 'accelerators[].kind', value: rocm}}",
    "{gte: {fact: memory.total_bytes, value: 17179869184}}",
    "{exists: {fact: os.wsl}}",
    "{contains: {fact: derived.accelerator_kinds, value: cuda}}",
    "{version: {fact: 'accelerators[].max_cuda', spec: '>=12.6'}}",
    "{eq: {fact: derived.answer_accelerator, value: nvidia}}",
]
EFFECTS = [
    "score: {{tensorflow: {a}, pytorch: {b}}}",
    "score: {{keras: {a}, 'keras.jax': {b}}}",
    "warn: [pytorch]",
    "block: [tensorflow]\n    block_device: cuda",
]


def _condition(rng: random.Random, depth: int = 0) -> str:
    if depth >= 2 or rng.random() < 0.35:
        leaf = rng.choice(LEAVES)
        return f"{{not: {leaf}}}" if rng.random() < 0.15 else leaf
    op = rng.choice(("all", "any"))
    parts = ", ".join(_condition(rng, depth + 1) for _ in range(rng.randint(2, 3)))
    return f"{{{op}: [{parts}]}}"


def _rule(i: int, rng: random.Random) -> str:
    effect = rng.choice(EFFECTS).format(a=rng.randint(-3, 3), b=round(rng.uniform(-2, 2), 1))
    return (
        f"  - id: gen-{i:05d}\n    sources: [HW-ACCEL, 'url:tf-pip']\n    when: {_condition(rng)}\n"
        f'    {effect}\n    why: "Generated rule {i} for the benchmark."\n'
    )


def write_overlays(n: int, directory: Path, per_file: int = 2000) -> list[Path]:
    rng = random.Random(n)
    paths = []
    for start in range(0, n, per_file):
        path = directory / f"gen-{n}-{start}.yaml"
        path.write_text(
            "rules:\n" + "".join(_rule(i, rng) for i in range(start, min(n, start + per_file)))
        )
        paths.append(path)
    return paths


def bench(n: int, repeat: int) -> dict:
    facts = Facts.from_dict(FACTS)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_overlays(n, Path(tmp))
        start = time.perf_counter()
        rb = load_rulebase(paths, bundled=FIXTURE)
        load_s = time.perf_counter() - start
    answers = resolve_answers(rb.questions, flags={"goal": "research", "deploy": "mobile"})
    evaluate(facts, answers, rb)  # warm-up (version parse caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        ev = evaluate(facts, answers, rb)
        times.append(time.perf_counter() - start)
    fired = sum(1 for t in ev.trace if t.outcome == "fired")
    return {
        "rules": len(rb.rules),
        "load_s": load_s,
        "eval_ms": statistics.median(times) * 1e3,
        "eval_min_ms": min(times) * 1e3,
        "fired": fired,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores"
    )
    print(
        f"{'generated':>10} {'total rules':>12} {'load+validate s':>16} {'evaluate ms (median)':>21} "
        f"{'min ms':>8} {'us/rule':>8} {'fired':>6}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        r = bench(n, args.repeat)
        print(
            f"{n:>10,} {r['rules']:>12,} {r['load_s']:>16.2f} {r['eval_ms']:>21.2f} {r['eval_min_ms']:>8.2f} "
            f"{r['eval_ms'] * 1e3 / r['rules']:>8.2f} {r['fired']:>6}"
        )


if __name__ == "__main__":
    main()
