"""Benchmark a fleet recommendation: N facts files, D distinct machines among them.

Generates the fleet in a temp folder from the persona machines (each copy gets its own hostname,
collected_at and probe timings, the fields that never make two machines different), then runs
`dlrec recommend --facts DIR --no-smoke --json --accelerator nvidia` and reports wall time and
peak RSS (the child's ru_maxrss). Targets (issue 15): 10,000 files <= 3 s and <= 150 MB, growing
with the number of distinct machines rather than files.

    python benchmarks/bench_fleet.py [--files 10000] [--distinct 8] [--rounds 3]
    python benchmarks/bench_fleet.py --diverse [--files 10000]
    python benchmarks/bench_fleet.py --side-by-side [--files 10000] [--rounds 1]
    python benchmarks/bench_fleet.py --side-by-side --before DIR   # DIR: another commit's tree

``--diverse`` (issue 24): every machine differs where the planner looks, GPU x driver x Python x
installed builds, each drawn from the catalog (rules/gpus.yaml's NVIDIA names and driver
branches, rules/wheels.yaml's torch and TensorFlow releases and CUDA builds) with a fixed seed.
``--side-by-side`` measures today's fleet (copies of ``--distinct`` machines) and the diverse one
in the same run. Peak RSS is each run's own (``ru_maxrss`` of a parent made for that run).
``--before DIR`` runs a checkout of another commit (``git archive COMMIT | tar -x -C DIR``) on
the same files first, each fleet with its own warm-up, so "before" and "after" share the load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MACHINES = HERE.parent / "tests" / "fixtures" / "personas5" / "machines"


def make_fleet(folder: Path, files: int, distinct: int) -> None:
    bases = [json.loads(p.read_text()) for p in sorted(MACHINES.glob("*.json"))]
    for i in range(files):
        k = i % distinct  # the machine; past the personas, one with another amount of memory
        doc = json.loads(json.dumps(bases[k % len(bases)]))
        if k >= len(bases) and isinstance(doc.get("memory"), dict):
            doc["memory"]["total_bytes"] = (doc["memory"].get("total_bytes") or 0) + (k << 20)
        doc["hostname"] = f"node{i:05d}"
        doc["collected_at"] = f"2026-12-01T10:{i % 60:02d}:00Z"
        for probe in (doc.get("probes") or {}).values():
            if isinstance(probe, dict):
                probe["seconds"] = 0.001 * (i % 97)
        (folder / f"node{i:05d}.json").write_text(json.dumps(doc))


RULES = HERE.parent / "recommender" / "rules"
PYTHONS = ("3.9.19", "3.10.14", "3.11.9", "3.12.7", "3.13.1")


def catalog() -> dict[str, list]:
    """What a diverse fleet draws from: the catalog's own rows."""
    import yaml

    gpus = yaml.safe_load((RULES / "gpus.yaml").read_text())
    wheels = yaml.safe_load((RULES / "wheels.yaml").read_text())
    names = [(n, g["cc"]) for g in gpus["gpus"] for n in g.get("names") or () if "cc" in g]
    branches = sorted(gpus["driver_branches"]["min_branch"].items(), key=lambda kv: kv[1])
    cuda_builds = [b for b in wheels["builds"] if b.get("framework") == "pytorch" and b.get("cuda")]
    torch = [r["newest"] for r in wheels["releases"] if r["package"] == "torch"]
    tf = [r["newest"] for r in wheels["releases"] if r["package"] == "tensorflow"]
    return {"gpus": names, "drivers": branches, "builds": cuda_builds, "torch": torch, "tf": tf}


