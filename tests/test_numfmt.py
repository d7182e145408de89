"""One number format everywhere: two significant figures, an SI suffix, labelled as smoke."""

from __future__ import annotations

import pytest

from recommender.core.numfmt import si, throughput


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (58786, "59k"),
        (58.8e3, "59k"),
        (1234, "1.2k"),
        (123, "120"),
        (999.7, "1k"),
        (99999, "100k"),
        (1.5e6, "1.5M"),
        (0.0456, "0.046"),
        (0, "0"),
        (None, "?"),
        (float("nan"), "?"),
    ],
)
def test_si_two_significant_figures(value, text):
    assert si(value) == text


def test_throughput_names_its_unit():
    assert throughput(58786) == "59k samples/s"


def test_every_renderer_uses_the_one_format():
    from types import SimpleNamespace

    from recommender.decide.checklist.checks.machine import smoke_figure_line as _figure
    from recommender.report.ranking import smoke_figure
    from recommender.report.smoke import model_summary

    run = SimpleNamespace(
        ok=True,
        model="mlp",
        device="cpu",
        loss_first=2.37,
        loss_last=0.01,
        accuracy=0.99,
        samples_per_s=58786.0,
        cached=False,
        converged=True,
        losses=(),
    )
    for text in (smoke_figure(run), model_summary(run), _figure(run)):
        assert "59k samples/s" in text and "58,786" not in text and "58.8k" not in text
