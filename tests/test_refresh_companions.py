"""recommender/maintainer/refresh_companions.py: rules/companions.yaml is regenerated from pip's own
reports (``pip index versions``, ``pip install --dry-run --report``), never typed by hand. pip is
replaced here by recorded answers; the committed table is checked to be what ``render`` writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import yaml

from recommender.maintainer import refresh_companions as rc
from recommender.probes.process import CommandResult
from recommender.rulebase import companions

_REPORTS = {
    "xformers==0.0.28.post3": ["numpy", "torch==2.5.1"],
    "xformers==0.0.29": ["numpy", "torch==2.5.1"],
    "tensorflow-io==0.37.1": [
        'tensorflow<2.17.0,>=2.16.0; extra == "tensorflow"',
        "tensorflow-io-gcs-filesystem==0.37.1",
    ],
}


def _runner(argv: Sequence[str]) -> CommandResult:
    args = tuple(argv)
    if "index" in args:
        name = args[-1]
        versions = {"xformers": "0.0.29, 0.0.28.post3, 0.0.19rc1", "tensorflow-io": "0.37.1"}.get(
            name, ""
        )
        out = f"{name} (x)\nAvailable versions: {versions}\n" if versions else ""
        return CommandResult(argv=args, returncode=0 if out else 1, stdout=out)
    spec = args[-1]
    if spec not in _REPORTS or args[args.index("--python-version") + 1] != "3.10":
        return CommandResult(argv=args, returncode=1, stderr="no matching distribution")
    name, _, version = spec.partition("==")
    report = {
        "install": [
            {"metadata": {"name": name, "version": version, "requires_dist": _REPORTS[spec]}}
        ]
    }
    return CommandResult(argv=args, returncode=0, stdout=json.dumps(report))


def test_releases_are_final_ones_from_the_floor_up() -> None:
    assert rc.releases("python", _runner, "xformers", "0.0.20") == ["0.0.28.post3", "0.0.29"]


def test_pins_keep_the_framework_and_extras_named_after_it() -> None:
    assert rc.pins_of(_REPORTS["tensorflow-io==0.37.1"], ("tensorflow",)) == {
        "tensorflow": "<2.17.0,>=2.16.0"
    }
    assert rc.pins_of(["torch (==2.5.1)", "numpy"], ("torch",)) == {"torch": "==2.5.1"}
    assert rc.pins_of(['torch==2.1; extra == "dev"'], ("torch",)) == {}


def test_a_refresh_renders_a_table_the_diagnosis_loads(tmp_path: Path) -> None:
    table = {
        name: rows
        for name, rows in rc.refresh("python", _runner, workers=2, log=lambda _: None).items()
        if name in ("xformers", "tensorflow-io")
    }
    assert table == {
        "xformers": {"0.0.28.post3": {"torch": "==2.5.1"}, "0.0.29": {"torch": "==2.5.1"}},
        "tensorflow-io": {"0.37.1": {"tensorflow": "<2.17.0,>=2.16.0"}},
    }
    out = tmp_path / "companions.yaml"
    out.write_text(rc.render(table, "2026-12-05"), encoding="utf-8")
    pins, sources = companions.load(out)
    assert pins["xformers"]["0.0.29"] == {"torch": "==2.5.1"}
    assert sources["tensorflow-io"] == "https://pypi.org/project/tensorflow-io/#history"


def test_the_committed_table_is_what_render_writes() -> None:
    text = companions.TABLE.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    table = {name: entry["pins"] for name, entry in doc["packages"].items()}
    assert rc.render(table, str(doc["verified"])) == text
