"""Time `dlrec diagnose` on a 2 MB paste (issue 21: the goal is under 2 s here).

The paste is the three pastes of tests/fixtures/pastes repeated to 2 MB: collect_env-free
sessions, nvidia-smi tables, pip/conda lists, an HF env dump and error messages, so that every
reader and every signature has work on every repetition. Prints the reading time (read_paste)
and the whole command's time (a fresh `dlrec diagnose` process, best of three).

    python benchmarks/bench_paste.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASTES = ROOT / "tests" / "fixtures" / "pastes"
SIZE = 2 * 1024 * 1024


def paste(size: int = SIZE) -> str:
    unit = "\n".join(p.read_text(encoding="utf-8") for p in sorted(PASTES.glob("*.txt")))
    return (unit * (size // len(unit) + 1))[:size]


def main() -> int:
    from recommender.facts.reports import read_paste
    from recommender.facts.reports.tables import load_hardware_tables

    text = paste()
    tables = load_hardware_tables()  # once, as dlrec diagnose loads them: the reading is timed
    best = min(_timed(lambda: read_paste(text, origin="bench", tables=tables)) for _ in range(3))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "paste.txt"
        path.write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "recommender", "diagnose", "--json", str(path)]
        whole = min(_timed(lambda: subprocess.run(command, capture_output=True)) for _ in range(3))
    print(f"paste: {len(text.encode()) / 1024 / 1024:.1f} MB, {text.count(chr(10))} lines")
    print(f"read_paste: {best:.2f} s; dlrec diagnose (whole command): {whole:.2f} s")
    return 0


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
