"""No text, however garbled, makes the importer raise anything but BadInputError, and whatever
it accepts is a facts document ``Facts.from_dict`` accepts."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.core.errors import BadInputError
from recommender.facts.document import Facts
from recommender.facts.reports.collect_env import import_report, looks_like_collect_env
from recommender.facts.reports.text import LABELS
from tests.conftest import FIXTURES

BASE = FIXTURES / "collect_env"
REPORTS = [p.read_text(encoding="utf-8") for p in sorted(BASE.glob("*/*.txt"))]
# The home-isolating autouse fixture is function-scoped; nothing here touches the home.
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _accepts_or_refuses(text: str) -> None:
    try:
        doc = import_report(text, origin="fuzz")
    except BadInputError as exc:
        assert exc.where == "fuzz" and "\n" not in str(exc)
        return
    Facts.from_dict(doc)
    assert looks_like_collect_env(text)


@FAST
@given(st.text(max_size=2000))
def test_random_text(text):
    _accepts_or_refuses(text)


@FAST
@given(st.sampled_from(REPORTS), st.integers(0, 5000), st.integers(0, 5000))
def test_random_slices_of_real_reports(report, start, length):
    _accepts_or_refuses(report[start : start + length])


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "duplicate", "replace"]),
        st.integers(0, 4000),
        st.integers(0, 400),
        st.text(max_size=80),
    ),
    max_size=8,
)


def _apply(text: str, edits) -> str:
    for op, at, size, junk in edits:
        at = at % (len(text) + 1)
        if op == "insert":
            text = text[:at] + junk + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + size :]
        elif op == "duplicate":
            text = text[:at] + text[at : at + size] * 3 + text[at:]
        else:
            text = text[:at] + junk + text[at + len(junk) :]
    return text


@FAST
@given(st.sampled_from(REPORTS), _EDITS)
def test_random_mutations_of_real_reports(report, edits):
    _accepts_or_refuses(_apply(report, edits))


_VALUE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "N/A",
            "None",
            "No CUDA",
            "Could not collect",
            "True",
            "False",
            "Yes",
            "",
            "GPU 0: NVIDIA H100",
            "AMD Instinct MI300X (gfx942:sramecc+:xnack-)",
            "99999999999999999999999.1",
            "535.86.10",
            "12.1",
            "2.1.0+cu121",
            "sm_120",
            "Probably one of the following:",
            "macOS 15.3 (x86_64)",
        ]
    ),
)
_LINE = st.one_of(
    st.builds(lambda label, value: f"{label}: {value}", st.sampled_from(sorted(LABELS)), _VALUE),
    st.builds(lambda i, name: f"GPU {i}: {name}", st.integers(0, 10**6), _VALUE),
    st.builds(
        lambda k, v: f"{k}: {v}",
        st.sampled_from(["Model name", "Flags", "CPU(s)", "Architecture", "Name", "架构"]),
        _VALUE,
    ),
    st.sampled_from(
        [
            "CPU:",
            "==============================",
            "[pip3] torch==2.1.0",
            "[conda] pytorch 1.6.0 py3.7 pytorch",
            "MIG 3g.40gb Device 0:",
            "",
            "The NVIDIA driver on your system is too old (found version 11040).",
        ]
    ),
    _VALUE,
)


@FAST
@given(st.lists(_LINE, min_size=0, max_size=40))
def test_report_shaped_garbage(lines):
    _accepts_or_refuses("\n".join(lines))


HUGE = {
    "wrapped_value": "PyTorch version: 2.1\nPython version: "
    + "x" * 50
    + "\n"
    + ("y" * 55 + "\n") * 30000,
    "gpu_rows": "PyTorch version: 2.1\nGPU models and configuration:\n"
    + "".join(f"GPU {i % 1000}: NVIDIA H100\nMIG 1g.10gb Device 0:\n" for i in range(40000)),
    "cpu_rows": "PyTorch version: 2.1\nIs debug build: False\nCPU:\nFlags: a\n"
    + ("b" * 60 + "\n") * 30000,
    "one_line": "PyTorch version: 2.1\nIs debug build: False\nPython platform: Linux-"
    + "a-" * 900000,
}


def test_a_huge_garbled_paste_stays_fast():
    for name, text in HUGE.items():
        start = time.perf_counter()
        Facts.from_dict(import_report(text, origin=name))
        assert time.perf_counter() - start < 5, name  # linear: ~1 s for 2 MB on a slow CI box