def make_diverse_fleet(folder: Path, files: int, seed: int = 24) -> int:
    """``files`` machines, each with its own GPU, driver, Python and builds; returns how many
    distinct (GPU, driver, Python, torch, TF) combinations were drawn."""
    import random

    rng = random.Random(seed)
    cat = catalog()
    base = json.loads((MACHINES / "a100-cuda-full.json").read_text())
    seen = set()
    for i in range(files):
        doc = json.loads(json.dumps(base))
        name, cc = rng.choice(cat["gpus"])
        max_cuda, branch = rng.choice(cat["drivers"][-12:])
        driver = (
            f"{branch + rng.randrange(0, 9)}.{rng.randrange(10, 99)}.{rng.randrange(1, 20):02d}"
        )
        python = rng.choice(PYTHONS)
        build = rng.choice(cat["builds"])
        torch = f"{rng.choice(cat['torch'])}+cu{build['cuda'].replace('.', '')}"
        tf = rng.choice(cat["tf"])
        for acc in doc["accelerators"]:
            acc.update(name=f"NVIDIA {name}", compute_capability=cc, driver_version=driver,
                       max_cuda=max_cuda)  # fmt: skip
        doc["python"]["version"] = python
        doc["frameworks"]["pytorch"].update(version=torch)
        doc["frameworks"]["pytorch"]["build"].update(cuda=build["cuda"])
        doc["frameworks"]["tensorflow"].update(version=tf)
        seen.add((name, driver, python, torch, tf))
        doc["hostname"] = f"node{i:05d}"
        doc["collected_at"] = f"2026-12-01T10:{i % 60:02d}:00Z"
        (folder / f"node{i:05d}.json").write_text(json.dumps(doc))
    return len(seen)


#: As an installed dlrec runs: its bytecode compiled once (pip does it at install time), not
#: recompiled on every run as under PYTHONDONTWRITEBYTECODE (about 0.25 s here).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: Runs one command and prints its peak RSS (KB), CPU seconds and exit code on stderr's last
#: line: each run measured in its own parent, so a small run after a large one is not hidden by
#: its peak. CPU time is the steadier figure on a shared machine (wall time waits for others).
_MEASURE = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(f'\\n{u.ru_maxrss} {u.ru_utime + u.ru_stime} {p.returncode}', file=sys.stderr)\n"
)


