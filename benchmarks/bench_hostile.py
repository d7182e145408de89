"""Hostile pastes (issue 25): the time of each reader on a 200 KB and a 2 MB hostile input, and
their ratio (linear: ~10; quadratic: ~100).

    .venv/bin/python benchmarks/bench_hostile.py

Each input is the worst shape found for the readers' patterns (tests/redos.py finds them):
one huge line after a collect_env label, a GPU row padded with spaces, repeated "(gfx" and
"libcudnn_" runs, an unterminated JSON string of escaped quotes, deep brackets.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommender.core.documents import DocumentError, parse_json  # noqa: E402
from recommender.core.errors import DlrecError  # noqa: E402
from recommender.facts.load import facts_document  # noqa: E402
from recommender.smoke.failures import ChildExit, classify  # noqa: E402

HEAD = "PyTorch version: 2.3.1+cu121\nIs CUDA available: True\nGPU models and configuration:\n"


def _pastes(size: int) -> dict[str, str]:
    return {
        "GPU row + spaces": HEAD + "GPU 0:" + " " * size + "x\n",
        "repeated (gfx": HEAD + "AMD Instinct " + "(gfx90a " * (size // 8) + "\n",
        "repeated libcudnn_": "cuDNN version: " + "libcudnn_" * (size // 9) + "\n" + HEAD,
        "label + one huge line": HEAD + "OS: " + "a(b " * (size // 4) + "\n",
        "many GPU rows": HEAD + ("GPU 0: NVIDIA " + " " * 60 + "(UUID: x\n") * (size // 80),
    }


def _json(size: int) -> dict[str, str]:
    return {
        "JSON: unterminated escaped quotes": "[" * 40 + '"' + '\\"' * (size // 2),
        "JSON: deep brackets": "[" * size,
    }


def _child(size: int) -> dict[str, str]:
    return {
        "child stderr: error lines": ("RuntimeError: " + "x " * 50 + "\n") * (size // 115),
        "child stderr: one line": "ImportError: " + "libcudnn_" * (size // 9),
    }


def _time(fn, text: str) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        try:
            fn(text)
        except (DlrecError, DocumentError, ValueError):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def _classify(text: str) -> None:
    classify(ChildExit(returncode=1, phase="import", stderr_tail=text), framework="pytorch",
             device="cpu", log=None)  # fmt: skip


def main() -> None:
    readers = (
        ("collect_env / facts file", lambda t: facts_document(t, "paste.txt"), _pastes),
        ("JSON document", lambda t: parse_json(t, "doc.json"), _json),
        ("smoke failure classifier", _classify, _child),
    )
    print("| reader | input | 200 KB (s) | 2 MB (s) | ratio |")
    print("|---|---|--:|--:|--:|")
    for reader, fn, build in readers:
        small, big = build(200_000), build(1_990_000)  # under read_text's 2 MB limit
        for text in build(1000).values():  # warm up: lazy imports, the rule base
            _time(fn, text)
        for name in small:
            t_small, t_big = _time(fn, small[name]), _time(fn, big[name])
            ratio = t_big / max(t_small, 1e-6)
            print(f"| {reader} | {name} | {t_small:.3f} | {t_big:.3f} | {ratio:.1f} |")


if __name__ == "__main__":
    main()
