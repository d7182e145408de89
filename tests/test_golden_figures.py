"""Golden screens for the ranking and the smoke output with smoke figures, at 80 and 120 columns.

Fixed facts, no smoke run: the SmokeResults are built here and handed to the pipeline in place
of ``run_smoke``. Regenerate with ``pytest --update-goldens``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from recommender.smoke.run import SmokeEvent, SmokeResult, SmokeRun
from tests.conftest import FIXTURES

GOLDEN = Path(__file__).resolve().parent / "golden"
LAPTOP = FIXTURES / "personas5" / "machines" / "linux-cpu-all.json"
#: framework, backend, model, samples/s, first loss, decay per step
FIGURES = (
    ("tensorflow", None, "mlp", 58786.0, 2.37, 0.80),
    ("tensorflow", None, "cnn", 4321.0, 2.41, 0.85),
    ("pytorch", None, "mlp", 61234.5, 2.31, 0.78),
    ("pytorch", None, "cnn", 7777.7, 2.35, 0.83),
    ("keras", "tensorflow", "mlp", 1234.0, 2.40, 0.88),
    ("keras", "tensorflow", "cnn", 987.6, 2.44, 0.90),
)


def smoke_results() -> tuple[SmokeResult, ...]:
    out = []
    for fw, backend, model, rate, first, decay in FIGURES:
        losses = tuple(round(first * decay**i, 4) for i in range(40))
        out.append(
            SmokeResult(
                framework=fw,
                backend=backend,
                device="cpu",
                model=model,
                ok=True,
                import_s=1.5,
                first_step_s=0.2,
                step_s=64 / rate,
                samples_per_s=rate,
                peak_rss_bytes=300 << 20,
                loss_first=losses[0],
                loss_last=losses[-1],
                accuracy=0.98,
                losses=losses,
                converged=True,
            )
        )
    return tuple(out)


def _outcome(monkeypatch):
    from recommender.facts.document import Facts
    from recommender.pipeline import machine as pipeline

    monkeypatch.setattr(pipeline, "run_smoke", lambda *a, **k: smoke_results())
    from recommender.smoke.distributed import cache as distributed_cache

    monkeypatch.setattr(distributed_cache, "with_cached_runs", lambda env, facts: facts)
    facts = Facts.from_dict(json.loads(LAPTOP.read_text()), origin="probed")  # "this machine"
    request = pipeline.Request(flags={"goal": "research", "accelerator": "cpu"}, smoke=True)
    return pipeline.recommend(request, facts=facts)


def _check(name: str, text: str, update: bool) -> None:
    golden = GOLDEN / name
    if update:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{name} changed (--update-goldens)"


@pytest.mark.parametrize("width", [80, 120])
def test_golden_ranking_with_smoke_figures(width, monkeypatch, update_goldens):
    from recommender.report.ranking import render_ranking

    outcome = _outcome(monkeypatch)
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(
        render_ranking(outcome.ranking, width=width), crop=False
    )
    text = out.getvalue()
    assert "61k" in text and "samples/s" in text
    assert "58,786" not in text and "58.8k" not in text
    assert "not benchmarks" in text
    _check(f"ranking_smoke_{width}.txt", text, update_goldens)


@pytest.mark.parametrize("width", [80, 120])
def test_golden_smoke_output(width, update_goldens):
    from recommender.report.smoke import LiveTable, plain_lines

    results = smoke_results()
    table = LiveTable()
    for r in {(r.framework, r.backend): r for r in results}.values():
        run = SmokeRun(framework=r.framework, backend=r.backend, device="cpu")
        group = tuple(x for x in results if (x.framework, x.backend) == (r.framework, r.backend))
        table.on_event(SmokeEvent(kind="phase", run=run, phase="training"))
        table.on_event(SmokeEvent(kind="done", run=run, results=group, elapsed=12.5))
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    console.print(table.renderable())
    for line in plain_lines(results, verbose=False):
        console.print(line, soft_wrap=True, markup=False)
    text = out.getvalue()
    assert "59k samples/s" in text and "▁" in text
    _check(f"smoke_{width}.txt", text, update_goldens)