def run_once(folder: Path, tree: Path | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one ``dlrec recommend --facts DIR``, by
    this tree's dlrec or ``tree``'s (another commit's, first on the path)."""
    argv = [sys.executable, "-m", "recommender", "recommend", "--facts", str(folder)]
    argv += ["--no-smoke", "--json", "--accelerator", "nvidia"]
    env = ENV if tree is None else {**ENV, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, cwd=tree,
    )  # fmt: skip
    wall = time.perf_counter() - start
    peak_kb, cpu, code = proc.stderr.rstrip().rsplit("\n", 1)[-1].split()
    if proc.returncode != 0 or code not in ("0", "1"):
        sys.exit(f"dlrec failed ({code}): {proc.stderr[-2000:]}")
    nodes = len(json.loads(proc.stdout)["fleet"]["nodes"])
    assert nodes == len([p for p in folder.glob("*.json") if ".recommendation." not in p.name])
    return wall, int(peak_kb) / 1024, float(cpu)


def measure(
    files: int, distinct: int, rounds: int, diverse: bool, trees: list[Path | None]
) -> tuple[int, list[list]]:
    """(distinct machines, per tree [(wall, peak MB, CPU)] per round) of one fleet, each tree
    after its own warm-up run."""
    with tempfile.TemporaryDirectory(prefix="dlrec-fleet-") as tmp:
        folder = Path(tmp)
        if diverse:
            distinct = make_diverse_fleet(folder, files)
        else:
            make_fleet(folder, files, distinct)
        out = []
        for tree in trees:
            run_once(folder, tree)  # warm-up: the page cache and the bytecode, as on a second run
            out.append([run_once(folder, tree) for _ in range(rounds)])
        return distinct, out


def write_node_documents(folder: Path) -> float:
    """Each node's own recommendation beside its facts, as ``dlrec fleet node-recommend`` writes
    it on the node (here in one process, one rule base: the nodes' work, done before timing the
    head); returns the seconds it took."""
    from recommender.facts.fleet import NODE_SUFFIX
    from recommender.pipeline import Request, node_recommendation
    from recommender.rulebase.load import load_rulebase

    start = time.perf_counter()
    rulebase = load_rulebase()
    request = Request(flags={"accelerator": "nvidia"}, smoke=False)
    for facts in sorted(folder.glob("node*.json")):
        if facts.name.endswith(NODE_SUFFIX):
            continue
        doc = node_recommendation(request, str(facts), rulebase=rulebase)
        facts.with_name(facts.stem + NODE_SUFFIX).write_text(json.dumps(doc))
    return time.perf_counter() - start


def measure_documents(files: int, rounds: int) -> None:
    """The diverse fleet evaluated on the head (today), then folded from the nodes' own
    recommendations (evaluation on the nodes), in one run on the same facts files."""
    with tempfile.TemporaryDirectory(prefix="dlrec-fleet-") as tmp:
        heads, nodes = Path(tmp, "head"), Path(tmp, "nodes")
        heads.mkdir()
        make_diverse_fleet(heads, files)
        shutil.copytree(heads, nodes)
        made = write_node_documents(nodes)
        size = sum(p.stat().st_size for p in nodes.glob("*" + ".recommendation.json"))
        print(f"node documents: {files:,} written in {made:.1f} s ({size / 1e6:.0f} MB)")
        print("| diverse fleet | files | wall | CPU | peak RSS | load (1 min) | target |")
        print("|---|---|---|---|---|---|---|")
        for label, folder in (
            ("evaluated on the head", heads),
            ("folded from nodes' documents", nodes),
        ):
            run_once(folder)  # warm-up
            for _ in range(rounds):
                wall, peak, cpu = run_once(folder)
                print(
                    f"| {label} | {files:,} | {wall:.2f} s | {cpu:.2f} s | {peak:.0f} MB "
                    f"| {os.getloadavg()[0]:.1f} | <= 20 s, 300 MB |"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--distinct", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--diverse", action="store_true", help="GPU x driver x Python x builds")
    ap.add_argument(
        "--side-by-side",
        action="store_true",
        help="today's fleet of copies, then the diverse fleet, in one run",
    )
    ap.add_argument(
        "--before",
        type=Path,
        help="another commit's tree (git archive | tar -x), run first on the same files",
    )
    ap.add_argument(
        "--node-documents",
        action="store_true",
        help="the diverse fleet on the head, then folded from the nodes' own recommendations",
    )
    args = ap.parse_args()
    if args.node_documents:
        measure_documents(args.files, args.rounds)
        return
    kinds = [False, True] if args.side_by_side else [args.diverse]
    trees: list[Path | None] = [args.before.resolve(), None] if args.before else [None]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(
        "| fleet | tree | files | distinct machines | wall (median) | CPU (median) | peak RSS "
        "| load (1 min) | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    walls = []
    for diverse in kinds:
        distinct, per_tree = measure(args.files, args.distinct, args.rounds, diverse, trees)
        load = os.getloadavg()[0]
        for tree, runs in zip(trees, per_tree):
            wall = statistics.median(w for w, _, _ in runs)
            cpu = statistics.median(c for _, _, c in runs)
            peak = max(r for _, r, _ in runs)
            name = "diverse (GPU x driver x Python x builds)" if diverse else "copies"
            target = "<= 20 s, 300 MB" if diverse else "<= 3 s, 150 MB"
            label = "before" if tree is not None else "this tree"
            print(
                f"| {name} | {label} | {args.files:,} | {distinct:,} | {wall:.2f} s | {cpu:.2f} s "
                f"| {peak:.0f} MB | {load:.1f} | {target} |"
            )
            walls.append(f"{name}, {label}: " + ", ".join(f"{w:.2f}" for w, _, _ in runs))
    print("wall of each round (s): " + "; ".join(walls))


if __name__ == "__main__":
    main()
