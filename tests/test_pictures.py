"""Small pictures: the loss sparkline, the fleet's bar charts, and their ASCII fallback."""

from __future__ import annotations

import io
import json

from recommender.cli.main import cli
from recommender.report.pictures import SPARKS, bar, loss_curve, sparkline
from recommender.smoke.run import SmokeResult
from tests.conftest import FIXTURES


def test_sparkline_falls_from_the_highest_to_the_lowest_level():
    line = sparkline([2.37, 1.0, 0.5, 0.1, 0.01])
    assert line[0] == SPARKS[-1] and line[-1] == SPARKS[0] and len(line) == 5
    assert sparkline([1.0, 1.0, 1.0]) == SPARKS[0] * 3  # flat is flat, not a division by zero
    assert sparkline([]) == "" and sparkline([float("nan")]) == ""
    assert len(sparkline(list(range(40, 0, -1)), cells=8)) == 8  # 40 steps, 8 cells


def test_loss_curve_names_the_first_and_last_loss():
    text = loss_curve([2.37, 1.2, 0.6, 0.2, 0.01])
    assert text.startswith("loss 2.37 ") and text.endswith(" 0.01")
    assert loss_curve(()) == ""


def test_bar_counts_in_eighths_and_a_single_node_still_shows():
    assert bar(4, 4, 8) == "█" * 8
    assert bar(2, 4, 8) == "█" * 4
    assert bar(1, 1000, 8) == "▏"
    assert bar(0, 4, 8) == ""


def test_smoke_result_keeps_its_losses_in_to_dict_and_back():
    r = SmokeResult(
        framework="pytorch",
        backend=None,
        device="cpu",
        model="mlp",
        ok=True,
        losses=(2.37, 0.5, 0.01),
    )
    doc = r.to_dict()
    assert doc["losses"] == [2.37, 0.5, 0.01]
    json.dumps(doc)  # stays JSON
    assert SmokeResult.from_dict(doc).losses == (2.37, 0.5, 0.01)
    assert SmokeResult.from_dict({**doc, "losses": "junk"}).losses == ()


def test_cache_format_went_up_for_the_losses():
    from recommender.smoke import cache

    assert cache.CACHE_FORMAT >= 2


def test_child_reports_per_step_losses(monkeypatch):
    from recommender.smoke.children import train

    class Fake:
        @staticmethod
        def trainer(model, device, threads):
            import numpy as np

            state = {"loss": 2.0}

            def step(x, y):
                state["loss"] *= 0.5
                return state["loss"]

            return step, (lambda x: np.zeros(len(x), dtype=int)), (lambda: None)

    monkeypatch.setattr(train, "trainer_module", lambda fw: Fake)
    doc = train.train_one("pytorch", "mlp", "cpu", 5, 1)
    assert doc["losses"] == [1.0, 0.5, 0.25, 0.125, 0.0625]


def _ascii_console():
    from rich.console import Console

    from recommender.report.console import _EncodableWriter

    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    return raw, Console(file=_EncodableWriter(raw), width=100, color_system=None)


def test_pictures_fall_back_to_ascii():
    raw, console = _ascii_console()
    console.print(f"{loss_curve([2.37, 1.2, 0.6, 0.2, 0.01])} {bar(3, 4, 8)}")
    raw.flush()
    text = raw.buffer.getvalue().decode("ascii")
    assert text.startswith("loss 2.37 #") and "?" not in text and "#" in text


def test_fleet_report_draws_the_spread_as_bar_charts(runner):
    result = runner.invoke(
        cli,
        [
            "recommend",
            "--no-smoke",
            "--facts",
            str(FIXTURES / "fleet" / "old_driver"),
            "--accelerator",
            "nvidia",
        ],
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    driver = next(line for line in lines if "NVIDIA driver" in line and "470.256.02" in line)
    assert "█" in driver and driver.rstrip().endswith("1")
    assert any("580.65.06" in line and line.rstrip().endswith("2") for line in lines)
    assert any("max CUDA" in line and "11.4" in line for line in lines)


def test_fleet_spread_counts_every_value(runner):
    result = runner.invoke(
        cli,
        [
            "recommend",
            "--json",
            "--no-smoke",
            "--facts",
            str(FIXTURES / "fleet" / "old_driver"),
            "--accelerator",
            "nvidia",
        ],
    )
    spread = json.loads(result.stdout)["fleet"]["spread"]
    assert sum(len(v) for v in spread["drivers"].values()) == 4
    assert list(spread["drivers"])[0] == "470.256.02"  # lowest version first
