"""Benchmark `dlrec probe --json` against `python -m torch.utils.collect_env` (issue 2).

Runs the two commands alternately in one run (so both see the same machine state), then
reports median wall times and their ratio (target <= 0.25), dlrec's peak RSS (target <= 80 MiB,
the child's ru_maxrss from os.wait4), and `dlrec --help` wall time (target <= 0.3 s).

    python benchmarks/bench_probe.py [--rounds 7] [--write]

``--write`` replaces the "## Probe (issue 2)" section of benchmarks/RESULTS.md with the result.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().with_name("RESULTS.md")
HEADING = "## Probe (issue 2)"
TARGETS = {"ratio": 0.25, "rss_mib": 80.0, "help_s": 0.3}


def _dlrec() -> list[str]:
    script = Path(sys.executable).with_name("dlrec")
    found = str(script) if script.exists() else shutil.which("dlrec")
    if not found:
        sys.exit("bench_probe: the dlrec console script is not installed next to this Python")
    return [found]


def run_once(argv: list[str], timeout: float = 300.0) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one run; output is discarded, failure is fatal."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            sys.exit(f"bench_probe: {' '.join(argv)} did not finish within {timeout:g}s")
        time.sleep(0.001)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench_probe: {' '.join(argv)} exited {proc.returncode}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return wall, usage.ru_maxrss * scale / (1 << 20)


def machine() -> str:
    model = None
    try:
        text = Path("/proc/cpuinfo").read_text()
        match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        model = match.group(1).strip() if match else None
    except OSError:
        pass
    model = model or platform.processor() or platform.machine()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{model}, {os.cpu_count()} logical cores ({usable} usable), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def bench(rounds: int) -> dict:
    dlrec = _dlrec()
    probe_argv = [*dlrec, "probe", "--json"]
    collect_argv = [sys.executable, "-W", "ignore", "-m", "torch.utils.collect_env"]
    run_once(probe_argv)  # warm the file cache for both, untimed
    run_once(collect_argv)
    probe, collect, rss = [], [], []
    for _ in range(rounds):
        wall, peak = run_once(probe_argv)
        probe.append(wall)
        rss.append(peak)
        collect.append(run_once(collect_argv)[0])
    helps = [run_once([*dlrec, "--help"])[0] for _ in range(rounds)]
    return {
        "rounds": rounds,
        "probe_s": statistics.median(probe),
        "collect_s": statistics.median(collect),
        "ratio": statistics.median(probe) / statistics.median(collect),
        "rss_mib": max(rss),
        "help_s": statistics.median(helps),
        "probe_all": probe,
        "collect_all": collect,
    }


def report(r: dict) -> str:
    def verdict(value: float, key: str) -> str:
        return "meets" if value <= TARGETS[key] else "MISSES"

    runs = lambda xs: ", ".join(f"{x:.3f}" for x in xs)  # noqa: E731
    return "\n".join(
        [
            HEADING,
            "",
            f"Machine: {machine()}.",
            f"Command: `python benchmarks/bench_probe.py --rounds {r['rounds']} --write` "
            f"({r['rounds']} alternating rounds after one untimed warm-up of each).",
            "",
            "| measure | result | target |",
            "|---|---|---|",
            f"| `dlrec probe --json`, median wall | {r['probe_s']:.3f} s | |",
            f"| `python -m torch.utils.collect_env`, median wall | {r['collect_s']:.3f} s | |",
            f"| ratio probe / collect_env | **{r['ratio']:.3f}** | <= {TARGETS['ratio']} "
            f"({verdict(r['ratio'], 'ratio')}) |",
            f"| `dlrec probe --json` peak RSS (max over rounds) | **{r['rss_mib']:.1f} MiB** | "
            f"<= {TARGETS['rss_mib']:g} MiB ({verdict(r['rss_mib'], 'rss_mib')}) |",
            f"| `dlrec --help`, median wall | **{r['help_s']:.3f} s** | <= {TARGETS['help_s']} s "
            f"({verdict(r['help_s'], 'help_s')}) |",
            "",
            f"dlrec probe runs (s): {runs(r['probe_all'])}  ",
            f"collect_env runs (s): {runs(r['collect_all'])}",
            "",
            "dlrec covers TensorFlow, PyTorch and Keras (from package metadata and installed build "
            "files, no framework import); collect_env imports torch and covers PyTorch only.",
            "",
        ]
    )


def write_section(text: str) -> None:
    """Replace (or append) this benchmark's section; other sections are left as they are."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
    new = (
        pattern.sub(lambda _: text + "\n", old, count=1)
        if pattern.search(old)
        else old.rstrip("\n") + "\n\n" + text
    )
    RESULTS.write_text(new.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", action="store_true", help=f"update {RESULTS.name}")
    args = parser.parse_args()
    text = report(bench(args.rounds))
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
