"""Time `dlrec diagnose` on a 2 MB paste (issue 21: the goal is under 2 s here).

The paste is the three pastes of tests/fixtures/pastes repeated to 2 MB: collect_env-free
sessions, nvidia-smi tables, pip/conda lists, an HF env dump and error messages, so that every
reader and every signature has work on every repetition. The second input (``varied``) repeats
nothing: the development cases' texts (benchmarks/reports/cases, cases up to ``VARIED_UNTIL``)
joined, then joined again with each line behind a log timestamp of its own (a long log's lines
are all different), to 2 MB: a paste of a thousand issues' wordings, where the first one's few
pastes repeat the same words. Prints the reading time (read_paste) of each and the whole
command's time (a fresh `dlrec diagnose` process), each the best of three.

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
#: The last case the varied paste reads (the corpus grows; the input should not).
VARIED_UNTIL = 1906


def paste(size: int = SIZE) -> str:
    unit = "\n".join(p.read_text(encoding="utf-8") for p in sorted(PASTES.glob("*.txt")))
    return (unit * (size // len(unit) + 1))[:size]


def varied(size: int = SIZE) -> str:
    """The development cases' texts joined, then again with every line stamped, to ``size``
    bytes."""
    try:
        from benchmarks.score_reports import ROOT as CASES
        from benchmarks.score_reports import cases
    except ModuleNotFoundError:  # run as a script: its own folder is the first on the path
        from score_reports import ROOT as CASES  # type: ignore[no-redef]
        from score_reports import cases  # type: ignore[no-redef]

    texts = [
        (CASES / f"{cid}.txt").read_text(encoding="utf-8")
        for cid, _ in cases("dev", until=VARIED_UNTIL)
    ]
    lines = "\n".join(texts).split("\n")
    copies, copy = ["\n".join(lines)], 0
    while sum(map(len, copies)) < size:
        copy += 1
        copies.append("\n".join(f"[{copy}:{i:07d}] {line}" for i, line in enumerate(lines)))
    # cut at ``size`` bytes (dlrec diagnose reads a file of at most 2 MiB), not inside a character
    return "\n".join(copies).encode()[:size].decode(errors="ignore")


def main() -> int:
    from recommender.facts.reports import read_paste
    from recommender.facts.reports.tables import load_hardware_tables

    text, other = paste(), varied()
    tables = load_hardware_tables()  # once, as dlrec diagnose loads them: the reading is timed
    best = min(_timed(lambda: read_paste(text, origin="bench", tables=tables)) for _ in range(3))
    best_varied = min(
        _timed(lambda: read_paste(other, origin="bench", tables=tables)) for _ in range(3)
    )
    whole, whole_varied = _command(text), _command(other)
    print(f"paste: {len(text.encode()) / 1024 / 1024:.1f} MB, {text.count(chr(10))} lines")
    print(f"read_paste: {best:.2f} s; dlrec diagnose (whole command): {whole:.2f} s")
    print(f"varied paste: {len(other.encode()) / 1024 / 1024:.1f} MB, {other.count(chr(10))} lines")
    print(f"read_paste: {best_varied:.2f} s; dlrec diagnose (whole command): {whole_varied:.2f} s")
    return 0


def _command(text: str) -> float:
    """The best of three runs of a fresh ``dlrec diagnose --json`` process on ``text``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "paste.txt"
        path.write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "recommender", "diagnose", "--json", str(path)]
        return min(_timed(lambda: subprocess.run(command, capture_output=True)) for _ in range(3))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
