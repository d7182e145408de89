"""Output on terminals and pipes that cannot encode Unicode (PYTHONIOENCODING=ascii, a latin-1
locale): every report still prints, in ASCII look-alikes, instead of crashing with exit 3."""

from __future__ import annotations

import io
import os
import subprocess

import pytest

from tests.conftest import FIXTURES, ROOT, dlrec_argv

MACHINE = str(FIXTURES / "personas5" / "machines" / "linux-cpu-all.json")


@pytest.mark.parametrize(
    "args",
    [
        ("probe",),
        ("recommend", "--no-smoke", "--facts", MACHINE),
        ("recommend", "--no-smoke", "--facts", MACHINE, "--explain"),
        ("rules", "list"),
    ],
    ids=["probe", "recommend", "explain", "rules-list"],
)
def test_an_ascii_only_stdout_gets_a_report_not_a_crash(args):
    env = dict(os.environ, PYTHONIOENCODING="ascii", PYTHONUTF8="0")
    proc = subprocess.run(dlrec_argv(*args), capture_output=True, env=env, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = proc.stdout.decode("ascii")  # raises if anything but ASCII was written
    assert len(out) > 200 and b"internal error" not in proc.stderr


def test_the_writer_substitutes_look_alikes_and_delegates_the_rest():
    from recommender.report.console import _EncodableWriter

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    writer = _EncodableWriter(stream)
    writer.write("4.5 \u2588\u2588\u258b cut\u2026 \u2713 ok \u2717 no \u2603\n")
    writer.flush()
    assert raw.getvalue() == b"4.5 ### cut... + ok x no ?\n"
    assert writer.encoding == "ascii"


@pytest.mark.parametrize(
    "redirect", ["<&-", ">&- </dev/null"], ids=["stdin-closed", "stdout-closed"]
)
def test_ask_with_a_closed_stream_exits_2_with_the_way_out(redirect, tmp_path):
    """`dlrec ask <&-`: sys.stdin is None; it crashed with exit 3 (AttributeError)."""
    argv = " ".join(
        dlrec_argv(
            "ask", "--no-smoke", "--facts", MACHINE, "--save-answers", str(tmp_path / "a.yaml")
        )
    )
    proc = subprocess.run(
        f"{argv} {redirect}", shell=True, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert not (tmp_path / "a.yaml").exists()
    if redirect.startswith(">&-"):  # issue 25: a closed stdout is one line and exit 1
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == (
            "dlrec: error: cannot write the output to standard output: Bad file descriptor\n"
        )
        return
    assert proc.returncode == 2, proc.stderr
    assert "dlrec recommend --answers" in proc.stderr and "internal error" not in proc.stderr
